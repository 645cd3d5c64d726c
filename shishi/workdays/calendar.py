"""Working days and office hours: the one module other apps call for time limits.

Which days are working days, for a jurisdiction (a district, a city, or ``None``):

1. A **local day** of the jurisdiction (a district's own day off or duty day), else one of
   its city's (``LocalDay``);
2. else the year's **State Council schedule**: the one the office entered for the district,
   else the one its city office entered (``ScheduleYear``: the most specific entry wins, and
   an entered year replaces the package for that whole year), else the ``chinesecalendar``
   package's data (``workdays.package``: 2004–2026 in version 1.11);
3. else, for a year nobody knows yet, **weekends only**: Monday to Friday are working days.
   ``known_year`` is False for such a year, and every page that counts working days shows
   ``workdays/_notice.html`` (``{% workdays_notice %}``) until the office enters it.

``jurisdiction=None`` is the national calendar alone: the package, or weekends only. Pass
the district a time limit belongs to (a demand's, a programme's) to count its entries and
local days.

Counting conventions (the 12345 hotline's: "N working days, counted from the next working
day"):

- ``add_working_days(start, n)`` for n ≥ 1 is the n-th working day *after* ``start``; the
  start day itself never counts, whether it is a working day or a holiday (a demand received
  on Saturday with 3 working days is due on Wednesday, as one received on Friday is).
  ``n = 0`` is ``start`` itself if it is a working day, else the next working day.
- ``working_days_between(start, end)`` is the number of working days ``d`` with
  ``start < d <= end`` (negative when ``end`` is before ``start``), so that
  ``working_days_between(d, add_working_days(d, n)) == n`` for n ≥ 1, and for n = 0 when
  ``d`` is a working day.
- ``add_working_hours(start, hours)`` counts office time (``SHISHI_OFFICE_HOURS``, by default
  ``08:30-12:00,13:30-17:30``) on working days from ``start``; a start outside office hours
  counts from the next opening. The result is the moment the last of the hours is used up,
  so it may be the end of a period (12:00), never a moment outside office hours; ``hours = 0``
  is ``start`` itself within office hours, else the next opening.
  ``working_time_between(start, end)`` is the office time in ``[start, end)``.

Datetimes must be timezone-aware; results are in Asia/Shanghai (no daylight saving time, so
a wall-clock time of a day is one instant).

Speed: a (jurisdiction, year) is loaded once per process with at most four queries and
kept; counting then costs no query (``jurisdiction=None`` never queries the database).
Every office edit changes the ``CalendarStamp`` token in its own transaction and clears this
process's years at once; other processes compare the token at most every
``SHISHI_WORKDAYS_CHECK_SECONDS`` seconds (one small query) and drop their years when it
changed.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shishi.orgs.models import Jurisdiction
from shishi.workdays import package
from shishi.workdays.models import CalendarStamp, DayKind, LocalDay, ScheduleDay, ScheduleYear

JurisdictionRef = Jurisdiction | int | None

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = dt.timedelta(days=1)
DEFAULT_OFFICE_HOURS = "08:30-12:00,13:30-17:30"


class Source(enum.StrEnum):
    """Where a year's national days come from."""

    ENTERED = "entered"  # the office entered the State Council's schedule
    PACKAGE = "package"  # the chinesecalendar package
    WEEKENDS = "weekends"  # nobody knows the year yet: weekends only


@dataclass(frozen=True)
class SpecialDay:
    date: dt.date
    working: bool
    name: str
    local: bool = False  # a local day (of the jurisdiction or its city)
    jurisdiction_id: int | None = None  # whose local day, or whose entered schedule


@dataclass(frozen=True)
class YearCalendar:
    """One year of one jurisdiction, everything merged: ask it about any date of the year."""

    year: int
    jurisdiction_id: int | None
    source: Source
    entered_by: int | None  # the jurisdiction whose entered schedule applies
    national: tuple[SpecialDay, ...]
    local: tuple[SpecialDay, ...]
    off: frozenset[dt.date] = field(default_factory=frozenset)
    work: frozenset[dt.date] = field(default_factory=frozenset)

    @property
    def known(self) -> bool:
        return self.source is not Source.WEEKENDS

    def is_working_day(self, day: dt.date) -> bool:
        return day in self.work or (day.weekday() < 5 and day not in self.off)

    def special_days(self) -> list[SpecialDay]:
        """The year's special days in date order; a local day replaces a national one."""
        merged = {d.date: d for d in self.national}
        merged.update({d.date: d for d in self.local})
        return [merged[k] for k in sorted(merged)]


# --- the per-process cache ------------------------------------------------------------------

_lock = threading.Lock()
_years: dict[tuple[int | None, int], YearCalendar] = {}


class _Stamp:
    token: str | None = None
    checked_at: float = float("-inf")


_stamp = _Stamp()


def clear_cache() -> None:
    """Forget every loaded year (the services call it on each edit; tests between cases)."""
    with _lock:
        _years.clear()
        _stamp.checked_at = float("-inf")


def _check_stamp() -> None:
    every = float(getattr(settings, "SHISHI_WORKDAYS_CHECK_SECONDS", 5))
    now = time.monotonic()
    if now - _stamp.checked_at < every:
        return
    token = CalendarStamp.objects.values_list("token", flat=True).first() or ""
    with _lock:
        if token != _stamp.token:
            _years.clear()
            _stamp.token = token
        _stamp.checked_at = now


def _jurisdiction_key(jurisdiction: JurisdictionRef) -> int | None:
    if jurisdiction is None:
        return None
    if isinstance(jurisdiction, int):
        return jurisdiction
    return int(jurisdiction.pk)


def lineage(jurisdiction: JurisdictionRef) -> tuple[int, ...]:
    """The jurisdiction's id and its city's (most specific first)."""
    if jurisdiction is None:
        return ()
    if isinstance(jurisdiction, int):
        parent = (
            Jurisdiction.objects.filter(pk=jurisdiction).values_list("parent_id", flat=True).first()
        )
        return (jurisdiction,) if parent is None else (jurisdiction, parent)
    parent_id = jurisdiction.parent_id
    return (jurisdiction.pk,) if parent_id is None else (jurisdiction.pk, parent_id)


def _load(year: int, jurisdiction: JurisdictionRef) -> YearCalendar:
    jid = _jurisdiction_key(jurisdiction)
    ids = lineage(jurisdiction)
    national: list[SpecialDay] = []
    entered_by: int | None = None
    source = Source.WEEKENDS
    if ids:
        entered = dict(
            ScheduleYear.objects.filter(year=year, jurisdiction_id__in=ids).values_list(
                "jurisdiction_id", "pk"
            )
        )
        entered_by = next((j for j in ids if j in entered), None)
        if entered_by is not None:
            source = Source.ENTERED
            rows = ScheduleDay.objects.filter(schedule_id=entered[entered_by]).values_list(
                "date", "kind", "name"
            )
            national = [
                SpecialDay(d, kind == DayKind.WORK, name, jurisdiction_id=entered_by)
                for d, kind, name in rows
            ]
    if source is Source.WEEKENDS:
        known = package.package_year(year)
        if known is not None:
            source = Source.PACKAGE
            national = [SpecialDay(d, False, known.names[d]) for d in known.off]
            national += [SpecialDay(d, True, known.names[d]) for d in known.work]
    national.sort(key=lambda d: d.date)
    local: dict[dt.date, SpecialDay] = {}
    if ids:
        local_rows = LocalDay.objects.filter(
            jurisdiction_id__in=ids,
            date__gte=dt.date(year, 1, 1),
            date__lte=dt.date(year, 12, 31),
        ).values_list("jurisdiction_id", "date", "kind", "name")
        rank = {j: i for i, j in enumerate(ids)}
        # The city's first, then the district's own over them.
        for owner, on, kind, name in sorted(local_rows, key=lambda r: -rank[r[0]]):
            local[on] = SpecialDay(
                on, kind == DayKind.WORK, name, local=True, jurisdiction_id=owner
            )
    off = {d.date for d in national if not d.working}
    work = {d.date for d in national if d.working}
    for special in local.values():
        off.discard(special.date)
        work.discard(special.date)
        (work if special.working else off).add(special.date)
    return YearCalendar(
        year=year,
        jurisdiction_id=jid,
        source=source,
        entered_by=entered_by,
        national=tuple(national),
        local=tuple(sorted(local.values(), key=lambda d: d.date)),
        off=frozenset(off),
        work=frozenset(work),
    )


def _year(year: int, jurisdiction: JurisdictionRef) -> YearCalendar:
    key = (_jurisdiction_key(jurisdiction), year)
    found = _years.get(key)
    if found is None:
        found = _load(year, jurisdiction)
        with _lock:
            _years[key] = found
    return found


def year_calendar(year: int, jurisdiction: JurisdictionRef = None) -> YearCalendar:
    """One year of the calendar for ``jurisdiction`` (its special days, their source)."""
    if jurisdiction is not None:  # the package's national calendar needs no database
        _check_stamp()
    return _year(year, jurisdiction)


# --- days -----------------------------------------------------------------------------------


def _as_date(day: dt.date) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.astimezone(SHANGHAI).date() if day.tzinfo else day.date()
    return day


class _Days:
    """Walks the days of one jurisdiction, loading each year once."""

    def __init__(self, jurisdiction: JurisdictionRef) -> None:
        if jurisdiction is not None:
            _check_stamp()
        self.jurisdiction = jurisdiction
        self.current: YearCalendar | None = None

    def working(self, day: dt.date) -> bool:
        if self.current is None or self.current.year != day.year:
            self.current = _year(day.year, self.jurisdiction)
        return self.current.is_working_day(day)


def is_working_day(day: dt.date, *, jurisdiction: JurisdictionRef = None) -> bool:
    """Whether ``day`` is a working day (a datetime is taken on its Shanghai date)."""
    return _Days(jurisdiction).working(_as_date(day))


def known_year(year: int, jurisdiction: JurisdictionRef = None) -> bool:
    """Whether ``year``'s holidays are known (entered or in the package); False: the
    calendar counts weekends only for it, and pages show the notice."""
    return year_calendar(year, jurisdiction).known


def unknown_years(years: Iterable[int], jurisdiction: JurisdictionRef = None) -> list[int]:
    """The years among ``years`` counted by weekends only, in order."""
    return [y for y in sorted(set(years)) if not known_year(y, jurisdiction)]


def _step(day: dt.date) -> dt.date:
    try:
        return day + ONE_DAY
    except OverflowError as exc:
        raise ValueError("日期超出可计算的范围") from exc


def add_working_days(start: dt.date, n: int, *, jurisdiction: JurisdictionRef = None) -> dt.date:
    """The n-th working day after ``start`` (n ≥ 1; ``start`` itself never counts); for
    n = 0, ``start`` if it is a working day, else the next working day."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a whole number ≥ 0, not {n!r}")
    days = _Days(jurisdiction)
    day = _as_date(start)
    if n == 0:
        while not days.working(day):
            day = _step(day)
        return day
    while n:
        day = _step(day)
        if days.working(day):
            n -= 1
    return day


def working_days_between(
    start: dt.date, end: dt.date, *, jurisdiction: JurisdictionRef = None
) -> int:
    """The number of working days ``d`` with ``start < d <= end``; negative (the same count
    with a minus) when ``end`` is before ``start``."""
    first, last = _as_date(start), _as_date(end)
    if last < first:
        return -working_days_between(last, first, jurisdiction=jurisdiction)
    days = _Days(jurisdiction)
    count = 0
    day = first
    while day < last:
        day += ONE_DAY
        if days.working(day):
            count += 1
    return count


# --- office hours ---------------------------------------------------------------------------

_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@functools.lru_cache(maxsize=8)
def parse_office_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """``"08:30-12:00,13:30-17:30"`` → the periods, checked: each starts before it ends, in
    order, without overlap. A bad value raises ``ImproperlyConfigured`` naming it."""
    periods: list[tuple[dt.time, dt.time]] = []
    for part in text.split(","):
        m = _PERIOD.match(part)
        if not m:
            raise ImproperlyConfigured(
                f"SHISHI_OFFICE_HOURS: {part.strip()!r} is not HH:MM-HH:MM (in {text!r})"
            )
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        try:
            begin, end = dt.time(h1, m1), dt.time(h2, m2)
        except ValueError as exc:
            raise ImproperlyConfigured(f"SHISHI_OFFICE_HOURS: {part.strip()!r}: {exc}") from exc
        if begin >= end:
            raise ImproperlyConfigured(
                f"SHISHI_OFFICE_HOURS: {part.strip()!r} ends before it starts"
            )
        if periods and begin < periods[-1][1]:
            raise ImproperlyConfigured(
                f"SHISHI_OFFICE_HOURS: {part.strip()!r} overlaps or precedes the period before it"
            )
        periods.append((begin, end))
    return tuple(periods)


def office_hours() -> tuple[tuple[dt.time, dt.time], ...]:
    """The office's periods of a working day, from ``SHISHI_OFFICE_HOURS``."""
    return parse_office_hours(getattr(settings, "SHISHI_OFFICE_HOURS", DEFAULT_OFFICE_HOURS))


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment.astimezone(SHANGHAI)


def _as_duration(hours: float | Decimal | int) -> dt.timedelta:
    if isinstance(hours, bool):
        raise ValueError("hours must be a number ≥ 0")
    try:
        value = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"hours must be a number ≥ 0, not {hours!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"hours must be a finite number ≥ 0, not {hours!r}")
    micros = (value * 3_600_000_000).to_integral_value(rounding=ROUND_HALF_UP)
    return dt.timedelta(microseconds=int(micros))


def _periods_of(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (dt.datetime.combine(day, a, SHANGHAI), dt.datetime.combine(day, b, SHANGHAI))
        for a, b in office_hours()
    ]


def add_working_hours(
    start: dt.datetime, hours: float | Decimal | int, *, jurisdiction: JurisdictionRef = None
) -> dt.datetime:
    """The moment ``hours`` of office time after ``start`` are used up (see the module's
    conventions); aware, in Asia/Shanghai."""
    remaining = _as_duration(hours)
    current = _aware(start, "start")
    days = _Days(jurisdiction)
    day = current.date()
    while True:
        if days.working(day):
            for begin, end in _periods_of(day):
                if current >= end:
                    continue
                at = max(current, begin)
                available = end - at
                if remaining <= available:
                    return at + remaining
                remaining -= available
                current = end
        day = _step(day)


def working_time_between(
    start: dt.datetime, end: dt.datetime, *, jurisdiction: JurisdictionRef = None
) -> dt.timedelta:
    """Office time on working days within ``[start, end)``; negative when ``end`` is first."""
    first, last = _aware(start, "start"), _aware(end, "end")
    if last < first:
        return -working_time_between(last, first, jurisdiction=jurisdiction)
    days = _Days(jurisdiction)
    total = dt.timedelta(0)
    day = first.date()
    while day <= last.date():
        if days.working(day):
            for begin, finish in _periods_of(day):
                lo, hi = max(begin, first), min(finish, last)
                if hi > lo:
                    total += hi - lo
        day = _step(day)
    return total
