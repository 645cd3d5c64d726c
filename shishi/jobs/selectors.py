"""Reads of the background work for the office page (a constant number of queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shishi.jobs.models import JobRun, RunStatus, WorkerHeartbeat
from shishi.jobs.permissions import check_watch_jobs
from shishi.jobs.schedule import Job
from shishi.jobs.scheduler import selected_jobs

RECENT_FAILURES_PER_JOB = 3
RECENT_FAILED_TASKS = 20
# A worker is shown as alive when it beat this recently (the worker's default stale limit).
ALIVE_WITHIN = timedelta(seconds=60)


@dataclass
class JobRow:
    job: Job
    next_slot: datetime
    last_run: JobRun | None = None
    failures: list[JobRun] = field(default_factory=list)


@dataclass
class TaskRow:
    id: str
    name: str
    queue: str
    status: str
    retrying: bool
    attempts: int
    enqueued_at: datetime
    finished_at: datetime | None
    run_after: datetime | None
    error_class: str
    error: str


@dataclass
class WorkerRow:
    worker_id: str
    host: str
    pid: int
    started_at: datetime
    last_seen: datetime
    alive: bool


@dataclass
class OfficePage:
    now: datetime
    jobs: list[JobRow]
    failed_tasks: list[TaskRow]
    workers: list[WorkerRow]
    counts: dict[str, int]

    @property
    def any_worker_alive(self) -> bool:
        return any(w.alive for w in self.workers)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _task_row(result: DBTaskResult) -> TaskRow:
    date_max = result.run_after.year >= 9999 if result.run_after else True
    return TaskRow(
        id=str(result.pk),
        name=result.task_path,
        queue=result.queue_name,
        status=result.status,
        retrying=result.status == TaskResultStatus.READY,
        attempts=len(result.worker_ids or []),
        enqueued_at=result.enqueued_at,
        finished_at=result.finished_at,
        run_after=None if date_max else result.run_after,
        error_class=result.exception_class_path.rsplit(".", 1)[-1],
        error=_last_line(result.traceback),
    )


def office_page(user: Any, now: datetime | None = None) -> OfficePage:
    """Each scheduled job with its last and next runs and recent failures; the failed tasks
    (and those waiting for a retry); the workers and their heartbeats."""
    check_watch_jobs(user)
    now = now or timezone.now()
    jobs = selected_jobs()
    rows = {job.name: JobRow(job=job, next_slot=job.next_slot(now)) for job in jobs}
    names = list(rows)
    last_ids = (
        JobRun.objects.filter(job__in=names)
        .values("job")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    for run in JobRun.objects.filter(id__in=list(last_ids)):
        rows[run.job].last_run = run
    failures = JobRun.objects.filter(job__in=names, status=RunStatus.FAILED).order_by("-slot")
    for run in failures[: RECENT_FAILURES_PER_JOB * max(len(names), 1) * 4]:
        row = rows[run.job]
        if len(row.failures) < RECENT_FAILURES_PER_JOB:
            row.failures.append(run)
    # Failed tasks, and tasks put back for a retry (ready, with the error of their last run).
    failed = (
        DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
        | DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(
            exception_class_path=""
        )
    ).order_by("-enqueued_at")[:RECENT_FAILED_TASKS]
    counts = {
        row["status"]: row["n"]
        for row in DBTaskResult.objects.values("status").annotate(n=Count("id")).order_by()
    }
    workers = [
        WorkerRow(
            worker_id=hb.worker_id,
            host=hb.host,
            pid=hb.pid,
            started_at=hb.started_at,
            last_seen=hb.last_seen,
            alive=hb.last_seen >= now - ALIVE_WITHIN,
        )
        for hb in WorkerHeartbeat.objects.order_by("-last_seen")[:50]
    ]
    return OfficePage(
        now=now,
        jobs=list(rows.values()),
        failed_tasks=[_task_row(r) for r in failed],
        workers=workers,
        counts={status: counts.get(status, 0) for status in TaskResultStatus.values},
    )
