"""Scheduled jobs: once per slot with two worker processes, the catch-up rule, failures."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
from django.utils import timezone

from shishi.jobs.models import Effect, JobRun, RunStatus
from shishi.jobs.schedule import REGISTRY, SCHEDULE_TZ, scheduled
from shishi.jobs.tests.conftest import LiveDB, wait_for
from shishi.jobs.worker import run_due_jobs


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SCHEDULE_TZ)


def test_two_workers_run_a_slot_once(live_db: LiveDB) -> None:
    args = ("--jobs=tests.every_minute",)
    first = live_db.start_worker(*args, name="w1")
    second = live_db.start_worker(*args, name="w2")
    wait_for(
        lambda: JobRun.objects.filter(job="tests.every_minute", status=RunStatus.SUCCEEDED),
        what="a run of the job",
    )
    # Both workers have looked at the slot: one ran it, the other found it taken.
    wait_for(
        lambda: sum("already claimed" in live_db.log(n) for n in ("w1", "w2")),
        what="the other worker to find the slot taken",
    )
    assert live_db.stop(first) == 0
    assert live_db.stop(second) == 0

    runs = list(JobRun.objects.filter(job="tests.every_minute"))
    slots = Counter(run.slot for run in runs)
    assert runs and set(slots.values()) == {1}
    # The job's body ran once per slot (it records one Effect per run).
    bodies = Counter(
        key.rsplit(":", 1)[0]
        for key in Effect.objects.filter(key__startswith="tests.every_minute:").values_list(
            "key", flat=True
        )
    )
    assert sorted(bodies.values()) == [1] * len(runs)
    assert {run.worker_id for run in runs} <= {"w1", "w2"}


def test_a_job_missed_for_several_slots_runs_once_for_the_last(
    db: None, sample_jobs: ModuleType
) -> None:
    JobRun.objects.create(
        job="tests.hourly",
        slot=at("2026-03-02T08:00"),
        status=RunStatus.SUCCEEDED,
        worker_id="old",
        started_at=at("2026-03-02T08:00"),
    )
    # Down from 08:30 to 11:10: 09:00, 10:00 and 11:00 were missed; 11:00 alone runs.
    runs = run_due_jobs(now=at("2026-03-02T11:10"), names=["tests.hourly"])
    assert [(r.slot, r.status) for r in runs] == [(at("2026-03-02T11:00"), RunStatus.SUCCEEDED)]
    assert [at("2026-03-02T11:00")] == sample_jobs.HOURLY_SLOTS
    assert sample_jobs.HOURLY_SLOTS[0].tzinfo == SCHEDULE_TZ
    # The same slot does not run again; the next one runs on time.
    assert run_due_jobs(now=at("2026-03-02T11:40"), names=["tests.hourly"]) == []
    assert [r.slot for r in run_due_jobs(now=at("2026-03-02T12:00"), names=["tests.hourly"])] == [
        at("2026-03-02T12:00")
    ]
    assert JobRun.objects.filter(job="tests.hourly").count() == 3


def test_slots_are_counted_in_shanghai_time(sample_jobs: ModuleType) -> None:
    broken = REGISTRY["tests.broken"]  # 0 6 * * *
    # 22:30 UTC is 06:30 the next morning in Shanghai.
    utc_now = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    assert broken.due_slot(utc_now) == at("2026-03-03T06:00")
    assert broken.next_slot(utc_now) == at("2026-03-04T06:00")
    # A slot is due from its first second on.
    assert broken.due_slot(at("2026-03-03T06:00")) == at("2026-03-03T06:00")
    assert broken.due_slot(at("2026-03-03T05:59:59")) == at("2026-03-02T06:00")


def test_a_failed_run_keeps_its_error_and_the_next_slot_runs(
    db: None, sample_jobs: ModuleType
) -> None:
    runs = run_due_jobs(now=at("2026-03-02T06:05"), names=["tests.broken"])
    assert [r.status for r in runs] == [RunStatus.FAILED]
    run = JobRun.objects.get(job="tests.broken")
    assert "the job broke" in run.error and run.finished_at is not None
    later = run_due_jobs(now=at("2026-03-03T06:00"), names=["tests.broken"])
    assert [r.slot for r in later] == [at("2026-03-03T06:00")]


def test_a_bad_rule_is_refused_when_declared(sample_jobs: ModuleType) -> None:
    with pytest.raises(ValueError, match="cron"):
        scheduled("tests.bad", "61 * * * *")
    with pytest.raises(ValueError, match="two scheduled jobs"):
        scheduled("tests.hourly", "0 * * * *")(lambda slot: None)


def test_the_board_jobs_are_declared_and_run(db: None, world: object) -> None:
    from shishi.jobs.schedule import discover

    registry = discover()
    assert registry["board.refresh_statuses"].cron == "30 5 * * *"
    assert registry["board.weekly_snapshots"].cron == "0 21 * * 0"
    assert "core.analyze_db" in registry and "jobs.prune" in registry
    assert not any(name.startswith("tests.") for name in registry)  # (sample_jobs not asked)
    now = timezone.now()
    runs = run_due_jobs(
        now=now, names=["board.refresh_statuses", "board.weekly_snapshots", "jobs.prune"]
    )
    assert [(r.job, r.status, r.error) for r in runs] == [
        ("board.refresh_statuses", RunStatus.SUCCEEDED, ""),
        ("board.weekly_snapshots", RunStatus.SUCCEEDED, ""),
        ("jobs.prune", RunStatus.SUCCEEDED, ""),
    ]
    assert now - runs[0].slot < timedelta(days=1)
