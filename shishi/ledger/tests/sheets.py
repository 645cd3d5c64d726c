"""Ledger workbooks for tests, built in code (no binary fixtures in the repository).

``write_workbook(path, SheetSpec(...), ...)`` writes any grid of cells with merged ranges;
``office_sheet`` builds the usual office shape around item rows: title, 填报单位/截至时间 row,
the two-row merged header, category rows and a signature row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

Cell = Any
Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based)

OFFICE_HEADER = [
    ["序号", "项目名称", "主要内容", "推进措施", "完成时限", "责任分工", None, None,
     "进展情况", "完成率", "备注"],
    [None, None, None, None, None, "区级包保领导", "责任单位", "配合单位", None, None, None],
]  # fmt: skip
OFFICE_HEADER_MERGES: list[Merge] = [
    *((2, c, 3, c) for c in (0, 1, 2, 3, 4, 8, 9, 10)),
    (2, 5, 2, 7),
]
WIDTH = 11


@dataclass
class SheetSpec:
    name: str
    rows: list[Any]  # of rows (lists of cells)
    merges: list[Merge] = field(default_factory=list)


def _write_cell(ws: Worksheet, r: int, c: int, value: Cell, date_format: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(r, c, float(value))
    elif isinstance(value, dt.date):
        ws.write_datetime(r, c, value, date_format)
    else:
        ws.write_string(r, c, str(value))


def write_workbook(path: Path, *sheets: SheetSpec) -> Path:
    """Write the sheets; a merged range keeps the value of its top-left cell."""
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for spec in sheets:
        ws = book.add_worksheet(spec.name)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value, date_format)
        for r1, c1, r2, c2 in spec.merges:
            anchor = spec.rows[r1][c1] if c1 < len(spec.rows[r1]) else None
            ws.merge_range(r1, c1, r2, c2, "")
            _write_cell(ws, r1, c1, anchor, date_format)
    book.close()
    return path


def item(
    seq: Cell,
    name: str,
    *,
    lead: str = "区城管局",
    deadline: Cell = "2021年12月底前",
    leaders: str = "常务副区长",
    partners: str = "",
    progress: str = "",
    rate: Cell = None,
    remarks: str = "",
    content: str = "",
    measures: str = "",
) -> list[Cell]:
    """One row in the office column order."""
    return [
        seq, name, content, measures, deadline, leaders, lead, partners, progress, rate, remarks,
    ]  # fmt: skip


def office_sheet(
    sections: Sequence[tuple[str | None, Sequence[list[Cell]]]],
    *,
    name: str = "实事清单",
    title: str = "南岗区“我为群众办实事”实事清单",
    as_of: str = "截至时间:2021年6月20日",
    signature: bool = True,
) -> SheetSpec:
    """The office layout: title and date rows, two-row header, category rows, signature.

    A section named None has no category row; a name is written "一、name(N项)".
    """
    numerals = "一二三四五六七八九十"
    rows: list[list[Cell]] = [
        [title] + [None] * (WIDTH - 1),
        ["填报单位:南岗区委办实事领导小组办公室(盖章)"] + [None] * 5 + [as_of] + [None] * 4,
        *[list(r) for r in OFFICE_HEADER],
    ]
    merges = [(0, 0, 0, WIDTH - 1), (1, 0, 1, 5), (1, 6, 1, WIDTH - 1), *OFFICE_HEADER_MERGES]
    position = 0
    for section_name, items in sections:
        if section_name is not None:
            merges.append((len(rows), 0, len(rows), WIDTH - 1))
            rows.append([f"{numerals[position]}、{section_name}({len(items)}项)"])
            position += 1
        rows += [list(r) for r in items]
    if signature:
        rows += [[], [], ["填表人:", None, None, None, "联系电话:"]]
    return SheetSpec(name, rows, merges)


def write_office(path: Path, sections: Sequence[tuple[str | None, Sequence[list[Cell]]]]) -> Path:
    return write_workbook(path, office_sheet(sections))
