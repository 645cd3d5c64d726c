"""Signed checkpoints of the audit chain's head, kept where the database cannot reach.

A keyed chain stops anyone from forging events, but someone who can write to the database
can still drop the last events and rewind the head to an earlier one: what remains is a
valid chain. A checkpoint — (seq, hash, time, key id, algorithm) and an HMAC over them with
the audit key — written to a table, appended to a file (``SHISHI_AUDIT_CHECKPOINT_DIR``,
JSON lines) and sent to the offices (the notify app's job ``audit.checkpoint`` pulls the
unsent ones: core sits below notify) leaves copies the attacker cannot rewrite;
``audit.verify_chain`` holds the chain to each of them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from shishi.core import auditkeys, queries
from shishi.core.models import AuditChainHead, AuditCheckpoint

FILE_NAME = "audit-checkpoints.jsonl"
_FIELDS = ("seq", "hash", "created_at", "key_id", "algorithm", "signature")


class BadCheckpoint(ValueError):
    """A checkpoint that does not verify (altered, forged, or its key missing)."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: str  # ISO 8601, UTC, whole seconds: the signed text
    key_id: str
    algorithm: str
    signature: str
    source: str = "table"  # or the file's path

    def message(self) -> bytes:
        return (
            f"shishi audit checkpoint\n{self.seq}\n{self.hash}\n{self.created_at}\n"
            f"{self.key_id}\n{self.algorithm}"
        ).encode()

    def expected_signature(self) -> str:
        try:
            mac = auditkeys.mac_for(self.key_id, self.algorithm)
        except auditkeys.KeyError_ as exc:
            raise BadCheckpoint(f"{self.describe()} cannot be checked: {exc}", self.seq) from None
        return mac.hexdigest(self.message())

    def check_signature(self) -> None:
        if self.expected_signature() != self.signature:
            raise BadCheckpoint(f"{self.describe()} has a bad signature", self.seq)

    def describe(self) -> str:
        return f"checkpoint #{self.seq} of {self.created_at} ({self.source})"

    def as_line(self) -> str:
        record = {k: v for k, v in asdict(self).items() if k != "source"}
        return json.dumps(record, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_row(cls, row: AuditCheckpoint) -> Checkpoint:
        return cls(
            row.seq,
            row.hash,
            _stamp(row.created_at),
            row.key_id,
            row.algorithm,
            row.signature,
        )


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def checkpoint_file() -> Path | None:
    """The append-only file of checkpoints (None when ``SHISHI_AUDIT_CHECKPOINT_DIR`` is "")."""
    folder = getattr(settings, "SHISHI_AUDIT_CHECKPOINT_DIR", "")
    return Path(folder) / FILE_NAME if folder else None


def write_checkpoint(*, now: dt.datetime | None = None) -> AuditCheckpoint:
    """Sign the chain's head as it is now: a table row, then a line appended to the file.

    The head is read under its lock, so no event is appended between reading and signing.
    The file is written after the row commits; a file that cannot be written fails the
    call (the row stays: the next run appends both).
    """
    db = router.db_for_write(AuditCheckpoint)
    conn = connections[db]
    moment = (now or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    with transaction.atomic(using=db):
        head = queries.lock_chain_head(conn)
        if head is None:
            AuditChainHead.objects.using(db).get_or_create(pk=queries.HEAD_PK)
            head = queries.lock_chain_head(conn)
        seq, last_hash = head or (0, "0" * 64)
        key_id, algorithm, mac = auditkeys.signer()
        mark = Checkpoint(seq, last_hash, _stamp(moment), key_id, algorithm, "")
        row = AuditCheckpoint.objects.using(db).create(
            seq=seq,
            hash=last_hash,
            created_at=moment,
            key_id=key_id,
            algorithm=algorithm,
            signature=mac.hexdigest(mark.message()),
        )
    append_to_file(Checkpoint.from_row(row))
    return row


def append_to_file(mark: Checkpoint, path: Path | None = None) -> Path | None:
    """Append one line (and fsync): the file is only ever appended to."""
    path = path or checkpoint_file()
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (mark.as_line() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def read_file(path: str | Path) -> list[Checkpoint]:
    """The checkpoints of a file; BadCheckpoint naming the line that is not one."""
    marks = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadCheckpoint(f"checkpoint file {path}: {exc.strerror}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record: dict[str, Any] = json.loads(line)
            values = [record[k] for k in _FIELDS]
            mark = Checkpoint(
                seq=int(values[0]),
                hash=str(values[1]),
                created_at=str(values[2]),
                key_id=str(values[3]),
                algorithm=str(values[4]),
                signature=str(values[5]),
                source=f"{path}:{number}",
            )
        except (ValueError, KeyError, TypeError):
            raise BadCheckpoint(
                f"checkpoint file {path}, line {number}: not a checkpoint"
            ) from None
        marks.append(mark)
    return marks


def load(
    *, files: Sequence[str | Path] = (), default_file: bool = True, using: str | None = None
) -> list[Checkpoint]:
    """Every checkpoint to hold the chain to, signatures checked: the table's, the
    configured file's (if it exists) and ``files``'."""
    marks = [
        Checkpoint.from_row(row)
        for row in AuditCheckpoint.objects.using(using).order_by("seq", "created_at")
    ]
    paths = [Path(f) for f in files]
    configured = checkpoint_file()
    if (
        default_file
        and configured is not None
        and configured.exists()
        and configured.resolve() not in {p.resolve() for p in paths}
    ):
        paths.append(configured)
    for path in paths:
        marks += read_file(path)
    for mark in marks:
        mark.check_signature()
    return marks


def unsent(limit: int = 10) -> list[AuditCheckpoint]:
    """Checkpoints not yet sent to the offices, oldest first (the notify app sends them)."""
    return list(AuditCheckpoint.objects.filter(notified_at=None).order_by("created_at")[:limit])


def mark_sent(rows: Iterable[AuditCheckpoint], *, now: dt.datetime | None = None) -> None:
    ids = [row.pk for row in rows]
    if ids:
        AuditCheckpoint.objects.filter(pk__in=ids).update(notified_at=now or timezone.now())


def latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-created_at", "-pk").first()
