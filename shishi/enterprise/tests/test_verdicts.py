"""One enterprise against the district's published policies in force: eligible, possible and
ineligible in that order, a row per condition with the enterprise's value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shishi.conftest import World
from shishi.enterprise.models import (
    ConditionKind,
    Enterprise,
    Policy,
    PolicyCondition,
    PolicyStatus,
    Qualification,
)
from shishi.enterprise.verdicts import enterprise_verdicts

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _policy(world: World, title: str, *conditions: tuple[str, dict], **values: object) -> Policy:
    values.setdefault("status", PolicyStatus.PUBLISHED)
    policy = Policy.objects.create(
        jurisdiction=world.nangang, title=title, level="district", benefit="award", **values
    )
    for order, (kind, params) in enumerate(conditions):
        PolicyCondition.objects.create(policy=policy, kind=kind, params=params, order=order)
    return policy


def test_verdicts_in_order_with_a_reason_per_condition(world: World) -> None:
    firm = Enterprise.objects.create(
        jurisdiction=world.nangang,
        uscc="91230103000000001X",
        name="企业",
        industry_code="I6513",
        revenue=Decimal("800"),
    )
    Qualification.objects.create(enterprise=firm, name="高新技术企业")
    ineligible = _policy(world, "制造业", (ConditionKind.INDUSTRY_ANY, {"codes": ["C"]}))
    eligible = _policy(
        world,
        "软件高企",
        (ConditionKind.INDUSTRY_ANY, {"codes": ["I65"]}),
        (ConditionKind.QUALIFICATION_ANY, {"names": ["高新技术企业"]}),
    )
    possible = _policy(world, "纳税大户", (ConditionKind.TAX_MIN, {"value": 100}))
    _policy(world, "草稿", status=PolicyStatus.DRAFT)
    _policy(world, "已过期", valid_until=TODAY - dt.timedelta(days=1))

    found = enterprise_verdicts(firm, today=TODAY)
    assert [(v.policy.pk, v.verdict) for v in found] == [
        (eligible.pk, "eligible"),
        (possible.pk, "possible"),
        (ineligible.pk, "ineligible"),
    ]
    rows = found[0].judgement.rows
    assert [(r.condition, r.met, r.detail) for r in rows] == [
        ("行业属于软件和信息技术服务业（I65）", True, "行业代码I6513"),
        ("具有高新技术企业之一", True, "具有高新技术企业"),
    ]
    assert found[1].judgement.rows[0].detail == "纳税额未登记"
    assert [v.verdict for v in enterprise_verdicts(firm, today=TODAY, ineligible=False)] == [
        "eligible",
        "possible",
    ]
