"""The reports' scheduled jobs (run by ``shishi worker``): periods opened on time, reminders."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from shishi.jobs.schedule import scheduled
from shishi.reports import chasing


@scheduled(
    "reports.open_periods",
    "*/15 * * * *",
    description=_("每15分钟按时开启各反馈机制到期的一期，为各单位发起报送"),
)
def open_periods(slot: datetime) -> None:
    chasing.open_due_periods(now=slot)


@scheduled(
    "reports.chase",
    "*/15 * * * *",
    description=_("每15分钟按各反馈机制的提醒时点催报未报送的单位（逐级：单位、负责人、包保领导）"),
)
def chase(slot: datetime) -> None:
    # The slot is the moment of the run: after a stopped worker the scheduler runs only the
    # last missed slot, and that run sends each submission only its latest reminder.
    chasing.send_reminders(now=slot)
