"""Scheduled jobs of the platform itself: planner statistics and pruning of finished work."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from shishi.core.dbstats import refresh_planner_statistics
from shishi.jobs import services
from shishi.jobs.schedule import scheduled


@scheduled(
    "core.analyze_db",
    "15 3 * * 0",
    description=_("每周更新数据库的查询统计信息（SQLite；PostgreSQL 自动进行）"),
)
def analyze_db(slot: datetime) -> None:
    refresh_planner_statistics(sqlite_only=True)


@scheduled(
    "jobs.prune",
    "45 3 * * *",
    description=_("清理 30 天前成功完成的后台任务，以及 180 天前失败的任务和定时任务运行记录"),
)
def prune(slot: datetime) -> None:
    services.prune_finished(
        tasks_before=slot - timedelta(days=30), runs_before=slot - timedelta(days=180)
    )
