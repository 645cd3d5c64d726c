"""The shapes offices give their sheets: headers, categories, synonyms, stray characters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shishi.conftest import World
from shishi.ledger.excel import reading
from shishi.ledger.excel.importing import ImportPlan, ImportRefused, apply_import, plan_import
from shishi.ledger.models import Item
from shishi.ledger.parsing import clean_text
from shishi.ledger.tests.sheets import SheetSpec, item, office_sheet, write_workbook


def _plan(world: World, path: Path, year: int = 2022) -> ImportPlan:
    return plan_import(path, jurisdiction=world.nangang, year=year, actor=world.office)


def test_three_row_merged_header(world: World, tmp_path: Path) -> None:
    rows = [
        ["南岗区实事清单"],
        ["序号", "项目名称", "完成时限", "责任分工", None, None, "进展情况", "完成率"],
        [None, None, None, "区级包保领导", "责任单位", None, None, None],
        [None, None, None, None, "牵头单位", "配合单位", None, None],
        ["(一)城区建设"],
        [1, "修路", "9月底", "区长、副区长(民生)", "区城管局", "区住建局", "施工中", 0.5],
        [2, "修桥", "长期坚持", "区长", "区住建局", "", "", ""],
        ["(二)民生服务"],
        [1, "助餐", "2021-10-01", "区委常委、组织部长", "区民政局", "各街道办事处", "", "已完成"],
    ]
    merges = [
        (0, 0, 0, 7),
        *((1, c, 3, c) for c in (0, 1, 2, 6, 7)),
        (1, 3, 1, 5),
        (2, 3, 3, 3),
        (2, 4, 2, 5),
        (4, 0, 4, 7),
        (7, 0, 7, 7),
    ]
    path = write_workbook(tmp_path / "three.xlsx", SheetSpec("Sheet1", rows, merges))
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.header_row == 2
    assert plan.columns["lead_unit"] == "牵头单位"
    assert plan.columns["partner_units"] == "配合单位"
    assert plan.columns["leaders"] == "区级包保领导"
    assert plan.category_counts() == {"城区建设": 2, "民生服务": 1}
    road, bridge, meals = plan.items
    assert (road.number, bridge.number, meals.number) == ("1-1", "1-2", "2-1")
    assert road.sponsor_leaders == ["区长", "副区长(民生)"]
    assert road.completion_rate == Decimal(50)
    assert road.deadline is not None and road.deadline.due_date == dt.date(2022, 9, 30)
    assert meals.completion_rate == Decimal(100)
    assert meals.partner_units == ["各街道办事处"]


def test_category_as_a_column_merged_down_its_items(world: World, tmp_path: Path) -> None:
    rows = [
        ["类别", "序号", "实事名称", "牵头单位", "时限要求", "包保领导"],
        ["一、城建类", 1, "修路", "区城管局", "年底前", "区长"],
        [None, 2, "修桥", "区住建局", "年底前", "区长"],
        ["民生类", 1, "助餐", "区民政局", "年底前", "区长"],
    ]
    path = write_workbook(tmp_path / "col.xlsx", SheetSpec("S", rows, [(1, 0, 2, 0)]))
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.header_row == 1
    assert [(p.number, p.category) for p in plan.items] == [
        ("1-1", "城建类"),
        ("1-2", "城建类"),
        ("2-1", "民生类"),
    ]
    apply_import(plan, actor=world.office)
    bridge = Item.objects.filter(programme__year=2022, number="1-2")
    assert bridge.values_list("category__name", flat=True).get() == "城建类"


def test_the_ledger_on_the_second_sheet_behind_a_cover(world: World, tmp_path: Path) -> None:
    cover = SheetSpec(
        "封面", [["南岗区2021年民生实事清单"], ["报送单位:区委办"], ["项目名称见下表"]]
    )
    summary = SheetSpec("汇总", [["序号", "类别", "项目数"], [1, "城建类", 2]])
    ledger = office_sheet([("城建类", [item(1, "修路"), item(2, "修桥")])], name="清单")
    path = write_workbook(tmp_path / "cover.xlsx", cover, summary, ledger)
    plan = _plan(world, path)
    assert plan.ok and plan.sheet_name == "清单"
    assert [p.name for p in plan.items] == ["修路", "修桥"]


def test_synonyms_full_width_text_and_date_cells(world: World, tmp_path: Path) -> None:
    rows = [
        ["2021年民生实事推进表"],
        ["截止日期:2021年7月31日"],
        [
            "序 号",
            "事项名称",
            "工作内容",
            "工作措施",
            "牵头责任单位",
            "协办单位",
            "完成\n时间",
            "分管领导",
            "目前进展",
            "完成进度",
            "备注",
        ],
        [
            "１",
            "　老旧小区改造 ",
            "改造  楼体",
            "分批实施",
            "　区住建局　",
            "区民政局;区城管局",
            "２０２１年１０月底前",
            "区长,副区长(民生)",
            "完成５０％",
            "７０％",
            None,
        ],
        [2, "供热管网", "", "", "区住建局", "", dt.date(2021, 9, 30), "区长", "", 0.5, "重点"],
        [3, "校园扩建", "", "", "区教育局", "", None, "区长", "", "", ""],
    ]
    path = write_workbook(tmp_path / "syn.xlsx", SheetSpec("Sheet1", rows))
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.header_row == 3
    assert plan.columns["deadline"] == "完成时间"
    assert plan.columns["seq"] == "序号"
    assert plan.as_of == dt.date(2021, 7, 31)
    first, second, third = plan.items
    assert first.number == "1" and first.name == "老旧小区改造"
    assert first.content == "改造 楼体"
    assert first.lead_unit == "区住建局"
    assert first.partner_units == ["区民政局", "区城管局"]
    assert first.sponsor_leaders == ["区长", "副区长(民生)"]
    assert first.deadline is not None and first.deadline.due_date == dt.date(2021, 10, 31)
    assert first.completion_rate == Decimal(70)
    assert first.progress_text == "完成50%"
    assert second.deadline is not None and second.deadline.due_date == dt.date(2021, 9, 30)
    assert second.completion_rate == Decimal(50) and second.remarks == "重点"
    assert third.deadline is not None and third.deadline.text == ""  # blank is allowed
    apply_import(plan, actor=world.office)
    third_item = Item.objects.get(programme__year=2022, number="3")
    assert third_item.due_date is None and not third_item.is_ongoing


def test_one_row_header_without_seq_numbers_by_row_order(world: World, tmp_path: Path) -> None:
    rows = [
        ["项目", "责任单位", "完成时限"],
        ["修路", "区城管局", "年底前"],
        [],
        ["修桥", "区住建局", "10月底"],
        ["合计", None, None],
        ["注:本表由各单位填报"],
    ]
    path = write_workbook(tmp_path / "one.xlsx", SheetSpec("Sheet1", rows))
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert [(p.number, p.name, p.row) for p in plan.items] == [("1", "修路", 2), ("2", "修桥", 4)]


def test_category_rows_in_other_styles_with_global_numbering(world: World, tmp_path: Path) -> None:
    rows = [
        ["序号", "项目名称", "责任单位", "完成时限"],
        ["(一)城区建设"],
        [1, "修路", "区城管局", "年底前"],
        [2, "修桥", "区城管局", "年底前"],
        ["2.民生服务类(共1项)"],
        [3, "助餐", "区民政局", "年底前"],
        ["第三类 其他"],
        [4, "宣传", "区委宣传部", "年底前"],
    ]
    path = write_workbook(tmp_path / "styles.xlsx", SheetSpec("Sheet1", rows))
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.categories == ["城区建设", "民生服务类", "其他"]
    assert [p.number for p in plan.items] == ["1", "2", "3", "4"]  # numbered throughout


def test_merged_cells_down_item_rows_apply_to_each(world: World, tmp_path: Path) -> None:
    sheet = office_sheet(
        [
            (
                "城建类",
                [item(1, "修路", lead="区城管局"), item(2, "修桥", lead=""), item(3, "修涵洞")],
            )
        ]
    )
    sheet.merges.append((5, 6, 6, 6))  # 责任单位 of rows 6 and 7 merged
    path = write_workbook(tmp_path / "merged.xlsx", sheet)
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert [p.lead_unit for p in plan.items] == ["区城管局", "区城管局", "区城管局"]


def test_template_rows_notes_and_signatures_are_skipped(world: World, tmp_path: Path) -> None:
    sheet = office_sheet([("城建类", [item(1, "修路"), [2], [3]])])
    sheet.rows += [["审核人:", None, "单位负责人(签字):"], ["注:完成率填百分比"]]
    path = write_workbook(tmp_path / "tpl.xlsx", sheet)
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    assert [p.name for p in plan.items] == ["修路"]
    assert [w.message for w in plan.warnings] == ["类别“城建类”标注3项，表中实有1项"]


def test_a_quoted_formula_like_text_reads_as_the_text(world: World, tmp_path: Path) -> None:
    sheet = office_sheet([("城建类", [item(1, "'=1+1", remarks="'@备注", progress="'-2")])])
    path = write_workbook(tmp_path / "quoted.xlsx", sheet)
    planned = _plan(world, path).items[0]
    assert (planned.name, planned.remarks, planned.progress_text) == ("=1+1", "@备注", "-2")


def test_several_lead_units_keep_the_first_as_lead(world: World, tmp_path: Path) -> None:
    sheet = office_sheet([("城建类", [item(1, "修路", lead="区城管局、区住建局")])])
    plan = _plan(world, write_workbook(tmp_path / "two.xlsx", sheet))
    planned = plan.items[0]
    assert (planned.lead_unit, planned.partner_units) == ("区城管局", ["区住建局"])
    assert plan.warnings and plan.warnings[0].column == "责任单位"


def test_a_missing_lead_unit_column_is_one_error(world: World, tmp_path: Path) -> None:
    rows = [["序号", "项目名称", "完成时限"], [1, "修路", "年底前"], [2, "修桥", "年底前"]]
    plan = _plan(world, write_workbook(tmp_path / "nolead.xlsx", SheetSpec("S", rows)))
    assert [str(e) for e in plan.errors] == ["第1行，「责任单位」列：表头中没有“责任单位”列"]


def test_a_header_without_items_is_an_error(world: World, tmp_path: Path) -> None:
    sheet = office_sheet([("城建类", [])])
    plan = _plan(world, write_workbook(tmp_path / "empty.xlsx", sheet))
    assert [(e.row, e.message) for e in plan.errors] == [
        (3, "表头下面没有实事行（是否选错了文件或工作表？）")
    ]


@pytest.mark.parametrize(
    ("text", "name", "declared"),
    [
        ("一、城建城管执法类(28项)", "城建城管执法类", 28),
        ("(三)文教卫生", "文教卫生", None),
        ("1.民生服务类", "民生服务类", None),
        ("十一、其他类(共3个)", "其他类", 3),
        ("城建类", "城建类", None),
    ],
)
def test_category_marks(text: str, name: str, declared: int | None) -> None:
    mark = reading.category_mark(text)
    assert mark is not None and (mark.name, mark.declared) == (name, declared)


@pytest.mark.parametrize("text", ["修路", "1.5", "联系人制度建设", "", "12345热线"])
def test_texts_that_are_not_category_marks(text: str) -> None:
    assert reading.category_mark(text) is None


@given(st.text(max_size=40))
def test_the_fast_path_of_clean_text_matches_the_full_one(text: str) -> None:
    import re
    import unicodedata

    full = unicodedata.normalize("NFKC", text).replace("\u3000", " ").replace("\xa0", " ")
    full = re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t]+", " ", full)).strip()
    assert clean_text(text) == full


_TOKENS = st.sampled_from(
    [
        "序号", "项目名称", "责任单位", "完成时限", "完成率", "责任分工", "一、城建类(2项)",
        "(一)民生", "填表人:", "合计", "区城管局", "区委常委、组织部长", "长期坚持",
        "2021年2月30日", "70%", "已完成", "=1+1", "'=SUM(A1)", "  ", "\n", "十万", "1-1",
    ]
)  # fmt: skip
_CELLS = st.one_of(
    st.none(),
    _TOKENS,
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),  # xlsx cannot hold them
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_CELLS, max_size=8), max_size=12),
    header_at=st.integers(min_value=0, max_value=3),
)
def test_any_grid_of_cells_gives_a_plan_or_a_clear_refusal(
    world: World, tmp_path: Path, rows: list[list[object]], header_at: int
) -> None:
    grid: list[list[object]] = [list(r) for r in rows]
    grid.insert(min(header_at, len(grid)), ["序号", "项目名称", "责任单位", "完成时限", "完成率"])
    path = write_workbook(tmp_path / "fuzz.xlsx", SheetSpec("S", grid))
    try:
        plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=None)
    except ImportRefused as exc:
        assert exc.message
    else:
        assert all(p.row > plan.header_row for p in plan.items)
        for error in plan.errors:
            assert error.message and (error.row > 0 or "另有" in error.message)
            assert "无法解析此行" not in error.message  # the guard for bugs never fired
        if plan.ok:
            result = apply_import(plan, actor=None)
            assert result.created + result.updated + result.unchanged == len(plan.items)


def test_personal_numbers_in_text_cells_are_warned_and_imported(
    world: World, tmp_path: Path
) -> None:
    progress = "已走访居民电话13812345678"
    remarks = "身份证 230103199003071233"
    sheet = office_sheet([("城建类", [item(1, "修路", progress=progress, remarks=remarks)])])
    plan = _plan(world, write_workbook(tmp_path / "pii.xlsx", sheet))
    assert plan.ok, [str(e) for e in plan.errors]
    notes = {w.column: w.message for w in plan.warnings if "公开时会被遮盖" in w.message}
    assert set(notes) == {"进展情况", "备注"}
    assert "138****5678" in notes["进展情况"] and "13812345678" not in notes["进展情况"]
    assert "身份证号码" in notes["备注"] and "2301**********1233" in notes["备注"]
    assert plan.items[0].progress_text == progress  # kept as typed; masked where public
