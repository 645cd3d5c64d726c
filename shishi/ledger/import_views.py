"""The import wizard's pages: upload → preview → confirm, and for a large sheet the
progress of its background task (polled by htmx) with a cancel button."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from shishi.core import errors
from shishi.core.http import is_htmx_fragment
from shishi.ledger import forms as ledger_forms
from shishi.ledger import import_batches, import_services, permissions
from shishi.ledger.excel import reading
from shishi.ledger.excel.importing import ImportRefused
from shishi.ledger.models import ImportBatch
from shishi.ledger.selectors import latest_year, office_jurisdictions

PREVIEW_PAGE_ROWS = 50


def _office_jurisdictions(request: HttpRequest) -> Any:
    jurisdictions = office_jurisdictions(request.user)
    if not jurisdictions.exists():
        raise errors.PermissionDenied("只有专班可以导入台账")
    return jurisdictions


def _max_upload_mb() -> int:
    return int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)) // 1024 // 1024


def _preview_url(batch: ImportBatch) -> str:
    return reverse("ledger:import_preview", args=[batch.pk])


@require_http_methods(["GET", "POST"])
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    jurisdictions = _office_jurisdictions(request)
    status = 200
    if request.method == "POST":
        form = ledger_forms.ImportUploadForm(
            request.POST, request.FILES, jurisdictions=jurisdictions
        )
        if form.is_valid():
            try:
                batch = import_services.create_import_batch(
                    jurisdiction=form.cleaned_data["jurisdiction"],
                    year=form.cleaned_data["year"],
                    upload=form.cleaned_data["file"],
                    actor=request.user,
                )
                import_batches.start_preview(batch, actor=request.user)
            except errors.ValidationFailed as exc:
                form.add_error(None, exc.message)
                status = 422
            except ImportRefused as exc:
                form.add_error("file", exc.message)
                status = 422
            else:
                return redirect(_preview_url(batch))
        else:
            status = 422
    else:
        default = jurisdictions.first()
        latest = latest_year(request.user, default)
        form = ledger_forms.ImportUploadForm(
            initial={"jurisdiction": default, "year": latest or timezone.localdate().year},
            jurisdictions=jurisdictions,
        )
    context = {
        "form": form,
        "max_mb": _max_upload_mb(),
        "max_rows": reading.max_rows(),
    }
    return TemplateResponse(request, "ledger/import_upload.html", context, status=status)


def _page(request: HttpRequest, rows: list[Any], name: str) -> Page[Any]:
    return Paginator(rows, PREVIEW_PAGE_ROWS).get_page(request.GET.get(name))


def _page_url(request: HttpRequest, name: str, number: int) -> str:
    query = request.GET.copy()
    query[name] = str(number)
    return f"?{urlencode(sorted(query.items()))}"


def _progress(batch: ImportBatch) -> dict[str, Any]:
    """What the progress bar shows: the stage, the counts and a percentage by stage."""
    if batch.status == ImportBatch.Status.PLANNING:
        stages = [(_("读取"), batch.rows_read), (_("校验"), batch.rows_validated)]
    else:
        stages = [
            (_("读取"), batch.rows_read),
            (_("校验"), batch.rows_validated),
            (_("写入"), batch.rows_written),
        ]
    done = sum(1 for _label, count in stages if count)
    return {
        "percent": 5 + 90 * done // len(stages),
        "stages": stages,
        "waiting": batch.started_at is None,
    }


def _preview(
    request: HttpRequest, batch: ImportBatch, *, status: int = 200, error: str = ""
) -> Any:
    summary = batch.summary or {}
    failed = batch.status == ImportBatch.Status.FAILED
    errors_page = _page(request, summary.get("error_rows", []), "errors_page")
    rows_page = _page(request, summary.get("sample", []), "page")
    context = {
        "batch": batch,
        "summary": summary,
        # Why a run failed (a refusal at upload has its own box).
        "error": error or (batch.error if failed and not summary.get("refused") else ""),
        "refused": summary.get("refused", ""),
        "ok": batch.status == ImportBatch.Status.PREVIEWED and summary.get("ok", False),
        "errors_page": errors_page,
        "rows_page": rows_page,
        "errors_prev": _page_url(request, "errors_page", errors_page.number - 1),
        "errors_next": _page_url(request, "errors_page", errors_page.number + 1),
        "rows_prev": _page_url(request, "page", rows_page.number - 1),
        "rows_next": _page_url(request, "page", rows_page.number + 1),
        "progress": _progress(batch) if batch.running else None,
        "year_confirmation": import_services.year_confirmation_text(batch.year),
    }
    return TemplateResponse(request, "ledger/import_preview.html", context, status=status)


@require_GET
@login_required
def import_preview(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = permissions.access_import_batch(request.user, batch_id)
    return _preview(request, batch)


@require_GET
@login_required
def import_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the task is done the page reloads whole."""
    batch = permissions.access_import_batch(request.user, batch_id)
    if not is_htmx_fragment(request):
        return redirect(_preview_url(batch))
    if not batch.running:
        return HttpResponseClientRefresh()
    context = {"batch": batch, "progress": _progress(batch)}
    return TemplateResponse(request, "ledger/import_preview.html#progress", context)


@require_POST
@login_required
def import_cancel(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = permissions.access_import_batch(request.user, batch_id)
    if import_batches.cancel_import_batch(batch, actor=request.user):
        messages.info(request, _("已取消导入，未导入任何内容"))
    else:
        messages.info(request, _("该批次已经结束，无法取消"))
    return redirect(_preview_url(batch))


@require_POST
@login_required
def import_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = request.user
    batch = permissions.access_import_batch(user, batch_id)
    if batch.status == ImportBatch.Status.APPLIED:
        messages.info(request, _("该文件已经导入过了"))
        return redirect(reverse("ledger:list"))
    try:
        result = import_batches.confirm_import_batch(
            batch, actor=user, confirm_year=bool(request.POST.get("confirm_year"))
        )
    except FileNotFoundError:
        return _preview(request, batch, status=422, error=_("上传的文件已不存在，请重新上传"))
    except (ImportRefused, errors.ValidationFailed) as exc:
        status = getattr(exc, "status", 422)
        batch.refresh_from_db()
        return _preview(
            request, batch, status=status if status in (409, 422) else 422, error=exc.message
        )
    if result is None:
        return redirect(_preview_url(batch))
    messages.success(
        request,
        _("导入完成：新增 %(created)s 项，更新 %(updated)s 项，未变 %(unchanged)s 项")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    url = reverse("ledger:list")
    return redirect(f"{url}?{urlencode({'programme': result.programme.pk})}")
