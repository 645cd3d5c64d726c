"""The notify app's background tasks (Django's tasks API) and scheduled jobs
(``jobs.schedule``); the worker runs them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from shishi.jobs.schedule import scheduled
from shishi.notify.services import engine
from shishi.notify.services.digest import send_digests


@task()
def deliver(delivery_ids: list[int]) -> int:
    """Send these deliveries (those still due); how many were sent or settled."""
    return engine.deliver_batch(delivery_ids).attempted


@scheduled("notify.sweep", "* * * * *", description=_("消息投递：重试到期的投递，清理中断的发送"))
def sweep(slot: dt.datetime) -> tuple[int, int]:
    return engine.sweep()


@scheduled("notify.email_digest", "30 8 * * *", description=_("每日邮件汇总"))
def email_digest(slot: dt.datetime) -> int:
    return send_digests(slot).emails
