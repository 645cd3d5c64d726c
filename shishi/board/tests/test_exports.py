"""The board's exports: the tables as .xlsx (same figures as the page) and the chart data."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shishi.board import exports, selectors, services
from shishi.board.tests.conftest import D, post
from shishi.conftest import World
from shishi.ledger import services as ledger_services
from shishi.orgs import services as org_services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEETS = ["总体情况", "进度状态", "红黄绿灯", "类别", "责任单位排名", "包保领导", "红黄灯事项"]


def _seed(world: World) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 6, 10), 40)
    services.backfill_snapshots(world.programme.pk, today=timezone.localdate())


def _export(user: Any, programme_id: int, **params: str) -> openpyxl.Workbook:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("board:export", args=[programme_id]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _table(ws: Any) -> list[tuple[Any, ...]]:
    """The rows under the header (row 4)."""
    return [row for row in ws.iter_rows(min_row=5, values_only=True) if any(row)]


def test_export_holds_one_sheet_per_table_with_the_boards_figures(world: World) -> None:
    _seed(world)
    book = _export(world.office, world.programme.pk, as_of="2021-06-20")
    board = selectors.programme_board(world.office, world.programme, as_of=D(2021, 6, 20))
    assert book.sheetnames == SHEETS
    totals = dict((label, value) for label, value in _table(book["总体情况"]))
    assert totals["事项总数"] == board.totals.items.value == 2
    assert totals["红灯"] == board.totals.red.value
    assert totals["已完成（含销号）"] == board.totals.done.value
    assert totals["平均完成率（%）"] == pytest.approx(float(board.totals.completion_rate or 0))
    assert book["总体情况"]["A2"].value == "数据截至：2021年6月20日（周快照）"
    lights = {row[0]: row[1] for row in _table(book["红黄绿灯"])}
    assert lights == {**{c.label: c.value for c in board.by_light}, "合计": 2}
    statuses = {row[0]: row[1] for row in _table(book["进度状态"])}
    assert statuses["合计"] == 2
    units = [(row[1], row[2], row[4]) for row in _table(book["责任单位排名"])]
    assert units == [(u.name, u.items.value, u.behind.value) for u in board.units]
    assert book["责任单位排名"]["B4"].value == "责任单位"
    leaders = [(row[1], row[2]) for row in _table(book["包保领导"])]
    assert leaders == [("常务副区长", 1)]
    alerts = _table(book["红黄灯事项"])
    assert [(row[0], row[1], row[2]) for row in alerts] == [("红灯", "1-2", "新建幼儿园")]
    assert alerts[0][7].startswith("完成率0%")  # the reason


def test_unit_export_holds_only_the_units_items(world: World) -> None:
    _seed(world)
    book = _export(world.editor_a, world.programme.pk, unit=str(world.unit_a.pk))
    totals = dict((label, value) for label, value in _table(book["总体情况"]))
    assert totals["事项总数"] == 1
    assert "区城管局" in book["总体情况"]["A1"].value


def test_export_neutralises_formula_like_text(world: World) -> None:
    risky_unit = org_services.ensure_unit(world.nangang, '=HYPERLINK("http://x")', kind="bureau")
    ledger_services.create_item(
        world.programme,
        actor=world.office,
        number="1-3",
        seq=3,
        name="+cmd|' /C calc'!A0",
        lead_unit=risky_unit,
        deadline_text="2021年6月30日前",
    )
    book = _export(world.office, world.programme.pk)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # no formula anywhere
    unit_cell = next(c for c in cells if c.value == '=HYPERLINK("http://x")')
    assert unit_cell.data_type == "s" and unit_cell.quotePrefix
    name_cell = next(c for c in cells if c.value == "+cmd|' /C calc'!A0")
    assert name_cell.quotePrefix


def test_export_refuses_who_may_not_see_the_board(world: World) -> None:
    for user, status in ((world.editor_a, 403), (world.outsider, 404), (world.resident, 404)):
        client = Client()
        client.force_login(user)
        response = client.get(reverse("board:export", args=[world.programme.pk]))
        assert response.status_code == status


def test_chart_data_links_each_bar_to_its_items(world: World) -> None:
    _seed(world)
    board = selectors.programme_board(world.office, world.programme, as_of=D(2021, 6, 20))
    data = exports.board_data(board)
    items = reverse("board:items", args=[world.programme.pk])
    assert data["totals"]["items"] == {"value": 2, "href": f"{items}?as_of=2021-06-20"}
    red = next(c for c in data["by_light"] if c["key"] == "red")
    assert red["href"] == f"{items}?as_of=2021-06-20&light=red"
    assert data["trend"]["on"][-1] == "2021-06-20"
    assert len(data["trend"]["on"]) == len(data["trend"]["completion_rate"])
    row = data["gantt"]["rows"][0]
    assert row["href"] == reverse("ledger:item", args=[row["id"]])
    assert "alerts" not in data and "units" not in data  # the page renders those as HTML
    full = exports.board_data(board, full=True)
    assert [a["number"] for a in full["alerts"]] == ["1-2"]
    assert len(exports.board_data(board, gantt_rows=1)["gantt"]["rows"]) == 1
