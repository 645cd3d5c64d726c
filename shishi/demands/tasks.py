"""The demands' scheduled jobs (run by ``shishi worker``)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from shishi.demands import overdue
from shishi.jobs.schedule import scheduled


@scheduled(
    "demands.overdue",
    "*/15 * * * *",
    description=_(
        "每15分钟提醒超过签收或办理时限的诉求的承办单位及其负责人，超时一天以上同时告知专班"
    ),
)
def remind_overdue(slot: datetime) -> None:
    overdue.remind(now=slot)
