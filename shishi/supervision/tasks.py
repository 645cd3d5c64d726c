"""Supervision's scheduled jobs (run by ``shishi worker``): the morning's overdue cards and
reminders (``supervision.overdue``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.jobs.schedule import scheduled
from shishi.supervision.overdue import refresh_cards


@scheduled(
    "supervision.cards",
    "30 6 * * *",
    description=_(
        "每天早上按工作日更新整改和批示的黄牌、红牌，提醒责任单位明天到期的整改，告知逾期的单位、专班和领导"
    ),
)
def overdue_cards(slot: datetime) -> None:
    # As of today, whatever slot a catch-up runs: cards count working days up to today;
    # cards services gave since the slot before are told too.
    refresh_cards(timezone.localdate(), since=slot - timedelta(days=1))
