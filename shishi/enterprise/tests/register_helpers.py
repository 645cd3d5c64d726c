"""Shared by the register's tests: sheets written in memory, valid USCCs, a policy."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from shishi.core.uscc import check_character


def uscc(body: str) -> str:
    """A valid USCC from its first 17 characters' tail (padded into 91230103…)."""
    first17 = ("91230103" + body).ljust(17, "0")[:17]
    return first17 + check_character(first17)


def sheet(header: Sequence[str], *rows: Sequence[Any], title: str | None = None) -> bytes:
    """An .xlsx of one sheet: an optional title row, the header, the rows."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("名录")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    if title:
        ws.write_string(0, 0, title)
        r = 1
    ws.write_row(r, 0, list(header))
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    book.close()
    return out.getvalue()


BASIC = ("企业名称", "统一社会信用代码", "行业代码", "从业人员", "营业收入", "资产总额")
