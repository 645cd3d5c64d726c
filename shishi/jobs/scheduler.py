"""The runner of scheduled jobs (``schedule.scheduled``): which slot is due, and who runs it.

At every turn of its loop a worker asks each job for its due slot, the latest time at or
before now its cron rule fires (Asia/Shanghai), and tries to insert ``JobRun(job, slot)``.
The pair is unique: one worker's insert succeeds and it runs the job; every other worker's
fails, now or after any restart, and it moves on. So a slot runs once, across restarts and
several workers (on SQLite and PostgreSQL alike: the database's unique index decides).

**Catch-up rule.** After downtime only the last missed slot runs, once, as soon as a worker
is up: a job due hourly whose workers were down from 08:30 to 11:10 runs once, for its 11:00
slot; 09:00 and 10:00 are not run. A job that must not run late compares its slot with the
time. A job never run before (a new deployment) runs its latest slot at once in the same way.

A failed run is kept (status, error text) and not retried: the next slot runs as usual. A run
whose worker died is marked failed by the next worker's recovery (``worker.Worker.recover``),
and its slot is not run again either.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Collection
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.utils import retry

from shishi.jobs.models import JobRun, RunStatus
from shishi.jobs.schedule import SCHEDULE_TZ, Job, discover

logger = logging.getLogger("shishi.jobs")

MAX_ERROR_CHARS = 20_000


def selected_jobs(names: Collection[str] | None = None) -> list[Job]:
    """The registered jobs (all, or those named), in name order."""
    registry = discover()
    return [registry[n] for n in sorted(registry) if names is None or n in names]


def claim_slot(job: Job, slot: datetime, worker_id: str) -> JobRun | None:
    """Record that ``worker_id`` runs ``job`` for ``slot``; None when it is taken already."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                job=job.name,
                slot=slot,
                status=RunStatus.RUNNING,
                worker_id=worker_id,
                started_at=timezone.now(),
            )
    except IntegrityError:
        return None


def run_claimed(job: Job, run: JobRun) -> JobRun:
    """Run the job for its claimed slot and record the outcome."""
    started = time.perf_counter()
    try:
        job.func(run.slot.astimezone(SCHEDULE_TZ))
    except (KeyboardInterrupt, SystemExit):
        _finish(run, RunStatus.FAILED, "工作进程被强制停止，运行中断。")
        raise
    except Exception as exc:
        logger.exception("scheduled job %s failed for slot %s", job.name, run.slot.isoformat())
        _finish(run, RunStatus.FAILED, "".join(traceback.format_exception(exc))[-MAX_ERROR_CHARS:])
    else:
        _finish(run, RunStatus.SUCCEEDED, "")
    logger.info(
        "job %s for slot %s: %s in %.2f s",
        job.name,
        run.slot.astimezone(SCHEDULE_TZ).isoformat(),
        run.status,
        time.perf_counter() - started,
    )
    return run


@retry()  # a busy database must not leave the run looking as if still running
def _finish(run: JobRun, status: str, error: str) -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def run_due_jobs(
    *,
    worker_id: str = "inline",
    now: datetime | None = None,
    names: Collection[str] | None = None,
    seen: dict[str, datetime] | None = None,
    stop: threading.Event | None = None,
) -> list[JobRun]:
    """Run every job whose due slot nobody has claimed yet; the runs made here.

    ``seen`` (kept by a worker between turns) remembers the slots found taken, so a worker
    tries each slot once instead of at every turn.
    """
    now = now or timezone.now()
    seen = {} if seen is None else seen
    runs: list[JobRun] = []
    for job in selected_jobs(names):
        if stop is not None and stop.is_set():
            break
        slot = job.due_slot(now)
        if seen.get(job.name) == slot:
            continue
        run = claim_slot(job, slot, worker_id)  # (a database error leaves it unseen: retried)
        seen[job.name] = slot
        if run is None:
            logger.info(
                "job %s: slot %s already claimed (run or running)", job.name, slot.isoformat()
            )
            continue
        logger.info("running scheduled job %s for slot %s", job.name, slot.isoformat())
        runs.append(run_claimed(job, run))
    return runs
