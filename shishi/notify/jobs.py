"""The notify app's scheduled jobs (the worker runs them; ``jobs.schedule``)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from shishi.jobs.schedule import scheduled
from shishi.notify.services import engine
from shishi.notify.services.digest import send_digests


@scheduled("notify.sweep", "* * * * *", description=_("消息投递：重试到期的投递，清理中断的发送"))
def sweep(slot: dt.datetime) -> tuple[int, int]:
    return engine.sweep()


@scheduled("notify.email_digest", "30 8 * * *", description=_("每日邮件汇总"))
def email_digest(slot: dt.datetime) -> int:
    return send_digests(slot).emails
