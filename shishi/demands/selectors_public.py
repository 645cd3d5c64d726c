"""Reads for the residents' pages: the district by its division code, and the one demand a
tracking code and phone tail show — with nothing of staff, units' notes or a reporter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shishi.core.errors import NotFound
from shishi.demands import intake
from shishi.demands.models import Demand, Status
from shishi.orgs.models import Jurisdiction

# The steps a resident sees, in their words; the rest (send-backs, appeals, rulings) are
# the units' and the office's business.
PUBLIC_STEPS = {
    "intake": "已受理",
    "dispatch": "已转交承办单位",
    "accept": "承办单位已签收，正在办理",
    "resolve": "已答复",
    "call_back": "已评价",
    "close": "已办结",
    "reopen": "重新办理",
    "extend": "延长办理时限",
}


@dataclass(frozen=True)
class Step:
    label: str
    at: dt.datetime


@dataclass(frozen=True)
class Tracked:
    demand: Demand
    steps: list[Step]
    can_rate: bool  # replied and not yet rated


def district(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code).first()
    if found is None:
        raise NotFound("没有这个区")
    return found


def tracked(number: str, tail: str) -> Tracked | None:
    demand = intake.find_for_resident(number, tail)
    if demand is None:
        return None
    steps = [
        Step(PUBLIC_STEPS[e.action], e.at)
        for e in demand.events.only("action", "at").order_by("at", "id")
        if e.action in PUBLIC_STEPS
    ]
    return Tracked(
        demand=demand,
        steps=steps,
        can_rate=demand.status == Status.RESOLVED and not demand.satisfaction,
    )


def operator_district(user: object, requested: str | None) -> Jurisdiction:
    """The district an operator (or the office) takes a demand in for: the one asked for
    (``?district=<division code>``) among theirs, or their first."""
    from shishi.demands import permissions
    from shishi.orgs.permissions import scope_for

    scope = scope_for(user)
    ids = scope.operated_ids()
    districts = list(Jurisdiction.objects.filter(pk__in=ids, level="district").order_by("code"))
    if requested:
        districts = [d for d in districts if d.code == requested]
    if not districts:
        permissions.require_operator(user, -1)  # raises PermissionDenied
    return districts[0]
