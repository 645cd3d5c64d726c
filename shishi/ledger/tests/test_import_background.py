"""Large ledger sheets (issue 13): a row limit refused at upload, a preview that stays small
(errors first, a page of rows, counts by action), and imports over a threshold run as a
background task with progress and a cancel button; nothing is written until the end."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.jobs.worker import run_ready_tasks
from shishi.ledger import import_batches
from shishi.ledger.excel.generate import write_generated_ledger
from shishi.ledger.excel.importing import ImportRefused, apply_import, plan_import
from shishi.ledger.models import ImportBatch, Item, Programme
from shishi.ledger.tests.sheets import item, write_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings: Any) -> Any:
    settings.SHISHI_IMPORT_BACKGROUND_ROWS = 100
    settings.SHISHI_IMPORT_MAX_ROWS = 2_000
    return settings


def _upload(client: Client, world: World, path: Path, year: int = 2022) -> Any:
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(
        reverse("ledger:import"),
        {"year": str(year), "jurisdiction": world.nangang.pk, "file": upload},
    )


def _batch(response: Any) -> ImportBatch:
    batch_id = int(response["Location"].rstrip("/").split("/")[-1])
    return ImportBatch.objects.get(pk=batch_id)


def _items_2022() -> int:
    return Item.objects.filter(programme__year=2022).count()


def test_a_sheet_over_the_row_limit_is_refused_at_upload_naming_sheet_rows_and_limit(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    path = write_generated_ledger(tmp_path / "huge.xlsx", 2_100, year=2022)
    started = time.perf_counter()
    response = _upload(client_for(world.office), world, path)
    assert time.perf_counter() - started < 5
    assert response.status_code == 422
    body = response.content.decode()
    rows = 2_100 + 4 + 5 + 2  # items, title, date and header rows, categories, signature
    assert f"工作表“实事清单”有{rows:,}行，超过一次导入的上限2,000行" in body
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert "2,000" in batch.error
    assert _items_2022() == 0


def test_the_console_import_has_the_same_limit(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    path = write_generated_ledger(tmp_path / "huge.xlsx", 2_100, year=2022)
    with pytest.raises(ImportRefused, match="超过一次导入的上限2,000行"):
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=None)


def test_a_large_sheet_is_previewed_and_imported_by_tasks(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    client = client_for(world.office)
    path = write_generated_ledger(tmp_path / "large.xlsx", 180, year=2022)
    response = _upload(client, world, path)
    assert response.status_code == 302
    batch = _batch(response)
    assert batch.status == ImportBatch.Status.PLANNING
    assert batch.rows > 100

    page = client.get(response["Location"]).content.decode()
    assert "正在读取和校验表格" in page and "取消导入" in page
    assert "确认导入" not in page
    progress_url = reverse("ledger:import_progress", args=[batch.pk])
    fragment = client.get(progress_url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()

    assert run_ready_tasks() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.rows_read, batch.rows_validated) == (batch.rows, 180)
    done = client.get(progress_url, headers={"HX-Request": "true"})
    assert done.headers.get("HX-Refresh") == "true"

    page = client.get(response["Location"]).content.decode()
    assert "确认导入 180 项" in page
    assert page.count('<span class="badge badge-green">') == 50  # one page of the rows
    second = client.get(response["Location"], {"page": 4}).content.decode()
    assert second.count('<span class="badge badge-green">') == 180 - 150
    assert _items_2022() == 0

    confirm = client.post(reverse("ledger:import_confirm", args=[batch.pk]))
    assert confirm.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING
    assert batch.confirmed_by == world.office
    assert _items_2022() == 0  # nothing written before the task runs
    assert "正在导入" in client.get(confirm["Location"]).content.decode()

    assert run_ready_tasks() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.rows_written == 180
    assert batch.finished_at is not None and batch.started_at is not None
    assert _items_2022() == 180
    page = client.get(confirm["Location"]).content.decode()
    assert "该文件已经导入" in page and "新增 180 项" in page
    actions = set(
        AuditEvent.objects.filter(target_id=str(batch.pk)).values_list("action", flat=True)
    )
    assert {"import_batch.planning", "import_batch.applying", "import_batch.applied"} <= actions


def test_a_batch_cancelled_before_its_task_runs_never_runs(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    client = client_for(world.office)
    path = write_generated_ledger(tmp_path / "large.xlsx", 150, year=2022)
    response = _upload(client, world, path)
    batch = _batch(response)
    assert run_ready_tasks() == 1
    client.post(reverse("ledger:import_confirm", args=[batch.pk]))
    cancel = client.post(reverse("ledger:import_cancel", args=[batch.pk]))
    assert cancel.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert run_ready_tasks() == 1  # the task runs and finds nothing to do
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert _items_2022() == 0
    assert "已取消" in client.get(response["Location"]).content.decode()
    again = client.post(reverse("ledger:import_cancel", args=[batch.pk]), follow=True)
    assert "该批次已经结束" in again.content.decode()


def test_a_batch_cancelled_while_its_task_runs_stops_and_writes_nothing(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    client = client_for(world.office)
    path = write_generated_ledger(tmp_path / "large.xlsx", 150, year=2022)
    batch = _batch(_upload(client, world, path))
    run_ready_tasks()
    client.post(reverse("ledger:import_confirm", args=[batch.pk]))
    # The task has started (a worker claimed it) when the office presses 取消导入.
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=batch.created_at)
    client.post(reverse("ledger:import_cancel", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLYING and batch.cancel_requested
    assert (
        "正在取消" in client.get(reverse("ledger:import_preview", args=[batch.pk])).content.decode()
    )
    assert run_ready_tasks() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert _items_2022() == 0


def test_a_cancel_arriving_while_the_import_writes_undoes_it(world: World, tmp_path: Path) -> None:
    path = write_generated_ledger(tmp_path / "sheet.xlsx", 40, year=2022)
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)

    def cancelled() -> None:
        assert Item.objects.filter(programme__year=2022).count() == 40  # written, not committed
        raise import_batches.ImportCancelled

    events = AuditEvent.objects.count()
    with pytest.raises(import_batches.ImportCancelled):
        apply_import(plan, actor=world.office, before_commit=cancelled)
    assert _items_2022() == 0
    assert not Programme.objects.filter(year=2022, jurisdiction=world.nangang).exists()
    assert AuditEvent.objects.count() == events


def test_a_failed_background_import_leaves_nothing_and_says_why(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    client = client_for(world.office)
    path = write_generated_ledger(tmp_path / "large.xlsx", 150, year=2022)
    batch = _batch(_upload(client, world, path))
    run_ready_tasks()
    client.post(reverse("ledger:import_confirm", args=[batch.pk]))
    batch.file.storage.delete(batch.file.name)  # the uploaded sheet is lost meanwhile
    assert run_ready_tasks() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error == "上传的文件已不存在，未导入任何内容；请重新上传"
    assert _items_2022() == 0
    page = client.get(reverse("ledger:import_preview", args=[batch.pk])).content.decode()
    assert "上传的文件已不存在" in page and "确认导入" not in page


def test_the_preview_lists_errors_first_a_page_at_a_time(world: World, tmp_path: Path) -> None:
    rows = [item(i, f"事项{i}", deadline="明年某天" if i % 2 else "年底前") for i in range(1, 131)]
    path = write_office(tmp_path / "bad.xlsx", [("城建城管执法类", rows)])
    client = client_for(world.office)
    response = _upload(client, world, path)
    batch = _batch(response)
    assert batch.status == ImportBatch.Status.FAILED
    page = client.get(response["Location"]).content.decode()
    assert page.index("import-errors") < page.index("import-rows")
    assert page.count("明年某天") == 50
    assert "第 1 / 2 页" in page
    assert "确认导入" not in page
    second = client.get(response["Location"], {"errors_page": 2}).content.decode()
    assert second.count("明年某天") == 65 - 50


def test_the_preview_page_stays_small_whatever_the_sheet(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    client = client_for(world.office)
    path = write_generated_ledger(tmp_path / "large.xlsx", 1_900, year=2022)
    response = _upload(client, world, path)
    run_ready_tasks()
    page = client.get(response["Location"])
    assert "确认导入 1900 项" in page.content.decode()
    assert len(page.content) < 120_000
    counts = re.findall(r'<div class="stat-card[^"]*"><b>(\d+)</b>', page.content.decode())
    assert counts == ["1900", "0", "0", "0"]


def test_only_the_office_sees_and_cancels_its_batches(
    world: World, small_limits: Any, tmp_path: Path
) -> None:
    path = write_generated_ledger(tmp_path / "large.xlsx", 150, year=2022)
    batch = _batch(_upload(client_for(world.office), world, path))
    for url in ("ledger:import_progress", "ledger:import_preview"):
        assert client_for(world.editor_a).get(reverse(url, args=[batch.pk])).status_code == 403
        assert client_for(world.outsider).get(reverse(url, args=[batch.pk])).status_code == 404
    assert (
        client_for(world.editor_a)
        .post(reverse("ledger:import_cancel", args=[batch.pk]))
        .status_code
        == 403
    )
    assert (
        client_for(world.outsider)
        .post(reverse("ledger:import_cancel", args=[batch.pk]))
        .status_code
        == 404
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PLANNING and not batch.cancel_requested
