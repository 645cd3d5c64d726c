"""Find (and with ``--delete`` remove) stored files no row points to.

Writes that store files remove them again when they roll back (``core.uploads``); what a
crash leaves between storing a file and committing its row, a held upload never used, or a
clean copy of a photo since removed, is found here: a file under the storage (MEDIA_ROOT)
that no ``FileField`` of any model names and no app claims as its own making
(``uploads.register_derived_files``), older than the grace period (so a write under way is
never touched). A dry run by default: it lists what it would remove.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models
from django.utils import timezone

from shishi.core import uploads
from shishi.core.inputs import megabytes

# Held uploads of a refused progress post are kept a day without a row (ledger.services):
# the default grace outlives them.
DEFAULT_GRACE_HOURS = 48


def walk(path: str = "") -> Iterator[str]:
    """Every file's name under ``path`` in the default storage."""
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for folder in sorted(folders):
        yield from walk(f"{path}/{folder}" if path else folder)


def referenced_names() -> set[str]:
    """Every file name a ``FileField`` of any model holds."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                rows = model._default_manager.exclude(**{field.attname: ""})
                names.update(rows.values_list(field.attname, flat=True).iterator())
    return names


def orphans(grace: dt.timedelta) -> list[tuple[str, int, dt.datetime]]:
    """The orphaned files: (name, size, modified), oldest first."""
    cutoff = timezone.now() - grace
    kept = referenced_names()
    derived = uploads.derived_files()
    candidates = [name for name in walk() if name not in kept]
    for prefix, in_use in derived.items():
        mine = [n for n in candidates if n.startswith(f"{prefix}/")]
        if mine:
            wanted = set(in_use(mine))
            candidates = [n for n in candidates if n not in mine or n not in wanted]
    found = []
    for name in candidates:
        try:
            modified = default_storage.get_modified_time(name)
            size = default_storage.size(name)
        except OSError:  # removed meanwhile
            continue
        if modified < cutoff:
            found.append((name, size, modified))
    return sorted(found, key=lambda row: row[2])


class Command(BaseCommand):
    help = (
        "List stored files no row points to, older than the grace period; "
        "--delete removes them (a dry run otherwise)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove the files listed")
        parser.add_argument(
            "--grace-hours",
            type=int,
            default=DEFAULT_GRACE_HOURS,
            help=f"only files older than this many hours (default {DEFAULT_GRACE_HOURS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["grace_hours"]
        if hours < 1:
            raise CommandError(
                "--grace-hours must be at least 1: a younger file may be a write under way"
            )
        found = orphans(dt.timedelta(hours=hours))
        removed = 0
        for name, size, modified in found:
            stamp = timezone.localtime(modified).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{name}\t{size} bytes\t{stamp}")
            if options["delete"]:
                try:
                    default_storage.delete(name)
                    removed += 1
                except OSError as exc:
                    self.stderr.write(f"could not remove {name}: {exc}")
        total = megabytes(sum(size for _, size, _ in found))
        if options["delete"]:
            self.stdout.write(f"{removed} of {len(found)} orphaned files removed ({total} MB)")
        else:
            self.stdout.write(
                f"{len(found)} orphaned files ({total} MB) older than {hours} h; "
                "dry run: nothing removed (--delete removes them)"
            )
