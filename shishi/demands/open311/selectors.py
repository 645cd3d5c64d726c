"""Public reads of the Open311 server: no user, so everything here is what anyone may see.

A demand is public when its category is open to Open311 and its kind is neither a report
(举报) nor a complaint (投诉) (``services.NOT_OPEN311``), whatever channel brought it in.
Rows are read with only the columns a public record shows: the resident's name and numbers
are never loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Max, QuerySet

from shishi.demands.models import Category, Demand, Status
from shishi.demands.services import NOT_OPEN311
from shishi.orgs.models import Jurisdiction

OPEN_STATUSES = (Status.RECEIVED, Status.DISPATCHED, Status.SENT_BACK, Status.ACCEPTED)
# Replied (答复) is "resolved" in the spec's words; a dissatisfied call-back reopens it.
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)
MAX_REQUESTS = 1000  # the spec's response volume: 90 days or 1,000 requests
PUBLIC_COLUMNS = (
    "id",
    "jurisdiction_id",
    "created_at",
    "updated_at",
    "status",
    "reopened",
    "description",
    "address",
    "lat",
    "lon",
    "reply",
    "resolve_by",
    "category__code",
    "category__name",
    "unit__name",
)


def district(code: str) -> Jurisdiction | None:
    """The district with this division code (a city is not one)."""
    return Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()


def open_districts() -> list[Jurisdiction]:
    """The districts with at least one active category open to Open311."""
    ids = Category.objects.filter(open311=True, is_active=True).values("jurisdiction_id")
    return list(Jurisdiction.objects.filter(pk__in=ids).order_by("code"))


def services(jurisdiction_id: int) -> list[Category]:
    return list(
        Category.objects.select_related("parent")
        .filter(jurisdiction_id=jurisdiction_id, open311=True, is_active=True)
        .order_by("order", "id")
    )


def service(jurisdiction_id: int, code: str) -> Category | None:
    return (
        Category.objects.select_related("parent")
        .filter(jurisdiction_id=jurisdiction_id, code=code, open311=True, is_active=True)
        .first()
    )


def changeset() -> dt.datetime | None:
    """When the list of services last changed (the discovery's changeset)."""
    return Category.objects.filter(open311=True).aggregate(at=Max("updated_at"))["at"]


def public_demands(jurisdiction_id: int) -> QuerySet[Demand]:
    return (
        Demand.objects.filter(jurisdiction_id=jurisdiction_id, category__open311=True)
        .exclude(kind__in=NOT_OPEN311)
        .select_related("category", "unit")
        .only(*PUBLIC_COLUMNS)
    )


@dataclass
class RequestsQuery:
    """GET requests' filters, parsed (``views``): ids override everything else."""

    ids: Sequence[int] = ()
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()  # "open", "closed"
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def requests(jurisdiction_id: int, query: RequestsQuery) -> list[Demand]:
    """Newest first, at most ``MAX_REQUESTS``."""
    rows = public_demands(jurisdiction_id)
    if query.ids:
        rows = rows.filter(pk__in=list(query.ids))
    else:
        if query.service_codes:
            rows = rows.filter(category__code__in=list(query.service_codes))
        wanted = set(query.statuses)
        if wanted == {"open"}:
            rows = rows.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            rows = rows.filter(status__in=CLOSED_STATUSES)
        if query.start is not None:
            rows = rows.filter(created_at__gte=query.start)
        if query.end is not None:
            rows = rows.filter(created_at__lte=query.end)
    return list(rows.order_by("-created_at", "-id")[:MAX_REQUESTS])


def request(jurisdiction_id: int, pk: int) -> Demand | None:
    return public_demands(jurisdiction_id).filter(pk=pk).first()
