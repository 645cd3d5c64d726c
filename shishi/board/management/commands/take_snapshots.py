"""Take the weekly snapshots of the battle board (run on Sunday evenings)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shishi.board import services
from shishi.core.errors import ValidationFailed
from shishi.ledger.models import Programme


class Command(BaseCommand):
    help = (
        "Snapshot every active programme (this year's and last year's) for the week that "
        "ended last Sunday (today, on a Sunday). --backfill fills every missing week since "
        "the start of the programme's year from the progress history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--programme", type=int, help="programme id (default: active ones)")
        parser.add_argument("--backfill", action="store_true", help="fill every missing week")
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="the Sunday to snapshot (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="rewrite snapshots already taken"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["programme"] is not None:
            if not Programme.objects.filter(pk=options["programme"]).exists():
                raise CommandError(f"programme {options['programme']} does not exist")
            ids = [options["programme"]]
        elif options["backfill"]:
            ids = list(Programme.objects.order_by("pk").values_list("pk", flat=True))
        else:
            ids = services.active_programme_ids(today)
        for pid in ids:
            started = time.perf_counter()
            try:
                if options["backfill"]:
                    weeks = services.backfill_snapshots(
                        pid, today=today, replace=options["replace"]
                    )
                    done = f"{weeks} weeks written"
                else:
                    taken = services.take_snapshots(
                        pid, options["on"], today=today, replace=options["replace"]
                    )
                    done = "snapshot taken" if taken else "already taken"
            except ValidationFailed as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(f"programme {pid}: {done} in {time.perf_counter() - started:.1f}s")
