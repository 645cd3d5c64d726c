"""The national calendar from the package (2024–2026), a year it does not know (2027), the
counting conventions and office hours. ``jurisdiction=None`` touches no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from shishi.workdays import calendar, package
from shishi.workdays.calendar import SHANGHAI, Source
from shishi.workdays.tests.helpers import d

UTC = ZoneInfo("UTC")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def off(first: str, last: str) -> list[dt.date]:
    start, end = d(first), d(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


# (holiday, days off, make-up working days), as the package 1.11 holds them.
HOLIDAYS = [
    ("2024 春节", off("2024-02-10", "2024-02-17"), ["2024-02-04", "2024-02-18"]),
    ("2024 国庆节", off("2024-10-01", "2024-10-07"), ["2024-09-29", "2024-10-12"]),
    ("2025 春节", off("2025-01-28", "2025-02-04"), ["2025-01-26", "2025-02-08"]),
    ("2025 国庆节", off("2025-10-01", "2025-10-08"), ["2025-09-28", "2025-10-11"]),
    ("2026 春节", off("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
    ("2026 国庆节", off("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
]


@pytest.mark.parametrize(("holiday", "days_off", "makeup"), HOLIDAYS, ids=[h[0] for h in HOLIDAYS])
def test_spring_festival_and_national_day_with_their_makeup_days(
    holiday: str, days_off: list[dt.date], makeup: list[str]
) -> None:
    for day in days_off:
        assert not calendar.is_working_day(day), day
    for text in makeup:
        day = d(text)
        assert day.weekday() >= 5, f"{day} is a weekend day worked"
        assert calendar.is_working_day(day), day
    names = {s.date: s.name for s in calendar.year_calendar(days_off[0].year).national}
    assert names[days_off[0]] == holiday.split()[1]


def test_named_days_of_2024() -> None:
    assert calendar.is_working_day(d("2024-02-04"))  # Sunday, worked for the Spring Festival
    assert calendar.is_working_day(d("2024-02-18"))  # Sunday, worked
    assert calendar.is_working_day(d("2024-02-09"))  # 除夕 2024 was a working day
    assert not calendar.is_working_day(d("2024-02-12"))  # Monday of the festival
    assert not calendar.is_working_day(d("2024-02-24"))  # an ordinary Saturday
    assert calendar.working_days_between(d("2024-01-01"), d("2024-12-31")) == 251


def test_package_years_and_source() -> None:
    assert package.years() == range(2004, 2027)
    for year in (2024, 2025, 2026):
        assert calendar.known_year(year)
        assert calendar.year_calendar(year).source is Source.PACKAGE


def test_a_year_the_package_does_not_know_counts_weekends_only_and_is_flagged() -> None:
    assert not calendar.known_year(2027)
    assert calendar.unknown_years([2026, 2027, 2027, 2028]) == [2027, 2028]
    cal = calendar.year_calendar(2027)
    assert cal.source is Source.WEEKENDS and cal.national == ()
    assert calendar.is_working_day(d("2027-01-01"))  # a Friday: New Year not known yet
    assert calendar.is_working_day(d("2027-10-01"))
    assert not calendar.is_working_day(d("2027-01-02"))  # Saturday
    # Counting runs on across the year's end: 2026-12-31 is a Thursday.
    assert calendar.add_working_days(d("2026-12-31"), 1) == d("2027-01-01")
    assert calendar.add_working_days(d("2026-12-31"), 2) == d("2027-01-04")


def test_add_working_days_counts_from_the_next_working_day() -> None:
    # Thursday before the 2024 Spring Festival: Friday, then the Sunday worked after it.
    assert calendar.add_working_days(d("2024-02-08"), 1) == d("2024-02-09")
    assert calendar.add_working_days(d("2024-02-08"), 2) == d("2024-02-18")
    assert calendar.add_working_days(d("2024-02-08"), 3) == d("2024-02-19")
    # Received on a Saturday or on the Friday before: due the same day.
    assert calendar.add_working_days(d("2024-03-08"), 3) == d("2024-03-13")
    assert calendar.add_working_days(d("2024-03-09"), 3) == d("2024-03-13")
    # Received during the National Day holiday: counted from 10-08.
    assert calendar.add_working_days(d("2024-10-03"), 1) == d("2024-10-08")
    assert calendar.add_working_days(d("2024-10-03"), 5) == d("2024-10-12")  # a Saturday worked


def test_day_zero_is_the_start_or_the_next_working_day() -> None:
    assert calendar.add_working_days(d("2024-03-08"), 0) == d("2024-03-08")
    assert calendar.add_working_days(d("2024-10-01"), 0) == d("2024-10-08")
    assert calendar.add_working_days(d("2025-01-25"), 0) == d("2025-01-26")  # Sunday worked


def test_working_days_between_counts_after_start_up_to_end() -> None:
    assert calendar.working_days_between(d("2024-02-08"), d("2024-02-19")) == 3
    assert calendar.working_days_between(d("2024-02-19"), d("2024-02-08")) == -3
    assert calendar.working_days_between(d("2024-02-10"), d("2024-02-10")) == 0
    assert calendar.working_days_between(d("2024-09-30"), d("2024-10-08")) == 1


def test_a_datetime_is_taken_on_its_shanghai_date() -> None:
    # 2024-02-17 20:00 UTC is Sunday 2024-02-18 04:00 in Shanghai: a make-up working day.
    assert calendar.is_working_day(dt.datetime(2024, 2, 17, 20, 0, tzinfo=UTC))
    assert not calendar.is_working_day(dt.datetime(2024, 2, 17, 12, 0, tzinfo=UTC))


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_add_working_days_refuses_a_bad_count(bad: object) -> None:
    with pytest.raises(ValueError):
        calendar.add_working_days(d("2024-03-08"), bad)  # type: ignore[arg-type]


# --- office hours --------------------------------------------------------------------------


def test_add_working_hours_within_and_across_days() -> None:
    assert calendar.add_working_hours(at("2024-03-08T08:30"), 3.5) == at("2024-03-08T12:00")
    assert calendar.add_working_hours(at("2024-03-08T11:00"), 2) == at("2024-03-08T14:30")
    assert calendar.add_working_hours(at("2024-03-08T07:00"), 1) == at("2024-03-08T09:30")
    # Friday 16:00 + 2 h: 1.5 h on Friday, then Monday 08:30 + 0.5 h.
    assert calendar.add_working_hours(at("2024-03-08T16:00"), 2) == at("2024-03-11T09:00")
    # Across the 2024 Spring Festival: the next office hours are on Sunday 2024-02-18.
    assert calendar.add_working_hours(at("2024-02-09T16:00"), 2) == at("2024-02-18T09:00")
    # A whole working day is 7.5 hours.
    assert calendar.add_working_hours(at("2024-03-11T08:30"), Decimal("15")) == at(
        "2024-03-12T17:30"
    )


def test_zero_hours_is_the_start_within_office_hours_else_the_next_opening() -> None:
    assert calendar.add_working_hours(at("2024-03-08T10:00"), 0) == at("2024-03-08T10:00")
    assert calendar.add_working_hours(at("2024-03-08T12:00"), 0) == at("2024-03-08T13:30")
    assert calendar.add_working_hours(at("2024-03-08T18:00"), 0) == at("2024-03-11T08:30")


def test_add_working_hours_takes_any_zone_and_answers_in_shanghai() -> None:
    start = dt.datetime(2024, 3, 8, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    result = calendar.add_working_hours(start, 1)
    assert result == at("2024-03-08T10:00")
    assert result.utcoffset() == dt.timedelta(hours=8)


def test_add_working_hours_refuses_naive_times_and_bad_hours() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_working_hours(dt.datetime(2024, 3, 8, 9, 0), 1)
    for bad in (-1, float("nan"), float("inf"), "x", True):
        with pytest.raises(ValueError):
            calendar.add_working_hours(at("2024-03-08T09:00"), bad)  # type: ignore[arg-type]


def test_office_hours_come_from_the_setting(settings: object) -> None:
    settings.SHISHI_OFFICE_HOURS = "09:00-17:00"  # type: ignore[attr-defined]
    assert calendar.add_working_hours(at("2024-03-08T16:00"), 2) == at("2024-03-11T10:00")
    assert calendar.working_time_between(at("2024-03-08T00:00"), at("2024-03-09T00:00")) == (
        dt.timedelta(hours=8)
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "8:30",
        "08:30-12:00;13:30-17:30",
        "12:00-08:30",
        "08:30-12:00,11:00-17:00",
        "25:00-26:00",
    ],
)
def test_a_bad_office_hours_setting_is_refused_by_name(bad: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SHISHI_OFFICE_HOURS"):
        calendar.parse_office_hours(bad)


def test_working_time_between() -> None:
    assert calendar.working_time_between(at("2024-03-08T08:00"), at("2024-03-08T18:00")) == (
        dt.timedelta(hours=7, minutes=30)
    )
    # The whole Spring Festival week holds no office time.
    assert calendar.working_time_between(at("2024-02-10T00:00"), at("2024-02-18T00:00")) == (
        dt.timedelta(0)
    )
    assert calendar.working_time_between(at("2024-03-08T10:00"), at("2024-03-08T09:00")) == (
        -dt.timedelta(hours=1)
    )
