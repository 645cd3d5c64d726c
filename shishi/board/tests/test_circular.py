"""The overdue and lagging items for a 通报: the board's judgement, in the office layout."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from shishi.board.tests.conftest import post
from shishi.conftest import World, client_for
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item, Programme


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
        programme,
        actor=office,
        number="1",
        seq=1,
        name="修缮红军街",
        lead_unit=world.unit_a,
        deadline_text=past,
        start_date=start,
        sponsor_leaders=[world.leader_person],
    )
    behind = ledger_services.create_item(
        programme,
        actor=office,
        number="2",
        seq=2,
        name="新建口袋公园",
        lead_unit=world.unit_b,
        deadline_text=later,
        start_date=start,
    )
    ledger_services.create_item(
        programme,
        actor=office,
        number="3",
        seq=3,
        name="更换路灯",
        lead_unit=world.unit_b,
        deadline_text=later,
        start_date=start,
        completion_rate=Decimal(99),
    )
    post(overdue, today - dt.timedelta(days=3), 40)
    post(behind, today - dt.timedelta(days=2), 5)
    Item.objects.filter(pk=overdue.pk).update(progress_text="主体完工，正在验收")
    return programme


def _rows(data: bytes) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return list(ws.iter_rows(values_only=True))


def test_office_exports_overdue_then_lagging_items(world: World, this_year: Programme) -> None:
    response = client_for(world.office).get(reverse("board:circular_export", args=[this_year.pk]))
    assert response.status_code == 200
    rows = _rows(response.content)
    assert rows[0][0] == f"{this_year.name}逾期和滞后事项"
    assert "逾期未完成1项" in str(rows[1][0]) and "进度滞后1项" in str(rows[1][0])
    assert list(rows[3][:5]) == ["序号", "项目名称", "责任单位", "包保领导", "完成时限"]
    assert rows[3][6] == "序时进度（%）" and rows[3][7] == "滞后原因"
    assert rows[4][0] == "逾期未完成（1项）"
    assert rows[5][:4] == (1, "修缮红军街", "区城管局", "常务副区长")
    assert str(rows[5][4]).endswith("日")
    assert rows[5][5] == 40
    assert str(rows[5][8]).startswith("主体完工，正在验收（")
    assert rows[6][0] == "进度滞后（1项）"
    assert rows[7][:3] == (2, "新建口袋公园", "区教育局")
    assert rows[7][5] == 5 and float(str(rows[7][6])) > 5
    assert rows[7][7]  # the board's reason
    assert "更换路灯" not in str(rows)


def test_only_the_office_exports_a_circular(world: World, this_year: Programme) -> None:
    url = reverse("board:circular_export", args=[this_year.pk])
    assert client_for(world.editor_a).get(url).status_code == 403
    assert client_for(world.leader).get(url).status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404


def test_board_and_ledger_pages_link_the_circular(world: World, this_year: Programme) -> None:
    url = reverse("board:circular_export", args=[this_year.pk])
    office = client_for(world.office)
    assert url in office.get(reverse("board:programme", args=[this_year.pk])).content.decode()
    listing = office.get(f"{reverse('ledger:list')}?programme={this_year.pk}").content.decode()
    assert url in listing
    unit = client_for(world.editor_a)
    assert (
        url not in unit.get(f"{reverse('ledger:list')}?programme={this_year.pk}").content.decode()
    )
