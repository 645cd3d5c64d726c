"""The district's red landmarks in Excel: one row per landmark, the columns ``HEADERS``.

- ``parse_sheet`` reads the first sheet (``core.workbooks.first_sheet``: size limits and zip
  bombs checked before anything is read) and checks every row with the services' own checks
  (``landmark_services.clean_landmark``): every bad cell is reported as
  ``第R行，C列（列名）：原因``, and then no row is given to write.
- A row updates the district's landmark of the same name; the rest are new. Coordinates are
  given in the row's 坐标系 (WGS-84 when empty) and stored in WGS-84, so importing the same
  sheet again changes nothing.
- A column the sheet lacks leaves its field as it is (a new landmark takes the default); an
  empty 排序 keeps the order (a new landmark goes last); an empty 纬度 and 经度 clear the
  point.
- ``apply_landmarks`` writes the rows, all or nothing, through ``create_landmark`` and
  ``update_landmark``; ``preview_landmarks`` is the wizard's preview. The reading, the cell
  errors and the wizard's batches (kind ``landmarks``) are those of ``sheets``.
- ``template_workbook`` is the empty sheet with the headers and one example row;
  ``export_workbook`` writes the district's landmarks as ``parse_sheet`` reads them back.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from django.db import transaction

from shishi.education.landmark_services import (
    DATUMS,
    LandmarkInput,
    clean_landmark,
    create_landmark,
    update_landmark,
)
from shishi.education.models import Landmark
from shishi.education.sheets import (
    Applied,
    CellError,
    header_key,
    labelled,
    read_grid,
    read_to_write,
)
from shishi.enterprise.models import SheetKind
from shishi.orgs.models import Jurisdiction

MAX_ROWS = 2000
SAMPLE_ROWS = 200

# field → header, in the sheet's order
COLUMNS: list[tuple[str, str]] = [
    ("name", "名称"),
    ("address", "地址"),
    ("lat", "纬度"),
    ("lon", "经度"),
    ("datum", "坐标系"),
    ("opening_hours", "开放时间"),
    ("description", "简介"),
    ("order", "排序"),
    ("is_sample", "示例"),
]
HEADERS = tuple(h for _f, h in COLUMNS)
LABEL = dict(COLUMNS)
REQUIRED = ("名称", "地址")
PREVIEW_HEADERS = ("名称", "地址", "坐标", "示例")
YES = {"是", "Y", "YES", "TRUE", "1", "√", "示例"}
NO = {"否", "", "N", "NO", "FALSE", "0", "×"}
DATUM_WORDS = {
    "WGS84": "wgs84",
    "GPS": "wgs84",
    "天地图": "wgs84",
    "CGCS2000": "wgs84",
    "GCJ02": "gcj02",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "BD09": "bd09",
    "百度": "bd09",
    "": "wgs84",
}


@dataclass
class SheetRow:
    row: int
    data: LandmarkInput
    existing: Landmark | None = None


@dataclass
class Parsed:
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _text(value: Any) -> str:
    """A cell as text, its line breaks kept (an 简介 may have several paragraphs)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _number(value: Any) -> Decimal | None:
    """A coordinate cell as a number (``None`` when empty); ``ValueError`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().rstrip("°")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{text[:20]}”不是数字（用十进制度数，如45.7567）") from None
    if not number.is_finite():
        raise ValueError("不是数字")
    return number


def _order(value: Any) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d{1,6}", text):
        raise ValueError(f"“{text[:20]}”不是整数（排序应为0或正整数）")
    return int(text)


def parse_sheet(jurisdiction_id: int, data: bytes, filename: str) -> Parsed:
    """Every row as a landmark to write, or every bad cell (then no rows)."""
    parsed = Parsed()
    grid, unread = read_grid(data, filename, HEADERS, REQUIRED, MAX_ROWS, empty="表格中没有地标")
    if grid is None:
        parsed.errors = unread
        return parsed
    columns = {f: grid.columns.get(h) for f, h in COLUMNS}
    if (columns["lat"] is None) != (columns["lon"] is None):
        parsed.errors.append(CellError(0, "", "", "表头应同时有“纬度”和“经度”两列（或都没有）"))
        return parsed
    existing = {lm.name: lm for lm in Landmark.objects.filter(jurisdiction_id=jurisdiction_id)}
    seen: dict[str, int] = {}
    for n, cells in grid.rows:

        def cell(name: str, cells: list[Any] = cells) -> Any:
            return grid.cell(cells, LABEL[name])

        errors: list[CellError] = []

        def bad(name: str, message: str, errors: list[CellError] = errors, n: int = n) -> None:
            errors.append(grid.error(n, LABEL[name], message))

        name = " ".join(_text(cell("name")).split())
        current = existing.get(name)
        coords: dict[str, Decimal | None] = {"lat": None, "lon": None}
        for f in ("lat", "lon"):
            try:
                coords[f] = _number(cell(f))
            except ValueError as exc:
                bad(f, str(exc))
        if columns["lat"] is None and current is not None:
            coords = {"lat": current.lat, "lon": current.lon}
        datum_text = _text(cell("datum"))
        datum = DATUM_WORDS.get(header_key(datum_text).upper().replace("-", "").replace("_", ""))
        if datum is None:
            bad("datum", f"坐标系“{datum_text[:20]}”不对，应为WGS-84、GCJ-02或BD-09")
        if columns["lat"] is None:
            datum = "wgs84"  # the kept point is WGS-84 already
        order: int | None = None
        try:
            order = _order(cell("order"))
        except ValueError as exc:
            bad("order", str(exc))
        sample_text = header_key(_text(cell("is_sample"))).upper()
        if sample_text not in YES | NO:
            bad("is_sample", "应填“是”或“否”")

        def keep(f: str, current: Landmark | None = current) -> str:
            if columns[f] is not None:
                return _text(cell(f))
            return str(getattr(current, f)) if current is not None else ""

        row_input = LandmarkInput(
            name=name,
            address=_text(cell("address")),
            lat=coords["lat"],
            lon=coords["lon"],
            datum=datum or "wgs84",
            opening_hours=keep("opening_hours"),
            description=keep("description"),
            order=order,
            is_sample=(
                sample_text in YES
                if columns["is_sample"] is not None
                else bool(current and current.is_sample)
            ),
        )
        if not errors:
            _values, problems = clean_landmark(row_input)
            for f, message in problems.items():
                bad(f if f in columns else "name", message)
        if name and name in seen:
            bad("name", f"与第{seen[name]}行的名称相同（每个地标一行）")
        seen.setdefault(name, n)
        if errors:
            parsed.errors.extend(errors)
            continue
        parsed.rows.append(SheetRow(n, row_input, current))
    if parsed.errors:
        parsed.rows = []
    return parsed


def preview_landmarks(jurisdiction_id: int, data: bytes, filename: str) -> dict[str, Any]:
    """The preview kept in the batch: the errors, the counts and the first rows."""
    parsed = parse_sheet(jurisdiction_id, data, filename)
    new = sum(1 for r in parsed.rows if r.existing is None)
    return {
        "errors": [str(e) for e in parsed.errors],
        "total": len(parsed.rows),
        "new": new,
        "matched": len(parsed.rows) - new,
        "rows": [
            {
                "row": r.row,
                "cells": labelled(
                    PREVIEW_HEADERS,
                    [
                        r.data.name,
                        r.data.address,
                        (
                            f"{r.data.lat}, {r.data.lon}（{DATUMS.get(r.data.datum, '')}）"
                            if r.data.lat is not None
                            else ""
                        ),
                        "是" if r.data.is_sample else "",
                    ],
                ),
                "action": "update" if r.existing is not None else "create",
            }
            for r in parsed.rows[:SAMPLE_ROWS]
        ],
    }


def apply_landmarks(
    jurisdiction_id: int, data: bytes, filename: str, *, actor: Any = None
) -> Applied:
    """Write a sheet's rows, all or nothing (one transaction, through ``create_landmark`` and
    ``update_landmark``); ``ValidationFailed`` listing every bad cell when there is any. A
    row whose landmark (same name) already holds its values is left alone, so importing the
    same sheet twice changes nothing the second time."""
    parsed = read_to_write(
        SheetKind.LANDMARKS, parse_sheet, jurisdiction_id, data, filename, actor=actor
    )
    jurisdiction = Jurisdiction.objects.get(pk=jurisdiction_id)
    created = updated = unchanged = 0
    with transaction.atomic():
        for row in parsed.rows:
            if row.existing is None:
                create_landmark(jurisdiction, row.data, actor=actor)
                created += 1
                continue
            before = row.existing.version
            after = update_landmark(row.existing, row.data, version=before, actor=actor)
            if after.version != before:
                updated += 1
            else:
                unchanged += 1
    return Applied(created, updated, unchanged)


# --- writing -------------------------------------------------------------------------------


def _workbook(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("红色地标")
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, {0: 28, 1: 32, 6: 50}.get(col, 12))
    for n, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if isinstance(value, Decimal):
                sheet.write_number(n, col, float(value))
            elif isinstance(value, int):
                sheet.write_number(n, col, value)
            else:
                sheet.write_string(n, col, str(value), wrap)  # text, never a formula
    sheet.freeze_panes(1, 1)
    book.close()
    return out.getvalue()


def template_workbook() -> bytes:
    """The headers and one example row (a sample, to be overwritten)."""
    return _workbook(
        [
            [
                "东北抗联博物馆",
                "南岗区一曼街241号",
                Decimal("45.757400"),
                Decimal("126.641200"),
                "WGS-84",
                "9:00-16:00，周一闭馆",
                "（简介）",
                1,
                "否",
            ]
        ]
    )


def export_workbook(jurisdiction_id: int) -> bytes:
    """The district's landmarks, in WGS-84, as ``parse_sheet`` reads them back."""
    rows = [
        [
            lm.name,
            lm.address,
            lm.lat if lm.lat is not None else "",
            lm.lon if lm.lon is not None else "",
            DATUMS["wgs84"],
            lm.opening_hours,
            lm.description,
            lm.order,
            "是" if lm.is_sample else "否",
        ]
        for lm in Landmark.objects.filter(jurisdiction_id=jurisdiction_id).order_by("order", "id")
    ]
    return _workbook(rows)
