"""Reads of core's tables that apps ask for (an app reads no other app's tables itself)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import Max

from shishi.core.models import AuditEvent


class AuditEntry(NamedTuple):
    """An audit event as a history shows it."""

    action: str
    changes: Any
    created_at: dt.datetime
    actor_id: int | None  # the acting account, which may be gone since
    actor_name: str  # the name recorded with the event


def audit_events_of(target_type: str, target_id: Any, *, limit: int | None) -> list[AuditEntry]:
    """The latest ``limit`` audit events of one object (all when None), newest first.

    Tuples, not instances: building 30 events as models cost twice the query."""
    events = (
        AuditEvent.objects.filter(target_type=target_type, target_id=str(target_id))
        .order_by("-seq")
        .values_list("action", "changes", "created_at", "actor_id", "actor_name")
    )
    return [AuditEntry(*row) for row in (events if limit is None else events[:limit])]


def last_action_times(
    action: str, target_type: str, target_ids: Iterable[Any]
) -> dict[str, dt.datetime]:
    """When each of ``target_ids`` last had ``action`` (by target id as text); one query,
    along the (target_type, target_id) index."""
    ids = [str(t) for t in target_ids]
    if not ids:
        return {}
    rows = (
        AuditEvent.objects.filter(target_type=target_type, target_id__in=ids, action=action)
        .order_by()
        .values("target_id")
        .annotate(last=Max("created_at"))
        .values_list("target_id", "last")
    )
    return dict(rows)
