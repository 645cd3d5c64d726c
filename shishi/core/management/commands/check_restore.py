"""After a restore: the rows per table must be those the backup's manifest counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.backups import row_counts


class Command(BaseCommand):
    help = (
        "Compare the rows per table of this database with a backup's manifest "
        "(shishi-STAMP.json); exit 1 naming each table that differs. Run verify_audit too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = json.loads(Path(options["manifest"]).read_text(encoding="utf-8"))
            expected: dict[str, int] = manifest["counts"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{options['manifest']}: not a backup manifest ({exc})") from exc
        found = row_counts()
        wrong = [
            f"{table}: backup {expected.get(table)}, database {found.get(table)}"
            for table in sorted(set(expected) | set(found))
            if expected.get(table, 0) != found.get(table, 0)
        ]
        if wrong:
            raise CommandError("rows differ from the backup:\n" + "\n".join(wrong))
        self.stdout.write(
            f"rows match the backup: {sum(found.values())} rows in {len(found)} tables"
        )
