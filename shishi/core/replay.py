"""Replay the audit log against the rows it describes: a row changed behind the services'
back (a direct SQL ``UPDATE``, a restored old table) differs from what its events say.

Each app declares, in its ``audited.py``, which recorded keys of which target type are
columns of the target's row (``register``): ``"ledger.item": name, completion_rate, …``.
Only those are compared, and only where an event recorded them: per (target type, target
id), the last recorded new value of each field against the row's current value. Keys that
only describe an event (a progress update's ``rate``, an update's ``is_public``) are left
out of the registry, so they are never mistaken for the row's columns.

The events are read target type by target type along the (target_type, target_id, seq)
index, streamed; the rows are read ``batch`` targets at a time, so memory stays bounded
whatever the log's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import models, router
from django.utils.module_loading import autodiscover_modules

from shishi.core.audit import jsonable
from shishi.core.models import AuditEvent


@dataclass(frozen=True)
class Audited:
    target_type: str  # the events' target_type: the model's label_lower
    fields: Mapping[str, str]  # recorded key → the row's attname
    gone_after: tuple[str, ...] = ()  # actions after which the row no longer exists

    @property
    def model(self) -> type[models.Model]:
        app_label, _, name = self.target_type.partition(".")
        return apps.get_model(app_label, name)


REGISTRY: dict[str, Audited] = {}
ADMIN_DELETE = "admin.delete"  # a row deleted on the admin site (``core.admin``)


def register(
    target_type: str, fields: Sequence[str] | Mapping[str, str], *, gone_after: Sequence[str] = ()
) -> None:
    """Declare which recorded keys of ``target_type``'s events are its row's columns."""
    mapping = dict(fields) if isinstance(fields, Mapping) else {f: f for f in fields}
    # The admin site records changed fields by their column names (``category_id``).
    for attname in set(mapping.values()):
        mapping.setdefault(attname, attname)
    gone = (*gone_after, ADMIN_DELETE)
    REGISTRY[target_type] = Audited(target_type, mapping, gone)


_discovered = False


def discover() -> dict[str, Audited]:
    """Import every installed app's ``audited`` module (once); the registry."""
    global _discovered
    if not _discovered:
        autodiscover_modules("audited")
        _discovered = True
    return REGISTRY


@dataclass(frozen=True)
class Difference:
    target_type: str
    target_id: str
    field: str | None  # None: the row is missing
    recorded: Any
    current: Any
    seq: int  # the event that recorded the value (or the last event of a missing row)

    def __str__(self) -> str:
        if self.field is None:
            return (
                f"{self.target_type} {self.target_id}: row is missing, the audit log has it "
                f"(last event #{self.seq} {self.recorded})"
            )
        return (
            f"{self.target_type} {self.target_id} field {self.field}: audit says "
            f"{self.recorded!r}, row says {self.current!r} (event #{self.seq})"
        )


@dataclass
class ReplayReport:
    events: int = 0
    rows: int = 0
    total: int = 0  # differences found
    differences: list[Difference] = field(default_factory=list)  # the first ``limit``

    @property
    def ok(self) -> bool:
        return self.total == 0


def _same(model_field: models.Field[Any, Any], recorded: Any, current: Any) -> bool:
    """Whether the row's value is the recorded one (values as events encode them)."""
    if recorded is None or current is None:
        return recorded is None and current is None
    if isinstance(model_field, models.DecimalField):
        try:
            return Decimal(str(recorded)) == Decimal(current)
        except (InvalidOperation, ValueError, TypeError):
            return False
    if isinstance(model_field, models.ForeignKey | models.IntegerField | models.AutoField):
        return str(recorded) == str(current)
    if isinstance(model_field, models.DateField | models.DateTimeField) and isinstance(
        current, dt.date
    ):
        return str(recorded) == current.isoformat()
    return bool(recorded == jsonable(current))


def _events(audited: Audited, db: str, chunk: int) -> Iterator[tuple[str, int, str, Any]]:
    rows = (
        AuditEvent.objects.using(db)
        .filter(target_type=audited.target_type)
        .order_by("target_id", "seq")
        .values_list("target_id", "seq", "action", "changes")
    )
    return rows.iterator(chunk_size=chunk)


def replay(
    *, limit: int = 50, batch: int = 1000, using: str | None = None, chunk: int = 5000
) -> ReplayReport:
    """Compare every registered target's last recorded values with its row."""
    db = using or router.db_for_read(AuditEvent)
    report = ReplayReport()
    for audited in discover().values():
        model = audited.model
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        keys = {k: a for k, a in audited.fields.items() if a in by_attname}
        pending: dict[str, tuple[dict[str, tuple[Any, int]], int, str]] = {}
        target: str | None = None
        state: dict[str, tuple[Any, int]] = {}
        last_seq, last_action = 0, ""
        for target_id, seq, action, changes in _events(audited, db, chunk):
            report.events += 1
            if target_id != target:
                if target is not None:
                    pending[target] = (state, last_seq, last_action)
                    if len(pending) >= batch:
                        _compare(audited, model, keys, by_attname, pending, db, report, limit)
                        pending = {}
                target, state = target_id, {}
            last_seq, last_action = seq, action
            if isinstance(changes, dict):
                for key, pair in changes.items():
                    if key in keys and isinstance(pair, list) and len(pair) == 2:
                        state[key] = (pair[1], seq)
        if target is not None:
            pending[target] = (state, last_seq, last_action)
        if pending:
            _compare(audited, model, keys, by_attname, pending, db, report, limit)
    return report


def _compare(
    audited: Audited,
    model: type[models.Model],
    keys: Mapping[str, str],
    by_attname: Mapping[str, models.Field[Any, Any]],
    pending: Mapping[str, tuple[dict[str, tuple[Any, int]], int, str]],
    db: str,
    report: ReplayReport,
    limit: int,
) -> None:
    pk_field = model._meta.pk
    assert pk_field is not None
    ids: dict[Any, str] = {}
    for target_id in pending:
        try:
            ids[pk_field.to_python(target_id)] = target_id
        except Exception:  # an id that is no key of this table: nothing to compare
            continue
    attnames = sorted(set(keys.values()))
    found: set[str] = set()
    rows = model._default_manager.using(db).filter(pk__in=list(ids)).values_list("pk", *attnames)
    for pk, *values in rows.iterator(chunk_size=len(ids) or 1):
        target_id = ids[pk]
        found.add(target_id)
        report.rows += 1
        current = dict(zip(attnames, values, strict=True))
        state = pending[target_id][0]
        for key in sorted(state):
            attname = keys[key]
            recorded, seq = state[key]
            if not _same(by_attname[attname], recorded, current[attname]):
                _add(
                    report,
                    limit,
                    Difference(
                        audited.target_type, target_id, attname, recorded,
                        jsonable(current[attname]), seq,
                    ),
                )  # fmt: skip
    for target_id in ids.values():
        if target_id in found:
            continue
        _state, seq, action = pending[target_id]
        if action not in audited.gone_after:
            _add(report, limit, Difference(audited.target_type, target_id, None, action, None, seq))


def _add(report: ReplayReport, limit: int, difference: Difference) -> None:
    report.total += 1
    if len(report.differences) < limit:
        report.differences.append(difference)
