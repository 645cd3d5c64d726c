"""Sign the audit chain's head now: a row, and a line appended to the checkpoint file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shishi.core import checkpoints


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain's head to the table and append it to "
        "SHISHI_AUDIT_CHECKPOINT_DIR/audit-checkpoints.jsonl (the worker does it daily and "
        "sends it to the offices). Prints the line: keep a copy away from the server."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        row = checkpoints.write_checkpoint()
        mark = checkpoints.Checkpoint.from_row(row)
        path = checkpoints.checkpoint_file()
        self.stdout.write(mark.as_line())
        self.stdout.write(f"checkpoint #{row.seq} written" + (f" to {path}" if path else ""))
