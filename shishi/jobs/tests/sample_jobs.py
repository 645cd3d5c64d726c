"""Scheduled jobs the tests run. Not imported by the test modules: the ``sample_jobs``
fixture registers them for one test (and takes them out after it), worker processes get
them with ``--import shishi.jobs.tests.sample_jobs``, so no other test sees them in the
registry."""

from __future__ import annotations

import time
from datetime import datetime

from shishi.jobs.models import Effect
from shishi.jobs.schedule import REGISTRY, Job, scheduled


@scheduled("tests.every_minute", "* * * * *", description="test: every minute")
def every_minute(slot: datetime) -> None:
    # Slow enough that two workers racing for the slot overlap.
    time.sleep(0.3)
    Effect.objects.create(key=f"tests.every_minute:{slot.isoformat()}:{time.monotonic_ns()}")


HOURLY_SLOTS: list[datetime] = []


@scheduled("tests.hourly", "0 * * * *", description="test: hourly")
def hourly(slot: datetime) -> None:
    HOURLY_SLOTS.append(slot)


@scheduled("tests.broken", "0 6 * * *", description="test: always fails")
def broken(slot: datetime) -> None:
    raise RuntimeError("the job broke")


JOBS: dict[str, Job] = {
    name: REGISTRY[name] for name in ("tests.every_minute", "tests.hourly", "tests.broken")
}
