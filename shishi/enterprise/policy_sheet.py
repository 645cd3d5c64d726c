"""The policy library in Excel: one row per policy, the model's fields, one column per
structured condition kind and 其他条件 (text conditions, a line each), 免申即享 and 状态.

- ``export_workbook`` writes exactly what ``parse_sheet`` reads (a round trip gives the same
  library); every cell is written as text (no formulas, dates as ``YYYY-MM-DD``).
- ``parse_sheet`` reads the first sheet (``core.workbooks.first_sheet``: size limits and zip
  bombs checked before anything is read) and checks every row with the services' own
  checks (``policy_services.check_policy``): every bad cell is reported as ``row R,
  column C: reason``, and then nothing is written.
- ``apply_sheet`` writes all rows or none (one transaction) through the services
  (``create_policy``, ``update_policy``, ``publish_policy``…), so a sheet's policy is
  validated, audited and matched exactly as one entered by hand. A row updates the
  district's policy with the same (文号, 政策名称); the rest are created. A re-import of the
  same sheet changes nothing.
- The wizard's batch is a ``SheetImport(kind="policies")``: the uploaded file kept between
  the preview and the confirmation, the preview in ``summary``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, uploads, workbooks
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.enterprise import permissions, policy_services
from shishi.enterprise.models import (
    Benefit,
    ConditionKind,
    Level,
    Policy,
    PolicyStatus,
    SheetImport,
    SheetKind,
    SheetStatus,
)
from shishi.enterprise.policy_services import (
    OFFICE_ONLY,
    ConditionRow,
    PolicyInput,
    condition_words,
    street_units,
)
from shishi.orgs.models import Jurisdiction

MAX_ROWS = 5000
SAMPLE_ROWS = 200

FIELD_COLUMNS: list[tuple[str, str]] = [
    ("title", "政策名称"),
    ("doc_number", "文号"),
    ("issuer", "发文单位"),
    ("level", "层级"),
    ("valid_from", "有效期自"),
    ("valid_until", "有效期至"),
    ("benefit", "支持方式"),
    ("amount_text", "支持标准"),
    ("guide", "申报指南"),
    ("materials", "申报材料"),
    ("contact", "咨询电话和部门"),
    ("source_url", "原文链接"),
]
CONDITION_COLUMNS: list[tuple[str, str]] = [
    (ConditionKind.INDUSTRY_ANY, "行业（属于）"),
    (ConditionKind.INDUSTRY_NONE, "行业（不属于）"),
    (ConditionKind.SIZE_IN, "企业规模"),
    (ConditionKind.STREET_IN, "注册街道"),
    (ConditionKind.QUALIFICATION_ALL, "资质（全部）"),
    (ConditionKind.QUALIFICATION_ANY, "资质（任一）"),
    (ConditionKind.YEARS_MIN, "成立满（年）"),
    (ConditionKind.YEARS_MAX, "成立不超过（年）"),
    (ConditionKind.EMPLOYEES_MIN, "从业人员不少于"),
    (ConditionKind.EMPLOYEES_MAX, "从业人员不多于"),
    (ConditionKind.REVENUE_MIN, "营业收入不低于（万元）"),
    (ConditionKind.REVENUE_MAX, "营业收入不高于（万元）"),
    (ConditionKind.TAX_MIN, "纳税额不低于（万元）"),
    (ConditionKind.TEXT, "其他条件"),
]
NO_APPLY = "免申即享"
STATUS = "状态"
HEADERS = [h for _f, h in FIELD_COLUMNS] + [h for _k, h in CONDITION_COLUMNS] + [NO_APPLY, STATUS]
REQUIRED = ("政策名称", "层级", "支持方式")
FIELD_HEADER = dict(FIELD_COLUMNS)

LEVEL_WORDS = {
    **{str(v.label): v.value for v in Level},
    **{str(v.label).removesuffix("级"): v.value for v in Level},
    **{v.value: v.value for v in Level},
}
BENEFIT_WORDS = {**{str(v.label): v.value for v in Benefit}, **{v.value: v.value for v in Benefit}}
STATUS_WORDS = {
    **{str(v.label): v.value for v in PolicyStatus},
    **{v.value: v.value for v in PolicyStatus},
    "": PolicyStatus.DRAFT.value,
}
YES = {"是", "Y", "YES", "TRUE", "1", "√"}
NO = {"否", "", "N", "NO", "FALSE", "0", "×"}
# 2024-01-31, 2024/1/31, 2024.1.31, 2024年1月31日 (after NFKC)
_DATE = re.compile(r"^(\d{4})\s*[-/.\u5e74]\s*(\d{1,2})\s*[-/.\u6708]\s*(\d{1,2})\s*\u65e5?$")


@dataclass(frozen=True)
class CellError:
    row: int  # the sheet's row number (1 = the header)
    column: str  # the header
    message: str

    def as_line(self) -> str:
        """The console form: ``row R, column C: reason``."""
        if self.row <= 0:
            return self.message
        return f"row {self.row}, column {self.column}: {self.message}"

    def __str__(self) -> str:
        if self.row <= 0:
            return self.message
        return f"第{self.row}行，「{self.column}」列：{self.message}"


@dataclass
class SheetRow:
    row: int
    data: PolicyInput
    status: str
    existing: Policy | None = None


@dataclass
class Parsed:
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _key(header: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header or "")))


def _text(value: Any) -> str:
    """A cell as text: whole floats without ``.0`` (a code or a figure typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"“{text[:20]}”不是日期，请写成2024-01-31")
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValueError(f"日期“{text[:20]}”不存在") from None


def _word(value: str, words: dict[str, str], what: str, allowed: str) -> str:
    key = _key(value)
    if not key:
        raise ValueError(f"请填写{what}：{allowed}")
    found = words.get(key) or words.get(key.lower())
    if found is None:
        raise ValueError(f"{what}“{value[:20]}”不对，应为{allowed}")
    return found


def parse_sheet(jurisdiction_id: int, data: bytes, filename: str) -> Parsed:
    """Every row of the sheet as a policy to write, or every bad cell (then no rows)."""
    parsed = Parsed()
    try:
        grid = workbooks.first_sheet(data, filename, max_rows=MAX_ROWS + 2)
    except ValueError as exc:
        parsed.errors.append(CellError(0, "", str(exc)))
        return parsed
    skipped_rows = 0
    while grid and not any(_text(c) for c in grid[0]):
        grid.pop(0)  # blank rows above the header
        skipped_rows += 1
    if not grid:
        parsed.errors.append(CellError(0, "", "表格是空的"))
        return parsed
    header = [_key(h) for h in grid[0]]
    position = {h: n for n, h in reversed(list(enumerate(header))) if h}
    columns = {h: position.get(_key(h)) for h in HEADERS}
    missing = [h for h in REQUIRED if columns[h] is None]
    if missing:
        parsed.errors.append(CellError(0, "", f"表头缺少列：{'、'.join(missing)}"))
        return parsed
    body = grid[1:]
    while body and not any(_text(c) for c in body[-1]):
        body.pop()
    if len(body) > MAX_ROWS:
        parsed.errors.append(CellError(0, "", f"一次最多导入{MAX_ROWS}项政策"))
        return parsed
    header_row = 1 + skipped_rows
    streets = street_units(jurisdiction_id)
    existing = {
        (p.doc_number, p.title): p
        for p in Policy.objects.filter(jurisdiction_id=jurisdiction_id).order_by("-id")
    }
    seen: dict[tuple[str, str], int] = {}
    for offset, cells in enumerate(body):
        n = header_row + 1 + offset
        if not any(_text(c) for c in cells):
            continue

        def cell(h: str, cells: list[Any] = cells) -> Any:
            at = columns[h]
            return cells[at] if at is not None and at < len(cells) else None

        errors: list[CellError] = []
        values: dict[str, Any] = {f: _text(cell(h)) for f, h in FIELD_COLUMNS}
        for f, allowed, words in (
            ("level", "国家级、省级、市级、区级", LEVEL_WORDS),
            ("benefit", "资金补贴、税费减免、贷款贴息、奖励、服务", BENEFIT_WORDS),
        ):
            try:
                values[f] = _word(values[f], words, FIELD_HEADER[f], allowed)
            except ValueError as exc:
                errors.append(CellError(n, FIELD_HEADER[f], str(exc)))
                values[f] = ""
        for f in ("valid_from", "valid_until"):
            try:
                values[f] = _date(cell(FIELD_HEADER[f]))
            except ValueError as exc:
                errors.append(CellError(n, FIELD_HEADER[f], str(exc)))
                values[f] = None
        no_apply_text = _key(_text(cell(NO_APPLY))).upper()
        if no_apply_text not in YES | NO:
            errors.append(CellError(n, NO_APPLY, "应填“是”或“否”"))
        status_text = _text(cell(STATUS))
        status = STATUS_WORDS.get(_key(status_text))
        if status is None:
            errors.append(
                CellError(n, STATUS, f"状态“{status_text[:20]}”不对，应为草稿、已发布、已失效")
            )
        rows: list[ConditionRow] = []
        row_columns: list[str] = []
        for kind, h in CONDITION_COLUMNS:
            text = _text(cell(h))
            if not text:
                continue
            parts = (
                [p for p in text.splitlines() if p.strip()]
                if kind == ConditionKind.TEXT
                else [text]
            )
            for part in parts:
                rows.append(ConditionRow(kind, part))
                row_columns.append(h)
        policy_input = PolicyInput(
            **values,
            no_apply=no_apply_text in YES,
            conditions=rows,
        )
        if not errors:
            try:
                policy_services.check_policy(jurisdiction_id, policy_input, streets=streets)
            except ValidationFailed as exc:
                for name, message in exc.errors.items():
                    if name.startswith("conditions-"):
                        column = row_columns[int(name.split("-", 1)[1])]
                    elif name == "no_apply":
                        column = NO_APPLY
                    else:  # a field, or "conditions" (too many): the text column
                        column = FIELD_HEADER.get(name, CONDITION_COLUMNS[-1][1])
                    errors.append(CellError(n, column, message))
        key = (values["doc_number"], values["title"])
        if key in seen:
            errors.append(
                CellError(n, "政策名称", f"与第{seen[key]}行的文号和政策名称相同（每项政策一行）")
            )
        seen.setdefault(key, n)
        if errors:
            parsed.errors.extend(errors)
            continue
        parsed.rows.append(
            SheetRow(n, policy_input, status or PolicyStatus.DRAFT, existing.get(key))
        )
    if parsed.errors:
        parsed.rows = []
    elif not parsed.rows:
        parsed.errors.append(CellError(0, "", "表格中没有政策"))
    return parsed


@dataclass(frozen=True)
class Applied:
    created: int
    updated: int
    unchanged: int


def _set_status(policy: Policy, status: str, actor: Any) -> Policy:
    if policy.status == status:
        return policy
    if status == PolicyStatus.PUBLISHED:
        return policy_services.publish_policy(policy, actor=actor)
    if status == PolicyStatus.EXPIRED:
        return policy_services.expire_policy(policy, actor=actor)
    return policy_services.unpublish_policy(policy, actor=actor)


def apply_sheet(jurisdiction_id: int, data: bytes, filename: str, *, actor: Any) -> Applied:
    """Write every row of the sheet, all or nothing; ``ValidationFailed`` listing the bad
    cells (as ``row R, column C: reason``) when there is any."""
    if not policy_services.may_keep_library(actor, jurisdiction_id):
        raise PermissionDenied(OFFICE_ONLY)
    parsed = parse_sheet(jurisdiction_id, data, filename)
    if parsed.errors:
        lines = [e.as_line() for e in parsed.errors]
        raise ValidationFailed(
            "；".join(str(e) for e in parsed.errors[:20]), {"file": "\n".join(lines)}
        )
    created = updated = unchanged = 0
    with transaction.atomic():
        for row in parsed.rows:
            if row.existing is None:
                policy = policy_services.create_policy(jurisdiction_id, row.data, actor=actor)
                created += 1
            else:
                before = row.existing.version
                policy = policy_services.update_policy(
                    row.existing, row.data, version=row.existing.version, actor=actor
                )
                changed = policy.version != before
                policy = _set_status(policy, row.status, actor)
                if changed or policy.version != before:
                    updated += 1
                else:
                    unchanged += 1
                continue
            _set_status(policy, row.status, actor)
    return Applied(created, updated, unchanged)


# --- export ---------------------------------------------------------------------------------


def policy_cells(policy: Policy, street_names: dict[int, str]) -> list[str]:
    """A policy's row: ``HEADERS`` in order, every value as text."""
    values: list[str] = []
    for f, _h in FIELD_COLUMNS:
        value = getattr(policy, f)
        if f == "level":
            value = Level(value).label if value in Level.values else value
        elif f == "benefit":
            value = Benefit(value).label if value in Benefit.values else value
        values.append(_text(value))
    by_kind: dict[str, list[str]] = {}
    for c in policy.conditions.all():
        by_kind.setdefault(c.kind, []).append(condition_words(c.kind, c.params, street_names))
    for kind, _h in CONDITION_COLUMNS:
        joiner = "\n" if kind == ConditionKind.TEXT else "、"
        values.append(joiner.join(by_kind.get(kind, [])))
    values.append("是" if policy.no_apply else "否")
    values.append(str(PolicyStatus(policy.status).label))
    return values


def export_workbook(jurisdiction_id: int) -> bytes:
    """The district's whole library as an .xlsx that ``parse_sheet`` reads back."""
    streets = {pk: name for name, pk in street_units(jurisdiction_id).items()}
    policies = (
        Policy.objects.filter(jurisdiction_id=jurisdiction_id)
        .prefetch_related("conditions")
        .order_by("id")
    )
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("惠企政策")
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, 30 if col in (0, 7, 8, 9) else 14)
    for n, policy in enumerate(policies, start=1):
        for col, value in enumerate(policy_cells(policy, streets)):
            sheet.write_string(n, col, value, wrap)
    sheet.freeze_panes(1, 1)
    book.close()
    return out.getvalue()


def export_for(jurisdiction: Jurisdiction, *, actor: Any) -> bytes:
    if not permissions.is_office(actor, jurisdiction.pk):
        raise PermissionDenied(OFFICE_ONLY)
    return export_workbook(jurisdiction.pk)


# --- the wizard's batch ---------------------------------------------------------------------


def _summary(parsed: Parsed) -> dict[str, Any]:
    statuses = {v.value: str(v.label) for v in PolicyStatus}
    levels = {v.value: str(v.label) for v in Level}
    new = sum(1 for r in parsed.rows if r.existing is None)
    return {
        "errors": [str(e) for e in parsed.errors],
        "new": new,
        "matched": len(parsed.rows) - new,
        "rows": [
            {
                "row": r.row,
                "title": r.data.title,
                "doc_number": r.data.doc_number,
                "level": levels.get(r.data.level, r.data.level),
                "conditions": len(r.data.conditions),
                "status": statuses.get(r.status, r.status),
                "action": "update" if r.existing is not None else "create",
            }
            for r in parsed.rows[:SAMPLE_ROWS]
        ],
    }


def upload_sheet(jurisdiction: Jurisdiction, upload: Any, *, actor: Any) -> SheetImport:
    """Keep an uploaded library sheet and its preview (the district's office only)."""
    if not permissions.is_office(actor, jurisdiction.pk):
        raise PermissionDenied(OFFICE_ONLY)
    problem = workbooks.upload_problem(upload)
    if problem:
        raise ValidationFailed(problem, {"file": problem})
    upload.seek(0)
    data = upload.read()
    parsed = parse_sheet(jurisdiction.pk, data, upload.name)
    name = uploads.display_name(upload.name, 255, "政策库.xlsx")
    with uploads.atomic_with_files():
        batch = SheetImport(
            jurisdiction=jurisdiction,
            kind=SheetKind.POLICIES,
            original_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            status=SheetStatus.FAILED if parsed.errors else SheetStatus.PREVIEWED,
            summary=_summary(parsed),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        upload.seek(0)
        batch.file.name = uploads.store(
            f"enterprise/imports/{jurisdiction.pk}/{secrets.token_hex(12)}.xlsx",
            upload,
            max_length=300,
        )
        batch.save()
        audit.record(
            actor=actor,
            action="enterprise.policy_sheet_upload",
            target=batch,
            changes={"file": [None, name], "errors": [None, len(parsed.errors)]},
            jurisdiction_id=jurisdiction.pk,
        )
    return batch


def office_batch(user: Any, pk: int) -> SheetImport:
    batch = (
        SheetImport.objects.select_related("jurisdiction")
        .filter(pk=pk, kind=SheetKind.POLICIES)
        .first()
    )
    if batch is None or not permissions.is_office(user, batch.jurisdiction_id):
        raise NotFound("没有找到这批导入")
    return batch


def confirm_sheet(batch: SheetImport, *, actor: Any) -> Applied:
    """Write a previewed batch (all or nothing); a batch is written once."""
    if not permissions.is_office(actor, batch.jurisdiction_id):
        raise PermissionDenied(OFFICE_ONLY)
    with transaction.atomic():
        row = SheetImport.objects.select_for_update().get(pk=batch.pk)
        if row.status != SheetStatus.PREVIEWED:
            raise ValidationFailed("这批导入已处理过，不能再次确认")
        try:
            with row.file.open("rb") as handle:
                data = handle.read()
        except OSError:
            raise ValidationFailed("上传的文件已不存在，请重新上传") from None
        applied = apply_sheet(row.jurisdiction_id, data, row.original_name, actor=actor)
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
            action="enterprise.policy_sheet_import",
            target=row,
            changes={
                "created": [None, applied.created],
                "updated": [None, applied.updated],
                "unchanged": [None, applied.unchanged],
            },
            jurisdiction_id=row.jurisdiction_id,
        )
    return applied


def cancel_sheet(batch: SheetImport, *, actor: Any) -> None:
    if not permissions.is_office(actor, batch.jurisdiction_id):
        raise PermissionDenied(OFFICE_ONLY)
    with transaction.atomic():
        row = SheetImport.objects.select_for_update().get(pk=batch.pk)
        if row.status in (SheetStatus.PREVIEWED, SheetStatus.FAILED):
            audit.record(
                actor=actor,
                action="enterprise.policy_sheet_cancel",
                target=row,
                changes={"status": [row.status, SheetStatus.CANCELLED.value]},
                jurisdiction_id=row.jurisdiction_id,
            )
            row.status = SheetStatus.CANCELLED
            row.finished_at = timezone.now()
            row.save()
