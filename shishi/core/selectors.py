"""Reads of core's tables that apps ask for (an app reads no other app's tables itself)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from django.db.models import Max, QuerySet
from django.utils import timezone

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


# --- the audit log as the audit administrator reads it ---------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page and its exports select (all optional)."""

    since: dt.date | None = None  # from this day (Asia/Shanghai), inclusive
    until: dt.date | None = None  # to this day, inclusive
    actor: str = ""  # the actor's recorded name, exactly
    action: str = ""  # an action (item.update) or its prefix with a dot (item.)
    target_type: str = ""  # ledger.item
    target_id: str = ""
    text: str = ""  # found in the target's recorded name

    def as_dict(self) -> dict[str, str]:
        """The filters in force, as text (recorded with an export)."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}


def audit_log(
    audit_filter: AuditFilter, *, jurisdiction_ids: set[int] | None, before_seq: int | None = None
) -> QuerySet[AuditEvent]:
    """Events matching the filter, newest first, of these jurisdictions (None: every event,
    including those of no jurisdiction). The caller decides who may read which."""
    events = AuditEvent.objects.order_by("-seq")
    if jurisdiction_ids is not None:
        events = events.filter(jurisdiction_id__in=sorted(jurisdiction_ids))
    tz = timezone.get_current_timezone()
    if audit_filter.since:
        start = dt.datetime.combine(audit_filter.since, dt.time.min, tzinfo=tz)
        events = events.filter(created_at__gte=start)
    if audit_filter.until:
        end = dt.datetime.combine(audit_filter.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        events = events.filter(created_at__lt=end)
    if audit_filter.actor:
        events = events.filter(actor_name=audit_filter.actor)
    if audit_filter.action.endswith("."):
        events = events.filter(action__startswith=audit_filter.action)
    elif audit_filter.action:
        events = events.filter(action=audit_filter.action)
    if audit_filter.target_type:
        events = events.filter(target_type=audit_filter.target_type)
    if audit_filter.target_id:
        events = events.filter(target_id=audit_filter.target_id)
    if audit_filter.text:
        events = events.filter(target_repr__contains=audit_filter.text)
    if before_seq is not None:
        events = events.filter(seq__lt=before_seq)
    return events


AUDIT_COLUMNS = (
    "seq", "created_at", "actor_id", "actor_name", "action", "target_type", "target_id",
    "target_repr", "jurisdiction_id", "changes", "key_id", "algorithm", "hash",
)  # fmt: skip


def audit_rows(events: QuerySet[AuditEvent], chunk: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The events' ``AUDIT_COLUMNS``, streamed (exports of any size in bounded memory)."""
    return events.values_list(*AUDIT_COLUMNS).iterator(chunk_size=chunk)
