"""What the supervision services share: optimistic locks and stored files."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone

from shishi.core import uploads
from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.ledger.services.progress import check_uploads, store_upload
from shishi.supervision.models import StoredFile

M = TypeVar("M", bound=models.Model)

NAME_LENGTH = 200
TYPE_LENGTH = 100
IMAGE_ONLY = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "image/gif")


def lock(model: type[M], pk: int, expected_version: int | None, what: str) -> M:
    """The row locked for update; ``StaleEdit`` if someone changed it since it was read."""
    row = model._default_manager.select_for_update().get(pk=pk)
    if expected_version is not None and row.version != expected_version:  # type: ignore[attr-defined]
        raise StaleEdit(f"这条{what}已被他人修改，请刷新后再改")
    return row


def bump(row: Any, **changes: Any) -> None:
    """Save ``changes`` and the next version."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = timezone.now()
    row.save(update_fields=[*changes, "version", "updated_at"])


def check_files(files: Sequence[UploadedFile], field: str, *, images_only: bool = False) -> None:
    """Each file's type and size and the request's total (``ValidationFailed`` naming
    ``field``); photos must be images."""
    errors = check_uploads(files, field)
    if not errors and images_only:
        for f in files:
            ctype = uploads.media_type(f.content_type, TYPE_LENGTH) or ""
            if not ctype.startswith("image/"):
                name = uploads.display_name(f.name, 60)
                errors[field] = f"“{name}”不是照片：请上传JPG、PNG等图片"
                break
    if errors:
        raise ValidationFailed(errors[field], errors)


def attach(record: StoredFile, f: UploadedFile) -> StoredFile:
    """Store ``f`` as ``record`` (a ``StoredFile`` with its owner set), inside the caller's
    ``uploads.atomic_with_files`` block."""
    record.name = uploads.display_name(f.name, NAME_LENGTH)
    record.content_type = uploads.media_type(f.content_type, TYPE_LENGTH) or ""
    record.size = f.size or 0
    record.file.name = store_upload(record, f, record.name)  # type: ignore[attr-defined]
    record.save()
    return record
