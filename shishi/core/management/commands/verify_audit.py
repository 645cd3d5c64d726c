"""Check the audit log: its keyed chain, its checkpoints, and the rows it describes."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.audit import verify_chain
from shishi.core.replay import replay


class Command(BaseCommand):
    help = (
        "Verify the audit log: recompute the keyed hash chain, hold it to the signed "
        "checkpoints (the table, the configured file and --checkpoints FILE), and replay the "
        "events against the current rows, naming any row that differs. Exit 1 if anything "
        "does not match."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            action="append",
            default=[],
            metavar="FILE",
            help="a copy of the checkpoint file kept elsewhere (JSON lines); may be repeated",
        )
        parser.add_argument(
            "--no-replay", action="store_true", help="check the chain only, not the rows"
        )
        parser.add_argument(
            "--max-differences", type=int, default=50, help="rows to name at most (default 50)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = verify_chain(checkpoint_files=options["checkpoints"])
        chain_seconds = time.perf_counter() - started
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.first_bad_seq}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        self.stdout.write(
            f"audit chain intact: {report.checked} events verified "
            f"({report.legacy} from before keys), held to {report.checkpoints} checkpoints "
            f"({chain_seconds:.1f} s)"
        )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if options["no_replay"]:
            return
        started = time.perf_counter()
        rows = replay(limit=max(1, options["max_differences"]))
        seconds = time.perf_counter() - started
        for difference in rows.differences:
            self.stdout.write(str(difference))
        if not rows.ok:
            more = rows.total - len(rows.differences)
            raise CommandError(
                f"{rows.total} rows differ from the audit log"
                + (f" ({more} more not shown)" if more else "")
            )
        self.stdout.write(
            f"rows match the audit log: {rows.rows} rows replayed from {rows.events} events "
            f"({seconds:.1f} s)"
        )
