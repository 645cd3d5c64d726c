"""The office's page of background work: who sees it, and what it shows."""

from __future__ import annotations

from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import client_for
from shishi.jobs.models import JobRun, RunStatus, WorkerHeartbeat
from shishi.jobs.tests import sample_tasks
from shishi.jobs.worker import run_due_jobs, run_ready_tasks

URL = "/jobs/"


def test_the_url_is_the_office_page() -> None:
    assert reverse("jobs:office") == URL


@pytest.mark.parametrize("who", ["office", "city_office"])
def test_an_office_sees_jobs_runs_failures_and_failed_tasks(
    world: Any, who: str, sample_jobs: ModuleType
) -> None:
    run_due_jobs(names=["tests.broken", "board.refresh_statuses"])
    failed = sample_tasks.plain_failure.enqueue()
    run_ready_tasks()
    response = client_for(getattr(world, who)).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    page = response.context["page"]
    names = [row.job.name for row in page.jobs]
    assert "board.refresh_statuses" in names and "board.weekly_snapshots" in names
    assert "每天清晨重新评估" in body  # the job's description
    assert "30 5 * * *" in body
    broken = next(row for row in page.jobs if row.job.name == "tests.broken")
    assert broken.last_run is not None and broken.last_run.status == "failed"
    assert [run.pk for run in broken.failures] == [broken.last_run.pk]
    assert "the job broke" in body
    assert failed.id in body and "ValueError" in body and "no retry declared" in body
    assert "没有运行中的工作进程" in body  # no heartbeat: the office is warned
    assert 'href="/jobs/"' in body  # the nav's link


def test_the_page_lists_live_workers(world: Any) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="web-1-abc", host="web-1", pid=42, started_at=now, last_seen=now
    )
    body = client_for(world.office).get(URL).content.decode()
    assert "web-1-abc" in body and "没有运行中的工作进程" not in body
    WorkerHeartbeat.objects.update(last_seen=now - timedelta(minutes=5))
    body = client_for(world.office).get(URL).content.decode()
    assert "web-1-abc" in body and "无心跳" in body
    assert "没有运行中的工作进程" in body  # a silent worker runs nothing either


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "leader", "resident"])
def test_others_are_refused(world: Any, who: str) -> None:
    response = client_for(getattr(world, who)).get(URL)
    assert response.status_code == 403
    assert 'href="/jobs/"' not in response.content.decode()


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_is_get_only(world: Any) -> None:
    assert client_for(world.office).post(URL).status_code == 405


def test_every_office_sees_the_same_shared_page(world: Any) -> None:
    # The jobs and tasks are the platform's, not a district's: the office of another
    # district (the ``outsider`` persona, Hulan's office) watches the same workers.
    response = client_for(world.outsider).get(URL)
    assert response.status_code == 200
    assert "board.refresh_statuses" in response.content.decode()


def test_errors_are_shown_escaped(world: Any, sample_jobs: ModuleType) -> None:
    now = timezone.now()
    JobRun.objects.create(
        job="tests.broken",
        slot=now,
        status=RunStatus.FAILED,
        worker_id="w",
        started_at=now,
        finished_at=now,
        error="RuntimeError: <script>alert(1)</script>",
    )
    body = client_for(world.office).get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
