"""Circulars (通报): the board's lagging and overdue items and the period's late and missing
units, read back from the kept .docx and .xlsx; the office's text; who may see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from shishi.board.selectors.circular import circular_items
from shishi.board.services import refresh_statuses
from shishi.board.tests.conftest import post
from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Programme
from shishi.reports import circulars, services
from shishi.reports.models import Cycle, Period, Submission


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def this_year(world: World) -> Programme:
    """This year's programme: one item overdue, one far behind, one on track."""
    today = timezone.localdate()
    office = world.office
    programme = ledger_services.ensure_programme(world.nangang, today.year, actor=office)
    start = today - dt.timedelta(days=200)
    past = f"{today - dt.timedelta(days=10):%Y年%m月%d日}"
    later = f"{today + dt.timedelta(days=20):%Y年%m月%d日}"
    overdue = ledger_services.create_item(
        programme, actor=office, number="1", seq=1, name="修缮红军街", lead_unit=world.unit_a,
        deadline_text=past, start_date=start, sponsor_leaders=[world.leader_person],
    )  # fmt: skip
    behind = ledger_services.create_item(
        programme, actor=office, number="2", seq=2, name="新建口袋公园", lead_unit=world.unit_b,
        deadline_text=later, start_date=start,
    )  # fmt: skip
    ledger_services.create_item(
        programme, actor=office, number="3", seq=3, name="更换路灯", lead_unit=world.unit_b,
        deadline_text=later, start_date=start, completion_rate=Decimal(99),
    )  # fmt: skip
    post(overdue, today - dt.timedelta(days=3), 40)
    post(behind, today - dt.timedelta(days=2), 5)
    refresh_statuses(programme.pk, today=today)
    return programme


@pytest.fixture
def period(world: World, this_year: Programme) -> Period:
    """This week's period of a weekly cycle on this year's programme, due yesterday: unit A
    sent its report an hour late, unit B none, unit C on time."""
    cycle = Cycle.objects.create(
        jurisdiction=world.nangang, programme=this_year, code="weekly-cc", name="为民办实事周报告",
        cadence="weekly", due_weekday=4, due_time=dt.time(17, 0),
    )  # fmt: skip
    cycle.units.set([world.unit_a, world.unit_b, world.unit_c])
    week = timezone.localdate().isocalendar()
    opened = services.open_period(cycle, f"{week.year}-W{week.week:02d}").period
    due = timezone.now() - dt.timedelta(days=1)
    Period.objects.filter(pk=opened.pk).update(due_at=due)
    subs = Submission.objects.filter(period=opened)
    subs.filter(unit=world.unit_a).update(
        status="submitted", first_submitted_at=due + dt.timedelta(hours=1)
    )
    subs.filter(unit=world.unit_c).update(
        status="submitted", first_submitted_at=due - dt.timedelta(hours=1)
    )
    opened.refresh_from_db()
    return opened


def _sheet(book: Any, name: str) -> list[tuple[Any, ...]]:
    return [r for r in book[name].iter_rows(values_only=True) if any(c is not None for c in r)]


def _names(rows: list[tuple[Any, ...]], candidates: set[str]) -> set[str]:
    return {c for r in rows for c in r if isinstance(c, str) and c in candidates}


def test_circular_lists_the_boards_lagging_items_and_the_late_units(
    world: World, this_year: Programme, period: Period
) -> None:
    board = circular_items(world.office, this_year)
    board_overdue = {r.name for r in board.rows if r.status == "overdue"}
    board_lagging = {r.name for r in board.rows if r.status != "overdue"}
    assert board_overdue == {"修缮红军街"} and board_lagging == {"新建口袋公园"}

    circular = circulars.circular_of(period)
    circulars.save_text(
        circular, "请各单位加快推进。", actor=world.office, expected_version=circular.version
    )
    version = circulars.compile_circular(period, actor=world.office)
    assert version.seq == 1

    names = {"修缮红军街", "新建口袋公园", "更换路灯"}
    units = {world.unit_a.name, world.unit_b.name, world.unit_c.name}
    book = openpyxl.load_workbook(version.xlsx.open("rb"), read_only=True)
    assert _names(_sheet(book, "逾期未完成事项"), names) == board_overdue
    assert _names(_sheet(book, "滞后事项"), names) == board_lagging
    late_rows = _sheet(book, "迟报未报单位")
    assert _names(late_rows, units) == {world.unit_a.name, world.unit_b.name}
    kinds = {r[0]: r[1] for r in late_rows if r[0] in units}
    assert kinds == {world.unit_a.name: "迟报", world.unit_b.name: "未报"}

    document = docx.Document(version.docx.open("rb"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "请各单位加快推进。" in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert names & cells == board_overdue | board_lagging
    assert units & cells == {world.unit_a.name, world.unit_b.name}
    assert version.data["text"] == "请各单位加快推进。"

    again = circulars.compile_circular(period, actor=world.office)
    assert again.seq == 2  # versions are kept, never overwritten
    assert version.docx.name != again.docx.name


def test_only_the_office_compiles_and_downloads(
    world: World, this_year: Programme, period: Period
) -> None:
    with pytest.raises(PermissionDenied):
        circulars.compile_circular(period, actor=world.editor_a)
    url = reverse("reports:circular", args=[period.pk])
    assert client_for(world.editor_a).get(url).status_code == 404
    assert client_for(world.outsider).get(url).status_code == 404
    office = client_for(world.office)
    assert office.get(url).status_code == 200
    response = office.post(url, {"action": "compile"})
    assert response.status_code == 302
    version = circulars.versions(circulars.circular_of(period))[0]
    download = reverse("reports:circular_file", args=[version.pk, "xlsx"])
    response = office.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # type: ignore[attr-defined]
    assert client_for(world.outsider).get(download).status_code == 404
    assert client_for(world.editor_a).get(download).status_code == 404
    assert office.get(reverse("reports:circular_file", args=[version.pk, "pdf"])).status_code == 404
    assert office.get(reverse("reports:circular_file", args=[999999, "docx"])).status_code == 404
    assert office.get(reverse("reports:circular", args=[999999])).status_code == 404
    period_page = office.get(reverse("reports:period", args=[period.pk])).content.decode()
    assert url in period_page


def test_the_offices_text_is_kept_and_a_stale_edit_refused(
    world: World, this_year: Programme, period: Period
) -> None:
    url = reverse("reports:circular", args=[period.pk])
    office = client_for(world.office)
    circular = circulars.circular_of(period)
    response = office.post(url, {"action": "text", "version": circular.version, "text": "第一稿"})
    assert response.status_code == 302
    assert circulars.circular_of(period).text == "第一稿"
    stale = office.post(url, {"action": "text", "version": circular.version, "text": "第二稿"})
    assert stale.status_code == 409
    assert "第二稿" in stale.content.decode()  # what was typed is kept on the page
    assert circulars.circular_of(period).text == "第一稿"
    with pytest.raises(StaleEdit):
        circulars.save_text(circular, "x", actor=world.office, expected_version=1)
    too_long = office.post(
        url, {"action": "text", "version": circular.version + 1, "text": "长" * 20_001}
    )
    assert too_long.status_code == 422
    assert "通报正文最多20000个字" in too_long.content.decode()
