"""Refresh the database's planner statistics (run after bulk loads; cheap)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from shishi.core.dbstats import refresh_planner_statistics


class Command(BaseCommand):
    help = "Run ANALYZE so the query planner knows the table sizes (imports run it on SQLite)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        refresh_planner_statistics()
        self.stdout.write(f"planner statistics refreshed in {time.perf_counter() - started:.2f} s")
