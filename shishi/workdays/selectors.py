"""Reads of the working-day calendar for its pages (and the notice other pages show)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils import timezone

from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for
from shishi.workdays import calendar, package, permissions
from shishi.workdays.calendar import Source, SpecialDay, YearCalendar
from shishi.workdays.models import LocalDay, ScheduleYear

SOURCE_LABELS = {
    Source.ENTERED: "专班录入",
    Source.PACKAGE: "内置数据（chinesecalendar）",
    Source.WEEKENDS: "尚未录入，暂按周末计算",
}


def calendar_jurisdictions(user: Any) -> list[Jurisdiction]:
    """The jurisdictions whose calendar the user manages (as an office), by code."""
    scope = scope_for(user)
    if scope.is_superuser:
        return list(Jurisdiction.objects.order_by("code"))
    ids = scope.office_covered_ids()
    return list(Jurisdiction.objects.filter(pk__in=ids).order_by("code"))


def _lineage_names(lineage: Iterable[int]) -> dict[int, str]:
    """The names of a jurisdiction and its city (``calendar.lineage``), by id."""
    return dict(Jurisdiction.objects.filter(pk__in=lineage).values_list("pk", "name"))


@dataclass(frozen=True)
class YearRow:
    year: int
    source: Source
    source_label: str
    entered_by_name: str  # whose entry applies ("" unless entered)
    holidays: int  # days off on Monday to Friday
    makeup_days: int
    local_days: int

    @property
    def known(self) -> bool:
        return self.source is not Source.WEEKENDS


@dataclass(frozen=True)
class YearsPage:
    jurisdiction: Jurisdiction
    rows: list[YearRow]
    package_years: range
    package_version: str
    can_enter: bool


def years_page(user: Any, jurisdiction: Jurisdiction) -> YearsPage:
    """Each year around today and every year entered, with where its holidays come from."""
    this_year = timezone.localdate().year
    lineage = calendar.lineage(jurisdiction)
    entered_years = set(
        ScheduleYear.objects.filter(jurisdiction_id__in=lineage).values_list("year", flat=True)
    )
    local_counts = dict(
        LocalDay.objects.filter(jurisdiction_id__in=lineage)
        .values_list("date__year")
        .annotate(n=Count("pk"))
        .values_list("date__year", "n")
    )
    years = sorted({*range(this_year - 2, this_year + 2), *entered_years, *local_counts})
    names = _lineage_names(lineage)
    rows = []
    for year in years:
        cal = calendar.year_calendar(year, jurisdiction)
        rows.append(
            YearRow(
                year=year,
                source=cal.source,
                source_label=SOURCE_LABELS[cal.source],
                entered_by_name=names.get(cal.entered_by or 0, ""),
                holidays=sum(1 for d in cal.national if not d.working and d.date.weekday() < 5),
                makeup_days=sum(1 for d in cal.national if d.working),
                local_days=local_counts.get(year, 0),
            )
        )
    return YearsPage(
        jurisdiction=jurisdiction,
        rows=rows,
        package_years=package.years(),
        package_version=package.version(),
        can_enter=permissions.can_enter_schedule(user, jurisdiction),
    )


@dataclass
class Holiday:
    """One holiday of a year's schedule: its days off and its make-up working days."""

    name: str
    off: list[dt.date] = field(default_factory=list)
    work: list[dt.date] = field(default_factory=list)

    @property
    def first(self) -> dt.date | None:
        return self.off[0] if self.off else None

    @property
    def last(self) -> dt.date | None:
        return self.off[-1] if self.off else None


def group_holidays(days: Iterable[SpecialDay]) -> list[Holiday]:
    """Special days grouped by holiday name, in the order of their first day."""
    groups: dict[str, Holiday] = {}
    for day in sorted(days, key=lambda d: d.date):
        group = groups.setdefault(day.name, Holiday(day.name))
        (group.work if day.working else group.off).append(day.date)
    return list(groups.values())


@dataclass(frozen=True)
class YearPage:
    jurisdiction: Jurisdiction
    year: int
    calendar: YearCalendar
    source_label: str
    entered_by_name: str
    holidays: list[Holiday]
    national_days: list[SpecialDay]
    local_days: list[SpecialDay]
    entered_here: bool  # this jurisdiction's own entry applies (its days can be removed)
    has_own_entry: bool  # this jurisdiction has an entry of the year (it can be cleared)
    notice: str
    can_enter: bool  # the viewer may enter this jurisdiction's own schedule
    city_code: str  # the viewer enters the national schedule on the city's page instead
    package_knows: bool

    @property
    def enter_here(self) -> bool:
        """Offer the entry form and the import on this page."""
        return self.can_enter and not self.city_code


def year_page(user: Any, jurisdiction: Jurisdiction, year: int) -> YearPage:
    cal = calendar.year_calendar(year, jurisdiction)
    own = ScheduleYear.objects.filter(jurisdiction=jurisdiction, year=year).first()
    applying = own
    if cal.entered_by is not None and cal.entered_by != jurisdiction.pk:
        applying = ScheduleYear.objects.filter(jurisdiction_id=cal.entered_by, year=year).first()
    names = _lineage_names(calendar.lineage(jurisdiction))
    parent = jurisdiction.parent if jurisdiction.parent_id else None
    city_code = parent.code if parent and permissions.can_enter_schedule(user, parent) else ""
    return YearPage(
        jurisdiction=jurisdiction,
        year=year,
        calendar=cal,
        source_label=SOURCE_LABELS[cal.source],
        entered_by_name=names.get(cal.entered_by or 0, ""),
        holidays=group_holidays(cal.national),
        national_days=list(cal.national),
        local_days=list(cal.local),
        entered_here=cal.entered_by == jurisdiction.pk,
        has_own_entry=own is not None,
        notice=applying.notice if applying else "",
        can_enter=permissions.can_enter_schedule(user, jurisdiction),
        city_code=city_code,
        package_knows=year in package.years(),
    )


@dataclass(frozen=True)
class LocalRow:
    date: dt.date
    working: bool
    name: str
    own: bool  # the jurisdiction's own (else its city's)
    owner_name: str


@dataclass(frozen=True)
class LocalPage:
    jurisdiction: Jurisdiction
    year: int
    rows: list[LocalRow]
    years: list[int]


def local_page(user: Any, jurisdiction: Jurisdiction, year: int) -> LocalPage:
    """The local days of ``year`` that apply in the jurisdiction: its own and its city's."""
    lineage = calendar.lineage(jurisdiction)
    names = _lineage_names(lineage)
    rows = [
        LocalRow(
            date=d.date,
            working=d.working,
            name=d.name,
            own=d.jurisdiction_id == jurisdiction.pk,
            owner_name=names.get(d.jurisdiction_id or 0, ""),
        )
        for d in calendar.year_calendar(year, jurisdiction).local
    ]
    # A city's day replaced by the district's own on the same date is not shown: the
    # calendar shows what applies.
    this_year = timezone.localdate().year
    years = sorted(
        {
            *LocalDay.objects.filter(jurisdiction_id__in=lineage)
            .values_list("date__year", flat=True)
            .distinct(),
            this_year,
            this_year + 1,
            year,
        }
    )
    return LocalPage(jurisdiction=jurisdiction, year=year, rows=rows, years=years)


@dataclass(frozen=True)
class UnknownYear:
    year: int
    url_code: str  # the jurisdiction whose year page the viewer may enter it on ("": none)


def unknown_years_for(
    user: Any, years: Iterable[int], jurisdiction: Jurisdiction | None
) -> list[UnknownYear]:
    """The years counted by weekends only, each with where this viewer could enter it."""
    missing = calendar.unknown_years(years, jurisdiction)
    if not missing:
        return []
    code = ""
    if jurisdiction is not None:
        parent = jurisdiction.parent if jurisdiction.parent_id else None
        if parent is not None and permissions.can_enter_schedule(user, parent):
            code = parent.code
        elif permissions.can_enter_schedule(user, jurisdiction):
            code = jurisdiction.code
    return [UnknownYear(year, code) for year in missing]
