"""Importing ledger sheets: the sample, all-or-nothing, re-import, permissions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shishi.conftest import World
from shishi.core.audit import verify_chain
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.excel.importing import ImportRefused, apply_import, plan_import
from shishi.ledger.models import Category, Item, Lifecycle, Programme
from shishi.ledger.tests.sheets import SheetSpec, item, write_office, write_workbook
from shishi.orgs.models import Person, Unit

# Nangang's sheet as the demo seeder ships it (a copy of the sample).
SAMPLE = Path(__file__).resolve().parents[1] / "demo" / "nangang-ledger-2021.xlsx"


def counts() -> tuple[int, int, int, int, int]:
    return (
        Item.objects.count(),
        Unit.objects.count(),
        Person.objects.count(),
        Category.objects.count(),
        AuditEvent.objects.count(),
    )


def _items(year: int, world: World) -> list[Item]:
    return list(
        Item.objects.filter(programme__jurisdiction=world.nangang, programme__year=year)
        .select_related("category", "lead_unit")
        .prefetch_related("sponsor_leaders", "partner_units")
        .order_by("category__order", "seq")
    )


# --- the sample -------------------------------------------------------------------------


def test_sample_gives_116_items_in_five_categories(world: World) -> None:
    plan = plan_import(SAMPLE, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert plan.ok, [str(e) for e in plan.errors]
    assert (plan.sheet_name, plan.header_row) == ("实事清单", 3)
    assert plan.category_counts() == {
        "城建城管执法类": 28,
        "民生服务类": 34,
        "文教卫生类": 26,
        "信访维稳安全类": 16,
        "其他类": 12,
    }
    assert plan.as_of == dt.date(2021, 6, 20)
    assert "区直各部门" in plan.new_units
    assert "区委常委、组织部长" in plan.new_leaders
    assert "区城管局" not in plan.new_units  # world.unit_a

    events_before = AuditEvent.objects.count()
    result = apply_import(plan, actor=world.office)

    assert (result.created, result.updated, result.unchanged) == (116, 0, 0)
    programme = Programme.objects.get(jurisdiction=world.nangang, year=2022)
    categories = list(programme.categories.order_by("order").values_list("name", "order"))
    assert categories == [
        ("城建城管执法类", 1),
        ("民生服务类", 2),
        ("文教卫生类", 3),
        ("信访维稳安全类", 4),
        ("其他类", 5),
    ]
    per_category = [programme.items.filter(category__name=c).count() for c, _o in categories]
    assert per_category == [28, 34, 26, 16, 12]
    assert programme.items.filter(category__name="民生服务类", number="2-34").exists()
    created = AuditEvent.objects.filter(seq__gt=0).count() - events_before
    assert AuditEvent.objects.filter(action="item.create", jurisdiction_id=world.nangang.pk).count()
    assert created == 116 + result.new_units + result.new_leaders + 5 + 1 + 1  # +programme, import
    assert verify_chain().ok


def test_sample_cells_are_parsed_as_written(world: World) -> None:
    plan = plan_import(SAMPLE, jurisdiction=world.nangang, year=2022, actor=world.office)
    apply_import(plan, actor=world.office)
    items = {i.number: i for i in _items(2022, world)}

    first = items["1-1"]  # row 6: 6月30日前, 0.9, 常务副区长, 区城管局 / 区住建局
    assert first.name == "抢修一曼街塌陷及翻浆路段"
    assert first.due_date == dt.date(2022, 6, 30)
    assert first.completion_rate == Decimal(90)
    assert first.lifecycle == Lifecycle.IN_PROGRESS
    assert first.lead_unit == world.unit_a
    assert [u.name for u in first.partner_units.all()] == ["区住建局"]
    assert [p.name for p in first.sponsor_leaders.all()] == ["常务副区长"]
    assert first.progress_text == "已完成主体工程,正在收尾"
    assert first.progress_date == dt.date(2021, 6, 20)

    assert items["1-4"].is_ongoing and items["1-4"].due_date is None  # 长期坚持
    assert items["1-5"].due_date == dt.date(2021, 10, 31)  # 2021.10.31
    assert items["1-6"].completion_rate == 0  # blank rate
    assert [p.name for p in items["1-6"].sponsor_leaders.all()] == ["区委常委、组织部长"]
    assert items["1-7"].lifecycle == Lifecycle.DONE  # 100%
    assert items["1-7"].is_ongoing  # 常态化推进
    last = items["5-12"]
    assert last.name == "区级机关干部下沉社区"
    assert [u.name for u in last.partner_units.all()] == ["区直各部门"]
    two_leaders = [i for i in items.values() if i.sponsor_leaders.count() == 2]
    names = {p.name for i in two_leaders for p in i.sponsor_leaders.all()}
    assert "区委常委、政法委书记" in names  # "区委常委、政法委书记、常务副区长" is two posts


def test_reimporting_the_same_sheet_changes_nothing(world: World) -> None:
    apply_import(
        plan_import(SAMPLE, jurisdiction=world.nangang, year=2022, actor=world.office),
        actor=world.office,
    )
    before = counts()
    plan = plan_import(SAMPLE, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 0, 116)
    assert plan.new_units == [] and plan.new_leaders == [] and plan.new_categories == []
    result = apply_import(plan, actor=world.office)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 116)
    assert counts() == before


def test_changed_cells_update_with_old_and_new_values(world: World, tmp_path: Path) -> None:
    rows = [
        item(1, "抢修一曼街塌陷路段", rate="60%", progress="正在施工", lead="区城管局"),
        item(2, "新建幼儿园", lead="区教育局", deadline="年底前"),
    ]
    path = write_office(tmp_path / "a.xlsx", [("城建城管执法类", rows)])
    apply_import(
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office),
        actor=world.office,
    )
    first = Item.objects.get(programme__year=2022, number="1-1")
    assert first.version == 1 and first.completion_rate == 60

    rows[0] = item(1, "抢修一曼街塌陷路段", rate="70%", progress="主体完工", lead="区住建局")
    path = write_office(tmp_path / "b.xlsx", [("城建城管执法类", rows)])
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert [p.number for p in plan.updates] == ["1-1"]
    assert [p.number for p in plan.unchanged] == ["1-2"]
    changes = plan.updates[0].changes
    assert changes == {
        "lead_unit": ("区城管局", "区住建局"),
        "completion_rate": (Decimal("60.00"), Decimal("70.00")),
        "progress_text": ("正在施工", "主体完工"),
    }
    assert "完成率: 60 → 70" in plan.updates[0].change_lines()
    summary = json.loads(json.dumps(plan.summary(), ensure_ascii=False))  # the wizard keeps it
    assert (summary["updated"], summary["unchanged"]) == (1, 1)
    assert summary["items"][0]["changes"][0] == "责任单位: 区城管局 → 区住建局"

    before = AuditEvent.objects.count()
    result = apply_import(plan, actor=world.office)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    first.refresh_from_db()
    assert first.completion_rate == 70 and first.lead_unit == world.unit_c
    assert first.progress_text == "主体完工"
    assert first.version == 2
    event = AuditEvent.objects.get(action="item.update", target_id=str(first.pk))
    assert event.changes["completion_rate"] == ["60", "70"]
    assert event.changes["lead_unit_id"] == [world.unit_a.pk, world.unit_c.pk]
    assert event.actor_id == world.office.pk
    assert AuditEvent.objects.count() == before + 2  # the item and the import
    assert verify_chain().ok


def test_blank_rate_and_progress_keep_what_units_reported(world: World, tmp_path: Path) -> None:
    path = write_office(tmp_path / "a.xlsx", [("城建类", [item(1, "修路")])])
    apply_import(
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office),
        actor=world.office,
    )
    road = Item.objects.get(programme__year=2022, number="1-1")
    services.record_progress(road, actor=world.editor_a, text="完成一半", rate=Decimal(50))
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert [p.action for p in plan.items] == ["unchanged"]


def test_existing_world_items_are_matched_by_number(world: World, tmp_path: Path) -> None:
    rows = [
        item(1, "抢修一曼街塌陷及翻浆路段", lead="区城管局", partners="区住建局", rate=None),
        item(2, "新建幼儿园", lead="区教育局", deadline="年底前", leaders=""),
    ]
    path = write_office(tmp_path / "w.xlsx", [("城建城管执法类", rows)])
    plan = plan_import(path, jurisdiction=world.nangang, year=2021, actor=world.office)
    assert [(p.number, p.action) for p in plan.items] == [
        ("1-1", "unchanged"),
        ("1-2", "unchanged"),
    ]


# --- all or nothing ---------------------------------------------------------------------


def test_bad_rows_write_nothing_and_every_bad_cell_is_named(world: World, tmp_path: Path) -> None:
    rows = [
        item(1, "好的一行", lead="新的单位甲", leaders="新领导甲"),  # row 6: fine
        item(2, "", deadline="年底前"),  # row 7: no name
        item(3, "没有责任单位", lead=""),  # row 8
        item(4, "时限写错", deadline="尽快"),  # row 9
        item(5, "完成率过百", rate="120%"),  # row 10
        item(6, "日期不存在", deadline="2021年2月30日"),  # row 11
        item(7, "多处错误", lead=" ", deadline="下个月", rate="过半"),  # row 12
    ]
    path = write_office(tmp_path / "bad.xlsx", [("城建城管执法类", rows)])
    before = counts()
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)

    assert not plan.ok
    assert [(e.row, e.column) for e in plan.errors] == [
        (7, "项目名称"),
        (8, "责任单位"),
        (9, "完成时限"),
        (10, "完成率"),
        (11, "完成时限"),
        (12, "完成时限"),
        (12, "责任单位"),
        (12, "完成率"),
    ]
    messages = [str(e) for e in plan.errors]
    assert messages[0] == "第7行，「项目名称」列：项目名称为空"
    assert "尽快" in messages[2]
    assert "超过100%" in messages[3]
    assert "2月没有30日" in messages[4]
    assert plan.errors[2].as_line().startswith("row 9, column 完成时限: ")
    with pytest.raises(ImportRefused, match="8处错误"):
        apply_import(plan, actor=world.office)
    assert counts() == before
    assert not Programme.objects.filter(year=2022).exists()


def test_money_and_target_columns(world: World, tmp_path: Path) -> None:
    header = [
        "序号",
        "项目名称",
        "责任单位",
        "完成时限",
        "计划投资(万元)",
        "已完成投资",
        "工作目标",
    ]
    rows = [
        header,
        [1, "新建水厂", "区水务局", "年底前", 7300, "2450", "日供水5万吨;管网19条"],
        [2, "雨污分流", "区水务局", "年底前", "十万", -5, "全部完工"],
        [3, "道路修复", "区城管局", "年底前", "0.5亿元", None, "修复路段1,200平方米"],
    ]
    path = write_workbook(tmp_path / "m.xlsx", SheetSpec("Sheet1", rows))
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert [(e.row, e.column) for e in plan.errors] == [
        (3, "计划投资(万元)"),
        (3, "已完成投资"),
    ]
    assert "十万" in plan.errors[0].message
    water, _bad, road = plan.items
    assert water.planned_investment == Decimal("73000000.00")
    assert water.done_investment == Decimal("24500000.00")
    assert [(t.name, t.value, t.unit) for t in water.targets] == [
        ("日供水", Decimal("5.00"), "万吨"),
        ("管网", Decimal("19.00"), "条"),
    ]
    assert road.planned_investment == Decimal("50000000.00")
    assert [(t.name, t.value) for t in road.targets] == [("修复路段", Decimal("1200.00"))]
    assert any("全部完工" in w.message for w in plan.warnings)


def test_duplicate_numbers_are_errors_on_both_rows(world: World, tmp_path: Path) -> None:
    rows = [item(1, "甲"), item(2, "乙"), item(2, "丙")]
    path = write_office(tmp_path / "d.xlsx", [("城建类", rows)])
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert [(e.row, e.column) for e in plan.errors] == [(8, "序号")]
    assert "与第7行重复" in plan.errors[0].message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "空"),
        (b"a,b,c\n1,2,3\n", "CSV"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
        (b"PK\x03\x04" + b"\x00" * 200, "损坏"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "xls"),
        (bytes(range(256)) * 40, "不是Excel"),
        (b"%PDF-1.4 ...", "PDF"),
    ],
)
def test_unreadable_files_are_refused_clearly(world: World, data: bytes, fragment: str) -> None:
    before = counts()
    with pytest.raises(ImportRefused) as caught:
        plan_import(data, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert fragment in caught.value.message
    assert counts() == before


def test_a_sheet_without_a_header_is_refused(world: World, tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "x.xlsx",
        SheetSpec("封面", [["南岗区实事清单"], ["2021年"]]),
        SheetSpec("数据", [[1, 2, 3], ["a", "b", "c"]]),
    )
    with pytest.raises(ImportRefused, match="没有找到台账表头") as caught:
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert "“封面”" in caught.value.message


def test_a_missing_file_is_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="找不到文件"):
        plan_import(tmp_path / "nope.xlsx", jurisdiction=world.nangang, year=2022, actor=None)


def test_many_junk_rows_are_reported_without_a_traceback(world: World, tmp_path: Path) -> None:
    junk: list[list[Any]] = [["序号", "项目名称", "责任单位", "完成时限"]]
    junk += [[f"x{i}", None, i * 1.5, "?"] for i in range(19_999)]  # the row limit: 20,000
    path = write_workbook(tmp_path / "junk.xlsx", SheetSpec("Sheet1", junk))
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert plan.error_count >= 39_998
    assert len(plan.errors) == 1001  # the first thousand and a line saying how many more
    assert plan.errors[-1].row == 0 and "另有" in str(plan.errors[-1])


def test_100k_rows_of_junk_without_a_header_are_refused(
    world: World, tmp_path: Path, settings: Any
) -> None:
    import xlsxwriter

    settings.SHISHI_IMPORT_MAX_ROWS = 100_000  # a district that raised the row limit

    path = tmp_path / "junk100k.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    for r in range(100_000):
        sheet.write_number(r, 0, r)
        sheet.write_string(r, 1, "垃圾")
    book.close()
    with pytest.raises(ImportRefused, match="没有找到台账表头"):
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)


def test_a_stray_far_cell_is_refused_before_it_is_read(world: World, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "far.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "项目名称")
    sheet.write_string(1_048_575, 16_383, "x")  # XFD1048576: a dense grid of 17 billion cells
    book.close()
    with pytest.raises(ImportRefused, match="第1048576行、第XFD列"):
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)


def test_other_zip_formats_are_refused(world: World, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "sheet.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(ImportRefused, match=r"只支持\.xlsx和\.xls"):
        plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)


# --- who may import -----------------------------------------------------------------------


def test_only_the_office_may_import(world: World, tmp_path: Path) -> None:
    path = write_office(tmp_path / "a.xlsx", [("城建类", [item(1, "修路")])])
    for user in (world.editor_a, world.outsider, world.resident, world.leader, world.viewer_a):
        with pytest.raises(ImportRefused, match="只有南岗区的专班") as caught:
            plan_import(path, jurisdiction=world.nangang, year=2022, actor=user)
        assert caught.value.status == 403
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.city_office)
    before = counts()
    with pytest.raises(ImportRefused):
        apply_import(plan, actor=world.editor_a)
    assert counts() == before
    assert apply_import(plan, actor=world.city_office).created == 1


def test_a_plan_made_stale_by_an_edit_is_refused(world: World, tmp_path: Path) -> None:
    rows = [item(1, "抢修一曼街塌陷及翻浆路段", rate="50%", partners="区住建局")]
    path = write_office(tmp_path / "a.xlsx", [("城建城管执法类", rows)])
    plan = plan_import(path, jurisdiction=world.nangang, year=2021, actor=world.office)
    assert [p.action for p in plan.items] == ["update"]
    services.record_progress(world.item_a, actor=world.editor_a, text="进展", rate=Decimal(20))
    before = counts()
    with pytest.raises(ImportRefused, match="重新上传预览") as caught:
        apply_import(plan, actor=world.office)
    assert caught.value.status == 409
    assert counts() == before
    world.item_a.refresh_from_db()
    assert world.item_a.completion_rate == 20
