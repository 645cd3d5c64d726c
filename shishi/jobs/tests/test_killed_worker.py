"""Real worker processes on a shared database: a task's effect happens exactly once across
a worker killed mid-task, and a worker stopped by SIGTERM finishes its task first."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from shishi.core.audit import verify_chain
from shishi.core.models import AuditEvent
from shishi.jobs.models import Effect, WorkerHeartbeat
from shishi.jobs.tests import sample_tasks
from shishi.jobs.tests.conftest import LiveDB, wait_for


def _status(result_id: str) -> str:
    return DBTaskResult.objects.get(pk=result_id).status


@pytest.mark.parametrize("inside", [True, False], ids=["killed-in-transaction", "killed-after"])
def test_effect_happens_once_when_the_worker_is_killed_mid_task(
    live_db: LiveDB, inside: bool
) -> None:
    key = f"test-effect-{inside}"
    result = sample_tasks.write_effect_then_block.enqueue(key, str(live_db.folder), inside)

    first = live_db.start_worker("--jobs=", name="first")
    wait_for(lambda: (live_db.folder / "blocking").exists(), what="the task to block")
    first.kill()  # SIGKILL: no clean-up, the claim stays RUNNING
    first.wait(timeout=10)
    assert _status(result.id) == TaskResultStatus.RUNNING
    assert AuditEvent.objects.filter(action=sample_tasks.EFFECT_ACTION).count() == (
        0 if inside else 1
    )
    (live_db.folder / "release").touch()

    second = live_db.start_worker("--jobs=", name="second")
    wait_for(
        lambda: _status(result.id) == TaskResultStatus.SUCCESSFUL,
        what="the second worker to recover and finish the task",
    )
    assert live_db.stop(second) == 0

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.worker_ids == ["first", "second"]
    # Killed inside the transaction: nothing committed, the second run does the effect.
    # Killed after it: the effect committed, the second run skips it.
    assert row.return_value == ("done" if inside else "already done")
    assert AuditEvent.objects.filter(action=sample_tasks.EFFECT_ACTION).count() == 1
    assert Effect.objects.filter(key=key).count() == 1
    assert verify_chain().ok
    assert "made ready again" in live_db.log("second")
    assert not WorkerHeartbeat.objects.filter(worker_id="second").exists()


def test_sigterm_lets_the_running_task_finish(live_db: LiveDB) -> None:
    result = sample_tasks.sleep_then_record.enqueue("graceful", 1.0, str(live_db.folder))
    worker = live_db.start_worker("--jobs=", name="graceful")
    wait_for(lambda: (live_db.folder / "started").exists(), what="the task to start")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["graceful"]
    assert Effect.objects.filter(key="graceful").exists()
    assert not WorkerHeartbeat.objects.filter(worker_id="graceful").exists()


def test_two_workers_share_the_queue_and_run_each_task_once(live_db: LiveDB) -> None:
    workers = [live_db.start_worker("--jobs=", name=f"share{n}") for n in (1, 2)]
    # Both up before the tasks come (a worker still starting dies of SIGTERM, not cleanly).
    wait_for(
        lambda: WorkerHeartbeat.objects.filter(worker_id__in=["share1", "share2"]).count() == 2,
        what="both workers to beat",
    )
    ids = [sample_tasks.count_run.enqueue(f"t{n:02d}").id for n in range(30)]
    wait_for(
        lambda: (
            DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.SUCCESSFUL).count()
            == len(ids)
        ),
        what="every task to finish",
    )
    for worker in workers:
        assert live_db.stop(worker) == 0
    runs = Counter(
        key.split(":")[1]
        for key in Effect.objects.filter(key__startswith="run:").values_list("key", flat=True)
    )
    assert runs == {f"t{n:02d}": 1 for n in range(30)}
    claimed_by = Counter(row.worker_ids[0] for row in DBTaskResult.objects.filter(pk__in=ids))
    assert all(len(row.worker_ids) == 1 for row in DBTaskResult.objects.filter(pk__in=ids))
    assert set(claimed_by) <= {"share1", "share2"}
