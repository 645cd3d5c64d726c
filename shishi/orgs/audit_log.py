"""The audit administrator's reading of the audit log: the page, the filters, the exports.

Only the audit administrator (审计管理员) reads it (``permissions.audit_scope``); each export
is itself an audit event (``services.record_audit_export``). Exports stream: CSV row by row,
XLSX through xlsxwriter's constant-memory mode into a temporary file.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core import selectors as core_selectors
from shishi.core.pii_text import mask_personal_numbers
from shishi.core.selectors import AUDIT_COLUMNS, AuditFilter
from shishi.orgs.permissions import audit_scope

PAGE_SIZE = 50
_TARGET = r"^[a-z_]+\.[a-z_]+$"

HEADERS = (
    _("序号"), _("时间"), _("账号ID"), _("操作人"), _("操作"), _("对象类型"), _("对象ID"),
    _("对象"), _("辖区ID"), _("变更内容"), _("密钥"), _("算法"), _("哈希"),
)  # fmt: skip


class AuditFilterForm(forms.Form):
    since = forms.DateField(label=_("开始日期"), required=False)
    until = forms.DateField(label=_("结束日期"), required=False)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("操作"), required=False, max_length=64)
    target_type = forms.RegexField(
        label=_("对象类型"),
        regex=_TARGET,
        required=False,
        max_length=64,
        error_messages={"invalid": _("对象类型应形如 ledger.item")},
    )
    target_id = forms.CharField(label=_("对象ID"), required=False, max_length=64)
    text = forms.CharField(label=_("对象名称包含"), required=False, max_length=100)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key, value in list(data.items()):
            if isinstance(value, str):
                if "\x00" in value:
                    self.add_error(key, _("不能包含空字符"))
                data[key] = value.strip()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("结束日期不能早于开始日期"))
        return data

    def audit_filter(self) -> AuditFilter:
        c = self.cleaned_data
        return AuditFilter(
            since=c.get("since"),
            until=c.get("until"),
            actor=c.get("actor") or "",
            action=c.get("action") or "",
            target_type=c.get("target_type") or "",
            target_id=c.get("target_id") or "",
            text=c.get("text") or "",
        )


@dataclass
class AuditPage:
    rows: list[Any]
    next_before: int | None  # the next page's ``before`` (older events), None at the end
    retention_days: int
    filter: AuditFilter


def audit_page(user: Any, audit_filter: AuditFilter, *, before: int | None) -> AuditPage:
    """One page (``PAGE_SIZE`` events, newest first) of what the audit administrator reads."""
    ids = audit_scope(user)
    events = core_selectors.audit_log(audit_filter, jurisdiction_ids=ids, before_seq=before)
    rows = list(events[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return AuditPage(
        rows=rows,
        next_before=rows[-1].seq if more and rows else None,
        retention_days=settings.SHISHI_AUDIT_RETENTION_DAYS,
        filter=audit_filter,
    )


def export_rows(user: Any, audit_filter: AuditFilter) -> Iterator[tuple[Any, ...]]:
    """Every matching event as export cells (text), streamed; permission checked first;
    phone and ID numbers in the changes masked."""
    ids = audit_scope(user)
    events = core_selectors.audit_log(audit_filter, jurisdiction_ids=ids)
    tz = timezone.get_current_timezone()
    created = AUDIT_COLUMNS.index("created_at")
    changes = AUDIT_COLUMNS.index("changes")

    def cells() -> Iterator[tuple[Any, ...]]:
        for row in core_selectors.audit_rows(events):
            out = list(row)
            out[created] = row[created].astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
            # Phone and ID numbers a text field held are masked here as everywhere they are
            # shown (the events themselves keep them: the chain seals what was written).
            text = json.dumps(row[changes], ensure_ascii=False, sort_keys=True)
            out[changes] = mask_personal_numbers(text)
            yield tuple("" if v is None else v for v in out)

    return cells()


class _Echo:
    """A file-like that hands back what csv writes (for a streamed response)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    """The CSV, a line at a time; a byte-order mark first so Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in HEADERS])
    for row in rows:
        yield writer.writerow([_safe_cell(v) for v in row])


def _safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def xlsx_file(rows: Iterator[tuple[Any, ...]]) -> IO[bytes]:
    """The XLSX in a temporary file (xlsxwriter's constant-memory mode: one row in memory
    at a time), rewound for streaming; deleted when closed."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    book = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet = book.add_worksheet("审计日志")
    bold = book.add_format({"bold": True})
    for col, header in enumerate(HEADERS):
        sheet.write_string(0, col, str(header), bold)
    for r, row in enumerate(rows, start=1):
        if r >= 1_048_576:  # the sheet's last row: the rest belongs in a CSV
            break
        for col, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    book.close()
    out.seek(0)
    return out


def export_name(extension: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return f"audit-{stamp}.{extension}"
