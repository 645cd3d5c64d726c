"""The worker: one process that runs tasks and scheduled jobs (``shishi worker``).

Each turn of its loop it

1. recovers work whose worker died: a task left RUNNING by a worker with no fresh heartbeat
   is made ready again (the claim already counted the attempt), or failed with
   ``WorkerLost`` once its attempts are used up; a job run left running is marked failed;
2. runs the scheduled jobs whose slot is due (``scheduler.run_due_jobs``);
3. claims one ready task (the backend's ``DBTaskResult``, locked with ``SKIP LOCKED`` on
   PostgreSQL, under SQLite's write lock otherwise) and runs it; a failure is retried with
   back-off when the task's policy allows (``retries.retrying``), else kept as FAILED.

A thread beside the loop writes the worker's heartbeat (``WorkerHeartbeat``) every few
seconds, so a long task does not make its worker look dead. SIGINT or SIGTERM stops the
worker after the current task or job; a second one stops it at once, putting the task back
as ready. Several workers may run on one database.

Tests and scripts run pending work in-process with ``run_ready_tasks()`` and
``run_due_jobs()``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception, retry

from shishi.jobs import scheduler
from shishi.jobs.models import JobRun, RunStatus, WorkerHeartbeat
from shishi.jobs.retries import LOST_WORKER_ATTEMPTS, policy_of

logger = logging.getLogger("shishi.jobs")

ALL_QUEUES = ("*",)
# Heartbeat rows of workers gone this long are removed by the next recovery.
FORGET_WORKERS_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """The worker running a task stopped (killed, crashed, machine down) too many times."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"


def ready_tasks(
    now: datetime, queues: Sequence[str] = ALL_QUEUES, backend_name: str = "default"
) -> Any:
    """Tasks a worker may claim at ``now``, in the backend's order."""
    tasks = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, backend_name=backend_name
    ).filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))
    if "*" not in queues:
        tasks = tasks.filter(queue_name__in=list(queues))
    return tasks


def attempts(result: DBTaskResult) -> int:
    """How many times the task was started (each claim adds its worker's id)."""
    return len(result.worker_ids or [])


class Worker:
    def __init__(
        self,
        *,
        worker_id: str | None = None,
        queues: Sequence[str] = ALL_QUEUES,
        interval: float = 1.0,
        heartbeat: float = 5.0,
        stale_after: float = 60.0,
        jobs: Collection[str] | None = None,
        run_jobs: bool = True,
        backend_name: str = "default",
        max_tasks: int | None = None,
        batch: bool = False,
    ) -> None:
        if stale_after <= heartbeat:
            raise ValueError("stale_after must be longer than the heartbeat interval")
        self.worker_id = worker_id or new_worker_id()
        self.queues = tuple(queues) or ALL_QUEUES
        self.interval = interval
        self.heartbeat = heartbeat
        self.stale_after = timedelta(seconds=stale_after)
        self.jobs = jobs
        self.run_jobs = run_jobs
        self.backend_name = backend_name
        self.max_tasks = max_tasks
        self.batch = batch
        self.stopping = threading.Event()  # set by a signal: finish the current work, stop
        self._beats_done = threading.Event()
        self._seen_slots: dict[str, datetime] = {}
        self._next_recovery: datetime | None = None
        self.tasks_run = 0

    # --- heartbeat ------------------------------------------------------------------------

    def register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "last_seen": now,
            },
        )

    def beat(self) -> None:
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(last_seen=now):
            self.register()

    def _beat_loop(self) -> None:
        try:
            while not self._beats_done.wait(self.heartbeat):
                try:
                    self.beat()
                except DatabaseError:
                    # A long write of the task may hold SQLite's lock: try at the next beat.
                    logger.warning("worker %s: heartbeat not written", self.worker_id)
        finally:
            connection.close()

    def unregister(self) -> None:
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()

    # --- recovery -------------------------------------------------------------------------

    def recover(self, now: datetime | None = None) -> int:
        """Make the tasks of dead workers ready again (or failed); the number recovered."""
        now = now or timezone.now()
        limit = now - self.stale_after
        alive = set(
            WorkerHeartbeat.objects.filter(last_seen__gte=limit).values_list("worker_id", flat=True)
        )
        recovered = 0
        running = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, backend_name=self.backend_name, started_at__lt=limit
        ).only(
            "id",
            "task_path",
            "worker_ids",
            "started_at",
            "priority",
            "queue_name",
            "run_after",
            "backend_name",
        )
        for result in running:
            ids = result.worker_ids or []
            if ids and ids[-1] in alive:
                continue
            recovered += self._recover_task(result, now)
        JobRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=limit).exclude(
            worker_id__in=alive
        ).update(
            status=RunStatus.FAILED,
            finished_at=now,
            error=Concat(
                Value("工作进程 "), "worker_id", Value(" 中断（心跳停止），本时刻不再重跑。")
            ),
        )
        WorkerHeartbeat.objects.filter(last_seen__lt=now - FORGET_WORKERS_AFTER).delete()
        return recovered

    def _recover_task(self, result: DBTaskResult, now: datetime) -> int:
        try:
            max_attempts = policy_of(result.task).lost_worker_limit()
        except (ImportError, SuspiciousOperation):
            max_attempts = LOST_WORKER_ATTEMPTS
        worker = (result.worker_ids or ["?"])[-1]
        # Conditional on the claim we read, so two workers recovering at once do it once.
        same_claim = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
        )
        if attempts(result) >= max_attempts:
            done = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=(
                    f"WorkerLost: worker {worker} stopped during attempt {attempts(result)}"
                    f" of {max_attempts}; the task is not run again.\n"
                ),
            )
            logger.error("task %s failed: its worker %s was lost", result.pk, worker)
        else:
            done = same_claim.update(status=TaskResultStatus.READY)
            logger.warning("task %s made ready again: its worker %s was lost", result.pk, worker)
        return done

    # --- tasks ----------------------------------------------------------------------------

    def claim_next(self, now: datetime | None = None) -> DBTaskResult | None:
        """Claim the next ready task for this worker, or None."""
        tasks = ready_tasks(now or timezone.now(), self.queues, self.backend_name)
        if not tasks.exists():
            # An idle turn reads only: SQLite's exclusive transaction would hold off every
            # other writer (the web's requests) for nothing, once a second per worker.
            return None
        with exclusive_transaction(tasks.db):
            try:
                result: DBTaskResult | None = tasks.get_locked()
                if result is not None:
                    result.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                result = None
        return result

    def run_task(self, result: DBTaskResult) -> None:
        """Run a claimed task; record success, a retry with back-off, or the failure."""
        attempt = attempts(result)
        try:
            task = result.task
        except (ImportError, SuspiciousOperation) as exc:
            logger.exception("task %s cannot be loaded (%s)", result.pk, result.task_path)
            result.set_failed(exc)
            return
        backend_type = type(task.get_backend())
        task_result = result.task_result
        task_started.send(sender=backend_type, task_result=task_result)
        try:
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            result.set_successful(value)
        except (KeyboardInterrupt, SystemExit):
            _release(result)
            raise
        except Exception as exc:
            policy = policy_of(task)
            if policy.should_retry(exc, attempt):
                delay = policy.delay(attempt)
                logger.warning(
                    "task %s (%s) failed on attempt %d of %d; retrying in %s",
                    result.pk,
                    result.task_path,
                    attempt,
                    policy.max_attempts,
                    delay,
                )
                _retry_later(result, exc, timezone.now() + delay)
                return
            result.set_failed(exc)
            # Sent while the exception is being handled: the tasks log shows its traceback.
            task_finished.send(sender=backend_type, task_result=result.task_result)
            return
        finally:
            self.tasks_run += 1
        task_finished.send(sender=backend_type, task_result=result.task_result)

    # --- the loop -------------------------------------------------------------------------

    def turn(self) -> bool:
        """One turn of the loop; whether a task ran."""
        now = timezone.now()
        if self._next_recovery is None or now >= self._next_recovery:
            self.recover(now)
            self._next_recovery = now + timedelta(seconds=self.heartbeat)
        if self.run_jobs:
            scheduler.run_due_jobs(
                worker_id=self.worker_id,
                now=now,
                names=self.jobs,
                seen=self._seen_slots,
                stop=self.stopping,
            )
        if self.stopping.is_set():
            return False
        result = self.claim_next()
        if result is None:
            return False
        self.run_task(result)
        return True

    def run(self) -> None:
        """Run until stopped (or, with ``batch``, until no task is ready)."""
        self.register()
        beats = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)
        beats.start()
        logger.info("worker %s started (queues %s)", self.worker_id, ",".join(self.queues))
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    ran = self.turn()
                except DatabaseError:
                    logger.exception("worker %s: database error; trying again", self.worker_id)
                    ran = False
                if self.batch and not ran:
                    break
                if self.max_tasks is not None and self.tasks_run >= self.max_tasks:
                    break
                if not ran:
                    self.stopping.wait(self.interval)
        finally:
            self._beats_done.set()
            beats.join(timeout=self.heartbeat + 5)
            try:
                self.unregister()
            except DatabaseError:
                logger.warning("worker %s: heartbeat row not removed", self.worker_id)
            logger.info("worker %s stopped after %d tasks", self.worker_id, self.tasks_run)


@retry()
def _retry_later(result: DBTaskResult, exc: BaseException, run_after: datetime) -> None:
    """Put a failed task back as ready for ``run_after``, keeping the error for the office."""
    result.status = TaskResultStatus.READY
    result.run_after = run_after
    result.exception_class_path = f"{type(exc).__module__}.{type(exc).__qualname__}"
    result.traceback = "".join(traceback.format_exception(exc))
    result.save(update_fields=["status", "run_after", "exception_class_path", "traceback"])


@retry()
def _release(result: DBTaskResult) -> None:
    """A task interrupted by a forced stop is ready again (its attempt stays counted)."""
    DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY
    )


# --- in-process helpers (tests, scripts) ----------------------------------------------------


def run_ready_tasks(
    *, queues: Sequence[str] = ALL_QUEUES, now: datetime | None = None, limit: int = 1000
) -> int:
    """Run the ready tasks in this process, one after another; how many ran.

    Tasks retried with back-off wait for their ``run_after``: call again with a later
    ``now`` to run them.
    """
    worker = Worker(worker_id=f"inline-{os.getpid()}", queues=queues, run_jobs=False)
    count = 0
    while count < limit:
        result = worker.claim_next(now)
        if result is None:
            break
        worker.run_task(result)
        count += 1
    return count


def run_due_jobs(
    *, now: datetime | None = None, names: Collection[str] | None = None
) -> list[JobRun]:
    """Run the due scheduled jobs in this process (``scheduler.run_due_jobs``)."""
    return scheduler.run_due_jobs(worker_id=f"inline-{os.getpid()}", now=now, names=names)
