"""The audit log: every service writes one event per change, hash-chained."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from shishi.core.models import AuditChainHead, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    return value


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose values differ, as ``{field: [old, new]}`` in JSON-able form."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        before, after = _jsonable(old.get(key)), _jsonable(new.get(key))
        if before != after:
            out[key] = [before, after]
    return out


def _digest(prev_hash: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "jurisdiction_id": event.jurisdiction_id,
        "changes": event.changes,
    }


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    jurisdiction_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    return record_raw(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        changes=changes or {},
        jurisdiction_id=jurisdiction_id,
    )


def record_raw(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    changes: dict[str, Any],
    jurisdiction_id: int | None,
) -> AuditEvent:
    with transaction.atomic():
        head = _lock_head()
        actor_obj = actor if getattr(actor, "pk", None) else None
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor=actor_obj,
            actor_name=(actor_obj.get_username() if actor_obj else "system")[:150],
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            jurisdiction_id=jurisdiction_id,
            changes=_jsonable(changes),
            prev_hash=head.last_hash,
        )
        event.hash = _digest(event.prev_hash, _payload(event))
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class Entry:
    """One event for ``record_many``."""

    action: str
    target_type: str
    target_id: str
    target_repr: str
    changes: dict[str, Any]
    jurisdiction_id: int | None


def entry_for(
    action: str, target: models.Model, changes: dict[str, Any], jurisdiction_id: int | None
) -> Entry:
    return Entry(
        action,
        target._meta.label_lower,
        str(target.pk),
        str(target)[:300],
        changes,
        jurisdiction_id,
    )


def record_many(*, actor: Any, entries: list[Entry], batch_size: int = 2000) -> int:
    """Append many events under one lock of the chain head (bulk imports)."""
    if not entries:
        return 0
    with transaction.atomic():
        head = _lock_head()
        actor_obj = actor if getattr(actor, "pk", None) else None
        actor_name = (actor_obj.get_username() if actor_obj else "system")[:150]
        now = timezone.now()
        seq, prev = head.seq, head.last_hash
        events = []
        for entry in entries:
            seq += 1
            event = AuditEvent(
                seq=seq,
                created_at=now,
                actor=actor_obj,
                actor_name=actor_name,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                target_repr=entry.target_repr,
                jurisdiction_id=entry.jurisdiction_id,
                changes=_jsonable(entry.changes),
                prev_hash=prev,
            )
            event.hash = _digest(prev, _payload(event))
            prev = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=batch_size)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, last_hash=prev)
    return len(events)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first event that does not match."""
    prev = "0" * 64
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq, "event missing")
            if event.prev_hash != prev:
                return ChainReport(False, checked, event.seq, "prev_hash does not match")
            if _digest(prev, _payload(event)) != event.hash:
                return ChainReport(False, checked, event.seq, "hash does not match content")
            prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last_seq or head.last_hash != prev):
        return ChainReport(False, checked, last_seq + 1, "chain head does not match last event")
    return ChainReport(True, checked)
