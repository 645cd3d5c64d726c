"""The audit administrator's pages: the audit log with its filters, and its exports (CSV,
XLSX, streamed). Thin: parse the filters, call the selector, render or stream."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from shishi.core import errors
from shishi.orgs import audit_log, services


@require_GET
@login_required
def log(request: HttpRequest) -> HttpResponse:
    form = audit_log.AuditFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    audit_filter = form.audit_filter() if request.GET and valid else audit_log.AuditFilter()
    before = form.cleaned_data.get("before") if request.GET and valid else None
    page = audit_log.audit_page(request.user, audit_filter, before=before)
    query = request.GET.copy()
    query.pop("before", None)
    return TemplateResponse(
        request,
        "audit/log.html",
        {"page": page, "form": form, "query": query.urlencode()},
        status=200 if valid else 422,
    )


@require_GET
@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    form = audit_log.AuditFilterForm(request.GET)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        raise errors.ValidationFailed(f"筛选条件有误：{first}")
    audit_filter = form.audit_filter()
    rows = audit_log.export_rows(request.user, audit_filter)  # checks the permission
    services.record_audit_export(request.user, audit_filter.as_dict(), fmt=fmt)
    name = audit_log.export_name(fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            audit_log.csv_chunks(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return FileResponse(
        audit_log.xlsx_file(rows),
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
