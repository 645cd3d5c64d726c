"""The Excel annex (.xlsx) of a compiled report or circular: its tables, one sheet each.

Each sheet: the document's title on row 1, its number and period on row 2, the header on row
3 (frozen, so it stays in view), then one row per record from row 4. Counts and rates are
numbers (rates as percentages 0–100, shown to one decimal), dates are dates; columns are as
wide as their Chinese text needs (a CJK character counts two), at most ``MAX_WIDTH``. Text that
Excel would read as a formula is written with a quote prefix.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format

from shishi.ledger.excel.layout import is_formula_like
from shishi.reports.documents.data import (
    CircularData,
    ItemRow,
    LateUnit,
    ReportData,
)

Target = str | Path | IO[bytes]  # a file's path, or a stream
HEADER_ROW = 2  # 0-based: title, subtitle, header
MIN_WIDTH, MAX_WIDTH = 6, 50
SAMPLE_ROWS = 500  # column widths are measured on the first rows, not on 10,000


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text | int | number | rate | date | datetime


ITEM_COLUMNS = (
    Column("编号"),
    Column("事项名称"),
    Column("类别"),
    Column("牵头单位"),
    Column("包保领导"),
    Column("完成率（%）", "rate"),
    Column("序时进度（%）", "rate"),
    Column("完成时限", "date"),
    Column("备注"),
)
SUMMARY_COLUMNS = (Column("项目"), Column("内容", "number"), Column("单位"))
CATEGORY_COLUMNS = (
    Column("类别"),
    Column("事项数", "int"),
    Column("已完成", "int"),
    Column("符合序时进度", "int"),
    Column("滞后", "int"),
    Column("其中逾期", "int"),
    Column("平均完成率（%）", "rate"),
)
PUNCTUALITY_COLUMNS = (
    Column("排名", "int"),
    Column("单位"),
    Column("按时报送", "int"),
    Column("迟报", "int"),
    Column("未报", "int"),
)
INDICATOR_COLUMNS = (
    Column("指标"),
    Column("计量单位"),
    Column("本期", "number"),
    Column("累计", "number"),
    Column("目标", "number"),
    Column("累计完成目标（%）", "rate"),
)
LATE_COLUMNS = (
    Column("单位"),
    Column("情况"),
    Column("报送截止时间", "datetime"),
    Column("报送时间", "datetime"),
    Column("备注"),
)


def item_values(item: ItemRow) -> list[Any]:
    return [
        item.number,
        item.name,
        item.category,
        item.lead_unit,
        "、".join(item.sponsor_leaders),
        item.rate,
        item.planned_rate,
        item.due,
        item.note,
    ]


def late_values(unit: LateUnit) -> list[Any]:
    return [unit.unit, "未报" if unit.missing else "迟报", unit.due, unit.submitted, unit.note]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shown_width(value: Any) -> int:
    """How wide a value shows, in Excel's character units (a CJK character counts two)."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.1f}")
    return max((display_width(line) for line in str(value).splitlines()), default=0)


def _formats(book: xlsxwriter.Workbook) -> dict[str, Format]:
    cell: dict[str, Any] = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 11}
    specs: dict[str, dict[str, Any]] = {
        "title": {"bold": True, "font_size": 16, "font_name": "宋体"},
        "sub": {"font_name": "宋体", "font_color": "#555555"},
        "head": {**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2", "text_wrap": True},
        "text": {**cell, "text_wrap": True},
        "int": {**cell, "align": "center", "num_format": "0"},
        "number": {**cell, "align": "right", "num_format": "General"},
        "rate": {**cell, "align": "center", "num_format": "0.0"},
        "date": {**cell, "align": "center", "num_format": "yyyy-mm-dd"},
        "datetime": {**cell, "align": "center", "num_format": "yyyy-mm-dd hh:mm"},
    }
    out: dict[str, Format] = {}
    for name, spec in specs.items():
        out[name] = book.add_format(spec)
        out[f"{name}_q"] = book.add_format({**spec, "quote_prefix": True})
    return out


class _Book:
    def __init__(self, path: Target, title: str, subtitle: str) -> None:
        target = str(path) if isinstance(path, str | Path) else path
        self.book = xlsxwriter.Workbook(target, {"remove_timezone": True, "in_memory": True})
        self.fmts = _formats(self.book)
        self.title = title
        self.subtitle = subtitle

    def sheet(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> None:
        ws = self.book.add_worksheet(name)
        ws.write_string(0, 0, self.title, self.fmts["title"])
        ws.set_row(0, 24)
        ws.write_string(1, 0, self.subtitle, self.fmts["sub"])
        widths = [display_width(c.header) + 2 for c in columns]
        for col, column in enumerate(columns):
            ws.write_string(HEADER_ROW, col, column.header, self.fmts["head"])
        ws.freeze_panes(HEADER_ROW + 1, 0)
        r = HEADER_ROW + 1
        for values in rows:
            for col, (column, value) in enumerate(zip(columns, values, strict=True)):
                self._write(ws, r, col, column, value)
            if r - HEADER_ROW <= SAMPLE_ROWS:
                for col, value in enumerate(values):
                    widths[col] = max(widths[col], shown_width(value) + 2)
            r += 1
        for col, width in enumerate(widths):
            ws.set_column(col, col, min(max(width, MIN_WIDTH), MAX_WIDTH))
        if r > HEADER_ROW + 1:
            ws.autofilter(HEADER_ROW, 0, r - 1, len(columns) - 1)

    def _write(self, ws: Any, r: int, col: int, column: Column, value: Any) -> None:
        fmts = self.fmts
        if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
            ws.write_blank(r, col, None, fmts["text" if column.kind == "text" else column.kind])
        elif isinstance(value, str):
            ws.write_string(r, col, value, fmts["text_q" if is_formula_like(value) else "text"])
        elif isinstance(value, dt.datetime):
            ws.write_datetime(r, col, value, fmts["datetime"])
        elif isinstance(value, dt.date):
            ws.write_datetime(r, col, value, fmts["date"])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            kind = column.kind if column.kind in ("int", "rate", "number") else "number"
            ws.write_number(r, col, value, fmts[kind])
        else:
            ws.write_string(r, col, str(value), fmts["text"])

    def close(self) -> None:
        self.book.close()


def summary_rows(data: ReportData) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["标题", data.title, ""],
        ["期号", data.number, ""],
        ["发布单位", data.issuer, ""],
        ["日期", data.date, ""],
        ["统计时段", data.period_label, ""],
    ]
    return rows + [[f.label, f.value, f.unit] for f in data.headline]


def indicator_share(cumulative: float | int, target: float | int | None) -> float | None:
    return None if not target else float(cumulative) / float(target) * 100


def report_sheets(data: ReportData) -> list[tuple[str, Sequence[Column], list[list[Any]]]]:
    """(sheet name, columns, rows) of a report's annex, in order; the tests read them back."""
    ch = data.changes
    return [
        ("汇总", SUMMARY_COLUMNS, summary_rows(data)),
        (
            "分类统计",
            CATEGORY_COLUMNS,
            [
                [r.category, r.items, r.done, r.on_schedule, r.behind, r.overdue, r.average_rate]
                for r in data.by_category
            ],
        ),
        ("新完成", ITEM_COLUMNS, [item_values(i) for i in ch.newly_done]),
        ("新开工", ITEM_COLUMNS, [item_values(i) for i in ch.newly_started]),
        ("新滞后", ITEM_COLUMNS, [item_values(i) for i in ch.newly_behind]),
        ("滞后事项", ITEM_COLUMNS, [item_values(i) for i in data.lagging]),
        (
            "报送情况",
            PUNCTUALITY_COLUMNS,
            [[u.rank, u.unit, u.on_time, u.late, u.missing] for u in data.punctuality],
        ),
        (
            "数据统计",
            INDICATOR_COLUMNS,
            [
                [
                    i.name,
                    i.unit,
                    i.this_period,
                    i.cumulative,
                    i.target,
                    indicator_share(i.cumulative, i.target),
                ]
                for i in data.indicators
            ],
        ),
    ]


def circular_sheets(data: CircularData) -> list[tuple[str, Sequence[Column], list[list[Any]]]]:
    return [
        ("滞后事项", ITEM_COLUMNS, [item_values(i) for i in data.lagging]),
        ("逾期未完成事项", ITEM_COLUMNS, [item_values(i) for i in data.overdue]),
        ("迟报未报单位", LATE_COLUMNS, [late_values(u) for u in data.late_units]),
    ]


def subtitle(number: str, period_label: str) -> str:
    return "　".join(part for part in (number, period_label) if part)


def write_report_annex(data: ReportData, path: Target) -> None:
    """Write the report's Excel annex: 汇总, 分类统计, 新完成, 新开工, 新滞后, 滞后事项,
    报送情况, 数据统计 (every sheet present, empty tables with their header)."""
    book = _Book(path, data.title, subtitle(data.number, data.period_label))
    for name, columns, rows in report_sheets(data):
        book.sheet(name, columns, rows)
    book.close()


def write_circular_annex(data: CircularData, path: Target) -> None:
    """Write the circular's Excel annex: 滞后事项, 逾期未完成事项, 迟报未报单位."""
    book = _Book(path, data.title, subtitle(data.number, data.period_label))
    for name, columns, rows in circular_sheets(data):
        book.sheet(name, columns, rows)
    book.close()


__all__ = [
    "circular_sheets",
    "report_sheets",
    "write_circular_annex",
    "write_report_annex",
]
