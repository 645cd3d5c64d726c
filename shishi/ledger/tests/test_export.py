"""Exporting the ledger: office layout, round trip through the importer, formula safety."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from shishi.conftest import World
from shishi.core.errors import PermissionDenied
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.excel.exporting import export_ledger
from shishi.ledger.excel.generate import write_generated_ledger
from shishi.ledger.excel.importing import ImportPlan, apply_import, plan_import
from shishi.ledger.models import Item, Programme
from shishi.ledger.tests.test_import import SAMPLE


def _reimport(world: World, data: bytes, year: int) -> ImportPlan:
    return plan_import(data, jurisdiction=world.nangang, year=year, actor=world.office)


def test_export_of_the_sample_imports_back_unchanged(world: World) -> None:
    apply_import(
        plan_import(SAMPLE, jurisdiction=world.nangang, year=2022, actor=world.office),
        actor=world.office,
    )
    programme = Programme.objects.get(jurisdiction=world.nangang, year=2022)
    data = export_ledger(programme, actor=world.office)

    plan = _reimport(world, data, 2022)
    assert plan.ok, [str(e) for e in plan.errors]
    assert "number" not in plan.columns  # numbers follow from 序号 per category
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 0, 116)
    assert plan.category_counts() == {
        "城建城管执法类": 28,
        "民生服务类": 34,
        "文教卫生类": 26,
        "信访维稳安全类": 16,
        "其他类": 12,
    }
    events = AuditEvent.objects.count()
    assert apply_import(plan, actor=world.office).unchanged == 116
    assert AuditEvent.objects.count() == events


def test_export_is_in_the_office_layout(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="施工中", rate=Decimal(60))
    data = export_ledger(world.programme, actor=world.office)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["实事清单", "填表说明"]
    ws = book["实事清单"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].value == world.programme.name
    assert ws["G2"].value == f"截至时间：{_zh(timezone.localdate())}"
    assert {"A3:A4", "B3:B4", "E3:E4", "G3:I3", "A5:L5"} <= merged  # with a 工作目标 column
    headers = [ws.cell(3, c).value for c in range(1, 13)]
    assert headers == [
        "序号", "项目名称", "主要内容", "推进措施", "工作目标", "完成时限", "责任分工", None,
        None, "进展情况", "完成率", "备注",
    ]  # fmt: skip
    assert [ws.cell(4, c).value for c in (7, 8, 9)] == ["区级包保领导", "责任单位", "配合单位"]
    assert ws["A5"].value == "一、城建城管执法类（2项）"
    assert (ws["A6"].value, ws["B6"].value, ws["A7"].value) == (1, "抢修一曼街塌陷及翻浆路段", 2)
    assert ws["E6"].value == "修复路段20处"
    assert ws["G6"].value == "常务副区长"
    assert (ws["K6"].value, ws["K6"].number_format) == (0.6, "0%")
    assert ws["J6"].value == "施工中"
    assert ws.freeze_panes == "A5"
    assert ws.column_dimensions["B"].width > 20
    assert ws["C6"].alignment.wrap_text


def test_world_ledger_round_trips_with_targets(world: World) -> None:
    data = export_ledger(world.programme, actor=world.office)
    plan = _reimport(world, data, 2021)
    assert plan.ok
    assert [(p.number, p.action) for p in plan.items] == [
        ("1-1", "unchanged"),
        ("1-2", "unchanged"),
    ]


def test_hand_numbered_items_export_their_numbers(world: World) -> None:
    services.create_item(
        world.programme,
        actor=world.office,
        number="T-9",
        seq=9,
        name="无类别事项",
        lead_unit=world.unit_b,
        deadline_text="长期坚持",
        planned_investment=Decimal("12345.67"),
    )
    data = export_ledger(world.programme, actor=world.office)
    plan = _reimport(world, data, 2021)
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.columns["number"] == "编号"
    assert sorted((p.number, p.action) for p in plan.items) == [
        ("1-1", "unchanged"),
        ("1-2", "unchanged"),
        ("T-9", "unchanged"),
    ]


def test_formula_like_text_is_exported_as_text_and_round_trips(world: World) -> None:
    risky = services.create_item(
        world.programme,
        actor=world.office,
        number="1-3",
        seq=3,
        name="=1+1",
        category=world.item_a.category,
        lead_unit=world.unit_a,
        remarks="@SUM(A1:A2)",
        content="+cmd|' /C calc'!A0",
        measures="-2+3",
    )
    data = export_ledger(world.programme, actor=world.office)

    ws = openpyxl.load_workbook(io.BytesIO(data))["实事清单"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s"  # a string cell, not a formula
    assert cell.quotePrefix
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)  # no formula anywhere
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert any("=1+1" in row for row in rows)

    plan = _reimport(world, data, 2021)
    planned = next(p for p in plan.items if p.number == "1-3")
    assert planned.action == "unchanged"
    assert (planned.name, planned.remarks, planned.content, planned.measures) == (
        "=1+1",
        "@SUM(A1:A2)",
        "+cmd|' /C calc'!A0",
        "-2+3",
    )
    assert Item.objects.get(pk=risky.pk).name == "=1+1"


def test_generated_ledger_imports_cleanly(world: World, tmp_path: Path) -> None:
    path = write_generated_ledger(tmp_path / "g.xlsx", 300, year=2022)
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert plan.ok, [str(e) for e in plan.errors[:5]]
    assert list(plan.category_counts().values()) == [73, 88, 67, 41, 31]
    assert apply_import(plan, actor=world.office).created == 300
    programme = Programme.objects.get(jurisdiction=world.nangang, year=2022)
    again = _reimport(world, export_ledger(programme, actor=world.office), 2022)
    assert len(again.unchanged) == 300


def test_who_may_export(world: World) -> None:
    for user in (world.office, world.city_office, world.viewer_a, world.leader, world.editor_b):
        assert export_ledger(world.programme, actor=user).startswith(b"PK")
    for user in (world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            export_ledger(world.programme, actor=user)


def test_export_command_writes_a_file_that_imports_back(world: World, tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "ledger.xlsx"
    call_command(
        "export_ledger",
        "--jurisdiction",
        "230103",
        "--year",
        "2021",
        "--output",
        str(target),
        stdout=out,
    )
    assert "2 项" in out.getvalue()
    plan = _reimport(world, target.read_bytes(), 2021)
    assert len(plan.unchanged) == 2


def test_export_command_refuses_unknown_places_and_years(world: World, tmp_path: Path) -> None:
    target = tmp_path / "x.xlsx"
    with pytest.raises(CommandError, match="999999"):
        call_command(
            "export_ledger", "--jurisdiction", "999999", "--year", "2021", "--output", str(target)
        )
    with pytest.raises(CommandError, match="2030年度"):
        call_command(
            "export_ledger", "--jurisdiction", "230103", "--year", "2030", "--output", str(target)
        )
    with pytest.raises(CommandError, match="无权"):
        call_command(
            "export_ledger",
            "--jurisdiction",
            "230103",
            "--year",
            "2021",
            "--output",
            str(target),
            "--as",
            "outsider",
        )
    assert not target.exists()


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
