"""Retries with exponential back-off, final failures, and recovery of dead workers' claims
(in-process, through the worker's own steps)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shishi.jobs.effects import done, once
from shishi.jobs.models import JobRun, RunStatus, WorkerHeartbeat
from shishi.jobs.retries import RetryPolicy, retrying
from shishi.jobs.tests import sample_tasks
from shishi.jobs.worker import Worker, run_ready_tasks

pytestmark = pytest.mark.django_db


def _row(result_id: str) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=result_id)


def test_a_failed_task_is_retried_with_growing_back_off_until_it_succeeds() -> None:
    sample_tasks.CALLS.clear()
    result = sample_tasks.flaky.enqueue("twice", 2)  # 3 attempts, 10 s doubled, at most 15 s

    before = timezone.now()
    assert run_ready_tasks() == 1
    row = _row(result.id)
    assert row.status == TaskResultStatus.READY
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "twice: failure 1" in row.traceback
    assert timedelta(seconds=10) <= row.run_after - before <= timedelta(seconds=11)
    assert run_ready_tasks() == 0  # not due yet

    before = timezone.now()
    assert run_ready_tasks(now=row.run_after) == 1
    row = _row(result.id)
    assert row.status == TaskResultStatus.READY
    # Doubled to 20 s, capped at max_backoff (15 s).
    assert timedelta(seconds=15) <= row.run_after - before <= timedelta(seconds=16)

    assert run_ready_tasks(now=row.run_after) == 1
    row = _row(result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 3
    assert len(row.worker_ids) == 3
    assert row.exception_class_path == "" and row.traceback == ""


def test_the_last_failure_is_kept_as_failed() -> None:
    sample_tasks.CALLS.clear()
    result = sample_tasks.flaky.enqueue("always", 99)
    far = timezone.now() + timedelta(hours=1)
    assert run_ready_tasks(now=far) == 3  # three attempts, then no more
    row = _row(result.id)
    assert row.status == TaskResultStatus.FAILED
    assert "always: failure 3" in row.traceback
    assert sample_tasks.CALLS["always"] == 3


def test_a_permanent_error_is_not_retried() -> None:
    sample_tasks.CALLS.clear()
    result = sample_tasks.refused.enqueue("refused")
    assert run_ready_tasks() == 1
    row = _row(result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "shishi.jobs.retries.PermanentError"
    assert sample_tasks.CALLS["refused"] == 1


def test_a_task_without_policy_fails_at_once() -> None:
    result = sample_tasks.plain_failure.enqueue()
    assert run_ready_tasks() == 1
    assert _row(result.id).status == TaskResultStatus.FAILED


def test_back_off_doubles_up_to_its_ceiling() -> None:
    policy = RetryPolicy(max_attempts=6, backoff=2, max_backoff=10)
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [2, 4, 8, 10, 10]
    assert policy.should_retry(RuntimeError(), 5)
    assert not policy.should_retry(RuntimeError(), 6)
    with pytest.raises(ValueError):
        retrying(0)


def _claimed_by(worker_id: str, task: object, *args: object, minutes_ago: int = 10) -> str:
    result = task.enqueue(*args)  # type: ignore[attr-defined]
    worker = Worker(worker_id=worker_id, run_jobs=False)
    row = worker.claim_next()
    assert row is not None and str(row.pk) == result.id
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return str(result.id)


def _heartbeat(worker_id: str, minutes_ago: int) -> None:
    seen = timezone.now() - timedelta(minutes=minutes_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="h", pid=1, started_at=seen, last_seen=seen
    )


def test_a_task_claimed_by_a_dead_worker_is_ready_again_and_runs() -> None:
    _heartbeat("dead", minutes_ago=10)
    _heartbeat("alive", minutes_ago=0)
    lost = _claimed_by("dead", sample_tasks.sleep_then_record, "lost", 0, "/tmp")
    busy = _claimed_by("alive", sample_tasks.sleep_then_record, "busy", 0, "/tmp")

    assert Worker(worker_id="me", stale_after=60, heartbeat=5, run_jobs=False).recover() == 1
    assert _row(lost).status == TaskResultStatus.READY
    assert _row(lost).worker_ids == ["dead"]  # the lost attempt stays counted
    assert _row(busy).status == TaskResultStatus.RUNNING  # its worker is alive

    assert run_ready_tasks() == 1
    row = _row(lost)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert len(row.worker_ids) == 2
    assert done("lost")


def test_a_task_whose_workers_keep_dying_fails_with_worker_lost() -> None:
    result_id = _claimed_by("dead-3", sample_tasks.sleep_then_record, "doomed", 0, "/tmp")
    DBTaskResult.objects.filter(pk=result_id).update(worker_ids=["dead-1", "dead-2", "dead-3"])
    Worker(worker_id="me", run_jobs=False).recover()
    row = _row(result_id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "shishi.jobs.worker.WorkerLost"
    assert "dead-3" in row.traceback


def test_a_job_run_of_a_dead_worker_is_marked_failed() -> None:
    now = timezone.now()
    run = JobRun.objects.create(
        job="tests.hourly",
        slot=now.replace(minute=0, second=0, microsecond=0),
        worker_id="dead",
        started_at=now - timedelta(minutes=5),
    )
    Worker(worker_id="me", run_jobs=False).recover()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "dead" in run.error


def test_once_does_an_effect_once_and_rolls_back_with_it() -> None:
    with once("k1") as first:
        assert first
    with once("k1") as first:
        assert not first
    with pytest.raises(RuntimeError), once("k2") as first:
        assert first
        raise RuntimeError("the effect failed")
    assert not done("k2")  # rolled back with the effect: the next run does it
    with once("k2") as first:
        assert first
    with pytest.raises(ValueError):
        once("").__enter__()
