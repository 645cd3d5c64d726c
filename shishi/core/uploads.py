"""Uploaded files: names that fit, content types that mean something, limits, and files that
never outlive the rows pointing to them.

What every app that stores uploads uses (the ledger's progress attachments and change-request
files now; residents' demands and check-in photos next):

- ``display_name(name)`` — the name shown to people, cut to its column keeping the extension.
- ``storage_name(name)`` — the name the file is stored under: characters the storage accepts,
  at most ``STORED_NAME_BYTES`` bytes of UTF-8 (a file system refuses a name over 255 bytes;
  a Chinese name of 100 characters is 300), the extension kept.
- ``media_type(value)`` — a browser's content type, lower case, without parameters, or
  ``None`` when it is no media type or longer than its column.
- ``check_request_total(files)`` and ``check_quota(used, files)`` — the per-request total
  (``SHISHI_MAX_REQUEST_UPLOAD_BYTES``) and the per-record quota
  (``SHISHI_ITEM_QUOTA_BYTES``), ``ValidationFailed`` naming the limit in MB. The
  request's total is also refused by length, before its files are read, by
  ``core.inputs.InputRuleMiddleware``.
- ``atomic_with_files()`` and ``store(name, content)`` — ``transaction.atomic()`` for a write
  that stores files. A file stored inside the block is deleted again when the block is left
  by an exception (its rows were rolled back with it); on success it belongs to the
  enclosing ``atomic_with_files`` block, if any, which does the same. So a refused or failed
  write leaves no file without its row. A file whose transaction commits stays; one left by
  a crash between storing and committing is found by ``shishi clean_orphan_files``.
- ``register_derived_files(prefix, in_use)`` — an app that keeps files of its own making
  (the portal's clean copies of public photos) says which are still in use, so that
  ``clean_orphan_files`` leaves them.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.db import transaction

from shishi.core.errors import ValidationFailed
from shishi.core.inputs import megabytes

logger = logging.getLogger("shishi.core.uploads")

STORED_NAME_BYTES = 120
MAX_EXTENSION = 12  # ".docx", ".jpeg"; a longer "extension" is part of the name
MAX_MEDIA_TYPE = 100
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_UNSAFE = re.compile(r"[^\w.\-]+")


def _split(name: str) -> tuple[str, str]:
    stem, ext = os.path.splitext(name)
    if len(ext) > MAX_EXTENSION or not stem:
        return name, ""
    return stem, ext


def display_name(name: str | None, max_length: int = 200, default: str = "附件") -> str:
    """The file's own name (no folders) in at most ``max_length`` characters, the extension
    kept: a cut name ends its stem with "…"."""
    base = re.split(r"[\\/]", (name or "").strip())[-1].strip() or default
    if len(base) <= max_length:
        return base
    stem, ext = _split(base)
    return stem[: max(1, max_length - len(ext) - 1)] + "…" + ext[: max_length - 2]


def storage_name(name: str | None, max_bytes: int = STORED_NAME_BYTES) -> str:
    """A name to store the file under: letters, digits, ``._-`` (Chinese kept), at most
    ``max_bytes`` bytes of UTF-8, the extension kept; "file" when nothing is left."""
    base = unicodedata.normalize("NFC", display_name(name, 255, default="file"))
    stem, ext = _split(base)
    stem = _UNSAFE.sub("_", stem).strip("._") or "file"
    ext = _UNSAFE.sub("", ext)
    ext = ext if len(ext) > 1 else ""
    room = max_bytes - len(ext.encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore").rstrip("._") or "file"
    return cut + ext


def media_type(value: str | None, max_length: int = MAX_MEDIA_TYPE) -> str | None:
    """``type/subtype`` in lower case without parameters; "" for none given; ``None`` for
    something that is no media type, or one longer than ``max_length``."""
    main = (value or "").split(";", 1)[0].strip().lower()
    if not main:
        return ""
    if len(main) > max_length or not _MEDIA_TYPE.match(main):
        return None
    return main


def _size(f: Any) -> int:
    return int(getattr(f, "size", 0) or 0)


def check_request_total(files: Sequence[Any], field: str = "attachments") -> None:
    """Refuse files whose total is over ``SHISHI_MAX_REQUEST_UPLOAD_BYTES``."""
    limit = settings.SHISHI_MAX_REQUEST_UPLOAD_BYTES
    total = sum(_size(f) for f in files)
    if total > limit:
        message = (
            f"一次提交的文件合计不能超过 {megabytes(limit)} MB"
            f"（本次 {len(files)} 个文件共 {megabytes(total)} MB），请减少文件或分几次提交"
        )
        raise ValidationFailed(message, {field: message})


def quota_error(used: int, files: Sequence[Any], what: str = "该事项") -> str:
    """The message when ``files`` would take a record past ``SHISHI_ITEM_QUOTA_BYTES``
    (``used`` bytes stored already), or ""."""
    limit = settings.SHISHI_ITEM_QUOTA_BYTES
    adding = sum(_size(f) for f in files)
    if not adding or used + adding <= limit:
        return ""
    return (
        f"{what}的附件合计不能超过 {megabytes(limit)} MB（已有 {megabytes(used)} MB，"
        f"本次 {megabytes(adding)} MB），请删减后再上传或联系专班"
    )


# --- files that never outlive their rows ----------------------------------------------------


class StoredFiles:
    """The files stored inside one ``atomic_with_files`` block."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.names: list[tuple[Storage, str]] = []

    def discard(self) -> None:
        for storage, name in self.names:
            try:
                storage.delete(name)
            except OSError:  # gone already, or the disk refuses: the cleaner's turn
                logger.warning("could not remove the stored file %s of a rolled-back write", name)
        self.names.clear()


_BLOCKS: contextvars.ContextVar[tuple[StoredFiles, ...]] = contextvars.ContextVar(
    "shishi_upload_blocks", default=()
)


@contextmanager
def atomic_with_files(using: str | None = None) -> Iterator[StoredFiles]:
    """``transaction.atomic()`` that owns the files ``store`` writes inside it (see above)."""
    outer = _BLOCKS.get()
    files = StoredFiles(default_storage)
    token = _BLOCKS.set((*outer, files))
    try:
        with transaction.atomic(using=using):
            yield files
    except BaseException:
        _BLOCKS.reset(token)
        files.discard()
        raise
    _BLOCKS.reset(token)
    if outer:
        outer[-1].names.extend(files.names)


def store(name: str, content: Any, *, max_length: int, storage: Storage | None = None) -> str:
    """Store ``content`` under ``name`` (or a free name near it) inside the innermost
    ``atomic_with_files`` block; the name it was stored under."""
    blocks = _BLOCKS.get()
    if not blocks:
        raise RuntimeError("store() must run inside atomic_with_files()")
    storage = storage or blocks[-1].storage
    stored = storage.save(name, content, max_length=max_length)
    blocks[-1].names.append((storage, stored))
    return stored


# --- files of an app's own making ------------------------------------------------------------

InUse = Callable[[Sequence[str]], Iterable[str]]
_DERIVED: dict[str, InUse] = {}


def register_derived_files(prefix: str, in_use: InUse) -> None:
    """Files under ``prefix/`` are the app's own making: ``in_use(names)`` gives those of
    ``names`` still wanted (the rest are orphans to ``clean_orphan_files``)."""
    _DERIVED[prefix.strip("/")] = in_use


def derived_files() -> dict[str, InUse]:
    return dict(_DERIVED)


# --- photos ---------------------------------------------------------------------------------

PHOTO_DECODERS = ("JPEG", "PNG", "WEBP")


def inspect_photo(file: Any, *, max_pixels: int) -> tuple[str, bool]:
    """What an uploaded photo is: (its format — JPEG, PNG or WEBP — or "" when it does not
    decode as one of them, whether it has more than ``max_pixels`` pixels). A photo within
    the limit is decoded whole, so a truncated or corrupt file is caught; a larger one is not
    decoded at all. The file is left at its start."""
    from PIL import Image, UnidentifiedImageError

    too_large = False
    try:
        file.seek(0)
        with Image.open(file, formats=list(PHOTO_DECODERS)) as image:
            kind = image.format or ""
            width, height = image.size
            too_large = width * height > max_pixels
            if not too_large:
                image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
    ):
        kind = ""
    finally:
        file.seek(0)
    return kind, too_large
