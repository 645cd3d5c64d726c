"""Reads of the study activities: who sees which (the office its districts', a unit's
editors their units' and their branches'), the lists and the review queue with their
filters, the units a person may pick as organiser (grouped by committee), the export rows.
Every list starts from ``visible_activities`` / ``office_activities``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from shishi.core.errors import NotFound, PermissionDenied
from shishi.education import permissions
from shishi.education.models import (
    CampaignLine,
    Landmark,
    StudyActivity,
    StudyKind,
    StudyPhoto,
)
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for

PAGE_SIZE = 30
MAX_EXPORT = 20_000
OFFICE_ONLY = "只有专班可以查看全区学习活动"
NO_ROLE = "您的账号不能录入学习活动"


@dataclass
class Place:
    """The page's district and the others the user may switch to."""

    district: Jurisdiction
    districts: list[tuple[str, str]]  # (code, name), when several


def office_districts(user: Any) -> list[Jurisdiction]:
    query = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not scope_for(user).is_superuser:
        query = query.filter(pk__in=permissions.office_jurisdiction_ids(user))
    return list(query.order_by("code"))


def office_place(user: Any, code: str | None) -> Place:
    """The district (by its code, else the first) whose study the user keeps; 403 else."""
    districts = office_districts(user)
    if not districts:
        raise PermissionDenied(OFFICE_ONLY)
    chosen = next((j for j in districts if j.code == (code or "").strip()), districts[0])
    return Place(chosen, [(j.code, j.name) for j in districts] if len(districts) > 1 else [])


def is_office_somewhere(user: Any) -> bool:
    return bool(office_districts(user))


# --- who sees what ----------------------------------------------------------------------------


def visible_activities(user: Any) -> QuerySet[StudyActivity]:
    """The activities ``user`` may read: its offices' districts' and its entering units'."""
    offices = permissions.office_jurisdiction_ids(user)
    units = permissions.entering_unit_ids(user)
    if scope_for(user).is_superuser:
        return StudyActivity.objects.all()
    return StudyActivity.objects.filter(Q(jurisdiction_id__in=offices) | Q(unit_id__in=units))


def own_activities(user: Any) -> QuerySet[StudyActivity]:
    """The activities of the units ``user`` enters for (its unit's list)."""
    return StudyActivity.objects.filter(unit_id__in=permissions.entering_unit_ids(user))


def office_activities(district: Jurisdiction) -> QuerySet[StudyActivity]:
    return StudyActivity.objects.filter(jurisdiction_id=district.pk)


def access_activity(user: Any, pk: int) -> StudyActivity:
    """An activity ``user`` may read; 404 for any other (its existence is not told)."""
    found = (
        visible_activities(user)
        .select_related("unit", "unit__parent", "jurisdiction", "landmark", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("没有找到这条学习活动")
    return found


# --- what a form offers --------------------------------------------------------------------------

Choices = list[tuple[Any, Any]]


def grouped_units(units: list[Unit]) -> Choices:
    """Units as a select's choices grouped by committee: each committee with its branches
    (the committee first), then the other units (departments, streets…) in one group."""
    committees = {u.pk: u for u in units if u.kind == Unit.Kind.PARTY_COMMITTEE}
    groups: dict[int, list[tuple[int, str]]] = {pk: [] for pk in committees}
    others: list[tuple[int, str]] = []
    loose: list[tuple[int, str]] = []
    for u in sorted(units, key=lambda x: (x.name, x.pk)):
        if u.kind == Unit.Kind.PARTY_COMMITTEE:
            groups[u.pk].insert(0, (u.pk, u.name))
        elif u.kind == Unit.Kind.PARTY_BRANCH and u.parent_id in groups:
            groups[u.parent_id].append((u.pk, u.name))
        elif u.kind == Unit.Kind.PARTY_BRANCH:
            loose.append((u.pk, u.name))
        else:
            others.append((u.pk, u.name))
    out: Choices = []
    for pk in sorted(committees, key=lambda k: (committees[k].name, k)):
        out.append((committees[pk].name, groups[pk]))  # the committee first, its branches
    if loose:
        out.append(("其他党支部", loose))
    if others:
        out.append(("部门、街道和其他单位", others))
    return out


def entering_units(user: Any, district: Jurisdiction | None) -> list[Unit]:
    """The units ``user`` may pick as organiser: every unit of ``district`` for its office,
    else the units it enters for (its own and their branches). The branches of a committee
    entered for come with their committee, so the picker can group them."""
    if district is not None and permissions.is_office(user, district.pk):
        return list(
            Unit.objects.filter(jurisdiction_id=district.pk).only(
                "id", "name", "kind", "parent_id", "jurisdiction_id"
            )
        )
    ids = permissions.entering_unit_ids(user)
    found = Unit.objects.filter(pk__in=ids)
    if district is not None:
        found = found.filter(jurisdiction_id=district.pk)
    return list(found.only("id", "name", "kind", "parent_id", "jurisdiction_id"))


def entering_district(user: Any, code: str | None) -> Place:
    """The district the entering form is for: an office's (by code), else the district of
    the user's units; 403 for a user who enters for none."""
    offices = office_districts(user)
    units = permissions.entering_unit_ids(user)
    own = list(
        Jurisdiction.objects.filter(units__pk__in=units).distinct().order_by("code")
        if units
        else []
    )
    places = {j.pk: j for j in [*offices, *own]}
    if not places:
        raise PermissionDenied(NO_ROLE)
    ordered = sorted(places.values(), key=lambda j: j.code)
    chosen = next((j for j in ordered if j.code == (code or "").strip()), ordered[0])
    return Place(chosen, [(j.code, j.name) for j in ordered] if len(ordered) > 1 else [])


def party_org_choices(district: Jurisdiction) -> Choices:
    """The district's party committees and branches, grouped by committee."""
    kinds = [Unit.Kind.PARTY_COMMITTEE, Unit.Kind.PARTY_BRANCH]
    return grouped_units(
        list(
            Unit.objects.filter(jurisdiction_id=district.pk, kind__in=kinds).only(
                "id", "name", "kind", "parent_id"
            )
        )
    )


def district_unit(district: Jurisdiction, raw: Any) -> Unit | None:
    """The unit of ``district`` with the id ``raw`` (a form's text), or None."""
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 10:
        return None
    return Unit.objects.filter(pk=int(text), jurisdiction_id=district.pk).first()


def access_photo(user: Any, pk: int) -> StudyPhoto:
    """A photo of an activity ``user`` may read; 404 else."""
    found = StudyPhoto.objects.filter(pk=pk, activity__in=visible_activities(user)).first()
    if found is None:
        raise NotFound("没有这张照片")
    return found


def landmark_choices(district_id: int) -> Choices:
    return list(
        Landmark.objects.filter(jurisdiction_id=district_id)
        .order_by("order", "id")
        .values_list("pk", "name")
    )


# --- lists ---------------------------------------------------------------------------------------


@dataclass
class Filters:
    kind: str = ""
    line: str = ""  # a line's value, "none" for activities on no line
    unit: int | None = None  # the unit, with its branches
    month: str = ""  # "2026-05"
    status: str = ""


def month_bounds(month: str) -> tuple[dt.date, dt.date] | None:
    try:
        year, mon = (int(p) for p in month.split("-", 1))
        first = dt.date(year, mon, 1)
    except ValueError:
        return None
    following = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def filtered(rows: QuerySet[StudyActivity], f: Filters) -> QuerySet[StudyActivity]:
    if f.kind in StudyKind.values:
        rows = rows.filter(kind=f.kind)
    if f.line == "none":
        rows = rows.filter(line="")
    elif f.line in CampaignLine.values:
        rows = rows.filter(line=f.line)
    if f.unit is not None:
        rows = rows.filter(Q(unit_id=f.unit) | Q(unit__parent_id=f.unit))
    bounds = month_bounds(f.month) if f.month else None
    if bounds:
        rows = rows.filter(held_on__gte=bounds[0], held_on__lte=bounds[1])
    if f.status in StudyActivity.Status.values:
        rows = rows.filter(status=f.status)
    return rows


@dataclass
class Listing:
    page: Page[StudyActivity]
    paginator: Paginator[StudyActivity]
    page_range: list[Any]
    filters: Filters
    units: Choices = field(default_factory=list)

    @property
    def rows(self) -> list[StudyActivity]:
        return list(self.page.object_list)


def listing(
    rows: QuerySet[StudyActivity], f: Filters, page_number: str | None, units: Choices
) -> Listing:
    ordered = filtered(rows, f).select_related("unit").order_by("-held_on", "-id")
    paginator = Paginator(ordered, PAGE_SIZE)
    page = paginator.get_page(page_number)
    return Listing(
        page=page,
        paginator=paginator,
        page_range=list(paginator.get_elided_page_range(page.number)),
        filters=f,
        units=units,
    )


def filter_units(rows: QuerySet[StudyActivity]) -> Choices:
    """The units that have activities among ``rows`` (for the unit filter), grouped."""
    ids = set(rows.values_list("unit_id", flat=True).distinct())
    parents = set(
        Unit.objects.filter(pk__in=ids, parent__isnull=False).values_list("parent_id", flat=True)
    )
    units = list(Unit.objects.filter(pk__in=ids | parents).only("id", "name", "kind", "parent_id"))
    return grouped_units(units)


# --- export ------------------------------------------------------------------------------------

HEADER = [
    "活动日期",
    "学习方式",
    "十百千万",
    "活动名称",
    "组织单位",
    "上级党委",
    "主讲人",
    "地点",
    "参加人数",
    "红色地标",
    "状态",
    "审核意见",
    "照片数",
]


def export_rows(rows: QuerySet[StudyActivity], f: Filters) -> list[list[str]]:
    found = (
        filtered(rows, f)
        .select_related("unit", "unit__parent", "landmark")
        .annotate(photo_count=Count("photos"))
        .order_by("-held_on", "-id")[:MAX_EXPORT]
    )
    out = []
    for a in found:
        parent = a.unit.parent.name if a.unit.parent_id and a.unit.parent else ""
        out.append(
            [
                a.held_on.isoformat(),
                str(a.get_kind_display()),
                str(a.get_line_display()) if a.line else "",
                a.title,
                a.unit.name,
                parent,
                a.speaker,
                a.place,
                str(a.participants),
                a.landmark.name if a.landmark else "",
                str(a.get_status_display()),
                a.review_note,
                str(a.photo_count),
            ]
        )
    return out
