"""Periods of feedback cycles (反馈机制) and their due times: pure date logic, no models.

A cycle asks its units for a report every **period** of its **cadence**. A period has a key,
written as the CLI and the pages write it:

=============  ==============  =============================================================
cadence        key             days
=============  ==============  =============================================================
weekly         ``2021-W25``    an ISO week, Monday to Sunday, of the ISO week-year (2020-W53
                               is 2020-12-28 to 2021-01-03; 2021 has no week 53)
half_monthly   ``2021-06-H1``  the 1st to the 15th; ``2021-06-H2``: the 16th to the month's end
monthly        ``2021-06``     the month
quarterly      ``2021-Q2``     April to June
once           ``2021-06-18``  the one day of a one-off request
=============  ==============  =============================================================

``parse_period`` reads a key (full-width digits and lower-case letters are accepted, a
one-digit month or week too; the period's ``key`` is always the canonical form above) and
raises ``PeriodError`` (a ``ValueError``) with a Chinese message naming what is wrong, ready
for a form field or the CLI. ``period_of``, ``next_period``, ``previous_period`` and
``periods_between`` walk periods; for ``once`` they walk single days. Years run from
``MIN_YEAR`` to ``MAX_YEAR``; these functions never query the database.

Due times count working days with ``shishi.workdays.calendar`` (pass the cycle's district as
``jurisdiction``; ``None`` is the national calendar alone). A year the calendar does not know
counts weekends only: call ``calendar.known_year`` (or read ``PeriodTimes.known``) to show the
notice. Compute them once per period, not per unit: ``schedule`` gives the opening, the due
time and the reminders together.

- ``due_at``: for a weekly cycle with a ``weekday``, that day of the ISO week; if it is not a
  working day, the nearest earlier working day of the same week; if the week has none before
  it (Golden Week), the first working day after it. Otherwise (and for weekly without a
  weekday) ``add_working_days(period.end, workdays)``: 0 is the last day itself if it is a
  working day, else the next one; 3 is the third working day after the last day. The result
  is that day at ``rule.at``, aware, in Asia/Shanghai.
- ``opens_at``: weekly and half-monthly periods open on their first day at 00:00; monthly and
  quarterly ones 5 working days before their last day (``OPEN_WORKDAYS_BEFORE_END``: a
  summary is written at the period's end), never before their first day; a one-off opens at
  the start of the day before its due day.
- ``reminder_times``: ``before_hours`` count office hours backwards from the due time
  (``subtract_working_hours``, the mirror of ``calendar.add_working_hours``);
  ``after_workdays`` are that many working days after the due day, at the due time of day.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shishi.workdays import calendar
from shishi.workdays.calendar import SHANGHAI, JurisdictionRef

MIN_YEAR = 1900
MAX_YEAR = 2999
OPEN_WORKDAYS_BEFORE_END = 5
ONE_DAY = dt.timedelta(days=1)


class PeriodError(ValueError):
    """A period key, a day or a due rule that cannot be used; the message is for people."""


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    HALF_MONTHLY = "half_monthly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ONCE = "once"

    @property
    def label(self) -> str:
        return _CADENCE_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, Chinese label) pairs, for a model field's or a form's ``choices``."""
        return [(c.value, c.label) for c in cls]


_CADENCE_LABELS = {
    Cadence.WEEKLY: "每周",
    Cadence.HALF_MONTHLY: "每半月",
    Cadence.MONTHLY: "每月",
    Cadence.QUARTERLY: "每季度",
    Cadence.ONCE: "一次性",
}

# How a key of each cadence is written, for the message when a key does not fit its cadence.
_HINTS = {
    Cadence.WEEKLY: "按周报送的期别应写作2021-W25（年份-W周次）",
    Cadence.HALF_MONTHLY: "按半月报送的期别应写作2021-06-H1（上半月）或2021-06-H2（下半月）",
    Cadence.MONTHLY: "按月报送的期别应写作2021-06",
    Cadence.QUARTERLY: "按季度报送的期别应写作2021-Q2",
    Cadence.ONCE: "一次性报送的期别应写作日期，如2021-06-18",
}
_FORMS = {
    Cadence.WEEKLY: "周次",
    Cadence.HALF_MONTHLY: "半月",
    Cadence.MONTHLY: "月份",
    Cadence.QUARTERLY: "季度",
    Cadence.ONCE: "日期",
}
_PATTERNS = {
    Cadence.WEEKLY: re.compile(r"(\d{4})-W(\d{1,2})", re.ASCII),
    Cadence.HALF_MONTHLY: re.compile(r"(\d{4})-(\d{1,2})-H(\d)", re.ASCII),
    Cadence.MONTHLY: re.compile(r"(\d{4})-(\d{1,2})", re.ASCII),
    Cadence.QUARTERLY: re.compile(r"(\d{4})-Q(\d)", re.ASCII),
    Cadence.ONCE: re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII),
}
_QUARTER_NAMES = "一二三四"


@dataclass(frozen=True)
class Period:
    """One period of a cadence: ``start`` and ``end`` are its first and last day."""

    cadence: Cadence
    key: str
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return self.key

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= _as_date(day) <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """The period for people: "2021年第25周（6月21日—6月27日）", "2021年6月上半月",
        "2021年6月", "2021年第二季度", "2021年6月18日"."""
        s, e = self.start, self.end
        if self.cadence is Cadence.WEEKLY:
            year, week = _key_numbers(self.key)
            if s.year == e.year == year:
                span = f"{s.month}月{s.day}日—{e.month}月{e.day}日"
            else:
                span = f"{_date_label(s)}—{_date_label(e)}"
            return f"{year}年第{week}周（{span}）"
        if self.cadence is Cadence.HALF_MONTHLY:
            half = "上半月" if s.day == 1 else "下半月"
            return f"{s.year}年{s.month}月{half}"
        if self.cadence is Cadence.MONTHLY:
            return f"{s.year}年{s.month}月"
        if self.cadence is Cadence.QUARTERLY:
            return f"{s.year}年第{_QUARTER_NAMES[(s.month - 1) // 3]}季度"
        return _date_label(s)


def _date_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _key_numbers(key: str) -> tuple[int, int]:
    year, _, rest = key.partition("-W")
    return int(year), int(rest)


def _as_date(day: dt.date) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.astimezone(SHANGHAI).date() if day.tzinfo else day.date()
    return day


def as_cadence(value: Cadence | str) -> Cadence:
    """``value`` as a ``Cadence``; an unknown one raises ``PeriodError``."""
    try:
        return Cadence(value)
    except ValueError:
        names = "、".join(c.value for c in Cadence)
        raise PeriodError(f"未知的报送周期“{_shown(str(value))}”：应为{names}之一") from None


def _shown(text: str) -> str:
    return text if len(text) <= 30 else text[:30] + "…"


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - ONE_DAY


def _weeks_in(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar().week


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"期别“{_shown(text)}”的年份超出范围（{MIN_YEAR}—{MAX_YEAR}年）")


def _week(year: int, week: int) -> Period:
    start = dt.date.fromisocalendar(year, week, 1)
    return Period(Cadence.WEEKLY, f"{year:04d}-W{week:02d}", start, start + 6 * ONE_DAY)


def _half(year: int, month: int, half: int) -> Period:
    key = f"{year:04d}-{month:02d}-H{half}"
    if half == 1:
        return Period(Cadence.HALF_MONTHLY, key, dt.date(year, month, 1), dt.date(year, month, 15))
    return Period(Cadence.HALF_MONTHLY, key, dt.date(year, month, 16), _month_end(year, month))


def _month(year: int, month: int) -> Period:
    key = f"{year:04d}-{month:02d}"
    return Period(Cadence.MONTHLY, key, dt.date(year, month, 1), _month_end(year, month))


def _quarter(year: int, quarter: int) -> Period:
    first = 3 * quarter - 2
    return Period(
        Cadence.QUARTERLY,
        f"{year:04d}-Q{quarter}",
        dt.date(year, first, 1),
        _month_end(year, first + 2),
    )


def _day(day: dt.date) -> Period:
    return Period(Cadence.ONCE, day.isoformat(), day, day)


def parse_period(text: str, cadence: Cadence | str) -> Period:
    """The period a key names, for a cycle of ``cadence``; ``PeriodError`` says what is wrong
    ("2021-W54：2021年没有第54周", "期别“2021-13”不是有效的月份", or how keys of the cadence
    are written when the key has another form)."""
    kind = as_cadence(cadence)
    if not isinstance(text, str) or not text.strip():
        raise PeriodError(f"期别不能为空：{_HINTS[kind]}")
    raw = unicodedata.normalize("NFKC", text).strip().upper()
    m = _PATTERNS[kind].fullmatch(raw)
    if m is None:
        other = next((c for c, p in _PATTERNS.items() if p.fullmatch(raw)), None)
        if other is not None:
            raise PeriodError(f"期别“{_shown(raw)}”是{_FORMS[other]}的写法：{_HINTS[kind]}")
        raise PeriodError(f"无法识别期别“{_shown(raw)}”：{_HINTS[kind]}")
    numbers = [int(g) for g in m.groups()]
    year = numbers[0]
    _check_year(year, raw)
    if kind is Cadence.WEEKLY:
        week, weeks = numbers[1], _weeks_in(year)
        if not 1 <= week <= weeks:
            raise PeriodError(f"{raw}：{year}年没有第{week}周（{year}年共{weeks}周）")
        return _week(year, week)
    if kind is Cadence.QUARTERLY:
        if not 1 <= numbers[1] <= 4:
            raise PeriodError(f"期别“{raw}”不是有效的季度：季度应为Q1至Q4")
        return _quarter(year, numbers[1])
    month = numbers[1]
    if not 1 <= month <= 12:
        raise PeriodError(f"期别“{raw}”不是有效的月份")
    if kind is Cadence.MONTHLY:
        return _month(year, month)
    if kind is Cadence.HALF_MONTHLY:
        if numbers[2] not in (1, 2):
            raise PeriodError(
                f"期别“{raw}”不是有效的半月：H1为1日至15日（上半月），H2为16日至月末（下半月）"
            )
        return _half(year, month, numbers[2])
    try:
        return _day(dt.date(year, month, numbers[2]))
    except ValueError:
        raise PeriodError(f"期别“{raw}”不是有效的日期") from None


def period_of(day: dt.date, cadence: Cadence | str) -> Period:
    """The period of ``cadence`` that contains ``day`` (a datetime counts on its Shanghai
    date); for ``once``, the day itself."""
    kind = as_cadence(cadence)
    on = _as_date(day)
    if not isinstance(on, dt.date):
        raise PeriodError("日期无效")
    if kind is Cadence.WEEKLY:
        iso = on.isocalendar()
        _check_year(iso.year, on.isoformat())
        return _week(iso.year, iso.week)
    _check_year(on.year, on.isoformat())
    if kind is Cadence.HALF_MONTHLY:
        return _half(on.year, on.month, 1 if on.day <= 15 else 2)
    if kind is Cadence.MONTHLY:
        return _month(on.year, on.month)
    if kind is Cadence.QUARTERLY:
        return _quarter(on.year, (on.month - 1) // 3 + 1)
    return _day(on)


def next_period(period: Period) -> Period:
    """The period right after ``period`` (for ``once``, the next day)."""
    return period_of(period.end + ONE_DAY, period.cadence)


def previous_period(period: Period) -> Period:
    """The period right before ``period`` (for ``once``, the day before)."""
    return period_of(period.start - ONE_DAY, period.cadence)


def iter_periods(start: dt.date, end: dt.date, cadence: Cadence | str) -> Iterator[Period]:
    """The periods overlapping ``[start, end]``, in order (none when ``end`` is first)."""
    first, last = _as_date(start), _as_date(end)
    if last < first:
        return
    period = period_of(first, cadence)
    while True:
        yield period
        if period.end >= last:
            return
        period = next_period(period)


def periods_between(start: dt.date, end: dt.date, cadence: Cadence | str) -> list[Period]:
    """The periods overlapping ``[start, end]``, in order (for ``once``, each day)."""
    return list(iter_periods(start, end, cadence))


# --- due times ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRule:
    """When a period's reports are due: for a weekly cycle with ``weekday`` (0 = Monday …
    6 = Sunday), that day of the week; else ``workdays`` working days after the period's last
    day. Either way at the time of day ``at`` (Asia/Shanghai)."""

    weekday: int | None
    workdays: int
    at: dt.time

    def __post_init__(self) -> None:
        if self.weekday is not None and (
            isinstance(self.weekday, bool)
            or not isinstance(self.weekday, int)
            or not 0 <= self.weekday <= 6
        ):
            raise PeriodError("报送日应为星期一至星期日（0—6）")
        if isinstance(self.workdays, bool) or not isinstance(self.workdays, int):
            raise PeriodError("截止工作日数应为整数")
        if self.workdays < 0:
            raise PeriodError("截止工作日数不能小于0")
        if not isinstance(self.at, dt.time) or self.at.tzinfo is not None:
            raise PeriodError("截止时间应为当天的时刻，如17:00")


def due_day(period: Period, rule: DueRule, *, jurisdiction: JurisdictionRef = None) -> dt.date:
    """The day a period's reports are due (see the module's docstring)."""
    if period.cadence is Cadence.WEEKLY and rule.weekday is not None:
        target = period.start + rule.weekday * ONE_DAY
        day = target
        while day >= period.start:
            if calendar.is_working_day(day, jurisdiction=jurisdiction):
                return day
            day -= ONE_DAY
        return calendar.add_working_days(target, 1, jurisdiction=jurisdiction)
    return calendar.add_working_days(period.end, rule.workdays, jurisdiction=jurisdiction)


def due_at(period: Period, rule: DueRule, *, jurisdiction: JurisdictionRef = None) -> dt.datetime:
    """The moment a period's reports are due: aware, Asia/Shanghai."""
    day = due_day(period, rule, jurisdiction=jurisdiction)
    return dt.datetime.combine(day, rule.at, SHANGHAI)


def working_days_before(day: dt.date, n: int, *, jurisdiction: JurisdictionRef = None) -> dt.date:
    """The n-th working day before ``day`` (n ≥ 1; ``day`` itself never counts): the mirror
    of ``calendar.add_working_days``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number ≥ 1, not {n!r}")
    on = _as_date(day)
    while n:
        on -= ONE_DAY
        if calendar.is_working_day(on, jurisdiction=jurisdiction):
            n -= 1
    return on


def opens_at(period: Period, rule: DueRule, *, jurisdiction: JurisdictionRef = None) -> dt.datetime:
    """When a period's submissions open (see the module's docstring): aware, Asia/Shanghai."""
    if period.cadence in (Cadence.WEEKLY, Cadence.HALF_MONTHLY):
        day = period.start
    elif period.cadence in (Cadence.MONTHLY, Cadence.QUARTERLY):
        n = OPEN_WORKDAYS_BEFORE_END
        day = max(working_days_before(period.end, n, jurisdiction=jurisdiction), period.start)
    else:
        day = due_day(period, rule, jurisdiction=jurisdiction) - ONE_DAY
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


def _duration(hours: float | int | Decimal) -> dt.timedelta:
    if isinstance(hours, bool):
        raise PeriodError("提前提醒的小时数应为不小于0的数")
    try:
        value = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    except (InvalidOperation, TypeError, ValueError):
        raise PeriodError("提前提醒的小时数应为不小于0的数") from None
    if not value.is_finite() or value < 0:
        raise PeriodError("提前提醒的小时数应为不小于0的数")
    if value > 10_000:
        raise PeriodError("提前提醒的小时数不能超过10000")
    micros = (value * 3_600_000_000).to_integral_value(rounding=ROUND_HALF_UP)
    return dt.timedelta(microseconds=int(micros))


def subtract_working_hours(
    end: dt.datetime, hours: float | int | Decimal, *, jurisdiction: JurisdictionRef = None
) -> dt.datetime:
    """The latest moment with ``hours`` of office time between it and ``end``: the mirror
    of ``calendar.add_working_hours``. Counting starts at ``end`` if it is within office hours
    on a working day, else at the previous closing; the result may be a period's opening
    (13:30), never a moment outside office hours. Aware, Asia/Shanghai."""
    if not isinstance(end, dt.datetime) or end.tzinfo is None:
        raise ValueError("end must be a timezone-aware datetime")
    remaining = _duration(hours)
    current = end.astimezone(SHANGHAI)
    day = current.date()
    periods = calendar.office_hours()
    while True:
        if calendar.is_working_day(day, jurisdiction=jurisdiction):
            for a, b in reversed(periods):
                begin = dt.datetime.combine(day, a, SHANGHAI)
                if current < begin:
                    continue
                at = min(current, dt.datetime.combine(day, b, SHANGHAI))
                available = at - begin
                if remaining <= available:
                    return at - remaining
                remaining -= available
                current = begin
        try:
            day -= ONE_DAY
        except OverflowError:
            raise PeriodError("日期超出可计算的范围") from None


def reminder_times(
    due: dt.datetime,
    *,
    before_hours: Iterable[float | int | Decimal] = (),
    after_workdays: Iterable[int] = (),
    jurisdiction: JurisdictionRef = None,
    not_before: dt.datetime | None = None,
) -> list[dt.datetime]:
    """The moments to remind a unit of a due time: ``before_hours`` office hours before it,
    and ``after_workdays`` working days after the due day at the due time of day (0: the due
    time itself if its day is a working day). Sorted, without repeats; moments earlier than
    ``not_before`` (say, the period's opening) are left out."""
    if not isinstance(due, dt.datetime) or due.tzinfo is None:
        raise ValueError("due must be a timezone-aware datetime")
    local = due.astimezone(SHANGHAI)
    moments = {subtract_working_hours(local, h, jurisdiction=jurisdiction) for h in before_hours}
    for n in after_workdays:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise PeriodError("逾期提醒的工作日数应为不小于0的整数")
        if n > 1000:
            raise PeriodError("逾期提醒的工作日数不能超过1000")
        day = calendar.add_working_days(local.date(), n, jurisdiction=jurisdiction)
        moments.add(dt.datetime.combine(day, local.timetz()))
    if not_before is not None:
        moments = {m for m in moments if m >= not_before}
    return sorted(moments)


@dataclass(frozen=True)
class PeriodTimes:
    """A period's opening, due time and reminders, computed once for all its units;
    ``known`` is False when a year they fall in is counted by weekends only."""

    period: Period
    opens_at: dt.datetime
    due_at: dt.datetime
    reminders: tuple[dt.datetime, ...]
    known: bool


def schedule(
    period: Period,
    rule: DueRule,
    *,
    before_hours: Iterable[float | int | Decimal] = (),
    after_workdays: Iterable[int] = (),
    jurisdiction: JurisdictionRef = None,
) -> PeriodTimes:
    """``opens_at``, ``due_at`` and ``reminder_times`` of one period (reminders before the
    opening are left out)."""
    opening = opens_at(period, rule, jurisdiction=jurisdiction)
    due = due_at(period, rule, jurisdiction=jurisdiction)
    reminders = reminder_times(
        due,
        before_hours=before_hours,
        after_workdays=after_workdays,
        jurisdiction=jurisdiction,
        not_before=opening,
    )
    years = {opening.year, due.year, *(m.year for m in reminders)}
    known = not calendar.unknown_years(years, jurisdiction)
    return PeriodTimes(period, opening, due, tuple(reminders), known)
