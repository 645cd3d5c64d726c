from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shishi.ledger.parsing import clean_text, parse_deadline, parse_money, parse_rate, split_names


@pytest.mark.parametrize(
    ("text", "due", "ongoing"),
    [
        ("2021年12月底前", dt.date(2021, 12, 31), False),
        ("6月30日前", dt.date(2021, 6, 30), False),
        ("2021.10.31", dt.date(2021, 10, 31), False),
        ("2021-11-30", dt.date(2021, 11, 30), False),
        ("2021/7/1", dt.date(2021, 7, 1), False),
        ("年底前", dt.date(2021, 12, 31), False),
        ("10月底", dt.date(2021, 10, 31), False),
        ("2021年9月", dt.date(2021, 9, 30), False),
        ("2021年8月中旬", dt.date(2021, 8, 20), False),
        ("2021年7月1日前", dt.date(2021, 7, 1), False),
        ("第三季度", dt.date(2021, 9, 30), False),
        ("上半年", dt.date(2021, 6, 30), False),
        ("２０２１年１２月底前", dt.date(2021, 12, 31), False),  # full-width digits
        (" 6月 30日前 ", dt.date(2021, 6, 30), False),
        ("长期坚持", None, True),
        ("常态化", None, True),
        ("常态化推进", None, True),
    ],
)
def test_deadlines_as_offices_write_them(text: str, due: dt.date | None, ongoing: bool) -> None:
    deadline = parse_deadline(text, 2021)
    assert deadline.due_date == due
    assert deadline.is_ongoing is ongoing


def test_excel_date_cell_is_taken_as_is() -> None:
    assert parse_deadline(dt.datetime(2021, 5, 1, 0, 0), 2021).due_date == dt.date(2021, 5, 1)


@pytest.mark.parametrize("text", ["2021年2月30日", "13月底", "尽快", "abc", "", "2021.02.29"])
def test_bad_deadlines_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_deadline(text, 2021)


@pytest.mark.parametrize(
    ("cell", "rate"),
    [
        ("70%", Decimal(70)),
        (0.7, Decimal(70)),
        ("0.9", Decimal(90)),
        ("已完成", Decimal(100)),
        ("100%", Decimal(100)),
        ("0", Decimal(0)),
        (1, Decimal(100)),
        (55, Decimal(55)),
        ("７０％", Decimal(70)),
        ("", None),
        (None, None),
    ],
)
def test_rates(cell: object, rate: Decimal | None) -> None:
    assert parse_rate(cell) == rate


@pytest.mark.parametrize("cell", ["120%", 101, "-5%", "过半", "nan"])
def test_bad_rates(cell: object) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_rate(cell)


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_any_percent_text_parses_back(value: Decimal) -> None:
    parsed = parse_rate(f"{value}%")
    assert parsed == value.quantize(Decimal("0.01"))


@given(st.text(max_size=30))
def test_parsers_never_raise_anything_but_valueerror(text: str) -> None:
    for parser in (lambda t: parse_deadline(t, 2021), parse_rate, parse_money):
        with contextlib.suppress(ValueError):
            parser(text)


def test_money_in_wan_and_yi() -> None:
    assert parse_money(2450) == Decimal("24500000.00")
    assert parse_money("2.45亿元") == Decimal("245000000.00")
    assert parse_money("1,200万元") == Decimal("12000000.00")
    assert parse_money("") is None


def test_leaders_split_on_separators_but_keep_posts_whole() -> None:
    assert split_names("区委常委、政法委书记、常务副区长") == ["区委常委、政法委书记", "常务副区长"]
    assert split_names("区长,副区长(民生)") == ["区长", "副区长(民生)"]
    assert split_names("区委常委、组织部长") == ["区委常委、组织部长"]
    assert split_names("甲、乙", known={"甲、乙"}) == ["甲、乙"]
    assert split_names("区城管局、区城管局") == ["区城管局"]


def test_clean_text_folds_full_width_and_spaces() -> None:
    assert clean_text("  区城管局\u3000 ") == "区城管局"
    assert clean_text("（一）") == "(一)"
    assert clean_text(3.0) == "3"
