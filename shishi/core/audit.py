"""The audit log: every service writes one event per change, chained and sealed with a key.

Each event's ``hash`` is an HMAC (``core.auditkeys``: HMAC-SHA256 or HMAC-SM3, key from the
environment, its id recorded with the event) over the previous event's hash and the event's
canonical JSON; one locked chain-head row keeps the chain linear. ``verify_chain`` recomputes
it and holds it to the signed checkpoints (``core.checkpoints``); ``core.replay`` compares
what the events say with the rows they describe.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connections, models, router, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from shishi.core import auditkeys, bulk, checkpoints, queries
from shishi.core.models import AuditChainHead, AuditEvent

_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): v if type(v) in _PLAIN else _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        items = [v if type(v) in _PLAIN else _jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set) else items
    return value


def jsonable(value: Any) -> Any:
    """``value`` as an event records it: Decimals and dates as text, records as their ids."""
    return _jsonable(value)


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose values differ, as ``{field: [old, new]}`` in JSON-able form."""
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        before, after = _jsonable(old.get(key)), _jsonable(new.get(key))
        if before != after:
            out[key] = [before, after]
    return out


_dumps = functools.partial(json.dumps, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_str = json.encoder.encode_basestring


def _default(value: Any) -> Any:
    """What ``json`` cannot encode itself, encoded as ``_jsonable`` would."""
    converted = _jsonable(value)
    if converted is value:
        raise TypeError(f"cannot record {type(value).__name__} in the audit log")
    return converted


def _scalar(value: str | int | None) -> str:
    if value is None:
        return "null"
    return str(value) if isinstance(value, int) else _str(value)


def _body(
    *,
    seq: int,
    created_at: str,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    jurisdiction_id: int | None,
    changes_json: str,
) -> str:
    """The canonical JSON of an event: keys sorted, no spaces, UTF-8 as is.

    Assembled by hand in key order (identical to ``json.dumps(..., sort_keys=True)`` of the
    whole event) so that the changes are encoded only once.
    """
    return (
        f'{{"action":{_str(action)},"actor_id":{_scalar(actor_id)},'
        f'"actor_name":{_str(actor_name)},"changes":{changes_json},'
        f'"created_at":{_str(created_at)},"jurisdiction_id":{_scalar(jurisdiction_id)},'
        f'"seq":{seq},"target_id":{_str(target_id)},"target_repr":{_str(target_repr)},'
        f'"target_type":{_str(target_type)}}}'
    )


def _hash(prev_hash: str, body: str) -> str:
    """The bare sha256 of events from before keys (legacy; still verified)."""
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _event_body(event: AuditEvent, changes_json: str) -> str:
    return _body(
        seq=event.seq,
        created_at=event.created_at.isoformat(),
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        target_repr=event.target_repr,
        jurisdiction_id=event.jurisdiction_id,
        changes_json=changes_json,
    )


def _event_hash(prev_hash: str, event: AuditEvent) -> str:
    """The hash an event must carry, recomputed from its stored fields with its key."""
    data = (prev_hash + _event_body(event, _dumps(event.changes))).encode()
    if event.algorithm == auditkeys.LEGACY and not event.key_id:
        return auditkeys.legacy_hash(data)
    return auditkeys.mac_for(event.key_id, event.algorithm).hexdigest(data)


def _lock_head(conn: Any) -> tuple[int, str]:
    """The chain head's ``(seq, last_hash)``, locked until the transaction ends (written
    SQL, ``queries.lock_chain_head``: every change in the system comes through here)."""
    head = queries.lock_chain_head(conn)
    if head is None:
        AuditChainHead.objects.using(conn.alias).get_or_create(pk=queries.HEAD_PK)
        return _lock_head(conn)
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
    db = router.db_for_write(AuditEvent)
    conn = connections[db]
    # No savepoint: the event belongs to the caller's transaction and fails with it.
    with transaction.atomic(using=db, savepoint=False):
        seq, last_hash = _lock_head(conn)
        key_id, algorithm, mac = auditkeys.signer()
        actor_obj = actor if getattr(actor, "pk", None) else None
        event = AuditEvent(
            seq=seq + 1,
            created_at=timezone.now(),
            actor=actor_obj,
            actor_name=(actor_obj.get_username() if actor_obj else "system")[:150],
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            jurisdiction_id=jurisdiction_id,
            changes=_jsonable(changes),
            prev_hash=last_hash,
            key_id=key_id,
            algorithm=algorithm,
        )
        changes_json = _dumps(event.changes)
        event.hash = mac.hexdigest((last_hash + _event_body(event, changes_json)).encode())
        event.pk = _insert_event(conn, event, changes_json)
        queries.move_chain_head(conn, event.seq, event.hash)
    return event


def _insert_event(conn: Any, event: AuditEvent, changes_json: str) -> int:
    """INSERT one event (``changes`` already in canonical JSON); its id."""
    created = _CREATED_AT.get_db_prep_value(event.created_at, conn, prepared=False)
    values = [
        event.seq, created, event.actor_id, event.actor_name, event.action, event.target_type,
        event.target_id, event.target_repr, event.jurisdiction_id, changes_json,
        event.prev_hash, event.hash, event.key_id, event.algorithm,
    ]  # fmt: skip
    return queries.insert_event(conn, values)


class Canonical(str):
    """Changes already in the events' canonical JSON (made by ``creation_changes``)."""

    __slots__ = ()


class Entry(NamedTuple):
    """One event for ``record_many`` (a named tuple: bulk imports make thousands)."""

    action: str
    target_type: str
    target_id: str
    target_repr: str
    changes: dict[str, Any] | Canonical
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


# One encoder for every event of a batch (``json.dumps`` with options builds one per call).
# The C encoder walks dicts and lists itself; only Decimals, dates, models and sets
# come back to Python through ``_default``.
_encode_changes = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
).encode


def encode_value(value: Any) -> str:
    """``value`` as the events' canonical JSON writes it (for ``creation_changes``)."""
    if value.__class__ is str:
        return _str(value)
    if value.__class__ is int:
        return int.__repr__(value)
    return _encode_changes(value)


def creation_changes(fields: Iterable[tuple[str, str]]) -> Canonical:
    """The canonical JSON of a record's creation, ``{key: [None, value]}`` for each field.

    ``fields`` are (key, ``encode_value(value)``) pairs with distinct keys. The result is
    exactly what ``record_many`` makes of the dictionary itself (keys in order, no spaces),
    built without the dictionary: bulk imports, which record thousands of creations, keep
    their encoded values (units, deadlines, rates repeat) and only join them here.
    """
    parts = []
    for key, value in sorted(fields):
        prefix = _CREATED_PREFIXES.get(key)
        if prefix is None:
            prefix = _CREATED_PREFIXES[key] = f"{_str(key)}:[null,"
        parts.append(f"{prefix}{value}]")
    return Canonical("{" + ",".join(parts) + "}")


_CREATED_PREFIXES: dict[str, str] = {}  # field name → its '"name":[null,' (field names only)


class EncodedValues:
    """Values as the audit log's JSON writes them, each distinct one encoded once (for
    ``creation_changes``).

    Ledgers repeat themselves (deadlines, rates, units, leaders): an import of thousands of
    items encodes each of them once for all the items' events.
    """

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.values: dict[Any, str] = {}  # Decimals and dates (never equal to each other)
        self.name_lists: dict[tuple[str, ...], str] = {}

    def text(self, text: str) -> str:
        try:
            return self.texts[text]
        except KeyError:
            encoded = self.texts[text] = encode_value(text)
            return encoded

    def value(self, value: Decimal | dt.date) -> str:
        try:
            return self.values[value]
        except KeyError:
            encoded = self.values[value] = encode_value(jsonable(value))
            return encoded

    def names(self, names: Sequence[str]) -> str:
        """A list of names, in the sorted order the events record."""
        key = tuple(sorted(names))
        try:
            return self.name_lists[key]
        except KeyError:
            encoded = self.name_lists[key] = encode_value(list(key))
            return encoded


_CREATED_AT = AuditEvent._meta.get_field("created_at")


def record_many(*, actor: Any, entries: list[Entry], batch_size: int = 2000) -> int:
    """Append many events under one lock of the chain head (bulk imports).

    The events are exactly those ``record`` would append one by one (same canonical JSON,
    same seals), only made in one tight loop: each event's changes are encoded once, the
    parts of the canonical JSON that all events share are encoded once, and the rows go
    in together — through COPY on PostgreSQL, in multi-row INSERTs elsewhere (SQLite): a
    10,000-item import writes its 10,000 events in a fraction of a second.
    """
    if not entries:
        return 0
    db = router.db_for_write(AuditEvent)
    conn = connections[db]
    with transaction.atomic(using=db):
        seq, prev = _lock_head(conn)
        key_id, algorithm, mac = auditkeys.signer()
        seal = mac.hexdigest
        actor_obj = actor if getattr(actor, "pk", None) else None
        actor_id = actor_obj.pk if actor_obj else None
        actor_name = (actor_obj.get_username() if actor_obj else "system")[:150]
        now = timezone.now()
        # ``_body`` in parts: what every event of the batch shares is encoded here once.
        after_action = f',"actor_id":{_scalar(actor_id)},"actor_name":{_str(actor_name)},"changes":'
        after_changes = f',"created_at":{_str(now.isoformat())},"jurisdiction_id":'
        encoded: dict[Any, str] = {}  # actions, target types, jurisdiction ids
        rows = []
        for action, target_type, target_id, target_repr, changes, jurisdiction_id in entries:
            seq += 1
            changes_json = changes if isinstance(changes, Canonical) else _encode_changes(changes)
            try:
                action_json = encoded[action]
            except KeyError:
                action_json = encoded[action] = _str(action)
            try:
                type_json = encoded[target_type]
            except KeyError:
                type_json = encoded[target_type] = _str(target_type)
            jurisdiction_json = encoded.get(jurisdiction_id)
            if jurisdiction_json is None:
                jurisdiction_json = encoded[jurisdiction_id] = _scalar(jurisdiction_id)
            body = (
                f'{{"action":{action_json}{after_action}{changes_json}{after_changes}'
                f'{jurisdiction_json},"seq":{seq},"target_id":{_str(target_id)},'
                f'"target_repr":{_str(target_repr)},"target_type":{type_json}}}'
            )
            digest = seal((prev + body).encode())
            rows.append(
                (
                    seq, now, actor_id, actor_name, action, target_type, target_id,
                    target_repr, jurisdiction_id, changes_json, prev, digest, key_id, algorithm,
                )
            )  # fmt: skip
            prev = digest
        # ``changes`` is canonical JSON already: written as it is, not encoded again.
        bulk.insert_many(
            AuditEvent, queries.EVENT_FIELDS, rows, ready=("changes",), chunk_size=batch_size
        )
        queries.move_chain_head(conn, seq, prev)
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    legacy: int = 0  # events sealed with a bare sha256, from before keys
    checkpoints: int = 0  # signed checkpoints the chain was held to
    notes: tuple[str, ...] = ()  # what an operator should know though the chain holds


_VERIFY_FIELDS = (
    "seq", "created_at", "actor_id", "actor_name", "action", "target_type", "target_id",
    "target_repr", "jurisdiction_id", "changes_text", "prev_hash", "hash", "key_id", "algorithm",
)  # fmt: skip


def verify_chain(
    batch: int = 5000,
    *,
    checkpoint_files: Sequence[str] = (),
    default_file: bool = True,
    using: str | None = None,
) -> ChainReport:
    """Recompute every event's seal in order, with the key each names, and hold the chain
    to every signed checkpoint (the table's, the configured file's and ``checkpoint_files``);
    report the first event that does not match.

    Caught: an edited event (its seal), a forged one resealed without the key (the key), an
    event deleted from the middle (the sequence), events dropped from the end with the head
    rewound (a checkpoint past the last event), a chain rebuilt with bare sha256 (legacy
    events are accepted only before the first keyed event and up to the first checkpoint).
    """
    db = using or router.db_for_read(AuditEvent)
    try:
        marks = checkpoints.load(files=checkpoint_files, default_file=default_file, using=db)
    except checkpoints.BadCheckpoint as exc:
        return ChainReport(False, 0, exc.seq, str(exc))
    by_seq: dict[int, list[checkpoints.Checkpoint]] = {}
    for mark in marks:
        by_seq.setdefault(mark.seq, []).append(mark)
    first_mark = min(by_seq) if by_seq else None
    prev = "0" * 64
    expected_seq = 1
    checked = legacy = 0
    keyed_seen = False
    last_seq = 0
    macs: dict[tuple[str, str], auditkeys.Mac] = {}
    events = (
        AuditEvent.objects.using(db)
        .order_by("seq")
        .annotate(changes_text=Cast("changes", output_field=models.TextField()))
        .values_list(*_VERIFY_FIELDS)
    )
    while True:
        rows = list(events.filter(seq__gt=last_seq)[:batch])
        if not rows:
            break
        for row in rows:
            seq, created_at, actor_id, actor_name, action, target_type, target_id = row[:7]
            target_repr, jurisdiction_id, changes_text, prev_hash, digest, key_id, algorithm = row[
                7:
            ]
            if seq != expected_seq:
                return ChainReport(False, checked, expected_seq, "event missing")
            if prev_hash != prev:
                return ChainReport(False, checked, seq, "prev_hash does not match")
            if algorithm == auditkeys.LEGACY and not key_id:
                if keyed_seen:
                    return ChainReport(False, checked, seq, "unkeyed event after keyed events")
                if first_mark is not None and seq > first_mark:
                    return ChainReport(
                        False, checked, seq, f"unkeyed event after checkpoint #{first_mark}"
                    )
                seal = auditkeys.legacy_hash
                legacy += 1
            else:
                keyed_seen = True
                mac = macs.get((key_id, algorithm))
                if mac is None:
                    try:
                        mac = macs[key_id, algorithm] = auditkeys.mac_for(key_id, algorithm)
                    except auditkeys.KeyError_ as exc:
                        return ChainReport(False, checked, seq, f"sealed with {exc}")
                seal = mac.hexdigest
            head_part = f'{prev}{{"action":{_str(action)},"actor_id":{_scalar(actor_id)},'
            head_part += f'"actor_name":{_str(actor_name)},"changes":'
            tail_part = (
                f',"created_at":{_str(created_at.isoformat())},'
                f'"jurisdiction_id":{_scalar(jurisdiction_id)},"seq":{seq},'
                f'"target_id":{_str(target_id)},"target_repr":{_str(target_repr)},'
                f'"target_type":{_str(target_type)}}}'
            )
            # The stored text first: SQLite keeps the canonical JSON the event was sealed
            # with, so it is not decoded and encoded again; else (PostgreSQL's jsonb
            # reformats it) the canonical form of what is stored.
            expected = seal(f"{head_part}{changes_text}{tail_part}".encode())
            if expected != digest:
                try:
                    canonical = _dumps(json.loads(changes_text))
                except (TypeError, ValueError):
                    return ChainReport(False, checked, seq, "changes are not JSON")
                expected = seal(f"{head_part}{canonical}{tail_part}".encode())
            if expected != digest:
                return ChainReport(False, checked, seq, "hash does not match content")
            for mark in by_seq.get(seq, ()):
                if mark.hash != digest:
                    return ChainReport(
                        False, checked, seq, f"event differs from the {mark.describe()}"
                    )
            prev = digest
            expected_seq += 1
            checked += 1
            last_seq = seq
    if by_seq and max(by_seq) > last_seq:
        mark = by_seq[max(by_seq)][0]
        return ChainReport(
            False,
            checked,
            last_seq + 1,
            f"events #{last_seq + 1}–#{mark.seq} are missing: the {mark.describe()} "
            f"names #{mark.seq}",
        )
    head = AuditChainHead.objects.using(db).filter(pk=queries.HEAD_PK).first()
    if head is not None and (head.seq != last_seq or head.last_hash != prev):
        return ChainReport(False, checked, last_seq + 1, "chain head does not match last event")
    notes = []
    if not by_seq:
        notes.append("no checkpoint yet: run `shishi audit_checkpoint` (the worker does daily)")
    if legacy and first_mark is None:
        notes.append(f"{legacy} events from before keys (sha256) are not sealed by a checkpoint")
    return ChainReport(True, checked, legacy=legacy, checkpoints=len(marks), notes=tuple(notes))
