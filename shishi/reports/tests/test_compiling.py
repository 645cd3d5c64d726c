"""Compiled reports: figures as of the period's end, read back from the .docx and .xlsx; the
office's texts survive a recompilation; the CLI's errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command

from shishi.board.services import refresh_statuses, take_snapshots
from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger.models import ProgressUpdate
from shishi.reports import compiling, services
from shishi.reports.models import Cycle, Period


def _period(cycle: Cycle, key: str) -> Period:
    return services.open_period(cycle, key).period


def test_figures_equal_the_board_and_read_back_from_both_files(
    world: World, weekly: Cycle, tmp_path: Path
) -> None:
    world.item_a.completion_rate, world.item_a.lifecycle = Decimal(100), "done"
    world.item_a.save()
    today = dt.date.today()
    refresh_statuses(world.programme.pk, today=today)
    period = _period(weekly, f"{today.isocalendar().year}-W{today.isocalendar().week:02d}")
    data = compiling.gather_report(weekly, period)
    items = world.programme.items.count()
    assert {f.label: f.value for f in data.headline}["事项总数"] == items
    assert {f.label: f.value for f in data.headline}["已完成"] == 1
    assert sum(row.items for row in data.by_category) == items
    version = services.compile_report(period, actor=world.office)
    document = docx.Document(version.docx.open("rb"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"事项总数{items}项" in text and "已完成1项" in text
    book = openpyxl.load_workbook(version.xlsx.open("rb"), read_only=True)
    assert "分类统计" in book.sheetnames
    rows = list(book["分类统计"].iter_rows(values_only=True))
    totals = [r for r in rows if r and isinstance(r[1], int)]
    assert sum(r[1] for r in totals) == items


def test_a_past_period_reads_the_weeks_snapshot(world: World, weekly: Cycle) -> None:
    first, second = dt.date(2021, 6, 20), dt.date(2021, 6, 27)  # Sundays of W24 and W25
    for day, rate in ((dt.date(2021, 6, 15), 20), (dt.date(2021, 6, 25), 100)):
        ProgressUpdate.objects.create(
            jurisdiction=world.nangang, item=world.item_a, programme=world.programme,
            reported_on=day, rate=Decimal(rate), text=f"{rate}%", review="published",
        )  # fmt: skip
    for sunday in (first, second):  # rebuilt from the progress history
        take_snapshots(world.programme.pk, sunday, today=second + dt.timedelta(days=1))
    refresh_statuses(world.programme.pk)
    w24 = compiling.gather_report(weekly, _period(weekly, "2021-W24"))
    assert {f.label: f.value for f in w24.headline}["已完成"] == 0  # as it stood that Sunday
    w25 = compiling.gather_report(weekly, _period(weekly, "2021-W25"))
    assert {f.label: f.value for f in w25.headline}["已完成"] == 1
    assert [r.number for r in w25.changes.newly_done] == [world.item_a.number]
    with pytest.raises(ValidationFailed, match="周快照"):  # before the first snapshot
        compiling.gather_report(weekly, _period(weekly, "2021-W10"))


def test_office_texts_survive_recompilation(world: World, weekly: Cycle) -> None:
    refresh_statuses(world.programme.pk)
    today = dt.date.today().isocalendar()
    period = _period(weekly, f"{today.year}-W{today.week:02d}")
    first = services.compile_report(period, actor=world.office)
    report = services.report_of(period)
    services.save_office_texts(
        report, {"intro": "本周总体平稳", "下周工作安排": "专班将督导滞后事项"},
        actor=world.office, expected_version=report.version,
    )  # fmt: skip
    second = services.compile_report(period, actor=world.office)
    assert (first.seq, second.seq) == (1, 2)
    sections = second.data["sections"]
    assert sections[0]["heading"] == "下周工作安排" and sections[0]["text"] == "专班将督导滞后事项"
    assert first.data["sections"][0]["text"] == ""  # the first version is kept as it was
    body = [p.text for p in docx.Document(second.docx.open("rb")).paragraphs]
    assert "本周总体平稳" in body and "专班将督导滞后事项" in body
    with pytest.raises(PermissionDenied):
        services.compile_report(period, actor=world.editor_a)
    page = client_for(world.office).get(f"/reports/periods/{period.pk}/report/")
    assert page.status_code == 200 and "第2版" in page.content.decode()
    download = client_for(world.office).get(f"/reports/versions/{second.pk}/docx/")
    assert download.status_code == 200
    assert client_for(world.editor_a).get(f"/reports/versions/{second.pk}/docx/").status_code == 404


def test_cli_writes_both_files_and_names_what_is_wrong(
    world: World, weekly: Cycle, tmp_path: Path
) -> None:
    refresh_statuses(world.programme.pk)
    today = dt.date.today().isocalendar()
    key = f"{today.year}-W{today.week:02d}"
    _period(weekly, key)
    out = tmp_path / "weekly.docx"
    call_command("compile_report", jurisdiction="230103", cycle="weekly", period=key, output=out)
    assert out.exists() and out.with_suffix(".xlsx").exists()
    cases = [
        ({"jurisdiction": "999999"}, "没有代码为999999的辖区"),
        ({"cycle": "monthly"}, "没有代码为“monthly”的反馈机制"),
        ({"period": "2021-06"}, "按周报送的期别应写作"),
        ({"period": "2020-W01"}, "尚未开启"),
    ]
    for change, message in cases:
        args = {"jurisdiction": "230103", "cycle": "weekly", "period": key, "output": out, **change}
        with pytest.raises(CommandError, match=message):
            call_command("compile_report", **args)
