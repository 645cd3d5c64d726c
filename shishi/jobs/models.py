"""Rows of the background work that the tasks backend does not keep itself.

- ``WorkerHeartbeat``: one row per running ``shishi worker``; a worker whose ``last_seen``
  is older than its stale limit is taken for dead, and the tasks it claimed are recovered.
- ``JobRun``: one row per scheduled job and slot, unique, so that a slot runs once however
  many workers run and however often they restart.
- ``Effect``: one row per side effect done (``effects.once``), written in the transaction of
  the effect, so a task run again after a crash does not repeat it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(_("工作进程"), max_length=64, unique=True)
    host = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("工作进程心跳")
        verbose_name_plural = _("工作进程心跳")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")


class JobRun(models.Model):
    job = models.CharField(_("定时任务"), max_length=100)
    slot = models.DateTimeField(_("计划时刻"))
    status = models.CharField(
        _("状态"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    worker_id = models.CharField(_("工作进程"), max_length=64)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="jobs_jobrun_one_per_slot")
        ]
        indexes = [
            models.Index(fields=["status", "started_at"], name="jobs_jobrun_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class Effect(models.Model):
    key = models.CharField(_("幂等键"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("完成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已完成的副作用")
        verbose_name_plural = _("已完成的副作用")

    def __str__(self) -> str:
        return self.key
