"""Reads of the service-request pages: the requests a user sees (``visible_requests``), one
of them (``access_request``), the queue with its filters, a request's page, the districts
and stations a user takes requests in for, the figures page, and the public pages' district
and tracking. Phones leave here masked (a ``PersonalNumber`` renders as its mask); the full
number only through ``requests.reveal_phone``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from shishi.core.errors import NotFound, PermissionDenied
from shishi.enterprise import permissions, request_figures, request_permissions
from shishi.enterprise import requests as svc
from shishi.enterprise.models import (
    RequestEvent,
    RequestKind,
    RequestStatus,
    ServiceRequest,
    Station,
)
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for

PAGE_SIZE = 25
MAX_ID = 2**31 - 1


def visible_requests(user: Any) -> QuerySet[ServiceRequest]:
    rows = ServiceRequest.objects.all()
    where = request_permissions.visible_filter(user)
    return rows if where is None else rows.filter(where)


def access_request(user: Any, pk: int) -> ServiceRequest:
    found = (
        visible_requests(user)
        .select_related("enterprise", "station", "owner_unit", "jurisdiction")
        .filter(pk=pk)
        .first()
    )
    # The queue's filter and the permission rule say the same; both must agree.
    if found is None or not permissions.may_handle_request(user, found):
        raise NotFound("没有这条企业诉求，或您无权查看")
    return found


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    station: int | None = None
    unit: int | None = None
    overdue: bool = False
    q: str = ""


@dataclass(frozen=True)
class Row:
    request: ServiceRequest
    overdue: bool


@dataclass
class QueuePage:
    rows: list[Row]
    page: Page
    paginator: Paginator
    page_range: list[Any]
    filters: Filters
    stations: list[tuple[int, str]]
    units: list[tuple[int, str]]
    today: dt.date


def _choices(user: Any, rows: QuerySet[ServiceRequest]) -> tuple[list[Any], list[Any]]:
    station_ids = set(rows.exclude(station=None).values_list("station_id", flat=True).distinct())
    station_ids |= permissions.staffed_station_ids(user)
    offices = permissions.office_jurisdiction_ids(user)
    stations = Station.objects.filter(Q(pk__in=station_ids) | Q(jurisdiction_id__in=offices))
    unit_ids = set(rows.exclude(owner_unit=None).values_list("owner_unit_id", flat=True).distinct())
    units = Unit.objects.filter(pk__in=unit_ids).order_by("jurisdiction_id", "name")
    return (
        list(stations.order_by("jurisdiction_id", "name").values_list("pk", "name")),
        list(units.values_list("pk", "name")),
    )


def queue_page(
    user: Any, filters: Filters, page_number: Any, *, today: dt.date | None = None
) -> QueuePage:
    """The requests the user sees, newest first, filtered."""
    today = today or timezone.localdate()
    base = visible_requests(user)
    rows = base.select_related("enterprise", "station", "owner_unit")
    if filters.status in RequestStatus.values:
        rows = rows.filter(status=filters.status)
    if filters.kind in RequestKind.values:
        rows = rows.filter(kind=filters.kind)
    if filters.station:
        rows = rows.filter(station_id=filters.station)
    if filters.unit:
        rows = rows.filter(owner_unit_id=filters.unit)
    if filters.overdue:
        rows = rows.exclude(status=RequestStatus.CLOSED).filter(due_on__lt=today)
    if filters.q:
        text = filters.q
        rows = rows.filter(
            Q(number__iexact=svc.normalise_number(text))
            | Q(enterprise__name__icontains=text)
            | Q(enterprise__uscc__iexact=text.upper())
        )
    paginator = Paginator(rows.order_by("-created_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(page_number)
    stations, units = _choices(user, base)
    return QueuePage(
        rows=[Row(r, svc.is_overdue(r, today)) for r in page.object_list],
        page=page,
        paginator=paginator,
        page_range=list(paginator.get_elided_page_range(page.number)),
        filters=filters,
        stations=stations,
        units=units,
        today=today,
    )


# --- one request -----------------------------------------------------------------------------


@dataclass
class RequestView:
    request: ServiceRequest
    events: list[RequestEvent]
    overdue: bool
    on_time: bool | None
    channel_label: str
    can_assign: bool
    can_contact: bool
    can_close: bool
    can_show_phone: bool
    units: list[tuple[int, str]] = field(default_factory=list)
    default_days: int = 10


def request_view(user: Any, found: ServiceRequest, *, today: dt.date | None = None) -> RequestView:
    today = today or timezone.localdate()
    open_ = found.status != RequestStatus.CLOSED
    can_assign = open_ and request_permissions.may_assign(user, found)
    handling = found.status == RequestStatus.HANDLING
    units: list[tuple[int, str]] = []
    if request_permissions.may_assign(user, found):
        units = list(
            Unit.objects.filter(jurisdiction_id=found.jurisdiction_id)
            .order_by("name")
            .values_list("pk", "name")
        )
    events = list(found.events.select_related("actor").order_by("at", "id"))
    return RequestView(
        request=found,
        events=events,
        overdue=svc.is_overdue(found, today),
        on_time=svc.closed_on_time(found),
        channel_label=svc.Channel.LABELS.get(found.channel, found.channel),
        can_assign=can_assign,
        can_contact=handling and request_permissions.may_record_contact(user, found),
        can_close=handling and request_permissions.may_close(user, found),
        can_show_phone=request_permissions.may_show_phone(user, found),
        units=units,
        default_days=svc.default_days(found.kind),
    )


def event_label(action: str) -> str:
    return svc.Action.LABELS.get(action, action)


# --- intake by staff -------------------------------------------------------------------------


def intake_districts(user: Any) -> list[Jurisdiction]:
    """The districts the user takes requests in for: the office's, the stations'."""
    ids = {pk for pk in permissions.office_jurisdiction_ids(user) if pk is not None}
    stations = permissions.staffed_station_ids(user)
    if stations:
        ids |= set(
            Station.objects.filter(pk__in=stations).values_list("jurisdiction_id", flat=True)
        )
    return list(
        Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT).order_by("code")
    )


def intake_district(user: Any, code: str | None) -> Jurisdiction:
    districts = intake_districts(user)
    if code:
        districts = [d for d in districts if d.code == code]
    if not districts:
        raise PermissionDenied("只有本区专班和益企工作站工作人员可以录入企业诉求")
    return districts[0]


def intake_stations(user: Any, district_id: int) -> list[tuple[int, str]]:
    """The stations the user may take a request in at: all active ones of the district for
    its office, else the user's own."""
    rows = Station.objects.filter(jurisdiction_id=district_id, is_active=True)
    if not permissions.is_office(user, district_id):
        rows = rows.filter(pk__in=permissions.staffed_station_ids(user))
    return list(rows.order_by("name").values_list("pk", "name"))


# --- figures ---------------------------------------------------------------------------------


@dataclass
class FiguresView:
    year: int
    district: Jurisdiction | None
    districts: list[Jurisdiction]
    total: request_figures.Counts
    stations: list[request_figures.Row]
    units: list[request_figures.Row]
    months: list[request_figures.Row]
    headline: str


def figure_districts(user: Any) -> list[Jurisdiction]:
    scope = scope_for(user)
    if scope.is_anonymous:
        return []
    ids = set(visible_requests(user).values_list("jurisdiction_id", flat=True).distinct())
    ids |= permissions.office_jurisdiction_ids(user)
    return list(
        Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT).order_by("code")
    )


def figures_view(
    user: Any, district_code: str | None, year: int | None, *, today: dt.date | None = None
) -> FiguresView:
    """The figures of the requests the user sees (the office: its district's; a unit: those it
    owns; a station's staff: their stations'), for ``year`` (this year by default)."""
    today = today or timezone.localdate()
    if year is None or not 2000 <= year <= today.year + 1:
        year = today.year
    districts = figure_districts(user)
    if not districts:
        raise PermissionDenied("您的账号没有企业诉求方面的工作")
    chosen = next((d for d in districts if d.code == district_code), districts[0])
    where = request_permissions.visible_filter(user)
    in_district = Q(jurisdiction_id=chosen.pk)
    where = in_district if where is None else where & in_district
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    total = request_figures.total(where, start, end, today=today)
    return FiguresView(
        year=year,
        district=chosen,
        districts=districts,
        total=total,
        stations=request_figures.by("station", where, start, end, today=today),
        units=request_figures.by("unit", where, start, end, today=today),
        months=request_figures.months(where, year, today=today),
        headline=request_figures.headline(total),
    )


# --- the public pages ------------------------------------------------------------------------


def public_district(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if found is None:
        raise NotFound("没有这个区")
    return found


@dataclass(frozen=True)
class Step:
    label: str
    at: dt.datetime


@dataclass(frozen=True)
class Tracked:
    request: ServiceRequest
    steps: list[Step]
    can_rate: bool  # closed and not yet rated


# The steps an enterprise sees; the contacts' notes are the units' business.
PUBLIC_STEPS = {
    svc.Action.RECEIVED: "已受理",
    svc.Action.ASSIGNED: "已交承办单位办理",
    svc.Action.CONTACT: "承办单位已与企业对接",
    svc.Action.CLOSED: "已办结",
    svc.Action.RATED: "已评价",
}


def tracked(number: str, tail: str) -> Tracked | None:
    found = svc.find_for_contact(number, tail)
    if found is None:
        return None
    steps = [
        Step(PUBLIC_STEPS[e.action], e.at)
        for e in found.events.only("action", "at").order_by("at", "id")
        if e.action in PUBLIC_STEPS
    ]
    return Tracked(
        request=found,
        steps=steps,
        can_rate=found.status == RequestStatus.CLOSED and found.rating is None,
    )
