"""Reading a year's State Council schedule from a sheet: .xlsx/.xls/.ods (python-calamine)
or .csv (UTF-8, or GB18030 as Excel on Chinese Windows saves it).

The format (``docs/workdays.md``): the first sheet; the first non-empty row is the header,
with three columns in any order (other columns are ignored):

| 日期 | 类型（放假/上班） | 名称 |
|---|---|---|
| 2027-01-01 | 放假 | 元旦 |
| 2027-02-07 | 上班 | 春节 |

- 日期: a date cell, or text as 2027-01-01, 2027/1/1, 2027.1.1, 20270101 or 2027年1月1日;
  every date in the year being imported, each date once.
- 类型: 放假 (also 休、休息、假) for a day off, 上班 (also 班、补班、调休上班、工作) for a
  make-up working day, which falls on a Saturday or Sunday.
- 名称: the holiday (元旦、春节、清明节、劳动节、端午节、中秋节、国庆节); for a make-up
  day the holiday it belongs to (may be empty: 调休上班).

Nothing is read into the database here: ``parse_schedule`` returns the rows, or every
problem with its sheet row (as Excel numbers it), its column and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from shishi.core.workbooks import first_sheet
from shishi.workdays.models import DayKind

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
NAME_MAX = 100
DEFAULT_WORK_NAME = "调休上班"

COLUMNS = {"date": "日期", "kind": "类型", "name": "名称"}
HEADER_WORDS = {
    "date": ("日期", "时间", "date"),
    "kind": ("类型", "放假/上班", "安排", "状态", "kind", "type"),
    "name": ("名称", "节日", "节假日", "假日名称", "说明", "name"),
}
KIND_WORDS = {
    DayKind.OFF: ("放假", "休", "休息", "假", "休假", "off"),
    DayKind.WORK: ("上班", "班", "补班", "调休上班", "工作", "work"),
}
_DATE_TEXT = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})\u5e74(\d{1,2})\u6708(\d{1,2})\u65e5?$"),  # 2027年1月1日
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


@dataclass(frozen=True)
class Problem:
    row: int  # the sheet's row number, 1-based as Excel shows it
    column: str  # the header word, or "" for the whole file
    reason: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        column = f"「{self.column}」" if self.column else ""
        return f"{where}{column}：{self.reason}"


@dataclass(frozen=True)
class Row:
    row: int
    date: dt.date
    kind: str
    name: str


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(value: Any) -> str | None:
    text = re.sub(r"\(.*?\)|\s", "", _text(value)).lower()
    for key, words in HEADER_WORDS.items():
        if text in words:
            return key
    return None


def _grid(data: bytes, filename: str) -> list[list[Any]]:
    """The first sheet's cells (a CSV is one sheet); raises ValueError with the reason."""
    return first_sheet(data, filename, max_rows=MAX_ROWS + 50)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace(" ", "")
    for pattern in _DATE_TEXT:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(*(int(g) for g in m.groups()))
            except ValueError:
                return None
    return None


def _kind(value: Any) -> str | None:
    text = _text(value).lower()
    for kind, words in KIND_WORDS.items():
        if text in words:
            return str(kind)
    return None


def check_day(day: dt.date, kind: str, year: int) -> str:
    """Why a day cannot be in ``year``'s schedule as ``kind``, or ""."""
    if day.year != year:
        return f"日期{day.isoformat()}不在{year}年内"
    if kind == DayKind.WORK and day.weekday() < 5:
        return f"{day.isoformat()}是周一至周五，本来就上班；调休上班日应是周六或周日"
    return ""


def parse_schedule(data: bytes, filename: str, year: int) -> Parsed:
    """The rows of a schedule sheet for ``year``, or every problem found (then no rows)."""
    out = Parsed()
    if len(data) > MAX_FILE_BYTES:
        out.problems.append(Problem(0, "", "文件过大（不超过2MB）"))
        return out
    try:
        grid = _grid(data, filename)
    except ValueError as exc:
        out.problems.append(Problem(0, "", str(exc)))
        return out
    header_at = next((i for i, row in enumerate(grid) if any(_text(v) for v in row)), None)
    if header_at is None:
        out.problems.append(Problem(0, "", "文件中没有内容"))
        return out
    columns: dict[str, int] = {}
    for index, value in enumerate(grid[header_at]):
        key = _header_key(value)
        if key and key not in columns:
            columns[key] = index
    for key, word in COLUMNS.items():
        if key not in columns:
            out.problems.append(
                Problem(header_at + 1, word, "表头缺少这一列（应有：日期、类型、名称）")
            )
    if out.problems:
        return out
    seen: dict[dt.date, int] = {}
    body = grid[header_at + 1 :]
    if len(body) > MAX_ROWS:
        out.problems.append(Problem(0, "", f"行数过多（不超过{MAX_ROWS}行）"))
        return out
    for offset, cells in enumerate(body):
        number = header_at + 2 + offset

        def cell(key: str, cells: list[Any] = cells) -> Any:
            index = columns[key]
            return cells[index] if index < len(cells) else None

        if not any(_text(cell(k)) for k in COLUMNS):
            continue
        raw_date, raw_kind, name = cell("date"), cell("kind"), _text(cell("name"))
        day = _date(raw_date)
        kind = _kind(raw_kind)
        problems = []
        if day is None:
            shown = _text(raw_date)
            reason = f"「{shown}」不是日期（如2027-01-01）" if shown else "请填写日期"
            problems.append(Problem(number, COLUMNS["date"], reason))
        if kind is None:
            shown = _text(raw_kind)
            reason = f"「{shown}」应为“放假”或“上班”" if shown else "请填写“放假”或“上班”"
            problems.append(Problem(number, COLUMNS["kind"], reason))
        if len(name) > NAME_MAX:
            problems.append(Problem(number, COLUMNS["name"], f"名称过长（不超过{NAME_MAX}字）"))
        elif not name and kind == DayKind.OFF:
            problems.append(Problem(number, COLUMNS["name"], "放假日请填写节日名称（如春节）"))
        if day is not None and kind is not None:
            reason = check_day(day, kind, year)
            if reason:
                problems.append(Problem(number, COLUMNS["date"], reason))
            elif day in seen:
                problems.append(Problem(number, COLUMNS["date"], f"与第{seen[day]}行的日期重复"))
        if day is not None:
            seen.setdefault(day, number)
        if problems:
            out.problems.extend(problems)
            continue
        assert day is not None and kind is not None
        out.rows.append(Row(number, day, kind, name or DEFAULT_WORK_NAME))
    if not out.problems and not out.rows:
        out.problems.append(Problem(header_at + 1, "", "表头下面没有日期"))
    if out.problems:
        out.rows = []
    return out
