"""Reads of demands, scoped to the user; one selector per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from shishi.core.errors import NotFound
from shishi.demands import permissions, workflow
from shishi.demands.models import Category, Demand, DemandEvent, Status
from shishi.orgs.models import Jurisdiction, Unit


@dataclass
class DemandPage:
    demand: Demand
    events: list[DemandEvent]
    sees_contact: bool  # the resident's name and numbers in full (operators, the office)
    sees_reporter: bool  # who filed it; never the unit for a report (举报)
    actions: list[str]  # the workflow's actions open to this user now


def demand_page(user: Any, pk: int) -> DemandPage:
    demand = permissions.access_demand(user, pk)
    operator = permissions.is_operator(user, demand.jurisdiction_id)
    handles = permissions.handles(user, demand)
    who_may = {
        "dispatch": operator,
        "call_back": operator,
        "accept": handles,
        "send_back": handles,
        "resolve": handles,
        "close": operator,
        "reopen": permissions.is_office(user, demand.jurisdiction_id),
    }
    open_actions = [a for a in workflow.allowed(demand.status) if who_may.get(a, False)]
    return DemandPage(
        demand=demand,
        events=list(demand.events.select_related("actor", "unit")),
        sees_contact=permissions.sees_contact(user, demand),
        sees_reporter=permissions.sees_contact(user, demand) or not demand.is_confidential,
        actions=open_actions,
    )


# --- the API's lists -----------------------------------------------------------------------


def district_by_code(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if found is None:
        raise NotFound("没有找到这个区县")
    return found


def unit_of(jurisdiction_id: int, pk: int | None) -> Unit | None:
    """The district's unit ``pk`` (None when it is not one of the district's)."""
    if not pk:
        return None
    return Unit.objects.filter(pk=pk, jurisdiction_id=jurisdiction_id).first()


def category_by_code(jurisdiction_id: int, code: str) -> Category | None:
    return Category.objects.filter(
        jurisdiction_id=jurisdiction_id, code=code, is_active=True
    ).first()


def demand_slice(
    user: Any,
    *,
    jurisdiction_code: str | None,
    status: str,
    unit_id: int | None,
    category_code: str,
    overdue: bool | None,
    offset: int,
    limit: int,
) -> tuple[int, list[Demand]]:
    qs = Demand.objects.filter(permissions.demands_q(user))
    if jurisdiction_code:
        qs = qs.filter(jurisdiction__code=jurisdiction_code)
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if category_code:
        qs = qs.filter(category__code=category_code)
    if overdue is not None:
        now = timezone.now()
        late = Q(status=Status.DISPATCHED, accept_by__lt=now) | Q(
            status=Status.ACCEPTED, resolve_by__lt=now
        )
        qs = qs.filter(late) if overdue else qs.exclude(late)
    rows = list(
        qs.select_related("jurisdiction", "category", "unit").order_by("created_at", "id")[
            offset : offset + limit
        ]
    )
    return qs.count(), rows
