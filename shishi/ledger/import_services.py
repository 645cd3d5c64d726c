"""Writes and reads of import batches (the wizard's uploaded sheets).

The sheet itself is planned and applied by ``shishi.ledger.excel.importing``; this module
keeps the uploaded file and its status, with an audit event for each step.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger.models import ImportBatch
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

# What the audit event keeps of a batch's summary (the full plan stays on the batch).
SUMMARY_AUDIT_KEYS = ("created", "updated", "unchanged", "error_count", "programme", "refused")


def create_import_batch(
    *, jurisdiction: Jurisdiction, year: int, upload: UploadedFile, actor: Any
) -> ImportBatch:
    """Keep an uploaded ledger sheet for preview (programme office only)."""
    if not scope_for(actor).is_office_for(jurisdiction.pk):
        raise PermissionDenied("只有专班可以导入台账")
    errors: dict[str, str] = {}
    if not 2000 <= year <= 2100:
        errors["year"] = f"年度 {year} 不合理"
    name = (upload.name or "").strip()
    if not name.lower().endswith(".xlsx"):
        errors["file"] = "请上传 .xlsx 格式的Excel文件"
    limit = int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    if (upload.size or 0) > limit:
        errors["file"] = f"文件过大,上限为 {limit // 1024 // 1024} MB"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    upload.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            jurisdiction=jurisdiction,
            year=year,
            original_name=name[-255:],
            sha256=sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            status=ImportBatch.Status.PREVIEWED,
        )
        batch.file.save(f"{year}-{sha256[:16]}.xlsx", upload, save=False)
        batch.save()
        audit.record(
            actor=actor,
            action="import_batch.create",
            target=batch,
            changes={
                "original_name": [None, batch.original_name],
                "year": [None, year],
                "sha256": [None, sha256],
            },
            jurisdiction_id=jurisdiction.pk,
        )
    return batch


def mark_import_batch(
    batch: ImportBatch, *, status: str, summary: dict[str, Any], actor: Any
) -> ImportBatch:
    """Record the outcome of planning or applying the batch."""
    if not scope_for(actor).is_office_for(batch.jurisdiction_id):
        raise PermissionDenied("只有专班可以导入台账")
    if status not in ImportBatch.Status.values:
        raise ValidationFailed(f"未知状态: {status}")
    with transaction.atomic():
        old_status = batch.status
        batch.status = status
        batch.summary = summary
        batch.save(update_fields=["status", "summary", "updated_at"])
        audit.record(
            actor=actor,
            action=f"import_batch.{status}",
            target=batch,
            changes={
                "status": [old_status, status],
                **{
                    key: [None, summary[key]]
                    for key in SUMMARY_AUDIT_KEYS
                    if key in summary and summary[key] is not None
                },
            },
            jurisdiction_id=batch.jurisdiction_id,
        )
    return batch
