"""The health certificates' scheduled job (run by ``shishi worker``). ``tasks.py`` imports
this module so that the job is registered (the lead wires it at merge)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.appointments import certificate_reminders
from shishi.jobs.schedule import scheduled


@scheduled(
    "appointments.certificate_expiry",
    "0 9 * * *",
    description=_("每天9时提醒健康证将在30天、7天后到期的持证人（短信，各一次）"),
)
def remind_expiring(slot: datetime) -> None:
    certificate_reminders.remind(today=timezone.localdate(slot))
