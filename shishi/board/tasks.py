"""The battle board's scheduled jobs (run by ``shishi worker``; they replace the cron lines
of ``refresh_board`` and ``take_snapshots``, which remain for running by hand)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.board import services
from shishi.core.errors import ValidationFailed
from shishi.jobs.schedule import scheduled

logger = logging.getLogger("shishi.board")


@scheduled(
    "board.refresh_statuses",
    "30 5 * * *",
    description=_("每天清晨重新评估本年度和上年度计划的事项状态，上班时作战图已是当天的"),
)
def refresh_statuses(slot: datetime) -> None:
    # Statuses are "as of today", whatever slot this run catches up.
    today = timezone.localdate()
    for programme_id in services.active_programme_ids(today):
        services.refresh_statuses(programme_id, today=today)


@scheduled(
    "board.weekly_snapshots",
    "0 21 * * 0",
    description=_("每周日晚为本年度和上年度计划生成作战图周快照"),
)
def take_weekly_snapshots(slot: datetime) -> None:
    # The week of the slot: a run caught up on a Tuesday still snapshots the Sunday it
    # missed (rebuilt from the progress history), not the day it runs.
    today = timezone.localdate()
    sunday = services.week_end(slot.date())
    refused: list[str] = []
    for programme_id in services.active_programme_ids(today):
        try:
            services.take_snapshots(programme_id, sunday, today=today)
        except ValidationFailed as exc:
            refused.append(f"programme {programme_id}: {exc.message}")
    if refused:
        raise RuntimeError("; ".join(refused))
