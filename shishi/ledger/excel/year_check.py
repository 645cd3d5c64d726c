"""Does the sheet fit the chosen year? The preview's year warnings.

A sheet of 2021 imported as 2026 gives a board of items overdue by five years. Before an
office confirms, the plan lists everything that says the sheet belongs to another year:

- a year in the lines above the header: the title (“2021年南岗区…实事清单”), the 截至时间;
- a year in the uploaded file's name (``nangang-ledger-2021.xlsx``);
- deadlines whose date falls in another year (2021年9月 in a 2026 programme);
- dates in the 进展情况 text outside the programme's year, per row with the value.

Each is a ``RowError`` (row 0 for the sheet as a whole). Any of them makes
``ImportPlan.year_mismatch`` true, and the wizard and the console command then require an
explicit confirmation (``import_services.check_year_confirmed``). A deadline in a later year
is flagged as well: multi-year items exist, but the office should say it saw them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from shishi.ledger.excel import reading
from shishi.ledger.excel.plan_types import PlannedItem, RowError

MAX_LISTED = 200
# A year as people write it in titles and file names: 2000–2099, not part of a longer number.
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
# A date in a progress text: 2021年8月(15日), 2021.8.15, 2021-08-15, 2021/8/15.
_TEXT_DATE = re.compile(
    r"(?<!\d)(20\d\d)\s*(?:年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?|[.\-/](\d{1,2})[.\-/](\d{1,2}))"
)


def years_in(text: str) -> list[int]:
    """The distinct years written in ``text``, in order."""
    return list(dict.fromkeys(int(y) for y in _YEAR.findall(text)))


def title_years(rows: Sequence[Sequence[Any]], header_row: int) -> list[tuple[int, str]]:
    """(year, the line) of the text cells above the header that name a year."""
    found: list[tuple[int, str]] = []
    for row in rows[:header_row]:
        for value in row:
            if isinstance(value, str) and not reading.is_blank(value):
                text = value.strip()
                found.extend((year, text) for year in years_in(text))
    return found


def progress_dates(text: str) -> list[tuple[int, str]]:
    """(year, as written) of the dates in a progress text."""
    return [(int(m.group(1)), m.group(0).strip()) for m in _TEXT_DATE.finditer(text)]


def check_year(
    *,
    year: int,
    rows: Sequence[Sequence[Any]],
    header_row: int,
    items: Sequence[PlannedItem],
    words: dict[str, str],
    file_name: str = "",
) -> list[RowError]:
    """Everything in the sheet that says it belongs to a year other than ``year``."""
    found: list[RowError] = []
    for other, line in title_years(rows, header_row):
        if other != year:
            short = line if len(line) <= 60 else line[:60] + "…"
            found.append(RowError(0, "", f"表头上方“{short}”写的是{other}年，不是{year}年"))
    for other in years_in(file_name):
        if other != year:
            found.append(RowError(0, "", f"文件名“{file_name}”中的年份是{other}年，不是{year}年"))
    deadline_word = words.get("deadline", "完成时限")
    progress_word = words.get("progress", "进展情况")
    per_row: list[RowError] = []
    for item in items:
        deadline = item.deadline
        if (
            deadline is not None
            and deadline.due_date is not None
            and deadline.due_date.year != year
        ):
            note = f"完成时限“{deadline.text}”在{deadline.due_date.year}年，不在{year}年"
            per_row.append(RowError(item.row, deadline_word, note))
        for other, written in progress_dates(item.progress_text or ""):
            if other != year:
                note = f"进展情况中的日期“{written}”不在{year}年"
                per_row.append(RowError(item.row, progress_word, note))
    if len(per_row) > MAX_LISTED:
        more = len(per_row) - MAX_LISTED
        per_row = [*per_row[:MAX_LISTED], RowError(0, "", f"另有{more}处年度不符未列出")]
    return found + per_row
