"""The one Excel import wizard of ``shishi.education`` (upload → preview → confirm), generic
over a ``Wizard``: the sheet's kind, its headers, its preview and apply functions (``sheets``),
its URL names and its texts. The party organisations, posts, media reports and red landmarks
pages each declare one ``Wizard`` and route their four views here; the pages are
``templates/education/import/``. Thin: each parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.core.http import content_disposition
from shishi.education import sheets
from shishi.education.publicity_forms import UploadForm
from shishi.enterprise.models import SheetImport, SheetStatus
from shishi.orgs.models import Jurisdiction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BACK = gettext_lazy("返回")
ITEMS = pgettext_lazy("imported rows", "条")
SAME = gettext_lazy("表格与现有内容相同，没有任何改动")


@dataclass(frozen=True)
class Wizard:
    kind: str
    title: Any  # lazy text: 导入党组织
    headers: tuple[str, ...]
    required: tuple[str, ...]
    notes: Any
    preview_headers: tuple[str, ...]
    preview: sheets.Preview
    apply: Callable[..., sheets.Applied]
    place: Callable[[Any, str], Any]  # (user, district code) → the office's district
    back: str  # the list's URL name
    prefix: str  # URL names: <prefix>_import, _import_preview, _import_confirm, _import_cancel
    back_label: Any = BACK
    unit: Any = ITEMS  # the counts' measure word: 新增 3 条
    same: Any = SAME  # what confirming says when nothing changed
    nav: str = ""  # a template of the section's tabs, shown above the upload form
    links: tuple[tuple[str, Any], ...] = ()  # (URL name, label): the template, the export


def district_code(request: HttpRequest) -> str:
    return request.POST.get("jurisdiction") or request.GET.get("jurisdiction") or ""


def back_url(name: str, district: Jurisdiction) -> str:
    return f"{reverse(name)}?jurisdiction={district.code}"


def xlsx_response(body: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    day = timezone.localdate()
    response["Content-Disposition"] = content_disposition(
        f"{name}{day:%Y%m%d}.xlsx", f"{fallback}-{day:%Y%m%d}.xlsx"
    )
    return response


def office_batch(request: HttpRequest, wizard: Wizard, pk: int) -> SheetImport:
    return sheets.office_batch(request.user, pk, wizard.kind)


def upload_page(request: HttpRequest, wizard: Wizard) -> HttpResponse:
    place = wizard.place(request.user, district_code(request))
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = sheets.upload_batch(
                    place.district,
                    form.cleaned_data["file"],
                    kind=wizard.kind,
                    preview=wizard.preview,
                    actor=request.user,
                )
            except ValidationFailed as exc:
                form.add_error("file", exc.errors.get("file") or exc.message)
            else:
                return redirect(reverse(f"{wizard.prefix}_import_preview", args=[batch.pk]))
        status = 422
    context = {"place": place, "form": form, "w": wizard}
    return TemplateResponse(request, "education/import/upload.html", context, status=status)


def preview_page(
    request: HttpRequest, wizard: Wizard, batch: SheetImport, *, error: str = "", status: int = 200
) -> HttpResponse:
    summary = batch.summary or {}
    context = {
        "w": wizard,
        "batch": batch,
        "district": batch.jurisdiction,
        "summary": summary,
        "errors": summary.get("errors") or [],
        "rows": summary.get("rows") or [],
        "error": error,
        "previewed": batch.status == SheetStatus.PREVIEWED,
    }
    return TemplateResponse(request, "education/import/preview.html", context, status=status)


def preview(request: HttpRequest, wizard: Wizard, pk: int) -> HttpResponse:
    return preview_page(request, wizard, office_batch(request, wizard, pk))


def confirm(request: HttpRequest, wizard: Wizard, pk: int) -> HttpResponse:
    batch = office_batch(request, wizard, pk)
    try:
        applied = sheets.confirm_batch(
            batch, apply=partial(wizard.apply, actor=request.user), actor=request.user
        )
    except (ValidationFailed, StaleEdit) as exc:
        batch.refresh_from_db()
        return preview_page(request, wizard, batch, error=exc.message, status=422)
    if applied.changed:
        messages.success(
            request,
            _(
                "导入完成：新增 %(created)s %(unit)s，更新 %(updated)s %(unit)s，"
                "未变 %(unchanged)s %(unit)s"
            )
            % {
                "created": applied.created,
                "updated": applied.updated,
                "unchanged": applied.unchanged,
                "unit": wizard.unit,
            },
        )
    else:
        messages.success(request, str(wizard.same))
    return redirect(back_url(wizard.back, batch.jurisdiction))


def cancel(request: HttpRequest, wizard: Wizard, pk: int) -> HttpResponse:
    batch = office_batch(request, wizard, pk)
    sheets.cancel_batch(batch, actor=request.user)
    return redirect(back_url(f"{wizard.prefix}_import", batch.jurisdiction))


WizardViews = tuple[
    Callable[[HttpRequest], HttpResponse],
    Callable[[HttpRequest, int], HttpResponse],
    Callable[[HttpRequest, int], HttpResponse],
    Callable[[HttpRequest, int], HttpResponse],
]


def views(wizard: Wizard) -> WizardViews:
    """The wizard's four views (office only, each with its methods): upload, preview,
    confirm, cancel."""

    @login_required
    @require_http_methods(["GET", "POST"])
    def upload_view(request: HttpRequest) -> HttpResponse:
        return upload_page(request, wizard)

    @login_required
    @require_GET
    def preview_view(request: HttpRequest, pk: int) -> HttpResponse:
        return preview(request, wizard, pk)

    @login_required
    @require_POST
    def confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
        return confirm(request, wizard, pk)

    @login_required
    @require_POST
    def cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
        return cancel(request, wizard, pk)

    return upload_view, preview_view, confirm_view, cancel_view
