"""Moving encrypted columns to the newest key (``shishi rotate_pii_keys``).

Every ``PersonalNumberField`` of every model is found by itself; an app whose columns hold
ciphertexts as plain text (notify: e-mail addresses, phones copied into deliveries, robot
URLs) registers them with ``register_column`` in its ``AppConfig.ready``.

Rows go ``batch`` at a time, in primary-key order, each batch in its own transaction with the
rows locked (``SELECT … FOR UPDATE`` on PostgreSQL): a run stopped half way has committed its
finished batches, and the next run skips every row already under the newest key and today's
algorithm by its prefix, without decrypting it. A row that does not decrypt (its key is no
longer configured, or it was altered) is counted and named by id, never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction

from shishi.core import audit, pii
from shishi.core.fields import LookupHashField, PersonalNumber, PersonalNumberField

Purpose = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class EncryptedColumn:
    model: str | type[models.Model]  # "app_label.ModelName" or the class
    field: str
    purpose: Purpose  # the purpose its ciphertexts are bound to, or one per row from its values
    needs: tuple[str, ...] = ()  # the other fields ``purpose`` reads
    hash_field: str = ""  # a keyed-hash column of the same value, rewritten with it

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model) if isinstance(self.model, str) else self.model

    @property
    def name(self) -> str:
        return f"{self.model_class()._meta.label}.{self.field}"


_REGISTERED: list[EncryptedColumn] = []


def register_column(
    model: str, field: str, *, purpose: Purpose, needs: tuple[str, ...] = (), hash_field: str = ""
) -> None:
    """Declare a text column holding ``pii.encrypt`` ciphertexts, for ``rotate_pii_keys``."""
    column = EncryptedColumn(model, field, purpose, needs, hash_field)
    if column not in _REGISTERED:
        _REGISTERED.append(column)


def columns_of(model: type[models.Model]) -> list[EncryptedColumn]:
    """The model's PersonalNumberFields, each with its hash field (if any)."""
    hashes = {
        f.source: f.name for f in model._meta.concrete_fields if isinstance(f, LookupHashField)
    }
    return [
        EncryptedColumn(model, f.name, f.kind, hash_field=hashes.get(f.name, ""))
        for f in model._meta.concrete_fields
        if isinstance(f, PersonalNumberField)
    ]


def encrypted_columns() -> list[EncryptedColumn]:
    """The registered columns and every PersonalNumberField (with its hash field, if any)."""
    out = list(_REGISTERED)
    for model in apps.get_models():
        out.extend(columns_of(model))
    return out


@dataclass
class ColumnReport:
    column: str
    scanned: int = 0
    rotated: int = 0
    rehashed: int = 0
    unreadable: list[Any] = field(default_factory=list)  # primary keys


def _token(value: Any) -> str:
    if isinstance(value, PersonalNumber):
        return value.token()
    return str(value or "")


def _batches(
    model: type[models.Model], names: list[str], size: int
) -> Iterator[list[dict[str, Any]]]:
    last: Any = None
    manager = model._base_manager
    while True:
        with transaction.atomic(using=manager.db):
            qs = manager.select_for_update().order_by("pk")
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs.values("pk", *names)[:size])
            if not rows:
                return
            yield rows  # the caller writes inside this transaction
        last = rows[-1]["pk"]


def rotate_column(
    column: EncryptedColumn, *, batch: int = 500, rehash: bool = False, dry_run: bool = False
) -> ColumnReport:
    model = column.model_class()
    report = ColumnReport(column.name)
    names = [column.field, *column.needs]
    if column.hash_field:
        names.append(column.hash_field)
    manager = model._base_manager
    for rows in _batches(model, names, batch):
        for row in rows:
            token = _token(row[column.field])
            if not token:
                continue
            report.scanned += 1
            current = pii.is_current(token)
            if current and not (rehash and column.hash_field):
                continue
            purpose = column.purpose(row) if callable(column.purpose) else column.purpose
            try:
                plain = pii.decrypt(token, purpose=purpose)
            except pii.DecryptionFailed:
                report.unreadable.append(row["pk"])
                continue
            changes: dict[str, Any] = {}
            if not current:
                changes[column.field] = pii.encrypt(plain, purpose=purpose)
                report.rotated += 1
            if column.hash_field:
                digest = pii.lookup_hash(plain, purpose=purpose)
                if digest != row[column.hash_field]:
                    changes[column.hash_field] = digest
                    report.rehashed += 1
            if changes and not dry_run:
                manager.filter(pk=row["pk"]).update(**changes)
    return report


def rotate_all(
    *,
    batch: int = 500,
    rehash: bool = False,
    dry_run: bool = False,
    progress: Callable[[ColumnReport], None] | None = None,
) -> list[ColumnReport]:
    """Every encrypted column moved to the newest key and today's algorithm; one audit event
    for the run (counts, key id and algorithm; never a value)."""
    reports = []
    for column in encrypted_columns():
        report = rotate_column(column, batch=batch, rehash=rehash, dry_run=dry_run)
        reports.append(report)
        if progress is not None:
            progress(report)
    if not dry_run:
        with transaction.atomic():
            audit.record_raw(
                actor=None,
                action="pii.rotate_keys",
                target_type="core.pii",
                target_id=pii.newest_key_id(),
                target_repr=f"{pii.current_algorithm()}:{pii.newest_key_id()}",
                changes={
                    r.column: {
                        "rotated": r.rotated,
                        "rehashed": r.rehashed,
                        "unreadable": len(r.unreadable),
                    }
                    for r in reports
                    if r.rotated or r.rehashed or r.unreadable
                },
                jurisdiction_id=None,
            )
    return reports
