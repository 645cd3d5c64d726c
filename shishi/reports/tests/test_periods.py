"""Periods of feedback cycles and their due times: keys, labels, walking periods, due days
across the Spring Festival and National Day (the chinesecalendar package's 2021 and 2026), a
year the calendar does not know (2027: weekends only), office hours counted backwards, and a
district's own days passed through ``jurisdiction``. Only the last tests touch the database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shishi.conftest import World
from shishi.reports import periods
from shishi.reports.periods import (
    Cadence,
    DueRule,
    Period,
    PeriodError,
    due_at,
    next_period,
    opens_at,
    parse_period,
    period_of,
    periods_between,
    previous_period,
    reminder_times,
    subtract_working_hours,
)
from shishi.workdays import calendar, services
from shishi.workdays.calendar import SHANGHAI

FIVE_PM = dt.time(17, 0)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _office_hours(settings: Any) -> None:
    settings.SHISHI_OFFICE_HOURS = "08:30-12:00,13:30-17:30"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def weekly(key: str) -> Period:
    return parse_period(key, Cadence.WEEKLY)


# --- keys and periods -----------------------------------------------------------------------


def test_cadences_have_chinese_labels() -> None:
    assert Cadence.choices() == [
        ("weekly", "每周"),
        ("half_monthly", "每半月"),
        ("monthly", "每月"),
        ("quarterly", "每季度"),
        ("once", "一次性"),
    ]
    assert Cadence("monthly") is Cadence.MONTHLY and Cadence.MONTHLY == "monthly"


def test_iso_weeks_around_new_year() -> None:
    w53 = weekly("2020-W53")
    assert (w53.start, w53.end) == (d("2020-12-28"), d("2021-01-03"))
    w01 = weekly("2021-W01")
    assert (w01.start, w01.end) == (d("2021-01-04"), d("2021-01-10"))
    assert next_period(w53) == w01 and previous_period(w01) == w53
    assert period_of(d("2021-01-01"), Cadence.WEEKLY).key == "2020-W53"
    assert period_of(d("2021-01-03"), "weekly").key == "2020-W53"
    assert period_of(d("2021-01-04"), "weekly").key == "2021-W01"
    y26 = weekly("2026-W01")
    assert (y26.start, y26.end) == (d("2025-12-29"), d("2026-01-04"))
    assert period_of(d("2025-12-31"), "weekly") == y26
    assert weekly("2021-W52").end == d("2022-01-02")
    assert next_period(weekly("2021-W52")).key == "2022-W01"
    # The label names both years when the week spans them.
    assert w53.label == "2020年第53周（2020年12月28日—2021年1月3日）"
    assert y26.label == "2026年第1周（2025年12月29日—2026年1月4日）"


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        ("2024-02-H1", "2024-02-01", "2024-02-15"),
        ("2024-02-H2", "2024-02-16", "2024-02-29"),  # leap year
        ("2023-02-H2", "2023-02-16", "2023-02-28"),
        ("2000-02-H2", "2000-02-16", "2000-02-29"),  # divisible by 400: leap
        ("2100-02-H2", "2100-02-16", "2100-02-28"),  # divisible by 100: common
        ("2021-06-H2", "2021-06-16", "2021-06-30"),
        ("2021-12-H2", "2021-12-16", "2021-12-31"),
    ],
)
def test_half_months(key: str, first: str, last: str) -> None:
    p = parse_period(key, Cadence.HALF_MONTHLY)
    assert (p.key, p.start, p.end) == (key, d(first), d(last))
    assert period_of(d(last), Cadence.HALF_MONTHLY) == p


def test_half_months_of_february_follow_each_other() -> None:
    h1 = parse_period("2024-02-H1", "half_monthly")
    assert next_period(h1).key == "2024-02-H2"
    assert next_period(next_period(h1)).key == "2024-03-H1"
    assert previous_period(h1).key == "2024-01-H2"
    assert period_of(d("2024-02-15"), "half_monthly") == h1
    assert period_of(d("2024-02-16"), "half_monthly").key == "2024-02-H2"


@pytest.mark.parametrize(
    ("key", "first", "last", "label"),
    [
        ("2021-Q1", "2021-01-01", "2021-03-31", "2021年第一季度"),
        ("2021-Q2", "2021-04-01", "2021-06-30", "2021年第二季度"),
        ("2021-Q3", "2021-07-01", "2021-09-30", "2021年第三季度"),
        ("2021-Q4", "2021-10-01", "2021-12-31", "2021年第四季度"),
    ],
)
def test_quarters(key: str, first: str, last: str, label: str) -> None:
    p = parse_period(key, Cadence.QUARTERLY)
    assert (p.start, p.end, p.label) == (d(first), d(last), label)
    assert period_of(d(first), Cadence.QUARTERLY) == p
    assert period_of(d(last), Cadence.QUARTERLY) == p
    assert p.days == (d(last) - d(first)).days + 1


def test_next_quarter_crosses_the_year() -> None:
    q4 = parse_period("2021-Q4", "quarterly")
    assert next_period(q4).key == "2022-Q1"
    assert previous_period(parse_period("2022-Q1", "quarterly")) == q4


@pytest.mark.parametrize(
    ("key", "cadence", "label"),
    [
        ("2021-W25", Cadence.WEEKLY, "2021年第25周（6月21日—6月27日）"),
        ("2021-06-H1", Cadence.HALF_MONTHLY, "2021年6月上半月"),
        ("2021-06-H2", Cadence.HALF_MONTHLY, "2021年6月下半月"),
        ("2021-06", Cadence.MONTHLY, "2021年6月"),
        ("2021-Q2", Cadence.QUARTERLY, "2021年第二季度"),
        ("2021-06-18", Cadence.ONCE, "2021年6月18日"),
    ],
)
def test_labels_for_people(key: str, cadence: Cadence, label: str) -> None:
    p = parse_period(key, cadence)
    assert p.label == label
    assert str(p) == key


@pytest.mark.parametrize(
    ("text", "cadence", "key"),
    [
        ("2021-w5", Cadence.WEEKLY, "2021-W05"),
        (" 2021-Q2 ", Cadence.QUARTERLY, "2021-Q2"),
        ("２０２１－０６", Cadence.MONTHLY, "2021-06"),  # full-width, as typed with a Chinese IME
        ("2021-6-h1", Cadence.HALF_MONTHLY, "2021-06-H1"),
        ("2021-6-8", Cadence.ONCE, "2021-06-08"),
    ],
)
def test_keys_are_read_leniently_and_written_canonically(
    text: str, cadence: Cadence, key: str
) -> None:
    assert parse_period(text, cadence).key == key


@pytest.mark.parametrize(
    ("text", "cadence", "message"),
    [
        ("2021-W54", Cadence.WEEKLY, "2021-W54：2021年没有第54周（2021年共52周）"),
        ("2021-W53", Cadence.WEEKLY, "2021-W53：2021年没有第53周"),
        ("2021-W00", Cadence.WEEKLY, "2021-W00：2021年没有第0周"),
        ("2021-13", Cadence.MONTHLY, "期别“2021-13”不是有效的月份"),
        ("2021-00", Cadence.MONTHLY, "期别“2021-00”不是有效的月份"),
        ("2021-13-H1", Cadence.HALF_MONTHLY, "期别“2021-13-H1”不是有效的月份"),
        ("2021-06-H3", Cadence.HALF_MONTHLY, "期别“2021-06-H3”不是有效的半月"),
        ("2021-Q5", Cadence.QUARTERLY, "期别“2021-Q5”不是有效的季度：季度应为Q1至Q4"),
        ("2021-Q0", Cadence.QUARTERLY, "季度应为Q1至Q4"),
        ("2021-02-29", Cadence.ONCE, "期别“2021-02-29”不是有效的日期"),
        ("2021-06", Cadence.WEEKLY, "期别“2021-06”是月份的写法：按周报送的期别应写作2021-W25"),
        ("2021-W25", Cadence.MONTHLY, "是周次的写法：按月报送的期别应写作2021-06"),
        ("2021-06-18", Cadence.MONTHLY, "是日期的写法：按月报送的期别应写作2021-06"),
        ("2021-06", Cadence.HALF_MONTHLY, "按半月报送的期别应写作2021-06-H1（上半月）"),
        ("2021-06", Cadence.QUARTERLY, "按季度报送的期别应写作2021-Q2"),
        ("2021-Q2", Cadence.ONCE, "一次性报送的期别应写作日期，如2021-06-18"),
        ("本周", Cadence.WEEKLY, "无法识别期别“本周”：按周报送的期别应写作2021-W25"),
        ("2021-W25-1", Cadence.WEEKLY, "无法识别期别“2021-W25-1”"),
        ("", Cadence.MONTHLY, "期别不能为空：按月报送的期别应写作2021-06"),
        ("   ", Cadence.WEEKLY, "期别不能为空"),
        ("0999-06", Cadence.MONTHLY, "期别“0999-06”的年份超出范围（1900—2999年）"),
        ("٢٠٢١-06", Cadence.MONTHLY, "无法识别期别"),  # Arabic-Indic digits are not a year
        ("9" * 200, Cadence.MONTHLY, "无法识别期别“" + "9" * 30 + "…”"),
        ("2021-06", "daily", "未知的报送周期“daily”"),
    ],
)
def test_bad_keys_say_what_is_wrong(text: str, cadence: Any, message: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, cadence)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_key_that_is_not_text_is_refused() -> None:
    with pytest.raises(PeriodError, match="期别不能为空"):
        parse_period(None, Cadence.MONTHLY)  # type: ignore[arg-type]


def test_days_outside_the_years_are_refused() -> None:
    with pytest.raises(PeriodError, match="年份超出范围"):
        period_of(d("1899-12-31"), Cadence.MONTHLY)
    with pytest.raises(PeriodError, match="年份超出范围"):
        next_period(parse_period("2999-12", Cadence.MONTHLY))
    # 1900-01-01 is a Monday of ISO week 1900-W01; 2999-12-31 falls in 3000-W01.
    assert period_of(d("1900-01-01"), Cadence.WEEKLY).key == "1900-W01"
    with pytest.raises(PeriodError, match="年份超出范围"):
        period_of(d("2999-12-31"), Cadence.WEEKLY)


def test_periods_between() -> None:
    keys = [p.key for p in periods_between(d("2021-06-10"), d("2021-07-05"), "half_monthly")]
    assert keys == ["2021-06-H1", "2021-06-H2", "2021-07-H1"]
    keys = [p.key for p in periods_between(d("2020-12-30"), d("2021-01-04"), "weekly")]
    assert keys == ["2020-W53", "2021-W01"]
    keys = [p.key for p in periods_between(d("2021-03-31"), d("2021-04-01"), "quarterly")]
    assert keys == ["2021-Q1", "2021-Q2"]
    assert [p.key for p in periods_between(d("2021-06-15"), d("2021-06-15"), "monthly")] == [
        "2021-06"
    ]
    assert [p.key for p in periods_between(d("2021-06-17"), d("2021-06-19"), "once")] == [
        "2021-06-17",
        "2021-06-18",
        "2021-06-19",
    ]
    assert periods_between(d("2021-06-30"), d("2021-06-01"), "monthly") == []


def test_a_datetime_counts_on_its_shanghai_date() -> None:
    late_sunday_utc = dt.datetime(2021, 6, 27, 17, 0, tzinfo=dt.UTC)  # Monday 01:00 in Shanghai
    assert period_of(late_sunday_utc, "weekly").key == "2021-W26"
    assert late_sunday_utc in weekly("2021-W26")
    assert d("2021-06-27") in weekly("2021-W25")
    assert d("2021-06-28") not in weekly("2021-W25")


cadences = st.sampled_from(list(Cadence))
days = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31))


@given(day=days, cadence=cadences)
def test_round_trips(day: dt.date, cadence: Cadence) -> None:
    p = period_of(day, cadence)
    assert day in p and p.start <= day <= p.end
    assert parse_period(p.key, cadence) == p  # key → period → key
    following = next_period(p)
    assert following.start == p.end + dt.timedelta(days=1)
    assert previous_period(following) == p
    assert previous_period(p).end == p.start - dt.timedelta(days=1)
    assert following.key > p.key  # keys of a cadence sort in time order
    assert p.label


@given(first=days, length=st.integers(min_value=0, max_value=120), cadence=cadences)
def test_periods_between_cover_the_range_without_gaps(
    first: dt.date, length: int, cadence: Cadence
) -> None:
    last = first + dt.timedelta(days=length)
    found = periods_between(first, last, cadence)
    assert found[0].start <= first <= found[0].end
    assert found[-1].start <= last <= found[-1].end
    for a, b in itertools.pairwise(found):
        assert b.start == a.end + dt.timedelta(days=1)


# --- due times ------------------------------------------------------------------------------


def test_2021_package_days_these_tests_rely_on() -> None:
    for text in ["2021-02-11", "2021-02-17", "2021-10-01", "2021-10-07"]:
        assert not calendar.is_working_day(d(text)), text
    for text in ["2021-02-07", "2021-02-20", "2021-09-26", "2021-10-09"]:  # make-up days
        assert calendar.is_working_day(d(text)), text


def test_weekly_due_on_friday_moves_to_thursday_when_friday_is_a_holiday() -> None:
    friday = DueRule(weekday=4, workdays=0, at=FIVE_PM)
    # 2021-W39: Monday 27 September to Sunday 3 October; Friday 1 October is National Day.
    assert due_at(weekly("2021-W39"), friday) == at("2021-09-30T17:00")
    # An ordinary week: the Friday itself.
    assert due_at(weekly("2021-W25"), friday) == at("2021-06-25T17:00")
    # Spring Festival 2021: 11–17 February off; in 2021-W06 the Wednesday is the last one.
    assert due_at(weekly("2021-W06"), friday) == at("2021-02-10T17:00")


def test_weekly_due_in_golden_week_goes_to_the_next_working_day() -> None:
    # 2021-W40: 4–7 October off, Friday 8 October worked: no working day on or before
    # Wednesday in that week, so the first one after it.
    wednesday = DueRule(weekday=2, workdays=0, at=FIVE_PM)
    assert due_at(weekly("2021-W40"), wednesday) == at("2021-10-08T17:00")
    # Spring Festival 2021-W07 (15–21 February): Monday and Tuesday off, due on Thursday 18th.
    tuesday = DueRule(weekday=1, workdays=0, at=dt.time(12, 0))
    assert due_at(weekly("2021-W07"), tuesday) == at("2021-02-18T12:00")


def test_a_make_up_saturday_is_a_working_day() -> None:
    saturday = DueRule(weekday=5, workdays=0, at=FIVE_PM)
    assert due_at(weekly("2021-W40"), saturday) == at("2021-10-09T17:00")  # make-up Saturday
    # An ordinary Saturday falls back to the Friday.
    assert due_at(weekly("2021-W25"), saturday) == at("2021-06-25T17:00")
    # The make-up Sunday of 26 September 2021 is the due day itself.
    sunday = DueRule(weekday=6, workdays=0, at=FIVE_PM)
    assert due_at(weekly("2021-W38"), sunday) == at("2021-09-26T17:00")
    # Counting working days after a period's end counts it too.
    september = parse_period("2021-09", Cadence.MONTHLY)  # ends Thursday 30 September
    assert due_at(september, DueRule(None, 0, FIVE_PM)) == at("2021-09-30T17:00")
    assert due_at(september, DueRule(None, 1, FIVE_PM)) == at("2021-10-08T17:00")
    assert due_at(september, DueRule(None, 2, FIVE_PM)) == at("2021-10-09T17:00")
    assert due_at(september, DueRule(None, 3, FIVE_PM)) == at("2021-10-11T17:00")


def test_due_in_working_days_across_the_spring_festival() -> None:
    h1 = parse_period("2021-02-H1", Cadence.HALF_MONTHLY)  # ends Monday 15th, a holiday
    assert due_at(h1, DueRule(None, 0, FIVE_PM)) == at("2021-02-18T17:00")
    assert due_at(h1, DueRule(None, 1, FIVE_PM)) == at("2021-02-18T17:00")
    assert due_at(h1, DueRule(None, 3, FIVE_PM)) == at("2021-02-20T17:00")  # make-up Saturday
    # A weekly cycle without a weekday counts from the Sunday.
    assert due_at(weekly("2021-W06"), DueRule(None, 1, FIVE_PM)) == at("2021-02-18T17:00")
    # A one-off on a holiday is due on the next working day.
    once = parse_period("2021-02-12", Cadence.ONCE)
    assert due_at(once, DueRule(None, 0, FIVE_PM)) == at("2021-02-18T17:00")
    due = due_at(once, DueRule(None, 0, FIVE_PM))
    assert due.tzinfo is SHANGHAI and due.utcoffset() == dt.timedelta(hours=8)


def test_a_year_the_calendar_does_not_know_counts_weekends_only() -> None:
    assert not calendar.known_year(2027)
    september = parse_period("2027-09", Cadence.MONTHLY)  # ends Thursday 30 September
    # 1 October 2027 is a Friday: surely a holiday, but nobody has entered 2027 yet.
    assert due_at(september, DueRule(None, 1, FIVE_PM)) == at("2027-10-01T17:00")
    friday = DueRule(weekday=4, workdays=0, at=FIVE_PM)
    assert due_at(weekly("2027-W39"), friday) == at("2027-10-01T17:00")
    times = periods.schedule(september, DueRule(None, 1, FIVE_PM))
    assert times.known is False
    assert periods.schedule(parse_period("2021-09", "monthly"), DueRule(None, 1, FIVE_PM)).known


def test_opens_at() -> None:
    rule = DueRule(None, 3, FIVE_PM)
    assert opens_at(weekly("2021-W25"), rule) == at("2021-06-21T00:00")
    assert opens_at(parse_period("2021-06-H2", "half_monthly"), rule) == at("2021-06-16T00:00")
    # June 2021 ends on Wednesday 30th: 29, 28, 25, 24, 23.
    assert opens_at(parse_period("2021-06", "monthly"), rule) == at("2021-06-23T00:00")
    # September 2021: 29, 28, 27, the make-up Sunday 26th, then Friday 24th.
    assert opens_at(parse_period("2021-09", "monthly"), rule) == at("2021-09-24T00:00")
    assert opens_at(parse_period("2021-Q3", "quarterly"), rule) == at("2021-09-24T00:00")
    # February 2026: 27, 26, 25, 24, then the Spring Festival (15–23), then make-up Saturday 14th.
    assert opens_at(parse_period("2026-02", "monthly"), rule) == at("2026-02-14T00:00")
    # A one-off due on Friday 18 June 2021 opens the day before.
    once = parse_period("2021-06-18", Cadence.ONCE)
    assert opens_at(once, DueRule(None, 0, FIVE_PM)) == at("2021-06-17T00:00")
    assert opens_at(once, DueRule(None, 1, FIVE_PM)) == at("2021-06-20T00:00")  # due Monday


def test_working_days_before() -> None:
    assert periods.working_days_before(d("2021-10-08"), 1) == d("2021-09-30")
    assert periods.working_days_before(d("2021-10-11"), 1) == d("2021-10-09")
    with pytest.raises(ValueError):
        periods.working_days_before(d("2021-10-08"), 0)


@pytest.mark.parametrize(
    ("end", "hours", "expected"),
    [
        ("2021-09-24T17:00", 1, "2021-09-24T16:00"),
        ("2021-09-24T17:00", 3.5, "2021-09-24T13:30"),  # a period's opening, not 12:00
        ("2021-09-24T17:00", 4, "2021-09-24T11:30"),
        ("2021-09-24T17:00", 7.5, "2021-09-23T17:00"),  # into Thursday
        ("2021-09-24T17:00", Decimal("0.25"), "2021-09-24T16:45"),
        ("2021-09-25T10:00", 1, "2021-09-24T16:30"),  # an ordinary Saturday: from Friday's close
        ("2021-09-26T10:00", 1, "2021-09-26T09:00"),  # the make-up Sunday is worked
        ("2021-10-08T09:00", 1, "2021-09-30T17:00"),  # back over Golden Week
        ("2021-09-24T12:45", 1, "2021-09-24T11:00"),  # lunch is not office time
        ("2021-09-24T08:30", 0, "2021-09-24T08:30"),
        ("2021-09-24T18:00", 0, "2021-09-24T17:30"),
        ("2021-09-24T12:30", 0, "2021-09-24T12:00"),
        ("2021-09-24T08:30", 1, "2021-09-23T16:30"),
    ],
)
def test_subtract_working_hours(end: str, hours: Any, expected: str) -> None:
    assert subtract_working_hours(at(end), hours) == at(expected)


def test_subtract_working_hours_refuses_bad_amounts() -> None:
    bad_amounts: list[Any] = [-1, float("nan"), float("inf"), True, "x", 10_001]
    for bad in bad_amounts:
        with pytest.raises(PeriodError, match="提前提醒的小时数"):
            subtract_working_hours(at("2021-09-24T17:00"), bad)
    with pytest.raises(ValueError, match="timezone-aware"):
        subtract_working_hours(dt.datetime(2021, 9, 24, 17), 1)


moments = st.datetimes(
    min_value=dt.datetime(2021, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(SHANGHAI),
)


@given(end=moments, hours=st.decimals(min_value=0, max_value=120, places=2))
def test_subtract_working_hours_is_the_mirror_of_counting_forward(
    end: dt.datetime, hours: Decimal
) -> None:
    start = subtract_working_hours(end, hours)
    assert start <= end
    assert calendar.working_time_between(start, end) == dt.timedelta(
        microseconds=int(hours * 3_600_000_000)
    )
    local = start.astimezone(SHANGHAI)
    assert calendar.is_working_day(local.date())
    assert any(a <= local.time() <= b for a, b in calendar.office_hours())
    if hours > 0:
        assert calendar.add_working_hours(start, hours) <= end


def test_reminders_before_and_after_the_due_time() -> None:
    due = at("2021-09-30T17:00")  # Thursday before Golden Week
    found = reminder_times(due, before_hours=[8, 2], after_workdays=[2, 1])
    assert found == [
        at("2021-09-29T16:30"),  # 7 hours on the 30th, one more from the 29th's close
        at("2021-09-30T15:00"),
        at("2021-10-08T17:00"),  # first working day after the holiday
        at("2021-10-09T17:00"),  # the make-up Saturday
    ]


def test_reminders_are_deduplicated_and_can_be_cut_at_the_opening() -> None:
    due = at("2021-06-25T17:00")
    found = reminder_times(
        due, before_hours=[2, 2.0, Decimal(2)], after_workdays=[1, 1, 0], jurisdiction=None
    )
    assert found == [at("2021-06-25T15:00"), due, at("2021-06-28T17:00")]
    cut = reminder_times(due, before_hours=[40, 2], not_before=at("2021-06-21T00:00"))
    assert cut == [at("2021-06-25T15:00")]
    assert reminder_times(due) == []
    # A due time given in UTC is counted in Shanghai.
    in_utc = reminder_times(due.astimezone(dt.UTC), after_workdays=[1])
    assert in_utc == [at("2021-06-28T17:00")]


@pytest.mark.parametrize("bad", [-1, True, 1.5, 1001])
def test_reminders_refuse_bad_working_days(bad: Any) -> None:
    with pytest.raises(PeriodError, match="逾期提醒的工作日数"):
        reminder_times(at("2021-06-25T17:00"), after_workdays=[bad])


def test_schedule_gathers_a_periods_times() -> None:
    rule = DueRule(weekday=4, workdays=0, at=FIVE_PM)
    times = periods.schedule(weekly("2021-W39"), rule, before_hours=[4, 100], after_workdays=[1])
    assert times.opens_at == at("2021-09-27T00:00")
    assert times.due_at == at("2021-09-30T17:00")
    # 100 office hours before would be before the week opens: left out.
    assert times.reminders == (at("2021-09-30T11:30"), at("2021-10-08T17:00"))
    assert times.known


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekday": 7, "workdays": 0, "at": FIVE_PM}, "报送日应为星期一至星期日"),
        ({"weekday": -1, "workdays": 0, "at": FIVE_PM}, "报送日应为星期一至星期日"),
        ({"weekday": True, "workdays": 0, "at": FIVE_PM}, "报送日应为星期一至星期日"),
        ({"weekday": None, "workdays": -1, "at": FIVE_PM}, "截止工作日数不能小于0"),
        ({"weekday": None, "workdays": 1.5, "at": FIVE_PM}, "截止工作日数应为整数"),
        (
            {"weekday": None, "workdays": 1, "at": dt.time(17, tzinfo=SHANGHAI)},
            "截止时间应为当天的时刻",
        ),
        ({"weekday": None, "workdays": 1, "at": "17:00"}, "截止时间应为当天的时刻"),
    ],
)
def test_due_rule_is_checked(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        DueRule(**kwargs)


@given(day=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2028, 12, 31)))
def test_a_weekly_due_day_is_a_working_day_in_its_week_or_the_first_after(day: dt.date) -> None:
    week = period_of(day, Cadence.WEEKLY)
    for weekday in range(7):
        due = due_at(week, DueRule(weekday, 0, FIVE_PM)).date()
        assert calendar.is_working_day(due)
        target = week.start + dt.timedelta(days=weekday)
        if due <= target:
            assert due >= week.start
            assert calendar.working_days_between(due, target) == 0
        else:  # no working day from Monday to the target
            assert calendar.working_days_between(week.start - dt.timedelta(days=1), target) == 0
            assert calendar.working_days_between(target, due) == 1


# --- a district's own days ------------------------------------------------------------------


def test_the_districts_own_days_are_passed_through(world: World) -> None:
    nangang, hulan = world.nangang, world.hulan
    services.add_local_days(
        nangang, actor=world.office, kind="off", name="区运动会", first_day=d("2026-06-04"),
        last_day=d("2026-06-05"),
    )  # fmt: skip
    services.add_local_days(
        nangang, actor=world.office, kind="work", name="防汛值班", first_day=d("2026-06-06")
    )
    week = weekly("2026-W23")  # Monday 1 June to Sunday 7 June 2026
    friday = DueRule(weekday=4, workdays=0, at=FIVE_PM)
    assert due_at(week, friday, jurisdiction=nangang) == at("2026-06-03T17:00")
    assert due_at(week, friday, jurisdiction=hulan) == at("2026-06-05T17:00")
    assert due_at(week, friday) == at("2026-06-05T17:00")
    saturday = DueRule(weekday=5, workdays=0, at=FIVE_PM)
    assert due_at(week, saturday, jurisdiction=nangang) == at("2026-06-06T17:00")
    assert due_at(week, saturday, jurisdiction=nangang.pk) == at("2026-06-06T17:00")
    may = parse_period("2026-05", Cadence.MONTHLY)  # ends Sunday 31 May
    assert due_at(may, DueRule(None, 4, FIVE_PM), jurisdiction=nangang) == at("2026-06-06T17:00")
    assert due_at(may, DueRule(None, 4, FIVE_PM), jurisdiction=hulan) == at("2026-06-04T17:00")
    due = at("2026-06-03T17:00")
    assert reminder_times(due, after_workdays=[1, 2], jurisdiction=nangang) == [
        at("2026-06-06T17:00"),
        at("2026-06-08T17:00"),
    ]
    assert reminder_times(at("2026-06-08T09:00"), before_hours=[1], jurisdiction=nangang) == [
        at("2026-06-06T17:00")
    ]
    times = periods.schedule(week, friday, jurisdiction=nangang)
    assert (times.due_at, times.known) == (at("2026-06-03T17:00"), True)
