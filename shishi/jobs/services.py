"""Writes of the jobs app beyond the worker's own bookkeeping."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shishi.jobs.models import JobRun


def prune_finished(*, tasks_before: datetime, runs_before: datetime) -> tuple[int, int]:
    """Delete tasks that succeeded before ``tasks_before``, failed tasks and job runs from
    before ``runs_before`` (failures stay longer, for the office); the counts deleted."""
    with transaction.atomic():
        succeeded, _ = DBTaskResult.objects.filter(
            status=TaskResultStatus.SUCCESSFUL, finished_at__lt=tasks_before
        ).delete()
        failed, _ = DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__lt=runs_before
        ).delete()
        runs, _ = JobRun.objects.filter(started_at__lt=runs_before).delete()
    return succeeded + failed, runs
