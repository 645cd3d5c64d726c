"""The office's 12345 import wizard (upload → preview → confirm) over ``demands.hotline``.

The uploaded sheet is kept in the file storage under ``hotline-imports/`` between the two
steps (as the ledger keeps its import batches' files), so the confirmation imports exactly
the bytes that were previewed, without a second upload; the file is removed once imported.
A sheet left unconfirmed is an orphan to ``shishi clean_orphan_files`` after its grace
period. ``hotline.import_sheet`` takes a ticket in once: a 12345 number already taken in is
skipped, so the same sheet confirmed twice (or uploaded again) doubles nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from shishi.core import audit, masking, uploads, workbooks
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import hotline, office_selectors
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

PREFIX = "hotline-imports"


def max_upload_bytes() -> int:
    return int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def check_upload(upload: UploadedFile) -> None:
    """The checks every uploaded sheet gets (``core.workbooks.upload_problem``), as a
    ``ValidationFailed`` on ``file``."""
    message = workbooks.upload_problem(upload)
    if message:
        raise ValidationFailed(message, {"file": message})


def _require_office(actor: Any, jurisdiction_id: int) -> None:
    if not scope_for(actor).is_office_for(jurisdiction_id):
        raise PermissionDenied("只有专班可以导入12345工单")


@dataclass(frozen=True)
class KeptSheet:
    token: str  # names the kept file in the wizard's address
    path: str  # in the default storage
    name: str  # as uploaded, for the page
    sha256: str


def keep_sheet(jurisdiction: Jurisdiction, upload: UploadedFile, *, actor: Any) -> KeptSheet:
    """Keep an uploaded 12345 sheet for its preview (the district's office only)."""
    _require_office(actor, jurisdiction.pk)
    check_upload(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    token = secrets.token_hex(16)
    with uploads.atomic_with_files():
        path = uploads.store(f"{PREFIX}/{token}.xlsx", upload, max_length=200)
    return KeptSheet(
        token=token,
        path=path,
        name=uploads.display_name(upload.name, 120, "工单表.xlsx"),
        sha256=digest.hexdigest(),
    )


def read_kept(path: str) -> bytes | None:
    """The kept sheet's bytes, or None once it is gone (imported, or cleaned away)."""
    if not path.startswith(PREFIX + "/") or ".." in path:
        return None
    try:
        with default_storage.open(path, "rb") as handle:
            data: bytes = handle.read()
    except (FileNotFoundError, OSError):
        return None
    return data


def discard_kept(path: str) -> None:
    if path.startswith(PREFIX + "/") and ".." not in path:
        with contextlib.suppress(OSError):  # else the cleaner's turn
            default_storage.delete(path)


@dataclass
class PreviewRow:
    row: int
    number: str
    category: str
    kind: str
    summary: str
    address: str
    contact: str  # masked
    exists: bool


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def new_count(self) -> int:
        return sum(1 for r in self.rows if not r.exists)

    @property
    def existing_count(self) -> int:
        return sum(1 for r in self.rows if r.exists)


SUMMARY_CHARS = 40


def preview(jurisdiction_id: int, data: bytes, name: str) -> Preview:
    """What confirming would take in: every ticket with its contact masked and whether its
    12345 number is taken in already (skipped), or every bad row (then nothing imports)."""
    parsed = hotline.parse_sheet(jurisdiction_id, data, name)
    if parsed.errors:
        return Preview(errors=list(parsed.errors))
    names = {c.pk: c.name for c in hotline.categories_of(jurisdiction_id).values()}
    kinds = {value: word for word, value in hotline.KIND_WORDS.items()}
    existing = office_selectors.taken_in_numbers(
        jurisdiction_id, [t.number for t in parsed.tickets]
    )
    rows = []
    for t in parsed.tickets:
        d = t.data
        description = d.description.replace("\n", " ")
        if d.phone:
            contact = masking.masked(d.phone, "phone")
        elif d.landline:
            contact = masking.masked(d.landline, "landline")
        else:
            contact = ""
        rows.append(
            PreviewRow(
                row=t.row,
                number=t.number,
                category=names.get(d.category_id or 0, ""),
                kind=kinds.get(d.kind, d.kind),
                summary=description[:SUMMARY_CHARS]
                + ("…" if len(description) > SUMMARY_CHARS else ""),
                address=d.address,
                contact=contact,
                exists=t.number in existing,
            )
        )
    return Preview(rows=rows)


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: Sequence[str]


def import_kept(
    jurisdiction: Jurisdiction, path: str, name: str, *, actor: Any
) -> ImportResult | None:
    """Import the kept sheet, all or nothing (the district's office), then remove it; None
    when the file is gone (imported already, or cleaned away)."""
    _require_office(actor, jurisdiction.pk)
    data = read_kept(path)
    if data is None:
        return None
    with transaction.atomic():
        imported = hotline.import_sheet(jurisdiction.pk, data, name, actor=actor)
        audit.record(
            actor=actor,
            action="demands.hotline_import",
            target=jurisdiction,
            changes={
                "file": [None, name],
                "sha256": [None, hashlib.sha256(data).hexdigest()],
                "created": [None, len(imported.created)],
                "skipped": [None, len(imported.skipped)],
            },
            jurisdiction_id=jurisdiction.pk,
        )
    discard_kept(path)
    return ImportResult(created=len(imported.created), skipped=imported.skipped)


def export_outcomes(jurisdiction: Jurisdiction, start: Any, end: Any, *, actor: Any) -> bytes:
    """The outcome workbook of the district's tickets taken in from ``start`` to ``end``."""
    _require_office(actor, jurisdiction.pk)
    return hotline.write_outcomes(jurisdiction.pk, start, end)
