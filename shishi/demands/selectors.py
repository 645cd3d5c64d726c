"""Reads of demands, scoped to the user; one selector per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shishi.demands import permissions, workflow
from shishi.demands.models import Demand, DemandEvent


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
