"""The sheet imports of ``shishi.education``, one way for every kind (党组织, 宣传稿件, 媒体报道,
红色地标): a sheet module (``party_sheet``, ``publicity_sheet``, ``landmark_sheet``) keeps its
columns, its parse (every bad cell a ``CellError``) and its all-or-nothing apply; this module
keeps the rest.

- ``read_grid`` reads the first sheet (``core.workbooks.first_sheet``: zip bombs and size
  limits checked first), finds the header as the first row with any text, and maps the
  columns by their headers; a bad cell is a ``CellError`` printed
  ``第R行，C列（列名）：原因``. ``text``, ``whole_number`` and ``sheet_date`` read cells.
- The wizard's batch is an ``enterprise.models.SheetImport``: ``upload_batch`` /
  ``office_batch`` / ``confirm_batch`` / ``cancel_batch`` take the kind and the sheet's
  preview and apply functions; ``KINDS`` names each kind's audit actions and who may.
- ``write_workbook`` writes an .xlsx (text as text, never a formula) for the exports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, uploads, workbooks
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.education import permissions
from shishi.education.landmark_services import OFFICE_ONLY as LANDMARKS_OFFICE_ONLY
from shishi.education.party_selectors import OFFICE_ONLY
from shishi.enterprise.models import SheetImport, SheetKind, SheetStatus
from shishi.enterprise.register_sheet import parse_date
from shishi.orgs.models import Jurisdiction

MAX_COUNT = 10_000_000
NOT_A_WORKBOOK = "文件不是有效的Excel工作簿（.xlsx）"


@dataclass(frozen=True)
class Kind:
    action: str  # the audit actions: <action>_sheet_upload, _sheet_confirm, _sheet_cancel
    office_only: str  # the refusal for anyone but the office


KINDS: dict[str, Kind] = {
    SheetKind.PARTY_ORGS: Kind("education.party_orgs", OFFICE_ONLY),
    SheetKind.POSTS: Kind("education.posts", OFFICE_ONLY),
    SheetKind.MEDIA: Kind("education.media_reports", OFFICE_ONLY),
    SheetKind.LANDMARKS: Kind("education.landmark", LANDMARKS_OFFICE_ONLY),
}


@dataclass(frozen=True)
class CellError:
    row: int  # the sheet's row number, 1-based; 0 for the whole sheet
    column: str  # the column's letter; "" for the whole row
    label: str  # the column's header
    message: str

    def __str__(self) -> str:
        if self.row <= 0:
            return self.message
        where = f"{self.column}列（{self.label}）" if self.column else self.label
        return f"第{self.row}行，{where}：{self.message}"


@dataclass
class Grid:
    header_row: int  # 1-based
    columns: dict[str, int]  # header → 0-based column
    rows: list[tuple[int, list[Any]]]  # (sheet row number, cells), blank rows left out

    def cell(self, cells: Sequence[Any], label: str) -> Any:
        at = self.columns.get(label)
        return cells[at] if at is not None and at < len(cells) else None

    def error(self, row: int, label: str, message: str) -> CellError:
        at = self.columns.get(label)
        return CellError(row, workbooks.column_letter(at) if at is not None else "", label, message)


@dataclass(frozen=True)
class Applied:
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def header_key(value: Any) -> str:
    return re.sub(r"[\s*※:]+", "", unicodedata.normalize("NFKC", str(value or "")))


def text(value: Any) -> str:
    """A cell as text: whole floats without ``.0``, spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def whole_number(value: Any, what: str, *, limit: int = MAX_COUNT) -> int:
    """A count from a number cell or text (commas allowed); ``ValueError`` naming ``what``."""
    if isinstance(value, bool):
        raise ValueError(f"{what}应为不小于0的整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{what}应为整数，不能是{value:g}")
        number = int(value)
    else:
        raw = text(value).replace(",", "")
        if not raw:
            raise ValueError(f"请填写{what}")
        if not re.fullmatch(r"-?\d+", raw):
            raise ValueError(f"“{raw[:20]}”不是整数，{what}应为不小于0的整数")
        number = int(raw)
    if number < 0:
        raise ValueError(f"{what}不能为负数")
    if number > limit:
        raise ValueError(f"{what}过大（最多{limit}）")
    return number


def sheet_date(value: Any) -> dt.date:
    if value is None or text(value) == "":
        raise ValueError("请填写日期，如2021-06-30")
    return parse_date(value)


def read_grid(
    data: bytes,
    filename: str,
    headers: Sequence[str],
    required: Sequence[str],
    max_rows: int,
    *,
    empty: str = "表格中除表头外没有数据",
) -> tuple[Grid | None, list[CellError]]:
    """The sheet's header and rows, or the reason it cannot be read (as a row-0 error);
    ``empty`` says that the header has no rows under it."""
    if filename.lower().endswith((".xlsx", ".xls")) and not data.startswith((b"PK", b"\xd0\xcf")):
        return None, [CellError(0, "", "", NOT_A_WORKBOOK)]
    try:
        cells = workbooks.first_sheet(data, filename, max_rows=max_rows + 12)
    except ValueError as exc:
        return None, [CellError(0, "", "", str(exc))]
    skipped = 0
    while cells and not any(text(c) for c in cells[0]):
        cells.pop(0)
        skipped += 1
    if not cells:
        return None, [CellError(0, "", "", "表格是空的")]
    found = [header_key(h) for h in cells[0]]
    position = {h: n for n, h in reversed(list(enumerate(found))) if h}
    columns = {h: position[header_key(h)] for h in headers if header_key(h) in position}
    header_row = skipped + 1
    missing = [h for h in required if h not in columns]
    if missing:
        message = f"第{header_row}行的表头缺少列：{'、'.join(missing)}"
        return None, [CellError(0, "", "", message)]
    rows = [
        (header_row + 1 + offset, list(row))
        for offset, row in enumerate(cells[1:])
        if any(text(c) for c in row)
    ]
    if len(rows) > max_rows:
        return None, [CellError(0, "", "", f"一次最多导入{max_rows}行")]
    if not rows:
        return None, [CellError(0, "", "", empty)]
    return Grid(header_row, columns, rows), []


def labelled(headers: Sequence[str], values: Sequence[str]) -> list[dict[str, str]]:
    """A preview row's cells with their headers (the phone layout labels each cell)."""
    return [{"label": h, "value": v} for h, v in zip(headers, values, strict=True)]


def check_office(actor: Any, jurisdiction_id: int, message: str = OFFICE_ONLY) -> None:
    """``permissions.check_office`` with the sheets' message unless told another."""
    permissions.check_office(actor, jurisdiction_id, message)


class Checked(Protocol):
    errors: list[CellError]


P = TypeVar("P", bound=Checked)


def read_to_write(
    kind: str,
    parse: Callable[[int, bytes, str], P],
    jurisdiction_id: int,
    data: bytes,
    filename: str,
    *,
    actor: Any,
) -> P:
    """A sheet parsed for writing: by the district's office (``KINDS[kind]``) and with no bad
    cell, else ``ValidationFailed`` listing every one (``refuse_errors``)."""
    check_office(actor, jurisdiction_id, KINDS[kind].office_only)
    parsed = parse(jurisdiction_id, data, filename)
    if parsed.errors:
        raise refuse_errors(parsed.errors)
    return parsed


def refuse_errors(errors: Sequence[CellError]) -> ValidationFailed:
    shown = "；".join(str(e) for e in errors[:20])
    more = f"……共{len(errors)}处错误" if len(errors) > 20 else ""
    return ValidationFailed(
        f"表格有{len(errors)}处错误，未导入任何内容：{shown}{more}",
        {"file": "\n".join(str(e) for e in errors)},
    )


Preview = Callable[[int, bytes, str], dict[str, Any]]
Apply = Callable[[int, bytes, str], Applied]


def upload_batch(
    jurisdiction: Jurisdiction, upload: Any, *, kind: str, preview: Preview, actor: Any
) -> SheetImport:
    """Keep an uploaded sheet and its preview (``summary``: ``errors``, ``new``,
    ``matched``, a sample of ``rows``); nothing else is written. A sheet with errors is kept
    as ``failed``."""
    check_office(actor, jurisdiction.pk, KINDS[kind].office_only)
    problem = workbooks.upload_problem(upload)
    if problem:
        raise ValidationFailed(problem, {"file": problem})
    upload.seek(0)
    data = upload.read()
    summary = preview(jurisdiction.pk, data, upload.name or "")
    name = uploads.display_name(upload.name, 255, "导入.xlsx")
    with uploads.atomic_with_files():
        batch = SheetImport(
            jurisdiction=jurisdiction,
            kind=kind,
            original_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            status=SheetStatus.FAILED if summary["errors"] else SheetStatus.PREVIEWED,
            summary=summary,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        upload.seek(0)
        batch.file.name = uploads.store(
            f"education/imports/{jurisdiction.pk}/{secrets.token_hex(12)}.xlsx",
            upload,
            max_length=300,
        )
        batch.save()
        audit.record(
            actor=actor,
            action=f"{KINDS[kind].action}_sheet_upload",
            target=batch,
            changes={"file": [None, name], "errors": [None, len(summary["errors"])]},
            jurisdiction_id=jurisdiction.pk,
        )
    return batch


def office_batch(user: Any, pk: int, kind: str) -> SheetImport:
    batch = SheetImport.objects.select_related("jurisdiction").filter(pk=pk, kind=kind).first()
    if batch is None or not permissions.is_office(user, batch.jurisdiction_id):
        raise NotFound("没有找到这批导入")
    return batch


def confirm_batch(batch: SheetImport, *, apply: Apply, actor: Any) -> Applied:
    """Write a previewed batch, read and checked again from the kept file — all or nothing;
    a batch is written once (``StaleEdit`` for a second time)."""
    check_office(actor, batch.jurisdiction_id, KINDS[batch.kind].office_only)
    with transaction.atomic():
        row = SheetImport.objects.select_for_update().get(pk=batch.pk)
        if row.status != SheetStatus.PREVIEWED:
            raise StaleEdit("这批导入已处理过，不能再次确认，请重新上传")
        try:
            with row.file.open("rb") as handle:
                data = handle.read()
        except OSError:
            raise ValidationFailed("上传的文件已不存在，请重新上传") from None
        applied = apply(row.jurisdiction_id, data, row.original_name)
        row.status = SheetStatus.APPLIED
        row.confirmed_by = actor if getattr(actor, "pk", None) else None
        row.finished_at = timezone.now()
        row.summary = {
            **row.summary,
            "created": applied.created,
            "updated": applied.updated,
            "unchanged": applied.unchanged,
        }
        row.save()
        audit.record(
            actor=actor,
            action=f"{KINDS[row.kind].action}_sheet_confirm",
            target=row,
            changes={
                "created": [None, applied.created],
                "updated": [None, applied.updated],
                "unchanged": [None, applied.unchanged],
            },
            jurisdiction_id=row.jurisdiction_id,
        )
    return applied


def cancel_batch(batch: SheetImport, *, actor: Any) -> None:
    check_office(actor, batch.jurisdiction_id, KINDS[batch.kind].office_only)
    with transaction.atomic():
        row = SheetImport.objects.select_for_update().get(pk=batch.pk)
        if row.status not in (SheetStatus.PREVIEWED, SheetStatus.FAILED):
            return
        audit.record(
            actor=actor,
            action=f"{KINDS[row.kind].action}_sheet_cancel",
            target=row,
            changes={"status": [row.status, SheetStatus.CANCELLED.value]},
            jurisdiction_id=row.jurisdiction_id,
        )
        row.status = SheetStatus.CANCELLED
        row.finished_at = timezone.now()
        row.save()


def write_workbook(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """An .xlsx of ``rows`` under ``headers``; text as text (no formulas), dates ISO."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(title)
    bold = book.add_format({"bold": True})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, 30 if col < 3 else 14)
    for n, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(n, col, value)
            else:
                sheet.write_string(n, col, text(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
