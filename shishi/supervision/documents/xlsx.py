"""The problem list (问题清单) as .xlsx: sheet 问题清单, one row per finding or suggestion,
and sheet 统计, the round's figures per group and unit.

Written by the reports' Excel writer (``reports.documents.xlsx``): the title on row 1, the
scope on row 2, the header on row 3 (frozen) with an autofilter, dates as dates, columns as
wide as their Chinese text, text Excel would read as a formula quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shishi.reports.documents.xlsx import Column, Target
from shishi.reports.documents.xlsx import _Book as Book
from shishi.supervision.documents.data import FigureRow, ProblemList
from shishi.supervision.exports import FindingRow

PROBLEM_SHEET = "问题清单"
FIGURES_SHEET = "统计"

PROBLEM_COLUMNS = (
    Column("序号", "int"),
    Column("轮次"),
    Column("指导组"),
    Column("被指导单位"),
    Column("问题或建议"),
    Column("问题类别"),
    Column("严重程度"),
    Column("类型"),
    Column("整改措施"),
    Column("整改时限", "date"),
    Column("责任单位"),
    Column("责任人"),
    Column("状态"),
    Column("警示"),
    Column("销号日期", "date"),
    Column("相关事项"),
)
FIGURE_COLUMNS = (
    Column("轮次"),
    Column("指导组"),
    Column("单位"),
    Column("计划走访", "int"),
    Column("已走访", "int"),
    Column("走访次数", "int"),
    Column("发现问题", "int"),
    Column("当场整改", "int"),
    Column("限期整改", "int"),
    Column("已销号", "int"),
    Column("整改中", "int"),
    Column("黄牌", "int"),
    Column("红牌", "int"),
    Column("意见建议", "int"),
)


def problem_values(n: int, row: FindingRow) -> list[Any]:
    return [
        n,
        row.round_code,
        row.group,
        row.unit,
        row.problem,
        row.category,
        row.severity,
        row.kind,
        row.measure,
        row.deadline,
        row.responsible_unit,
        row.responsible_person,
        row.status,
        row.card,
        row.closed_on,
        "、".join(row.items),
    ]


def figure_values(row: FigureRow) -> list[Any]:
    f = row.figures
    return [
        row.round_code,
        row.group,
        row.unit,
        f.planned,
        f.visited,
        f.visits,
        f.problems,
        f.on_the_spot,
        f.to_rectify,
        f.closed,
        f.open,
        f.yellow,
        f.red,
        f.suggestions,
    ]


def sheets(data: ProblemList) -> list[tuple[str, Sequence[Column], list[list[Any]]]]:
    """(sheet name, columns, rows), in order; the tests read them back against these."""
    return [
        (
            PROBLEM_SHEET,
            PROBLEM_COLUMNS,
            [problem_values(n, row) for n, row in enumerate(data.rows, start=1)],
        ),
        (FIGURES_SHEET, FIGURE_COLUMNS, [figure_values(row) for row in data.figures]),
    ]


def write_problem_list(data: ProblemList, path: Target) -> None:
    """Write the problem list: 问题清单 and 统计 (both present, an empty one with its header)."""
    book = Book(path, data.title, data.subtitle)
    for name, columns, rows in sheets(data):
        book.sheet(name, columns, rows)
    book.close()
