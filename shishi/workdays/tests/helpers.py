"""Small builders for the calendar's tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

HEADER = ("日期", "类型（放假/上班）", "名称")


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    """A workbook whose first sheet holds ``header`` and ``rows`` (dates as date cells)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("放假安排")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            else:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows([[str(v) for v in row] for row in rows])
    return text.getvalue().encode(encoding)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# An invented 2027 schedule (the State Council has not published it): Spring Festival and
# National Day with their make-up days, as an office would enter them.
SPRING_2027 = {
    "off": ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
            "2027-02-10", "2027-02-11", "2027-02-12"],
    "work": ["2027-01-31", "2027-02-20"],
}  # fmt: skip
NATIONAL_2027 = {
    "off": [f"2027-10-0{i}" for i in range(1, 8)],
    "work": ["2027-09-26", "2027-10-09"],
}


def rows_2027() -> list[tuple[Any, str, str]]:
    rows: list[tuple[Any, str, str]] = []
    for name, spec in (("春节", SPRING_2027), ("国庆节", NATIONAL_2027)):
        rows += [(d(x), "放假", name) for x in spec["off"]]
        rows += [(d(x), "上班", name) for x in spec["work"]]
    return rows
