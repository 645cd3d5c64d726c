"""The matcher's two forms agree: ``judge`` (one enterprise, with reasons) and
``compile_policy`` (the whole register in one query), for every kind of condition, with
figures known and missing."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest

from shishi.conftest import World
from shishi.enterprise.matching import (
    Condition,
    Facts,
    compile_policy,
    judge,
    verdict_of,
    years_ago,
)
from shishi.enterprise.models import ConditionKind, Enterprise, Qualification, Verdict

TODAY = dt.date(2026, 12, 5)


def test_verdicts_in_three_values() -> None:
    assert verdict_of([True, True]) == Verdict.ELIGIBLE
    assert verdict_of([True, None]) == Verdict.POSSIBLE
    assert verdict_of([None, False]) == Verdict.INELIGIBLE
    assert verdict_of([]) == Verdict.ELIGIBLE  # a policy with no condition fits everyone


def test_whole_years_since_founding() -> None:
    assert years_ago(dt.date(2026, 3, 1), 3) == dt.date(2023, 3, 1)
    assert years_ago(dt.date(2028, 2, 29), 1) == dt.date(2027, 2, 28)
    years = Condition(ConditionKind.YEARS_MIN, {"value": 3})
    founded = dt.date(2023, 12, 5)
    assert judge([years], Facts(founded_on=founded), TODAY).verdict == Verdict.ELIGIBLE
    later = Facts(founded_on=founded + dt.timedelta(days=1))
    assert judge([years], later, TODAY).verdict == Verdict.INELIGIBLE
    young = Condition(ConditionKind.YEARS_MAX, {"value": 3})
    assert judge([young], Facts(founded_on=founded), TODAY).verdict == Verdict.ELIGIBLE
    older = Facts(founded_on=founded - dt.timedelta(days=1))
    assert judge([young], older, TODAY).verdict == Verdict.INELIGIBLE


def test_each_condition_says_what_it_saw() -> None:
    conditions = [
        Condition(ConditionKind.INDUSTRY_ANY, {"codes": ["I65", "M"]}),
        Condition(ConditionKind.SIZE_IN, {"sizes": ["small", "micro"]}),
        Condition(ConditionKind.QUALIFICATION_ANY, {"names": ["高新技术企业", "专精特新"]}),
        Condition(ConditionKind.REVENUE_MIN, {"value": "500"}),
        Condition(ConditionKind.TEXT, {"text": "近三年无重大安全生产事故"}),
    ]
    facts = Facts(
        industry_code="I6513",
        size="small",
        qualifications=frozenset({"专精特新"}),
        revenue=None,
    )
    result = judge(conditions, facts, TODAY)
    assert result.verdict == Verdict.POSSIBLE
    assert [(r.condition, r.met, r.detail) for r in result.rows] == [
        ("行业属于软件和信息技术服务业（I65）、科学研究和技术服务业（M）", True, "行业代码I6513"),
        ("企业规模为小型、微型", True, "小型"),
        ("具有高新技术企业、专精特新之一", True, "具有专精特新"),
        ("营业收入不少于500万元", None, "营业收入未登记"),
        ("近三年无重大安全生产事故", None, "需人工核实"),
    ]
    poorer = Facts(industry_code="I6513", size="small", revenue=Decimal("499.99"))
    assert judge(conditions[3:4], poorer, TODAY).rows[0].detail == "营业收入499.99万元"
    assert judge(conditions[3:4], poorer, TODAY).verdict == Verdict.INELIGIBLE


CONDITIONS = [
    Condition(ConditionKind.STREET_IN, {"streets": []}),  # filled per test with a unit id
    Condition(ConditionKind.INDUSTRY_ANY, {"codes": ["I65", "C"]}),
    Condition(ConditionKind.INDUSTRY_NONE, {"codes": ["K"]}),
    Condition(ConditionKind.SIZE_IN, {"sizes": ["small", "micro"]}),
    Condition(ConditionKind.QUALIFICATION_ALL, {"names": ["高新技术企业", "专精特新"]}),
    Condition(ConditionKind.QUALIFICATION_ANY, {"names": ["科技型中小企业", "专精特新"]}),
    Condition(ConditionKind.YEARS_MIN, {"value": 2}),
    Condition(ConditionKind.YEARS_MAX, {"value": 5}),
    Condition(ConditionKind.EMPLOYEES_MIN, {"value": 10}),
    Condition(ConditionKind.EMPLOYEES_MAX, {"value": 300}),
    Condition(ConditionKind.REVENUE_MIN, {"value": "100"}),
    Condition(ConditionKind.REVENUE_MAX, {"value": "2000.5"}),
    Condition(ConditionKind.TAX_MIN, {"value": "20"}),
    Condition(ConditionKind.TEXT, {"text": "无失信记录"}),
]


@pytest.mark.django_db
def test_one_query_per_policy_agrees_with_judging_one_by_one(world: World) -> None:
    """Random enterprises (figures often missing) against every condition alone and
    against random pairs and triples: the database's eligible and possible sets are exactly
    the enterprises ``judge`` calls so."""
    rng = random.Random(18)
    streets = [world.unit_a.pk, world.unit_b.pk]  # any two units stand for streets here
    facts_of: dict[int, Facts] = {}
    for n in range(120):
        founded = rng.choice([None, TODAY - dt.timedelta(days=rng.randrange(0, 4000))])
        e = Enterprise.objects.create(
            jurisdiction=world.nangang,
            uscc=f"9123010300000{n:04d}X",
            name=f"测试企业{n}",
            industry_code=rng.choice(["", "I6513", "I6421", "C1311", "K7010", "C"]),
            founded_on=founded,
            employees=rng.choice([None, 0, 9, 10, 11, 300, 301]),
            revenue=rng.choice([None, Decimal("99.99"), Decimal("100"), Decimal("2000.5")]),
            tax_paid=rng.choice([None, Decimal("19.9"), Decimal("20")]),
            street_id=rng.choice([None, *streets]),
            size=rng.choice(["", "small", "micro", "medium"]),
        )
        held = [q for q in ("高新技术企业", "专精特新", "科技型中小企业") if rng.random() < 0.4]
        for q in held:
            Qualification.objects.create(enterprise=e, name=q)
        facts_of[e.pk] = Facts(
            industry_code=e.industry_code,
            size=e.size,
            street_id=e.street_id,
            qualifications=frozenset(held),
            founded_on=e.founded_on,
            employees=e.employees,
            revenue=e.revenue,
            tax_paid=e.tax_paid,
        )
    conditions_here = [
        Condition(ConditionKind.STREET_IN, {"streets": [streets[0]]}),
        *CONDITIONS[1:],
    ]
    policies = [[c] for c in conditions_here]
    policies += [list(p) for p in itertools.combinations(conditions_here[:13], 2)][::5]
    policies += [rng.sample(conditions_here, 3) for _ in range(10)]
    for conditions in policies:
        eligible_q, possible_q = compile_policy(conditions, TODAY)
        base = Enterprise.objects.filter(jurisdiction=world.nangang)
        eligible = set(base.filter(eligible_q).values_list("pk", flat=True))
        possible = set(base.filter(possible_q).values_list("pk", flat=True))
        expected = {pk: judge(conditions, f, TODAY).verdict for pk, f in facts_of.items()}
        assert eligible == {pk for pk, v in expected.items() if v == Verdict.ELIGIBLE}, conditions
        assert possible == {pk for pk, v in expected.items() if v == Verdict.POSSIBLE}, conditions
