"""The ledger's background tasks and scheduled jobs (run by ``shishi worker``)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from shishi.jobs.schedule import scheduled
from shishi.ledger import import_batches
from shishi.ledger.services.notices import deadline_reminders


@scheduled(
    "ledger.deadline_reminders",
    "0 9 * * *",
    description=_("每天上午提醒牵头单位：明天到期的事项（短信）和昨天逾期的事项"),
)
def remind_deadlines(slot: datetime) -> None:
    # As of today, whatever slot a catch-up runs: a reminder for a day gone by helps nobody.
    deadline_reminders(timezone.localdate())


# --- background imports (``import_batches``) -------------------------------------------------


@task()
def preview_import(batch_id: int) -> str:
    """Read and check a large uploaded ledger sheet for its preview; the outcome."""
    return import_batches.run_preview(batch_id)


@task()
def run_import(batch_id: int, confirm_year: bool) -> str:
    """Import a confirmed large ledger sheet, all of it or nothing; the outcome."""
    return import_batches.run_apply(batch_id, confirm_year=confirm_year)
