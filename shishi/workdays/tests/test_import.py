"""Importing a year's schedule: all or nothing, every bad cell named by row, column, reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from shishi.conftest import World
from shishi.core.errors import PermissionDenied
from shishi.core.models import AuditEvent
from shishi.workdays import calendar, services
from shishi.workdays.importing import Problem, parse_schedule
from shishi.workdays.models import ScheduleDay, ScheduleYear
from shishi.workdays.tests.helpers import csv_bytes, d, rows_2027, xlsx


def test_an_xlsx_schedule_imports_and_is_audited(world: World) -> None:
    services.import_schedule(
        world.city, 2027, xlsx(rows_2027()), "2027年放假安排.xlsx", actor=world.city_office,
        notice="国办发明电〔2026〕1号",
    )  # fmt: skip
    schedule = ScheduleYear.objects.get(jurisdiction=world.city, year=2027)
    assert schedule.notice == "国办发明电〔2026〕1号"
    assert schedule.days.count() == len(rows_2027()) == 19
    assert not calendar.is_working_day(d("2027-02-08"), jurisdiction=world.nangang)
    assert calendar.is_working_day(d("2027-02-20"), jurisdiction=world.nangang)
    event = AuditEvent.objects.get(action="workdays.import_schedule")
    assert event.actor_id == world.city_office.pk
    old, new = event.changes["days"]
    assert old == [] and len(new) == 19
    assert event.changes["file"] == [None, "2027年放假安排.xlsx"]


def test_an_import_replaces_the_years_entry(world: World) -> None:
    services.import_schedule(world.city, 2027, xlsx(rows_2027()), "a.xlsx", actor=world.city_office)
    services.import_schedule(
        world.city, 2027, csv_bytes([("2027-01-01", "放假", "元旦")]), "b.csv",
        actor=world.city_office,
    )  # fmt: skip
    assert list(ScheduleDay.objects.values_list("date", "name")) == [(d("2027-01-01"), "元旦")]
    assert calendar.is_working_day(d("2027-02-08"), jurisdiction=world.nangang)


def test_a_csv_saved_by_excel_on_chinese_windows_reads(world: World) -> None:
    data = csv_bytes([("2027/1/1", "休", "元旦"), ("2027年1月31日", "班", "")], "gb18030")
    parsed = parse_schedule(data, "安排.csv", 2027)
    assert parsed.problems == []
    assert [(r.date, r.kind, r.name) for r in parsed.rows] == [
        (d("2027-01-01"), "off", "元旦"),
        (d("2027-01-31"), "work", "调休上班"),
    ]


def test_one_bad_row_imports_nothing_and_names_row_column_and_reason(world: World) -> None:
    services.import_schedule(
        world.city, 2027, csv_bytes([("2027-01-01", "放假", "元旦")]), "old.csv",
        actor=world.city_office,
    )  # fmt: skip
    rows = rows_2027()
    rows[3] = ("2027-02-30", "放假", "春节")  # sheet row 5: no such date
    before = AuditEvent.objects.count()
    with pytest.raises(services.ImportRefused) as refused:
        services.import_schedule(world.city, 2027, xlsx(rows), "bad.xlsx", actor=world.city_office)
    assert refused.value.problems == [Problem(5, "日期", "「2027-02-30」不是日期（如2027-01-01）")]
    assert "第5行「日期」" in refused.value.message
    # Nothing written: the old entry stands, no event.
    assert list(ScheduleDay.objects.values_list("date", flat=True)) == [d("2027-01-01")]
    assert AuditEvent.objects.count() == before


def test_a_new_year_with_a_bad_row_leaves_no_entry(world: World) -> None:
    rows = [*rows_2027(), ("2027-03-01", "上班", "春节")]  # a Monday "worked"
    with pytest.raises(services.ImportRefused) as refused:
        services.import_schedule(world.city, 2027, xlsx(rows), "bad.xlsx", actor=world.city_office)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (21, "日期")
    assert "周六或周日" in problem.reason
    assert not ScheduleYear.objects.exists()
    assert not calendar.known_year(2027, world.nangang)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("2027-01-01", "休假吗", "元旦")], [(2, "类型", "「休假吗」应为“放假”或“上班”")]),
        ([("2027-01-01", "", "元旦")], [(2, "类型", "请填写“放假”或“上班”")]),
        ([("", "放假", "元旦")], [(2, "日期", "请填写日期")]),
        ([("2026-12-31", "放假", "元旦")], [(2, "日期", "日期2026-12-31不在2027年内")]),
        ([("2027-01-01", "放假", "")], [(2, "名称", "放假日请填写节日名称（如春节）")]),
        (
            [("2027-01-01", "放假", "元旦"), ("2027-01-01", "放假", "元旦")],
            [(3, "日期", "与第2行的日期重复")],
        ),
        (
            [("x", "y", "元旦"), ("2027-01-01", "放假", "元旦")],
            [(2, "日期", "「x」不是日期（如2027-01-01）"), (2, "类型", "「y」应为“放假”或“上班”")],
        ),
    ],
)
def test_each_bad_cell_is_named(
    rows: list[tuple[str, str, str]], expected: list[tuple[int, str, str]]
) -> None:
    parsed = parse_schedule(csv_bytes(rows), "x.csv", 2027)
    assert [(p.row, p.column, p.reason) for p in parsed.problems] == expected
    assert parsed.rows == []


def test_a_missing_column_or_an_empty_file_is_named() -> None:
    parsed = parse_schedule("日期,名称\n2027-01-01,元旦\n".encode(), "x.csv", 2027)
    assert [(p.row, p.column) for p in parsed.problems] == [(1, "类型")]
    assert parse_schedule(b"", "x.csv", 2027).problems[0].reason == "文件中没有内容"
    assert parse_schedule("日期,类型,名称\n".encode(), "x.csv", 2027).problems[0].reason == (
        "表头下面没有日期"
    )
    damaged = parse_schedule(b"PK\x03\x04 not really a workbook", "x.xlsx", 2027)
    assert "不是有效的Excel" in damaged.problems[0].reason


def test_headers_with_notes_and_extra_columns_are_read() -> None:
    data = xlsx(
        [(d("2027-05-01"), "放假", "劳动节", "备注")],
        header=("日期", "类型（放假/上班）", "名称", "说明2"),
    )
    parsed = parse_schedule(data, "x.xlsx", 2027)
    assert parsed.problems == [] and parsed.rows[0].name == "劳动节"


def test_only_who_may_enter_the_schedule_may_import(world: World) -> None:
    for who in (world.office, world.editor_a, world.outsider):
        with pytest.raises(PermissionDenied):
            services.import_schedule(world.city, 2027, xlsx(rows_2027()), "a.xlsx", actor=who)
    assert not ScheduleYear.objects.exists()


def test_a_stray_far_cell_is_refused_before_it_is_read(world: World, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "far.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["日期", "类型", "名称"])
    sheet.write_string(1_048_575, 16_383, "x")  # XFD1048576: a dense grid of 17 billion cells
    book.close()
    with pytest.raises(services.ImportRefused, match="第1048576行、第XFD列"):
        services.import_schedule(
            world.city, 2027, path.read_bytes(), "far.xlsx", actor=world.city_office
        )
    assert not ScheduleYear.objects.filter(year=2027).exists()
