"""Properties of the calendar's arithmetic, over 2023–2028 (package years, the unknown 2027
and 2028, their edges), with and without a jurisdiction that has entries and local days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shishi.conftest import World
from shishi.workdays import calendar, services
from shishi.workdays.calendar import SHANGHAI
from shishi.workdays.tests.helpers import d, rows_2027, xlsx

days = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2028, 12, 31))
counts = st.integers(min_value=0, max_value=80)
moments = st.datetimes(
    min_value=dt.datetime(2023, 1, 1),
    max_value=dt.datetime(2028, 6, 30),
    timezones=st.just(SHANGHAI),
)
hour_amounts = st.decimals(min_value=0, max_value=200, places=2)


def _in_office_hours(moment: dt.datetime, jurisdiction: Any = None) -> bool:
    local = moment.astimezone(SHANGHAI)
    if not calendar.is_working_day(local.date(), jurisdiction=jurisdiction):
        return False
    return any(a <= local.time() <= b for a, b in calendar.office_hours())


# --- days -----------------------------------------------------------------------------------


@given(day=days, n=counts)
def test_between_undoes_add(day: dt.date, n: int) -> None:
    end = calendar.add_working_days(day, n)
    assert calendar.is_working_day(end)
    if n >= 1 or calendar.is_working_day(day):
        assert calendar.working_days_between(day, end) == n
    if n >= 1:
        assert end > day
        # The n-th working day: the day before it has one fewer.
        assert calendar.working_days_between(day, end - dt.timedelta(days=1)) == n - 1


@given(day=days, n=counts, m=counts)
def test_add_is_monotonic_in_the_count(day: dt.date, n: int, m: int) -> None:
    low, high = sorted((n, m))
    assert calendar.add_working_days(day, low) <= calendar.add_working_days(day, high)
    if low < high:
        assert calendar.add_working_days(day, low) < calendar.add_working_days(day, high)


@given(a=days, b=days, n=counts)
def test_add_is_monotonic_in_the_start(a: dt.date, b: dt.date, n: int) -> None:
    first, second = sorted((a, b))
    assert calendar.add_working_days(first, n) <= calendar.add_working_days(second, n)


@given(a=days, b=days, c=days)
def test_between_adds_up_and_is_antisymmetric(a: dt.date, b: dt.date, c: dt.date) -> None:
    ab = calendar.working_days_between(a, b)
    assert ab + calendar.working_days_between(b, c) == calendar.working_days_between(a, c)
    assert calendar.working_days_between(b, a) == -ab
    assert abs(ab) <= abs((b - a).days)


@given(day=days, n=st.integers(min_value=1, max_value=40), m=st.integers(min_value=1, max_value=40))
def test_adding_in_two_steps_is_adding_once(day: dt.date, n: int, m: int) -> None:
    once = calendar.add_working_days(day, n + m)
    assert calendar.add_working_days(calendar.add_working_days(day, n), m) == once


# --- office hours ---------------------------------------------------------------------------


@given(start=moments, hours=hour_amounts)
def test_add_working_hours_uses_exactly_the_hours_within_office_hours(
    start: dt.datetime, hours: Decimal
) -> None:
    end = calendar.add_working_hours(start, hours)
    assert end >= start
    assert _in_office_hours(end)
    assert calendar.working_time_between(start, end) == dt.timedelta(hours=float(hours))


@given(start=moments, a=hour_amounts, b=hour_amounts)
def test_add_working_hours_is_monotonic_and_adds_up(
    start: dt.datetime, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    assert calendar.add_working_hours(start, low) <= calendar.add_working_hours(start, high)
    if b > 0:
        two_steps = calendar.add_working_hours(calendar.add_working_hours(start, a), b)
        assert two_steps == calendar.add_working_hours(start, a + b)


@given(start=moments, hours=st.floats(min_value=0, max_value=100, allow_nan=False))
def test_float_hours_agree_with_decimal_hours(start: dt.datetime, hours: float) -> None:
    assert calendar.add_working_hours(start, hours) == calendar.add_working_hours(
        start, Decimal(str(hours))
    )


# --- with a jurisdiction's entries and local days --------------------------------------------


@pytest.fixture
def nangang_with_entries(world: World) -> Any:
    services.import_schedule(world.city, 2027, xlsx(rows_2027()), "a.xlsx", actor=world.city_office)
    for first, last, kind in (
        ("2026-06-01", "2026-06-05", "off"),
        ("2026-10-03", "2026-10-04", "work"),
        ("2027-02-06", "2027-02-07", "work"),
        ("2027-12-31", "2027-12-31", "off"),
    ):
        services.add_local_days(
            world.nangang, actor=world.office, kind=kind, name="本地", first_day=d(first),
            last_day=d(last),
        )  # fmt: skip
    return world.nangang


LOCAL = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)


@LOCAL
@given(day=days, n=counts)
def test_between_undoes_add_with_local_days(
    nangang_with_entries: Any, day: dt.date, n: int
) -> None:
    place = nangang_with_entries
    end = calendar.add_working_days(day, n, jurisdiction=place)
    assert calendar.is_working_day(end, jurisdiction=place)
    if n >= 1 or calendar.is_working_day(day, jurisdiction=place):
        assert calendar.working_days_between(day, end, jurisdiction=place) == n


@LOCAL
@given(start=moments, hours=hour_amounts)
def test_add_working_hours_with_local_days(
    nangang_with_entries: Any, start: dt.datetime, hours: Decimal
) -> None:
    place = nangang_with_entries
    end = calendar.add_working_hours(start, hours, jurisdiction=place)
    assert _in_office_hours(end, place)
    assert calendar.working_time_between(start, end, jurisdiction=place) == dt.timedelta(
        hours=float(hours)
    )


def test_local_days_change_the_answer_where_they_lie(nangang_with_entries: Any) -> None:
    place = nangang_with_entries
    # Friday 2026-05-29 + 1: the local week off (06-01..05) pushes it to Monday 06-08.
    assert calendar.add_working_days(d("2026-05-29"), 1, jurisdiction=place) == d("2026-06-08")
    assert calendar.add_working_days(d("2026-05-29"), 1) == d("2026-06-01")
    # A duty Saturday in the entered 2027 Spring Festival.
    assert calendar.add_working_days(d("2027-02-04"), 1, jurisdiction=place) == d("2027-02-06")
