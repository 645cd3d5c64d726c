"""Open data: the published items of a programme as JSON and CSV.

The field names are stable and documented here (and on the programme page). Both formats
carry exactly these fields, in this order, for each item:

==========================  ==========================================================
field                       meaning
==========================  ==========================================================
id                          the item's id (stable; the item page is ``url``)
number                      the item's number in the programme's list, e.g. "1-3"
name                        项目名称, the item's name
category                    类别, the category (null/empty when none)
lead_unit                   责任单位, the lead unit's name
deadline                    完成时限 as written, e.g. "2021年12月底前", "长期坚持"
due_date                    the date parsed from it (YYYY-MM-DD; null/empty if open-ended)
status                      status code: not_started, in_progress, done, closed_out
status_label                the status in Chinese: 未启动, 推进中, 已完成, 已销号
completion_rate             完成率, 0–100
latest_progress             the latest public progress text (empty when none)
latest_progress_date        its date (YYYY-MM-DD; null/empty when none)
photos                      URLs of public photos (JSON: a list; CSV: separated by spaces)
url                         the item's public page
==========================  ==========================================================

The JSON document is ``{"district_code", "district", "year", "programme", "count",
"fields", "items"}``; the CSV is UTF-8 with a byte-order mark (so Excel opens it) and
one header row of the field names; a text cell that a spreadsheet would take for a
formula (starting with = + - @) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import translation

from shishi.core.templatetags.shishi_format import plain_decimal
from shishi.ledger.excel.layout import is_formula_like
from shishi.ledger.models import Programme
from shishi.portal.selectors import PublicItem
from shishi.portal.status import status_choices

FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "事项ID(长期不变)"),
    ("number", "编号"),
    ("name", "项目名称"),
    ("category", "类别"),
    ("lead_unit", "责任单位"),
    ("deadline", "完成时限（原文）"),
    ("due_date", "截止日期（YYYY-MM-DD，长期坚持等为空）"),
    ("status", "状态代码"),
    ("status_label", "状态"),
    ("completion_rate", "完成率（0–100）"),
    ("latest_progress", "最新公开进展"),
    ("latest_progress_date", "最新公开进展日期"),
    ("photos", "公开照片地址（CSV中以空格分隔）"),
    ("url", "事项公开页面"),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)
DOCUMENT_KEYS = ("district_code", "district", "year", "programme", "count", "fields", "items")

Absolute = Callable[[str], str]


def _rate(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def item_record(item: PublicItem, absolute: Absolute) -> dict[str, Any]:
    """One item's open-data record, exactly ``FIELD_NAMES``, JSON-ready."""
    return {
        "id": item.id,
        "number": item.number,
        "name": item.name,
        "category": item.category,
        "lead_unit": item.lead_unit,
        "deadline": item.deadline,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "status": item.status.code,
        "status_label": item.status.label,
        "completion_rate": _rate(item.completion_rate),
        "latest_progress": item.latest_progress,
        "latest_progress_date": (
            item.latest_progress_date.isoformat() if item.latest_progress_date else None
        ),
        "photos": [absolute(p.url) for p in item.photos],
        "url": absolute(item.url),
    }


def json_document(
    programme: Programme, items: Sequence[PublicItem], absolute: Absolute
) -> dict[str, Any]:
    with translation.override("zh-hans"):  # labels in the data stay Chinese
        records = [item_record(item, absolute) for item in items]
        return {
            "district_code": programme.jurisdiction.code,
            "district": programme.jurisdiction.name,
            "year": programme.year,
            "programme": programme.name,
            "count": len(records),
            "fields": {name: meaning for name, meaning in FIELDS},
            "items": records,
        }


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "photos":
        return " ".join(value)
    if name == "completion_rate":
        return plain_decimal(Decimal(str(value)))
    text = str(value)
    # A cell a spreadsheet would run as a formula (CSV injection) gets an apostrophe,
    # which Excel hides.
    return "'" + text if is_formula_like(text) else text


def csv_bytes(items: Sequence[PublicItem], absolute: Absolute) -> bytes:
    """The items as CSV: UTF-8 with BOM, CRLF line ends, a header row of field names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELD_NAMES)
    with translation.override("zh-hans"):
        for item in items:
            record = item_record(item, absolute)
            writer.writerow([_cell(name, record[name]) for name in FIELD_NAMES])
    return buffer.getvalue().encode("utf-8-sig")


def status_codes() -> list[tuple[str, str]]:
    """The status codes and their Chinese labels, for the field documentation."""
    with translation.override("zh-hans"):
        return status_choices()
