"""Investment reported with progress (``ProgressUpdate.done_investment`` → the item's) shows
on the boards: the totals, the rankings, the item rows and the trend."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from shishi.board import services as board_services
from shishi.board.selectors import BoardFilter, board_items, programme_board
from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.models import Item

pytestmark = pytest.mark.django_db


def _report_investment(world: World) -> Item:
    services.update_item(
        Item.objects.get(pk=world.item_a.pk),
        actor=world.office,
        expected_version=None,
        planned_investment=Decimal(5_000_000),
    )
    services.record_progress(
        Item.objects.get(pk=world.item_a.pk),
        actor=world.editor_a,
        text="完成路面铺设三处",
        rate=Decimal(30),
        reported_on=dt.date(2021, 6, 1),
        done_investment=Decimal(1_200_000),
    )
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.done_investment == Decimal(1_200_000)
    return item


def test_reported_investment_reaches_the_boards_figures(world: World) -> None:
    _report_investment(world)
    board_services.reassess_before_read([world.programme.pk], None)
    board = programme_board(world.office, world.programme)
    assert board.totals.done_investment == Decimal(1_200_000)
    assert board.totals.planned_investment == Decimal(5_000_000)
    assert board.totals.investment_rate == Decimal("24.0")
    (unit_row,) = [r for r in board.units if r.key == world.unit_a.pk]
    assert unit_row.done_investment == Decimal(1_200_000)
    assert unit_row.investment_rate == Decimal("24.0")
    (leader_row,) = [r for r in board.leaders if r.key == world.leader_person.pk]
    assert leader_row.done_investment == Decimal(1_200_000)
    rows = board_items(world.office, world.programme, BoardFilter()).rows
    (row,) = [r for r in rows if r.item_id == world.item_a.pk]
    assert row.done_investment == Decimal(1_200_000)


def test_board_pages_show_the_reported_investment(world: World) -> None:
    _report_investment(world)
    office = client_for(world.office)
    body = office.get(reverse("board:programme", args=[world.programme.pk])).content.decode()
    # the totals and the unit and leader rankings (投资完成 / 计划)
    assert body.count("120万元") >= 3
    assert "500万元" in body
    items = office.get(reverse("board:items", args=[world.programme.pk])).content.decode()
    assert "120万元" in items and "计划 500万元" in items


def test_board_export_gives_each_units_investment(world: World) -> None:
    _report_investment(world)
    client = client_for(world.office)
    response = client.get(reverse("board:export", args=[world.programme.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["责任单位排名"]
    header = [c.value for c in sheet[4]]
    planned, done = header.index("计划投资（万元）"), header.index("完成投资（万元）")
    rows = {r[1]: r for r in sheet.iter_rows(min_row=5, values_only=True) if any(r)}
    assert rows[world.unit_a.name][planned] == 500
    assert rows[world.unit_a.name][done] == 120
