"""The bulk path of imports: big sheets, values through COPY and multi-row INSERTs, ids
reserved up front, audit events encoded in bulk, the column-wise planner's corner cases.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): each database has its own write path
(multi-row INSERTs; COPY), and these tests go through whichever the database uses.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from shishi.conftest import World
from shishi.core import audit, bulk
from shishi.core.models import AuditEvent
from shishi.ledger.excel import importing
from shishi.ledger.excel import planning as planner
from shishi.ledger.excel.generate import write_generated_ledger
from shishi.ledger.excel.importing import ImportRefused, apply_import, plan_import
from shishi.ledger.models import Category, Item, Lifecycle, Target
from shishi.ledger.tests.sheets import SheetSpec, item, write_office, write_workbook
from shishi.orgs.models import Person, Unit


def _plan(world: World, path: Path, year: int = 2022) -> importing.ImportPlan:
    return plan_import(path, jurisdiction=world.nangang, year=year, actor=world.office)


def test_a_big_sheet_goes_in_whole_and_comes_back_unchanged(world: World, tmp_path: Path) -> None:
    # 1,500 items: more rows than one multi-row INSERT takes on SQLite (so several
    # statements a table), one COPY a table on PostgreSQL.
    path = write_generated_ledger(tmp_path / "big.xlsx", 1500, year=2022)
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors[:5]]
    events_before = AuditEvent.objects.count()

    result = apply_import(plan, actor=world.office)

    assert result.created == 1500
    items = {i.number: i for i in Item.objects.filter(programme=result.programme)}
    assert len(items) == 1500
    ids = sorted(i.pk for i in items.values())
    assert len(set(ids)) == 1500
    leader_links = Item.sponsor_leaders.through.objects.filter(item__programme=result.programme)
    partner_links = Item.partner_units.through.objects.filter(item__programme=result.programme)
    assert leader_links.count() == sum(len(p.sponsor_leaders) for p in plan.items)
    assert partner_links.count() == sum(len(p.partner_units) for p in plan.items)
    for planned in plan.items[::97]:  # a sample, spread over the sheet
        stored = items[planned.number]
        assert (stored.name, stored.seq) == (planned.name, planned.seq)
        assert planned.deadline is not None
        assert (stored.deadline_text, stored.due_date, stored.is_ongoing) == (
            planned.deadline.text,
            planned.deadline.due_date,
            planned.deadline.is_ongoing,
        )
        rate = planned.completion_rate if planned.completion_rate is not None else Decimal(0)
        assert stored.completion_rate == rate
        assert stored.lead_unit.name == planned.lead_unit
        assert sorted(u.name for u in stored.partner_units.all()) == sorted(planned.partner_units)
        assert sorted(p.name for p in stored.sponsor_leaders.all()) == sorted(
            planned.sponsor_leaders
        )
        assert stored.version == 1
    created = AuditEvent.objects.filter(action="item.create", seq__gt=0).exclude(
        target_id__in=[str(world.item_a.pk), str(world.item_b.pk)]
    )
    assert created.filter(jurisdiction_id=world.nangang.pk).count() == 1500
    assert AuditEvent.objects.count() - events_before == (
        1500 + result.new_units + result.new_leaders + result.new_categories + 1 + 1
    )  # + the programme and the import
    assert audit.verify_chain().ok

    # The same sheet again: every item matched, nothing written.
    again = _plan(world, path)
    assert (len(again.creates), len(again.updates), len(again.unchanged)) == (0, 0, 1500)
    events = AuditEvent.objects.count()
    assert apply_import(again, actor=world.office).unchanged == 1500
    assert AuditEvent.objects.count() == events


def test_values_come_back_exactly_as_written(world: World, tmp_path: Path) -> None:
    # Text COPY escapes backslashes, tabs and line breaks, and \N means NULL to it.
    content = '反斜杠\\N与\\t、"引号"、换行\n第二行 😀'
    header = ["序号", "项目名称", "主要内容", "责任单位", "配合单位", "区级包保领导"]
    header += ["完成时限", "完成率", "计划投资(万元)", "完成投资", "工作目标", "备注", "进展情况"]
    rows = [
        header,
        [1, "新建水厂", content, "区水务局", "区城管局、新的单位", "区长、副区长", "2022年6月30日",
         "33.5%", 7300.25, "0.5亿元", "日供水5万吨;管网19条", "\\", "已完成主体"],
        [2, "长期项目", "", "区水务局", "", "", "长期坚持", None, None, None, "", "", ""],
    ]  # fmt: skip
    path = write_workbook(tmp_path / "v.xlsx", SheetSpec("Sheet1", rows))
    plan = _plan(world, path)
    assert plan.ok, [str(e) for e in plan.errors]
    apply_import(plan, actor=world.office)

    water = Item.objects.get(programme__year=2022, number="1")
    assert water.content == '反斜杠\\N与\\t、"引号"、换行\n第二行 😀'
    assert water.remarks == "\\"
    assert water.due_date == dt.date(2022, 6, 30) and not water.is_ongoing
    assert water.completion_rate == Decimal("33.50")
    assert water.lifecycle == Lifecycle.IN_PROGRESS
    assert water.planned_investment == Decimal("73002500.00")
    assert water.done_investment == Decimal("50000000.00")
    assert water.progress_text == "已完成主体"
    assert water.progress_date == timezone.localdate()  # the sheet has no 截至时间
    assert water.lead_unit.name == "区水务局"
    assert sorted(u.name for u in water.partner_units.all()) == ["区城管局", "新的单位"]
    assert sorted(p.name for p in water.sponsor_leaders.all()) == ["副区长", "区长"]
    targets = list(Target.objects.filter(item=water).order_by("order"))
    assert [(t.name, t.value, t.unit, t.order) for t in targets] == [
        ("日供水", Decimal("5.00"), "万吨", 0),
        ("管网", Decimal("19.00"), "条", 1),
    ]
    assert targets[0].created_at == water.created_at == water.updated_at

    ongoing = Item.objects.get(programme__year=2022, number="2")
    assert ongoing.is_ongoing and ongoing.due_date is None
    assert ongoing.planned_investment is None and ongoing.done_investment is None
    assert ongoing.completion_rate == 0 and ongoing.lifecycle == Lifecycle.NOT_STARTED
    assert ongoing.progress_text == "" and ongoing.progress_date is None

    event = AuditEvent.objects.get(action="item.create", target_id=str(water.pk))
    assert event.changes == {
        "name": [None, "新建水厂"],
        "number": [None, "1"],
        "content": [None, water.content],
        "deadline_text": [None, "2022年6月30日"],
        "due_date": [None, "2022-06-30"],
        "lead_unit_id": [None, water.lead_unit_id],
        "planned_investment": [None, "73002500"],
        "done_investment": [None, "50000000"],
        "completion_rate": [None, "33.5"],
        "lifecycle": [None, Lifecycle.IN_PROGRESS],
        "progress_text": [None, "已完成主体"],
        "remarks": [None, "\\"],
        "sponsor_leaders": [None, ["副区长", "区长"]],
        "partner_units": [None, ["区城管局", "新的单位"]],
        "targets": [None, "日供水5万吨;管网19条"],
    }
    event = AuditEvent.objects.get(action="item.create", target_id=str(ongoing.pk))
    assert event.changes["is_ongoing"] == [None, True]
    assert "due_date" not in event.changes and "content" not in event.changes
    assert audit.verify_chain().ok


def test_reserved_ids_are_past_every_id_ever_used(world: World) -> None:
    link = Item.partner_units.through
    used = max(link.objects.values_list("pk", flat=True))
    with transaction.atomic():
        ids = bulk.reserve_ids(link, 3)
        assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > used
        written = bulk.insert_many(
            link, ("id", "item_id", "unit_id"), [(ids[0], world.item_b.pk, world.unit_c.pk)]
        )
        assert written == 1
    assert bulk.reserve_ids(link, 0) == []
    world.item_b.partner_units.add(world.unit_a)  # the ORM's own next id comes after them
    assert link.objects.get(item=world.item_b, unit=world.unit_a).pk > ids[0]
    assert set(world.item_b.partner_units.values_list("name", flat=True)) == {
        "区住建局",
        "区城管局",
    }
    assert bulk.insert_many(link, ("item_id", "unit_id"), []) == 0


def test_a_database_that_reserves_no_ids_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "vendor", "other")
    with pytest.raises(NotImplementedError):
        bulk.reserve_ids(Item, 2)


# --- the audit events of a bulk import ---------------------------------------------------

_JSON_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**18), max_value=10**18),
    _JSON_TEXT,
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**12),
    st.dates(),
    st.lists(_JSON_TEXT, max_size=3),
)


@given(st.dictionaries(st.text(max_size=8), _VALUES, max_size=8))
def test_creation_changes_are_the_canonical_json_of_the_dictionary(
    values: dict[str, Any],
) -> None:
    fields = [(key, audit.encode_value(audit.jsonable(v))) for key, v in values.items()]
    built = audit.creation_changes(fields)
    expected = {key: [None, audit.jsonable(v)] for key, v in values.items()}
    canonical = json.dumps(expected, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert built == canonical
    assert isinstance(built, audit.Canonical)


@pytest.mark.parametrize("vendor", ["", "other"])
def test_encoded_events_chain_and_verify(
    world: World, monkeypatch: pytest.MonkeyPatch, vendor: str
) -> None:
    if vendor:  # another database than the two with a bulk path: one INSERT a row
        monkeypatch.setattr(connection, "vendor", vendor)
    changes: dict[str, list[Any]] = {
        "name": [None, '引号"与\\反斜杠\n换行'],
        "n": [None, 7],
        "ok": [None, True],
    }
    encoded = audit.creation_changes(
        (key, audit.encode_value(new)) for key, (_old, new) in changes.items()
    )
    entries = [
        audit.Entry("item.create", "ledger.item", "t-41", "1-1 修路", encoded, world.nangang.pk),
        audit.Entry("item.create", "ledger.item", "t-42", "1-2 修桥", dict(changes), None),
    ]
    assert audit.record_many(actor=None, entries=entries, batch_size=1) == 2
    monkeypatch.undo()
    stored = list(AuditEvent.objects.filter(target_id__in=["t-41", "t-42"]).order_by("seq"))
    assert [e.changes for e in stored] == [changes, changes]
    assert [e.actor_name for e in stored] == ["system", "system"]
    assert stored[1].jurisdiction_id is None
    report = audit.verify_chain()
    assert report.ok, report


# --- the planner --------------------------------------------------------------------------


def test_categories_are_numbered_in_sheet_order_rows_and_column_alike(
    world: World, tmp_path: Path
) -> None:
    rows = [
        ["序号", "项目名称", "类别", "责任单位", "完成时限"],
        ["一、甲类"],
        [1, "修路", "", "区城管局", "年底前"],
        [1, "修桥", "乙类", "区城管局", "年底前"],
        ["二、丙类"],
        [2, "助餐", "", "区民政局", "年底前"],
        ["三、丁类"],
    ]
    plan = _plan(world, write_workbook(tmp_path / "c.xlsx", SheetSpec("S", rows)))
    assert plan.ok, [str(e) for e in plan.errors]
    assert plan.categories == ["甲类", "乙类", "丙类", "丁类"]
    assert [(p.number, p.category) for p in plan.items] == [
        ("1-1", "甲类"),
        ("2-1", "乙类"),
        ("2-2", "乙类"),  # a blank category cell takes the one above (merged down)
    ]
    apply_import(plan, actor=world.office)
    names = Category.objects.filter(programme__year=2022).order_by("order")
    assert list(names.values_list("name", flat=True)) == ["甲类", "乙类", "丙类", "丁类"]


def test_a_cell_that_breaks_its_parser_is_reported_on_its_rows_only(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = planner.parse_rate

    def parse_rate(value: Any) -> Decimal | None:
        if value == "坏":
            raise RuntimeError("a bug")
        return real(value)

    monkeypatch.setattr(planner, "parse_rate", parse_rate)
    rows = [item(1, "修路", rate="坏"), item(2, "修桥", rate="50%"), item(3, "助餐", rate="坏")]
    plan = _plan(world, write_office(tmp_path / "b.xlsx", [("城建类", rows)]))
    assert [(e.row, e.message) for e in plan.errors] == [
        (6, "无法解析此行，请检查单元格内容"),
        (8, "无法解析此行，请检查单元格内容"),
    ]
    assert [(p.number, p.completion_rate) for p in plan.items] == [("1-2", Decimal("50.00"))]
    with pytest.raises(ImportRefused):
        apply_import(plan, actor=world.office)


def test_the_collector_is_paused_during_an_import_and_resumed_after(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real_plan_rows = planner._Planner._plan_rows

    def plan_rows(self: Any, *args: Any) -> None:
        seen.append(gc.isenabled())
        real_plan_rows(self, *args)

    monkeypatch.setattr(planner._Planner, "_plan_rows", plan_rows)
    path = write_office(tmp_path / "a.xlsx", [("城建类", [item(1, "修路")])])
    assert gc.isenabled()
    plan = _plan(world, path)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ImportRefused):
        plan_import(b"", jurisdiction=world.nangang, year=2022, actor=world.office)
    assert gc.isenabled()
    gc.disable()
    try:
        apply_import(plan, actor=world.office)
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()
    assert Unit.objects.filter(name="区城管局").exists()
    assert Person.objects.filter(name="常务副区长").exists()


def test_a_column_is_parsed_once_per_distinct_value_of_each_type() -> None:
    calls: list[Any] = []

    def parse(value: Any) -> str:
        calls.append(value)
        return f"{type(value).__name__}:{value}"

    cache: dict[Any, Any] = {}
    values: list[Any] = [1.0, 1, True, "1", 1.0, "1"]
    results, failed = planner._parse_column(values, cache, parse)
    assert results == ["float:1.0", "int:1", "bool:True", "str:1", "float:1.0", "str:1"]
    assert calls == [1.0, 1, True, "1"] and not failed
    texts, _ = planner._parse_column(["甲", "乙", "甲"], cache, parse)
    assert texts == ["str:甲", "str:乙", "str:甲"] and calls[4:] == ["甲", "乙"]
    unhashable, _ = planner._parse_column([["a"], ["a"]], {}, parse)
    assert unhashable == ["list:['a']", "list:['a']"]


def test_field_conversions_apply_to_bulk_values() -> None:
    changes = bulk._preparer(AuditEvent._meta.get_field("changes"), connection)
    assert changes is not None
    prepared = changes([{"a": [1]}, None, {"a": [1]}])  # unhashable: JSON
    assert prepared[1] is None and prepared[0] is not None and len(prepared) == 3
    rate = bulk._preparer(Item._meta.get_field("completion_rate"), connection)
    assert rate is not None
    rates = rate([Decimal("1.50"), None])
    assert rates[1] is None and Decimal(str(rates[0])) == Decimal("1.5")


def test_bulk_updates_change_only_rows_at_the_expected_version(world: World) -> None:
    a, b = world.item_a, world.item_b
    rows: list[tuple[dict[str, Any], int, int]] = [
        ({"completion_rate": Decimal("42.50"), "due_date": None, "version": 2}, a.pk, a.version),
        ({"name": "新名称", "version": 2}, b.pk, b.version),
        ({"name": "不应写入", "version": 9}, b.pk, b.version + 5),  # someone changed it
    ]
    with transaction.atomic():
        assert bulk.update_many(Item, rows) == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.completion_rate, a.due_date, a.version) == (Decimal("42.50"), None, 2)
    assert (b.name, b.version) == ("新名称", 2)
