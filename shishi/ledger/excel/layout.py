"""The office layout of a ledger sheet, written with xlsxwriter.

Title row, a 填报单位 / 截至时间 row, a two-row merged header (责任分工 over 区级包保领导,
责任单位 and 配合单位), category rows such as "一、城建城管执法类(28项)" and items numbered
per category — the shape of the sheets the districts pass around. The export and the
test-sheet generator both write through ``write_ledger``.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

# Text that a spreadsheet would run as a formula (or a DDE command) if typed in a cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
RESPONSIBILITY_GROUP = "责任分工"
HEADER_ROWS = 2
FIRST_HEADER_ROW = 2  # 0-based: title row, date row, then the header


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float
    group: str = ""
    kind: str = "text"  # text | seq | rate | money


SEQ = Column("seq", "序号", 6, kind="seq")
NAME = Column("name", "项目名称", 24)
CONTENT = Column("content", "主要内容", 34)
MEASURES = Column("measures", "推进措施", 34)
TARGET = Column("target", "工作目标", 22)
DEADLINE = Column("deadline", "完成时限", 14)
LEADERS = Column("leaders", "区级包保领导", 16, group=RESPONSIBILITY_GROUP)
LEAD_UNIT = Column("lead_unit", "责任单位", 16, group=RESPONSIBILITY_GROUP)
PARTNER_UNITS = Column("partner_units", "配合单位", 20, group=RESPONSIBILITY_GROUP)
PLANNED_INVESTMENT = Column("planned_investment", "计划投资（万元）", 12, kind="money")
DONE_INVESTMENT = Column("done_investment", "完成投资（万元）", 12, kind="money")
PROGRESS = Column("progress", "进展情况", 30)
RATE = Column("rate", "完成率", 9, kind="rate")
REMARKS = Column("remarks", "备注", 14)
NUMBER = Column("number", "编号", 10)


def office_columns(
    *, targets: bool = False, investment: bool = False, numbers: bool = False
) -> list[Column]:
    """The sample's eleven columns, with the optional ones where the ledger needs them."""
    cols = [SEQ, NAME, CONTENT, MEASURES]
    if targets:
        cols.append(TARGET)
    cols += [DEADLINE, LEADERS, LEAD_UNIT, PARTNER_UNITS]
    if investment:
        cols += [PLANNED_INVESTMENT, DONE_INVESTMENT]
    cols += [PROGRESS, RATE, REMARKS]
    if numbers:
        cols.append(NUMBER)
    return cols


@dataclass
class Section:
    """A category and its items; ``name`` None for items outside any category.

    ``rows`` may be any iterable (the export streams them) when ``count`` says how many it
    yields: the category row "一、name（N项）" is written before them.
    """

    name: str | None
    rows: Iterable[dict[str, Any]] = field(default_factory=list)
    count: int | None = None

    @property
    def size(self) -> int:
        if self.count is not None:
            return self.count
        assert isinstance(self.rows, Sized)
        return len(self.rows)


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, 105 → 一百零五 (category ordinals)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = _DIGITS[n // 100] + "百"
        if not rest:
            return head
        if rest < 10:
            return head + "零" + _DIGITS[rest]
        tail = chinese_numeral(rest)
        return head + ("一" + tail if tail.startswith("十") else tail)
    return str(n)


def section_title(position: int, name: str, count: int) -> str:
    return f"{chinese_numeral(position)}、{name}（{count}项）"


def date_zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines_needed(text: str, width: float) -> int:
    per_line = max(1, int(width) - 1)
    return sum(max(1, math.ceil(_display_width(line) / per_line)) for line in text.split("\n"))


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        border = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
        self.title = book.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        self.subtitle_left = book.add_format({"font_size": 10, "align": "left"})
        self.subtitle_right = book.add_format({"font_size": 10, "align": "right"})
        self.header = book.add_format(
            {**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}
        )
        self.section = book.add_format({**border, "bold": True, "bg_color": "#F2F2F2"})
        self.text = book.add_format({**border, "text_wrap": True})
        self.text_quoted = book.add_format({**border, "text_wrap": True, "quote_prefix": True})
        self.center = book.add_format({**border, "align": "center"})
        self.center_quoted = book.add_format({**border, "align": "center", "quote_prefix": True})
        self.rate = book.add_format({**border, "align": "center", "num_format": "0%"})
        self.rate_fraction = book.add_format({**border, "align": "center", "num_format": "0.00%"})
        self.money = book.add_format({**border, "num_format": "#,##0.00####"})


def _write_text(ws: Worksheet, row: int, col: int, text: str, fmt: Format, quoted: Format) -> None:
    """Always a string cell: text that looks like a formula gets Excel's quote prefix too.

    The quote prefix is a cell style, not a character of the value, so the text reads back
    unchanged while Excel keeps treating it as text even when the cell is edited.
    """
    if not text:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, text, quoted if is_formula_like(text) else fmt)


def _write_value(
    ws: Worksheet, row: int, col: int, column: Column, value: Any, fmts: _Formats
) -> str:
    """Write one cell; return the text shown (for estimating the row height)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmts.center if column.kind != "text" else fmts.text)
        return ""
    if column.kind in ("rate", "money") and isinstance(value, str):
        _write_text(ws, row, col, value, fmts.center, fmts.center_quoted)
        return ""
    if column.kind == "rate":
        rate = Decimal(value)
        fmt = fmts.rate if rate == rate.to_integral_value() else fmts.rate_fraction
        ws.write_number(row, col, float(rate / 100), fmt)
        return ""
    if column.kind == "money":
        ws.write_number(row, col, float(Decimal(value) / 10_000), fmts.money)
        return ""
    if column.kind == "seq":
        if isinstance(value, int):
            ws.write_number(row, col, value, fmts.center)
        else:
            _write_text(ws, row, col, str(value), fmts.center, fmts.center_quoted)
        return ""
    text = str(value)
    _write_text(ws, row, col, text, fmts.text, fmts.text_quoted)
    return text


def _merge(
    ws: Worksheet,
    first_row: int,
    first_col: int,
    last_row: int,
    last_col: int,
    text: str,
    fmt: Format,
) -> None:
    # merge_range() writes through write(), which would turn "=…" into a formula: merge
    # blank, then write the anchor cell as a string.
    if (first_row, first_col) != (last_row, last_col):
        ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
    ws.write_string(first_row, first_col, text, fmt)


def _merge_down(ws: Worksheet, row: int, col: int) -> None:
    """Merge a header cell with the one below it, the anchor already written.

    In constant-memory mode the rows go out one at a time, in order, and ``merge_range``
    would write the blank cell below before the rest of the row above (which is then
    gone): the merge is recorded here and the row below gets its blank cell when written.
    """
    ws.merge.append([row, col, row + 1, col])


def _write_header(ws: Worksheet, columns: Sequence[Column], fmts: _Formats) -> None:
    top, sub = FIRST_HEADER_ROW, FIRST_HEADER_ROW + 1
    ws.set_row(top, 22)
    col = 0
    while col < len(columns):
        column = columns[col]
        if column.group:
            end = col
            while end + 1 < len(columns) and columns[end + 1].group == column.group:
                end += 1
            _merge(ws, top, col, top, end, column.group, fmts.header)
            col = end + 1
        else:
            ws.write_string(top, col, column.header, fmts.header)
            _merge_down(ws, top, col)
            col += 1
    ws.set_row(sub, 22)
    for c, column in enumerate(columns):
        if column.group:
            ws.write_string(sub, c, column.header, fmts.header)
        else:
            ws.write_blank(sub, c, None, fmts.header)


def write_ledger(
    target: str | Path | IO[bytes],
    *,
    title: str,
    filler: str,
    as_of: dt.date,
    columns: Sequence[Column],
    sections: Sequence[Section],
    sheet_name: str = "实事清单",
    with_notes: bool = True,
    constant_memory: bool = True,
) -> None:
    """Write one ledger workbook in the office layout, row by row in constant memory.

    Row dicts are keyed by ``Column.key``: text as ``str``, ``seq`` as ``int`` or ``str``,
    rates as ``Decimal`` 0–100 (written as a percentage cell), money as ``Decimal`` yuan
    (written in 万元, as the header says). A section with a name gets a category row
    "一、name(N项)"; the first nameless section (items outside any category) gets none.
    The cells are written in row order, so either mode of xlsxwriter writes the same sheet.
    """
    # Constant memory: each row goes to a temporary file once the next begins, so a ledger
    # of 100,000 items takes no more memory than one of ten (strings are written inline).
    # The generator turns it off: its test sheets keep Excel's shared strings.
    options = {"constant_memory": constant_memory}
    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
    fmts = _Formats(book)
    ws = book.add_worksheet(sheet_name)
    last = len(columns) - 1
    _merge(ws, 0, 0, 0, last, title, fmts.title)
    ws.set_row(0, 30)
    split = max(1, (last + 1) // 2)
    _merge(ws, 1, 0, 1, split - 1, filler, fmts.subtitle_left)
    _merge(ws, 1, split, 1, max(split, last), f"截至时间：{date_zh(as_of)}", fmts.subtitle_right)
    _write_header(ws, columns, fmts)
    for index, column in enumerate(columns):
        ws.set_column(index, index, column.width)

    row = FIRST_HEADER_ROW + HEADER_ROWS
    position = 0
    for section in sections:
        if section.name is not None:
            position += 1
            text = section_title(position, section.name, section.size)
            _merge(ws, row, 0, row, last, text, fmts.section)
            row += 1
        for values in section.rows:
            lines = 1
            for index, column in enumerate(columns):
                shown = _write_value(ws, row, index, column, values.get(column.key), fmts)
                if shown:
                    lines = max(lines, _lines_needed(shown, column.width))
            if lines > 1:
                ws.set_row(row, min(409, 14 * lines))
            row += 1
    row += 1
    ws.write_string(row, 0, "填表人：", fmts.subtitle_left)
    ws.write_string(row, min(4, last), "联系电话：", fmts.subtitle_left)

    ws.freeze_panes(FIRST_HEADER_ROW + HEADER_ROWS, 0)
    ws.repeat_rows(FIRST_HEADER_ROW, FIRST_HEADER_ROW + HEADER_ROWS - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    if with_notes:
        notes = book.add_worksheet("填表说明")
        notes.set_column(0, 0, 80)
        for i, line in enumerate(NOTES):
            notes.write_string(i, 0, line)
    book.close()


NOTES = (
    "1. 完成时限填写具体日期（如2021年12月底前、6月30日前、2021.10.31）或“长期坚持”。",
    "2. 完成率按百分比填写（如70%），已完成的可填“已完成”。",
    "3. 多个包保领导或配合单位之间用顿号“、”分隔。",
    "4. 类别行（如“一、城建城管执法类（28项）”）下的序号按类别从1开始编排，请勿改动序号。",
)
