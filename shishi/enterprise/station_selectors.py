"""Reads of the station pages: the stations a user sees (the office: its districts'; a
station's staff: their own), one station with its staff, the enterprises it serves, its
recent requests and this year's figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shishi.core.errors import NotFound, PermissionDenied
from shishi.enterprise import permissions, request_figures
from shishi.enterprise import requests as svc
from shishi.enterprise.models import Enterprise, Station
from shishi.enterprise.request_selectors import Row, visible_requests
from shishi.orgs.models import Jurisdiction, User
from shishi.orgs.permissions import scope_for

RECENT = 20


def visible_stations(user: Any) -> QuerySet[Station]:
    scope = scope_for(user)
    if scope.is_anonymous:
        return Station.objects.none()
    if scope.is_superuser:
        return Station.objects.all()
    offices = permissions.office_jurisdiction_ids(user)
    mine = permissions.staffed_station_ids(user)
    return Station.objects.filter(Q(jurisdiction_id__in=offices) | Q(pk__in=mine))


def access_station(user: Any, pk: int) -> Station:
    found = visible_stations(user).select_related("jurisdiction").filter(pk=pk).first()
    if found is None:
        raise NotFound("没有这个工作站，或您无权查看")
    return found


def office_districts(user: Any) -> list[Jurisdiction]:
    """The districts whose stations the user runs (the office's)."""
    ids = permissions.office_jurisdiction_ids(user)
    return list(
        Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT).order_by("code")
    )


def office_district(user: Any, code: str | None) -> Jurisdiction:
    districts = office_districts(user)
    if code:
        districts = [d for d in districts if d.code == code]
    if not districts:
        raise PermissionDenied("只有本区专班可以管理益企工作站")
    return districts[0]


@dataclass(frozen=True)
class StationRow:
    station: Station
    staff: int
    enterprises: int
    open_requests: int


def station_list(user: Any) -> list[StationRow]:
    rows = (
        visible_stations(user)
        .select_related("jurisdiction")
        .annotate(
            staff_count=Count("staff", distinct=True),
            enterprise_count=Count("enterprises", distinct=True),
            open_count=Count("requests", filter=~Q(requests__status="closed"), distinct=True),
        )
        .order_by("jurisdiction__code", "-is_active", "name")
    )
    return [StationRow(s, s.staff_count, s.enterprise_count, s.open_count) for s in rows]


@dataclass
class StationView:
    station: Station
    can_manage: bool
    stamp: str
    staff: list[User]
    enterprises: list[Enterprise]
    requests: list[Row]
    year: int
    figures: request_figures.Counts
    months: list[request_figures.Row]


def station_view(user: Any, station: Station, *, today: dt.date | None = None) -> StationView:
    from shishi.enterprise import stations as station_services

    today = today or timezone.localdate()
    recent = (
        visible_requests(user)
        .filter(station=station)
        .select_related("enterprise", "owner_unit")
        .order_by("-created_at", "-id")[:RECENT]
    )
    where = Q(station_id=station.pk)
    start, end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    return StationView(
        station=station,
        can_manage=permissions.is_office(user, station.jurisdiction_id),
        stamp=station_services.stamp(station),
        staff=list(station.staff.order_by("username")),
        enterprises=list(station.enterprises.order_by("name")),
        requests=[Row(r, svc.is_overdue(r, today)) for r in recent],
        year=today.year,
        figures=request_figures.total(where, start, end, today=today),
        months=request_figures.months(where, today.year, today=today),
    )
