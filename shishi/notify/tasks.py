"""The notify app's background tasks (Django's tasks API) and scheduled jobs
(``jobs.schedule``); the worker runs them."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_tasks import task

from shishi.core import checkpoints
from shishi.jobs.schedule import scheduled
from shishi.notify.services import audit_copies, engine
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


@scheduled(
    "audit.checkpoint",
    "10 0 * * *",
    description=_("每天签署审计链检查点：写入数据库和检查点文件，并发给审计管理员和专班"),
)
def audit_checkpoint(slot: dt.datetime) -> int:
    """The core's checkpoint of the audit chain, then the copies sent (notify is the lowest
    app that can both schedule and send; core cannot import either)."""
    checkpoints.write_checkpoint()
    return audit_copies.send_checkpoints()
