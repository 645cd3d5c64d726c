"""导出Excel with the ledger page's filters: the same rows as the list, the filters in the title."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.http import QueryDict
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.excel.exporting import export_ledger
from shishi.ledger.forms import parse_ledger_query
from shishi.ledger.models import Item
from shishi.ledger.selectors import ledger_page

A, B = "抢修一曼街塌陷及翻浆路段", "新建幼儿园"
C, D = "社区老年食堂", "老旧小区改造"


@pytest.fixture
def ledger(world: World) -> dict[str, Any]:
    """Two categories; C is led by unit C (a partner of A), D overdue in 民生服务类."""
    admin = world.office
    services.record_progress(world.item_b, actor=admin, text="已开工", rate=Decimal(30))
    people = services.ensure_category(world.programme, "民生服务类", actor=admin, order=2)
    services.create_item(
        world.programme,
        actor=admin,
        number="2-1",
        seq=1,
        name=C,
        content="为老年人提供助餐服务",
        category=people,
        lead_unit=world.unit_c,
        deadline_text="长期坚持",
    )
    services.create_item(
        world.programme,
        actor=admin,
        number="2-2",
        seq=2,
        name=D,
        category=people,
        lead_unit=world.unit_a,
        deadline_text="2021年6月30日前",
        sponsor_leaders=[world.leader_person],
    )
    return {"people": people.pk, "city": world.item_a.category_id}


def _sheet(data: bytes) -> tuple[str, list[str], list[str]]:
    """(title, header words of row 3, item names) of an exported ledger."""
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = [str(c or "") for c in rows[2]] + [str(c or "") for c in rows[3]]
    name_col = [str(c or "") for c in rows[2]].index("项目名称")
    names = [
        str(row[name_col])
        for row in rows[4:]
        if row[name_col] and row[0] is not None and not str(row[0]).startswith(("一", "二"))
    ]
    return str(rows[0][0]), header, names


def _listed(world: World, params: str) -> set[str]:
    query = parse_ledger_query(QueryDict(f"programme={world.programme.pk}&per_page=500&{params}"))
    page = ledger_page(world.office, query)
    assert page.page is not None
    return {row.name for row in page.page.object_list}


CASES = [
    ("category={people}", {C, D}, "（民生服务类）"),
    ("unit={unit_c}", {A, C}, "（区住建局承担）"),
    ("leader={leader}", {A, D}, "（常务副区长包保）"),
    ("lifecycle=in_progress", {B}, "（推进中）"),
    ("overdue=1", {A, B, D}, "（仅逾期）"),
    ("q=助餐", {C}, "（含“助餐”）"),
    ("category={people}&overdue=1", {D}, "（民生服务类，仅逾期）"),
    ("category={city}&unit={unit_c}&q=一曼街", {A}, "（城建城管执法类，区住建局承担，含“一曼街”）"),
    ("", {A, B, C, D}, ""),
]


@pytest.mark.parametrize(("params", "expected", "suffix"), CASES)
def test_export_with_each_filter_reads_back_the_listed_rows(
    world: World, ledger: dict[str, Any], params: str, expected: set[str], suffix: str
) -> None:
    params = params.format(
        people=ledger["people"],
        city=ledger["city"],
        unit_c=world.unit_c.pk,
        leader=world.leader_person.pk,
    )
    response = client_for(world.office).get(
        f"{reverse('ledger:export')}?programme={world.programme.pk}&{params}"
    )
    assert response.status_code == 200
    title, _header, names = _sheet(response.getvalue())
    assert set(names) == expected
    assert len(names) == len(expected)
    assert set(names) == _listed(world, params)
    assert title == world.programme.name + suffix


def test_filtered_export_imports_back_as_the_same_items(
    world: World, ledger: dict[str, Any]
) -> None:
    from shishi.ledger.excel.importing import plan_import
    from shishi.ledger.selectors.listing import ItemFilters

    data = export_ledger(world.programme, actor=world.office, filters=ItemFilters(overdue=True))
    plan = plan_import(data, jurisdiction=world.nangang, year=2021, actor=world.office)
    assert plan.ok, [str(e) for e in plan.errors]
    assert {p.number for p in plan.items} == {"1-1", "1-2", "2-2"}
    assert not plan.creates


def test_list_page_export_link_carries_the_filters(world: World, ledger: dict[str, Any]) -> None:
    client = client_for(world.office)
    url = f"{reverse('ledger:list')}?programme={world.programme.pk}&overdue=1&q=%E8%B7%AF&page=1"
    body = client.get(url).content.decode()
    export = reverse("ledger:export")
    assert f'href="{export}?programme={world.programme.pk}&amp;overdue=1&amp;q=%E8%B7%AF"' in body
    htmx = client.get(url, headers={"HX-Request": "true", "HX-Target": "ledger-results"})
    assert f"{export}?programme={world.programme.pk}&amp;overdue=1" in htmx.content.decode()


def test_original_deadline_column_only_when_an_item_has_one(
    world: World, ledger: dict[str, Any]
) -> None:
    _title, header, _names = _sheet(export_ledger(world.programme, actor=world.office))
    assert "原完成时限" not in header
    Item.objects.filter(pk=world.item_a.pk).update(original_deadline_text="2021年6月底前")
    data = export_ledger(world.programme, actor=world.office)
    _title, header, _names = _sheet(data)
    assert "原完成时限" in header
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    col = [str(c or "") for c in next(ws.iter_rows(min_row=3, max_row=3, values_only=True))]
    at = col.index("原完成时限")
    values = [row[at] for row in ws.iter_rows(min_row=5, values_only=True) if row[1] == A]
    assert values == ["2021年6月底前"]


def test_a_unit_id_of_another_district_shows_no_name_and_no_rows(world: World) -> None:
    response = client_for(world.office).get(
        f"{reverse('ledger:export')}?programme={world.programme.pk}&unit={world.hulan_unit.pk}"
    )
    title, _header, names = _sheet(response.getvalue())
    assert names == []
    assert "呼兰" not in title and "未知单位" in title
