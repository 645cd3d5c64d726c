"""Reassess item statuses (run early each morning so no viewer waits for it)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shishi.board import services
from shishi.ledger.models import Programme


class Command(BaseCommand):
    help = (
        "Reassess the battle board's item statuses as of today: every programme of this "
        "year and last year, or the one given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", type=int, help="programme id (default: active ones)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["programme"] is not None:
            if not Programme.objects.filter(pk=options["programme"]).exists():
                raise CommandError(f"programme {options['programme']} does not exist")
            ids = [options["programme"]]
        else:
            ids = services.active_programme_ids(today)
        for pid in ids:
            started = time.perf_counter()
            n = services.refresh_statuses(pid, today=today)
            self.stdout.write(
                f"programme {pid}: {n} items assessed in {time.perf_counter() - started:.1f}s"
            )
