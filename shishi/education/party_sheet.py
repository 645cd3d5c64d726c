"""Party organisations in Excel (columns 党委, 党支部, 党员数), and the sheet machinery the
publicity sheets share (``publicity_sheet``).

- ``read_grid`` reads the first sheet (``core.workbooks.first_sheet``: zip bombs and size
  limits checked first), finds the header as the first row with any text, and maps the
  columns by their headers; a bad cell is a ``CellError`` printed
  ``第R行，C列（列名）：原因``.
- ``parse_party_sheet`` checks every row: 党委 required; 党支部 empty for the committee's own
  row; 党员数 a whole number ≥ 0. A branch name may repeat across committees; within one
  committee a repeated (党委, 党支部) is an error naming both rows. A committee's name may not
  be another kind of unit of the district.
- ``apply_party_sheet`` writes all rows or none in one transaction: creates the missing
  committees and branches (``orgs.services.ensure_unit``) and sets the member counts; a
  re-import of the same sheet changes nothing. One audit event for the import.
- The wizard's batch is an ``enterprise.models.SheetImport`` (kind ``party_orgs``):
  ``upload_batch`` / ``office_batch`` / ``confirm_batch`` / ``cancel_batch`` take the kind
  and the sheet's preview and apply functions, so the posts and media sheets use them too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, uploads, workbooks
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.education import permissions
from shishi.enterprise.models import SheetImport, SheetKind, SheetStatus
from shishi.enterprise.register_sheet import parse_date
from shishi.orgs.models import NAMED_IN_JURISDICTION, Jurisdiction, Unit
from shishi.orgs.services import ensure_unit

OFFICE_ONLY = "只有专班可以维护党组织和宣传工作"
MAX_ROWS = 20_000
SAMPLE_ROWS = 200
MAX_MEMBERS = 10_000_000

COMMITTEE = "党委"
BRANCH = "党支部"
MEMBERS = "党员数"
PARTY_HEADERS = (COMMITTEE, BRANCH, MEMBERS)
PARTY_REQUIRED = (COMMITTEE, MEMBERS)


# --- the shared machinery ---------------------------------------------------------------------


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


def whole_number(value: Any, what: str, *, limit: int = MAX_MEMBERS) -> int:
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
    data: bytes, filename: str, headers: Sequence[str], required: Sequence[str], max_rows: int
) -> tuple[Grid | None, list[CellError]]:
    """The sheet's header and rows, or the reason it cannot be read (as a row-0 error)."""
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
    missing = [h for h in required if h not in columns]
    if missing:
        message = f"表头缺少列：{'、'.join(missing)}（第一行应为表头：{'、'.join(headers)}）"
        return None, [CellError(0, "", "", message)]
    header_row = skipped + 1
    rows = [
        (header_row + 1 + offset, list(row))
        for offset, row in enumerate(cells[1:])
        if any(text(c) for c in row)
    ]
    if len(rows) > max_rows:
        return None, [CellError(0, "", "", f"一次最多导入{max_rows}行")]
    if not rows:
        return None, [CellError(0, "", "", "表格中除表头外没有数据")]
    return Grid(header_row, columns, rows), []


def labelled(headers: Sequence[str], values: Sequence[str]) -> list[dict[str, str]]:
    """A preview row's cells with their headers (the phone layout labels each cell)."""
    return [{"label": h, "value": v} for h, v in zip(headers, values, strict=True)]


def check_office(actor: Any, jurisdiction_id: int) -> None:
    """The district's office may; ``None`` is the system (the console's commands), never a
    request (a view passes ``request.user``, an anonymous user included)."""
    if actor is not None and not permissions.is_office(actor, jurisdiction_id):
        raise PermissionDenied(OFFICE_ONLY)


def refuse_errors(errors: Sequence[CellError]) -> ValidationFailed:
    shown = "；".join(str(e) for e in errors[:20])
    more = f"……共{len(errors)}处错误" if len(errors) > 20 else ""
    return ValidationFailed(
        f"表格有{len(errors)}处错误，未导入任何内容：{shown}{more}",
        {"file": "\n".join(str(e) for e in errors)},
    )


Preview = Callable[[int, bytes, str], dict[str, Any]]
Apply = Callable[[int, bytes, str], Applied]

ACTIONS = {
    SheetKind.PARTY_ORGS: "education.party_orgs",
    SheetKind.POSTS: "education.posts",
    SheetKind.MEDIA: "education.media_reports",
}


def upload_batch(
    jurisdiction: Jurisdiction, upload: Any, *, kind: str, preview: Preview, actor: Any
) -> SheetImport:
    """Keep an uploaded sheet and its preview (``summary``: ``errors``, ``new``,
    ``matched``, a sample of ``rows``); nothing else is written. A sheet with errors is kept
    as ``failed``."""
    check_office(actor, jurisdiction.pk)
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
            action=f"{ACTIONS[SheetKind(kind)]}_sheet_upload",
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
    check_office(actor, batch.jurisdiction_id)
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
            action=f"{ACTIONS[SheetKind(row.kind)]}_sheet_confirm",
            target=row,
            changes={"created": [None, applied.created], "updated": [None, applied.updated]},
            jurisdiction_id=row.jurisdiction_id,
        )
    return applied


def cancel_batch(batch: SheetImport, *, actor: Any) -> None:
    check_office(actor, batch.jurisdiction_id)
    with transaction.atomic():
        row = SheetImport.objects.select_for_update().get(pk=batch.pk)
        if row.status not in (SheetStatus.PREVIEWED, SheetStatus.FAILED):
            return
        audit.record(
            actor=actor,
            action=f"{ACTIONS[SheetKind(row.kind)]}_sheet_cancel",
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


# --- party organisations --------------------------------------------------------------------


@dataclass
class PartyRow:
    row: int
    committee: str
    branch: str  # "" for the committee's own row
    members: int
    action: str = "create"  # create, update, unchanged


@dataclass
class PartyParsed:
    rows: list[PartyRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _name(value: Any, label: str, grid: Grid, n: int, errors: list[CellError]) -> str:
    name = text(value)
    if len(name) > 200:
        errors.append(grid.error(n, label, "名称过长（最多200字）"))
    elif "<" in name or ">" in name:
        errors.append(grid.error(n, label, "名称不能含尖括号"))
    return name


def parse_party_sheet(jurisdiction_id: int, data: bytes, filename: str) -> PartyParsed:
    """Every row as a committee's or branch's member count, or every bad cell (then no
    rows). Each row's ``action`` says what importing it would do."""
    parsed = PartyParsed()
    grid, errors = read_grid(data, filename, PARTY_HEADERS, PARTY_REQUIRED, MAX_ROWS)
    if grid is None:
        parsed.errors = errors
        return parsed
    others = set(
        Unit.objects.filter(NAMED_IN_JURISDICTION, jurisdiction_id=jurisdiction_id)
        .exclude(kind=Unit.Kind.PARTY_COMMITTEE)
        .values_list("name", flat=True)
    )
    committees = dict(
        Unit.objects.filter(
            jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_COMMITTEE
        ).values_list("name", "members")
    )
    branches = {
        (c, b): m
        for c, b, m in Unit.objects.filter(
            jurisdiction_id=jurisdiction_id,
            kind=Unit.Kind.PARTY_BRANCH,
            parent__kind=Unit.Kind.PARTY_COMMITTEE,
        ).values_list("parent__name", "name", "members")
    }
    seen: dict[tuple[str, str], int] = {}
    for n, cells in grid.rows:
        row_errors: list[CellError] = []
        committee = _name(grid.cell(cells, COMMITTEE), COMMITTEE, grid, n, row_errors)
        branch = _name(grid.cell(cells, BRANCH), BRANCH, grid, n, row_errors)
        if not committee:
            row_errors.append(grid.error(n, COMMITTEE, "请填写党委名称"))
        elif committee in others:
            row_errors.append(
                grid.error(n, COMMITTEE, f"本区已有名为“{committee[:30]}”的单位，但不是党委")
            )
        members = 0
        try:
            members = whole_number(grid.cell(cells, MEMBERS), MEMBERS)
        except ValueError as exc:
            row_errors.append(grid.error(n, MEMBERS, str(exc)))
        key = (committee, branch)
        if committee and key in seen:
            what = f"党支部“{branch[:30]}”" if branch else "党委本级"
            row_errors.append(
                grid.error(
                    n,
                    BRANCH if branch else COMMITTEE,
                    f"与第{seen[key]}行重复：同一党委下{what}只能有一行",
                )
            )
        elif committee:
            seen[key] = n
        if row_errors:
            parsed.errors.extend(row_errors)
            continue
        stored = branches if branch else committees
        skey: Any = key if branch else committee
        if skey not in stored:
            action = "create"
        else:
            action = "unchanged" if stored[skey] == members else "update"
        parsed.rows.append(PartyRow(n, committee, branch, members, action))
    if parsed.errors:
        parsed.rows = []
    return parsed


def preview_party_sheet(jurisdiction_id: int, data: bytes, filename: str) -> dict[str, Any]:
    parsed = parse_party_sheet(jurisdiction_id, data, filename)
    return {
        "errors": [str(e) for e in parsed.errors],
        "total": len(parsed.rows),
        "new": sum(1 for r in parsed.rows if r.action == "create"),
        "matched": sum(1 for r in parsed.rows if r.action != "create"),
        "rows": [
            {
                "row": r.row,
                "cells": labelled(
                    PARTY_HEADERS, [r.committee, r.branch or "（党委本级）", str(r.members)]
                ),
                "action": r.action,
            }
            for r in parsed.rows[:SAMPLE_ROWS]
        ],
    }


def apply_party_sheet(
    jurisdiction_id: int, data: bytes, filename: str, *, actor: Any = None
) -> Applied:
    """Write every row, all or nothing (``ValidationFailed`` listing the bad cells)."""
    check_office(actor, jurisdiction_id)
    parsed = parse_party_sheet(jurisdiction_id, data, filename)
    if parsed.errors:
        raise refuse_errors(parsed.errors)
    jurisdiction = Jurisdiction.objects.get(pk=jurisdiction_id)
    created = updated = unchanged = 0
    with transaction.atomic():
        committees = {
            u.name: u
            for u in Unit.objects.select_for_update().filter(
                jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_COMMITTEE
            )
        }
        branches = {
            (u.parent_id, u.name): u
            for u in Unit.objects.select_for_update().filter(
                jurisdiction_id=jurisdiction_id,
                kind=Unit.Kind.PARTY_BRANCH,
                parent_id__in=[c.pk for c in committees.values()],
            )
        }
        for row in sorted(parsed.rows, key=lambda r: r.branch != ""):  # committees first
            committee = committees.get(row.committee)
            new_committee = committee is None
            if committee is None:
                committee = ensure_unit(
                    jurisdiction, row.committee, kind=Unit.Kind.PARTY_COMMITTEE, actor=actor
                )
                if committee.kind != Unit.Kind.PARTY_COMMITTEE:  # raced with another unit
                    raise ValidationFailed(f"本区已有名为“{row.committee}”的单位，但不是党委")
                committees[row.committee] = committee
            target, is_new = committee, new_committee
            if row.branch:
                found = branches.get((committee.pk, row.branch))
                is_new = found is None
                target = found or ensure_unit(
                    jurisdiction,
                    row.branch,
                    kind=Unit.Kind.PARTY_BRANCH,
                    parent=committee,
                    actor=actor,
                )
            if is_new:
                created += 1
            elif target.members == row.members:
                unchanged += 1
                continue
            else:
                updated += 1
            if target.members != row.members:
                Unit.objects.filter(pk=target.pk).update(
                    members=row.members, updated_at=timezone.now()
                )
                target.members = row.members
        audit.record(
            actor=actor,
            action="education.party_orgs_import",
            target=jurisdiction,
            changes={
                "file": [None, filename[-100:]],
                "created": [None, created],
                "updated": [None, updated],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return Applied(created, updated, unchanged)


def party_rows(jurisdiction_id: int) -> list[list[Any]]:
    """The district's organisations as the sheet has them: each committee's own row, then its
    branches."""
    out: list[list[Any]] = []
    committees = Unit.objects.filter(
        jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_COMMITTEE
    ).order_by("name")
    branches: dict[int, list[tuple[str, int | None]]] = {}
    for parent_id, name, members in (
        Unit.objects.filter(jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_BRANCH)
        .order_by("name")
        .values_list("parent_id", "name", "members")
    ):
        branches.setdefault(parent_id, []).append((name, members))
    for committee in committees:
        out.append([committee.name, "", committee.members or 0])
        for name, members in branches.get(committee.pk, []):
            out.append([committee.name, name, members or 0])
    return out


def export_party_orgs(jurisdiction: Jurisdiction, *, actor: Any) -> bytes:
    """The district's organisations as an .xlsx that ``parse_party_sheet`` reads back."""
    check_office(actor, jurisdiction.pk)
    return write_workbook("党组织", PARTY_HEADERS, party_rows(jurisdiction.pk))
