"""Tasks the tests run (in-process, and in worker processes with
``--import shishi.jobs.tests.sample_tasks``)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from django_tasks import task

from shishi.core import audit
from shishi.jobs.effects import once
from shishi.jobs.models import Effect
from shishi.jobs.retries import PermanentError, retrying

EFFECT_ACTION = "jobs.test_effect"
CALLS: Counter[str] = Counter()


def _wait_for_release(folder: Path) -> None:
    """Block the first run (the test kills its worker here); later runs go straight on."""
    if (folder / "release").exists():
        return
    (folder / "blocking").touch()
    while not (folder / "release").exists():
        time.sleep(0.05)


@task()
def write_effect_then_block(key: str, folder: str, inside: bool) -> str:
    """One database side effect guarded by ``once``; blocks inside or after its transaction."""
    path = Path(folder)
    with once(key) as first:
        if first:
            audit.record_raw(
                actor=None,
                action=EFFECT_ACTION,
                target_type="jobs.effect",
                target_id=key,
                target_repr=key,
                changes={"key": key},
                jurisdiction_id=None,
            )
            if inside:
                _wait_for_release(path)
    if not inside:
        _wait_for_release(path)
    return "done" if first else "already done"


@task()
def sleep_then_record(key: str, seconds: float, folder: str) -> str:
    (Path(folder) / "started").touch()
    time.sleep(seconds)
    with once(key):
        pass
    return key


@task()
@retrying(3, backoff=10, max_backoff=15)
def flaky(key: str, failures: int) -> int:
    """Fails its first ``failures`` runs (counted in this process)."""
    CALLS[key] += 1
    if CALLS[key] <= failures:
        raise RuntimeError(f"{key}: failure {CALLS[key]}")
    return CALLS[key]


@task()
@retrying(5)
def refused(key: str) -> None:
    CALLS[key] += 1
    raise PermanentError(f"{key}: the gateway refused the number")


@task()
def plain_failure() -> None:
    raise ValueError("no retry declared")


@task()
def count_run(key: str) -> None:
    """Records every run (not idempotent on purpose), to count how often a task ran."""
    Effect.objects.create(key=f"run:{key}:{time.monotonic_ns()}")
