"""Resident ID numbers (GB 11643) and eligibility: the checksum, real dates, the province
prefix, the 15-digit form, and the 70th birthday's boundary (the day before, the day itself,
a 29 February birth)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shishi.appointments import eligibility
from shishi.core import pii

HOME_VISIT: list[dict[str, Any]] = [
    {"kind": "age", "min": 70},
    {"kind": "confirm", "text": "生活不能自理"},
]


def id_number(born: dt.date, region: str = "230103", serial: str = "123") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + pii.id_check_character(first17)


@given(
    born=st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2020, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    province=st.sampled_from(sorted(pii.PROVINCES)),
)
def test_every_well_formed_number_is_read_and_any_other_check_character_refused(
    born: dt.date, serial: int, province: str
) -> None:
    number = id_number(born, f"{province}0102", f"{serial:03d}")
    assert eligibility.birth_date(number) == born
    assert eligibility.birth_date(number.lower()) == born  # a lower-case x
    for wrong in "0123456789X":
        if wrong != number[-1]:
            with pytest.raises(ValueError):
                eligibility.birth_date(number[:17] + wrong)


@given(born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)))
def test_the_15_digit_form_is_the_18_digit_one(born: dt.date) -> None:
    old = f"230103{born:%y%m%d}123"
    assert eligibility.birth_date(old) == born


@pytest.mark.parametrize(
    "bad",
    [
        "23010319000229123",  # 17 characters
        "230103" + "19000229" + "123",  # 29 February 1900: 1900 was not a leap year
        "990103" + "19500302" + "123",  # no such province
        "230103" + "19501302" + "123",  # month 13
        "２３０１０３１９５０" + "0302123",  # full-width digits
        "",
    ],
)
def test_malformed_numbers_are_refused(bad: str) -> None:
    candidate = bad if len(bad) != 17 else bad + pii.id_check_character(bad)
    if len(bad) == 17 and not bad.isascii():
        candidate = bad + "0"
    with pytest.raises(ValueError):
        eligibility.birth_date(candidate)


def test_a_29_february_1900_that_never_was() -> None:
    first17 = "23010319000229123"
    with pytest.raises(ValueError):
        eligibility.birth_date(first17 + pii.id_check_character(first17))
    first17 = "23010320000229123"  # 2000 was a leap year
    assert eligibility.birth_date(first17 + pii.id_check_character(first17)) == dt.date(2000, 2, 29)


def test_the_70th_birthday_itself_counts() -> None:
    number = id_number(dt.date(1956, 3, 2))
    before = eligibility.evaluate(HOME_VISIT, id_number=number, on=dt.date(2026, 3, 1), match="any")
    assert not before.eligible
    assert before.reasons == ["未满70周岁（1956-03-02出生，2026-03-02年满70周岁）"]
    assert before.to_confirm == ["生活不能自理"]  # the other way in
    day = eligibility.evaluate(HOME_VISIT, id_number=number, on=dt.date(2026, 3, 2), match="any")
    assert day.eligible and day.reasons == ["年满70周岁（1956-03-02出生）"]
    counted_after = eligibility.evaluate(
        HOME_VISIT, id_number=number, on=dt.date(2026, 3, 2), match="any", day_after=True
    )
    assert not counted_after.eligible
    assert eligibility.evaluate(
        HOME_VISIT, id_number=number, on=dt.date(2026, 3, 3), match="any", day_after=True
    ).eligible


@pytest.mark.parametrize(
    ("on", "eligible"),
    [
        (dt.date(2026, 2, 28), False),  # a common year: no 29 February
        (dt.date(2026, 3, 1), True),  # from 1 March
        (dt.date(2028, 2, 28), True),  # 72 by then
    ],
)
def test_a_29_february_birth(on: dt.date, eligible: bool) -> None:
    number = id_number(dt.date(1956, 2, 29))
    assert eligibility.reaches(dt.date(1956, 2, 29), 70) == dt.date(2026, 3, 1)
    assert eligibility.reaches(dt.date(1956, 2, 29), 72) == dt.date(2028, 2, 29)
    verdict = eligibility.evaluate(HOME_VISIT[:1], id_number=number, on=on)
    assert verdict.eligible is eligible


def test_all_rules_together() -> None:
    rules: list[dict[str, Any]] = [
        {"kind": "age", "min": 60},
        {"kind": "disability"},
        {"kind": "place", "places": ["哈尔滨科技大厦", "南岗区数字经济产业园"]},
    ]
    number = id_number(dt.date(1950, 5, 1))
    verdict = eligibility.evaluate(rules, id_number=number, on=dt.date(2026, 12, 5))
    assert verdict.eligible  # eligible once the operator has confirmed the rest
    assert verdict.to_confirm == [
        "持有残疾人证（请查验证件）",
        "企业位于：哈尔滨科技大厦、南岗区数字经济产业园",
    ]
    young = eligibility.evaluate(
        rules, id_number=id_number(dt.date(1990, 5, 1)), on=dt.date(2026, 12, 5)
    )
    assert not young.eligible


def test_rules_as_the_office_writes_them_are_checked() -> None:
    assert eligibility.check_rules(HOME_VISIT) == []
    assert eligibility.check_rules("age>70") == ["服务条件应是一组规则"]
    problems = eligibility.check_rules(
        [
            {"kind": "age", "min": 0},
            {"kind": "place", "places": []},
            {"kind": "x"},
            {"kind": "confirm"},
        ]
    )
    assert problems == [
        "第1条：年龄应是1到130之间的整数",
        "第2条：请列出楼宇或重点项目",
        "第3条：未知的条件类型",
        "第4条：请写明需要确认的条件",
    ]
