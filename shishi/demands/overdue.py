"""Reminders and escalation at each stage's deadline (the worker's ``demands.overdue`` job).

- A dispatched demand not signed for by its ``accept_by``, or an accepted one not replied to
  by its ``resolve_by``, is overdue: its unit is told (``demand.overdue``, urgent), and its
  unit head (单位负责人) with it — escalation — and so is the district's office once it is
  more than a day late.
- Each notice goes once per demand, stage and deadline (``dedupe_key``): a job that runs
  every 15 minutes tells no one twice, and an extension (a new deadline) may tell again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shishi.demands.models import Demand, Status
from shishi.notify.services import notify
from shishi.orgs.models import Membership, Role, User

ESCALATE_TO_OFFICE_AFTER = dt.timedelta(days=1)


def _late(now: dt.datetime) -> Q:
    return Q(status=Status.DISPATCHED, accept_by__lt=now) | Q(
        status=Status.ACCEPTED, resolve_by__lt=now
    )


def remind(now: dt.datetime | None = None) -> int:
    """Tell about every overdue demand not told yet; returns how many demands were told
    about (a demand already told about its current deadline is skipped by the dedupe key)."""
    now = now or timezone.now()
    told = 0
    demands = list(
        Demand.objects.filter(_late(now), unit__isnull=False)
        .select_related("unit", "category", "jurisdiction")
        .order_by("pk")
    )
    heads = _heads_by_unit({d.unit_id for d in demands if d.unit_id})
    for demand in demands:
        stage = "accept" if demand.status == Status.DISPATCHED else "resolve"
        deadline = demand.accept_by if stage == "accept" else demand.resolve_by
        assert deadline is not None and demand.unit is not None
        recipients: list[Any] = [demand.unit]
        recipients += heads.get(demand.unit.pk, [])
        if now - deadline > ESCALATE_TO_OFFICE_AFTER:
            recipients.append(demand.jurisdiction)
        key = f"demand.overdue:{demand.pk}:{stage}:{deadline.isoformat()}"
        context = {
            "number": demand.number,
            "title": demand.category.name,
            "stage": "签收" if stage == "accept" else "答复",
            "due": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}",
        }
        notice = notify(
            recipients,
            "demand.overdue",
            context,
            dedupe_key=key,
            link=reverse("demands:demand", args=[demand.pk]),
            jurisdiction=demand.jurisdiction_id,
        )
        if notice.messages:
            told += 1
    return told


def _heads_by_unit(unit_ids: set[int]) -> dict[int, list[User]]:
    """unit id → its active heads (单位负责人), in one query."""
    rows = Membership.objects.filter(
        role=Role.UNIT_HEAD, unit_id__in=unit_ids, user__is_active=True
    ).select_related("user")
    out: dict[int, list[User]] = {}
    for m in rows:
        if m.unit_id is not None:
            out.setdefault(m.unit_id, []).append(m.user)
    return out
