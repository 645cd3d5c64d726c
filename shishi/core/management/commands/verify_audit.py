"""Check the audit log's hash chain end to end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shishi.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exit 1 at the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.first_bad_seq}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        self.stdout.write(f"audit chain intact: {report.checked} events verified")
