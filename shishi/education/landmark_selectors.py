"""Reads of the office's landmark pages: the districts a user keeps, a landmark, route, photo
or word of one of them (404 for any other: its existence is not told), the lists, the QR
poster's link and the check-in counts (from ``CheckIn``; their sum is ``Landmark.check_ins``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.urls import reverse

from shishi.core.errors import NotFound, PermissionDenied
from shishi.education import permissions
from shishi.education.landmark_services import OFFICE_ONLY
from shishi.education.models import (
    CheckIn,
    Landmark,
    LandmarkPhoto,
    Route,
    RouteStop,
    SensitiveWord,
)
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

COUNT_DAYS = 30
MAX_RANGE_DAYS = 366
TOP_GROUPS = 20


@dataclass(frozen=True)
class District:
    district: Jurisdiction
    districts: list[tuple[str, str]]  # (code, name) of every district kept, when more than one


def office_districts(user: Any) -> list[Jurisdiction]:
    query = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not scope_for(user).is_superuser:
        query = query.filter(pk__in=permissions.office_jurisdiction_ids(user))
    return list(query.order_by("code"))


def office_district(user: Any, code: str | None) -> District:
    """The district (by its code, else the first) whose landmarks ``user`` keeps; 403 for a
    user who keeps none."""
    districts = office_districts(user)
    if not districts:
        raise PermissionDenied(OFFICE_ONLY)
    chosen = next((j for j in districts if j.code == (code or "").strip()), districts[0])
    return District(chosen, [(j.code, j.name) for j in districts] if len(districts) > 1 else [])


def office_landmark(user: Any, pk: int) -> Landmark:
    found = Landmark.objects.select_related("jurisdiction").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.jurisdiction_id):
        raise NotFound("没有这个红色地标")
    return found


def office_photo(user: Any, pk: int) -> LandmarkPhoto:
    found = LandmarkPhoto.objects.select_related("landmark").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.landmark.jurisdiction_id):
        raise NotFound("没有这张照片")
    return found


def office_route(user: Any, pk: int) -> Route:
    found = Route.objects.select_related("jurisdiction").filter(pk=pk).first()
    if found is None or not permissions.is_office(user, found.jurisdiction_id):
        raise NotFound("没有这条线路")
    return found


def landmarks(district: Jurisdiction) -> list[Landmark]:
    """The district's landmarks in order, each with ``photo_count``."""
    return list(
        Landmark.objects.filter(jurisdiction=district)
        .annotate(photo_count=Count("photos"))
        .order_by("order", "id")
    )


def photos(landmark: Landmark) -> list[LandmarkPhoto]:
    return list(LandmarkPhoto.objects.filter(landmark=landmark).order_by("order", "id"))


def landmark_choices(district: Jurisdiction) -> list[tuple[int, str]]:
    return [
        (pk, name)
        for pk, name in Landmark.objects.filter(jurisdiction=district)
        .order_by("order", "id")
        .values_list("pk", "name")
    ]


def routes(district: Jurisdiction) -> list[Route]:
    stops = RouteStop.objects.select_related("landmark").order_by("order", "id")
    return list(
        Route.objects.filter(jurisdiction=district)
        .prefetch_related(Prefetch("stops", queryset=stops))
        .order_by("-is_active", "name")
    )


def route_stop_ids(route: Route) -> list[int]:
    return list(route.stops.order_by("order", "id").values_list("landmark_id", flat=True))


def sensitive_words(district: Jurisdiction) -> list[SensitiveWord]:
    return list(SensitiveWord.objects.filter(jurisdiction=district).order_by("word"))


# --- the QR poster --------------------------------------------------------------------------


def public_url(landmark: Landmark) -> str:
    """The absolute address of the landmark's public page (where its QR code points)."""
    path = reverse(
        "education_public:landmark",
        kwargs={"district": landmark.jurisdiction.code, "pk": landmark.pk},
    )
    return str(settings.SHISHI_SITE_URL).rstrip("/") + path


# --- counts ---------------------------------------------------------------------------------


@dataclass
class Counts:
    since: dt.date
    until: dt.date
    landmark_id: int | None  # one landmark's counts, or None for the district's
    landmarks: list[dict[str, Any]]  # name, in_range, all_time, stored (Landmark.check_ins)
    days: list[tuple[dt.date, int]]  # every day of the range, oldest first
    groups: list[tuple[str, int]]  # the top groups in the range ("" for none given)
    total: int  # in the range
    all_time: int  # every check-in kept
    stored: int  # the sum of Landmark.check_ins
    peak: int = field(default=0)  # the busiest day's count (for the bars)


def counts(
    district: Jurisdiction, since: dt.date, until: dt.date, *, landmark_id: int | None = None
) -> Counts:
    """Check-ins of the district per landmark, per day and per group between ``since`` and
    ``until`` (both included), with the all-time totals beside the landmarks' own counts."""
    base = CheckIn.objects.filter(landmark__jurisdiction=district)
    if landmark_id is not None:
        base = base.filter(landmark_id=landmark_id)
    window = base.filter(day__gte=since, day__lte=until)
    in_range = Q(day__gte=since, day__lte=until)
    per = {
        row["landmark_id"]: row
        for row in base.values("landmark_id").annotate(
            all_time=Count("id"), in_range=Count("id", filter=in_range)
        )
    }
    marks = Landmark.objects.filter(jurisdiction=district).order_by("order", "id")
    if landmark_id is not None:
        marks = marks.filter(pk=landmark_id)
    rows = [
        {
            "pk": lm.pk,
            "name": lm.name,
            "is_active": lm.is_active,
            "in_range": per.get(lm.pk, {}).get("in_range", 0),
            "all_time": per.get(lm.pk, {}).get("all_time", 0),
            "stored": lm.check_ins,
        }
        for lm in marks
    ]
    by_day = {row["day"]: row["n"] for row in window.values("day").annotate(n=Count("id"))}
    days = []
    day = since
    while day <= until:
        days.append((day, int(by_day.get(day, 0))))
        day += dt.timedelta(days=1)
    groups = [
        (row["group"], row["n"])
        for row in window.values("group")
        .annotate(n=Count("id"))
        .order_by("-n", "group")[:TOP_GROUPS]
    ]
    return Counts(
        since=since,
        until=until,
        landmark_id=landmark_id,
        landmarks=rows,
        days=days,
        groups=groups,
        total=sum(r["in_range"] for r in rows),
        all_time=sum(r["all_time"] for r in rows),
        stored=sum(r["stored"] for r in rows),
        peak=max((n for _d, n in days), default=0),
    )


def count_rows(
    district: Jurisdiction, since: dt.date, until: dt.date, *, landmark_id: int | None = None
) -> list[tuple[str, dt.date, int]]:
    """(landmark, day, check-ins) of every landmark and day with any, for the CSV."""
    found = CheckIn.objects.filter(landmark__jurisdiction=district, day__gte=since, day__lte=until)
    if landmark_id is not None:
        found = found.filter(landmark_id=landmark_id)
    grouped = (
        found.values("landmark__order", "landmark_id", "landmark__name", "day")
        .annotate(n=Count("id"))
        .order_by("landmark__order", "landmark_id", "day")
    )
    return [(row["landmark__name"], row["day"], row["n"]) for row in grouped]
