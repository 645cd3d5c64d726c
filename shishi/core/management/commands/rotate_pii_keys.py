"""Re-encrypt personal data under the newest key of SHISHI_PII_KEYS (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core import pii
from shishi.core.pii_rotation import ColumnReport, rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column under the newest key of SHISHI_PII_KEYS and the "
        "algorithm of SHISHI_CRYPTO, batch by batch (stop and run again at will: rows already "
        "moved are skipped). --rehash also rewrites lookup hashes (after SHISHI_PII_LOOKUP_KEY "
        "or SHISHI_CRYPTO changed). Exits 1 if some rows do not decrypt with any key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")
        parser.add_argument("--rehash", action="store_true", help="rewrite lookup hashes too")
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        target = f"{pii.current_algorithm()}:{pii.newest_key_id()}"
        self.stdout.write(f"moving personal data to {target}")

        def progress(r: ColumnReport) -> None:
            self.stdout.write(
                f"{r.column}: {r.scanned} values, {r.rotated} re-encrypted, "
                f"{r.rehashed} hashes rewritten, {len(r.unreadable)} unreadable"
            )

        reports = rotate_all(
            batch=options["batch"],
            rehash=options["rehash"],
            dry_run=options["dry_run"],
            progress=progress,
        )
        bad = [(r.column, r.unreadable) for r in reports if r.unreadable]
        if bad:
            lines = "; ".join(f"{c} ids {', '.join(map(str, ids[:20]))}" for c, ids in bad)
            raise CommandError(f"rows that decrypt with no configured key: {lines}")
        self.stdout.write("done" + (" (dry run: nothing written)" if options["dry_run"] else ""))
