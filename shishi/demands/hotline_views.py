"""The 12345 hotline's webhook (``demands.hotline``): one signed ticket per request, JSON in
and out; and the office's pages: the sheet's import wizard and the outcomes' export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.forms import submit
from shishi.core.http import content_disposition
from shishi.demands import hotline, hotline_uploads, office_forms, office_selectors

MAX_BODY_BYTES = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@csrf_exempt  # the hotline signs its requests (HMAC); it holds no session
@require_POST
def webhook(request: HttpRequest, code: str) -> JsonResponse:
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "请求体过大"}, status=413)
    try:
        received = hotline.receive(
            code,
            body,
            timestamp=request.headers.get("X-Hotline-Timestamp", ""),
            signature=request.headers.get("X-Hotline-Signature", ""),
        )
    except PermissionDenied as exc:
        return JsonResponse({"detail": exc.message}, status=401)
    except ValidationFailed as exc:
        return JsonResponse({"detail": exc.message, "errors": exc.errors or {}}, status=422)
    demand = received.demand
    return JsonResponse(
        {"number": demand.hotline_number, "tracking_code": demand.number, "status": demand.status},
        status=201 if received.created else 200,
    )


# --- the office's import wizard (upload → preview → confirm) and the outcomes' export --------

SESSION_KEY = "demands.hotline_imports"
PREVIEW_PAGE_ROWS = 100
KEPT_IN_SESSION = 5


def _kept(request: HttpRequest) -> dict[str, dict[str, Any]]:
    kept = request.session.get(SESSION_KEY)
    return kept if isinstance(kept, dict) else {}


def _kept_sheet(request: HttpRequest, token: str) -> dict[str, Any]:
    entry = _kept(request).get(token)
    if not isinstance(entry, dict):
        raise NotFound("没有找到这份上传的工单表，请重新上传")
    return entry


def _import_page(
    request: HttpRequest,
    place: office_selectors.District,
    *,
    upload: office_forms.HotlineUploadForm | None = None,
    export: office_forms.HotlineExportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "place": place,
        "upload": upload or office_forms.HotlineUploadForm(),
        "export": export or office_forms.HotlineExportForm(),
        "columns": list(hotline.COLUMNS),
        "max_mb": hotline_uploads.max_upload_bytes() // 1024 // 1024,
        "max_rows": hotline.MAX_ROWS,
    }
    return TemplateResponse(request, "demands/hotline_import.html", context, status=status)


def _district_code(request: HttpRequest) -> str:
    return request.POST.get("jurisdiction") or request.GET.get("jurisdiction") or ""


@login_required
@require_http_methods(["GET", "POST"])
def hotline_import(request: HttpRequest) -> HttpResponse:
    """The import page: the upload form and the outcomes' export form."""
    place = office_selectors.office_district(
        request.user, _district_code(request), "只有专班可以导入12345工单"
    )
    if request.method != "POST":
        return _import_page(request, place)
    form = office_forms.HotlineUploadForm(request.POST, request.FILES)
    kept: list[hotline_uploads.KeptSheet] = []

    def save(data: dict[str, Any]) -> None:
        kept.append(hotline_uploads.keep_sheet(place.district, data["file"], actor=request.user))

    outcome = submit(form, save)
    if not outcome.saved:
        return _import_page(request, place, upload=form, status=outcome.status)
    sheet = kept[0]
    entries = _kept(request)
    for old in list(entries)[: max(0, len(entries) - KEPT_IN_SESSION + 1)]:
        entries.pop(old, None)
    entries[sheet.token] = {
        "path": sheet.path,
        "name": sheet.name,
        "jurisdiction": place.district.pk,
        "sha256": sheet.sha256,
        "done": False,
    }
    request.session[SESSION_KEY] = entries
    return redirect(reverse("demands:hotline_preview", args=[sheet.token]))


def _preview_page(
    request: HttpRequest, token: str, entry: dict[str, Any], *, status: int = 200, error: str = ""
) -> HttpResponse:
    district = office_selectors.office_district_by_id(
        request.user, int(entry["jurisdiction"]), "只有专班可以导入12345工单"
    )
    data = hotline_uploads.read_kept(str(entry["path"]))
    preview = (
        hotline_uploads.preview(district.pk, data, str(entry["name"])) if data is not None else None
    )
    listed: list[Any] = (preview.errors or preview.rows) if preview is not None else []
    page = Paginator(listed, PREVIEW_PAGE_ROWS).get_page(request.GET.get("page"))
    context = {
        "token": token,
        "entry": entry,
        "district": district,
        "preview": preview,
        "error": error,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
    }
    return TemplateResponse(request, "demands/hotline_preview.html", context, status=status)


@login_required
@require_GET
def hotline_preview(request: HttpRequest, token: str) -> HttpResponse:
    return _preview_page(request, token, _kept_sheet(request, token))


@login_required
@require_POST
def hotline_confirm(request: HttpRequest, token: str) -> HttpResponse:
    entry = _kept_sheet(request, token)
    district = office_selectors.office_district_by_id(
        request.user, int(entry["jurisdiction"]), "只有专班可以导入12345工单"
    )
    back = f"{reverse('demands:hotline_import')}?jurisdiction={district.code}"
    if entry.get("done"):
        messages.info(request, _("这份工单表已经导入过了，没有重复导入"))
        return redirect(back)
    try:
        result = hotline_uploads.import_kept(
            district, str(entry["path"]), str(entry["name"]), actor=request.user
        )
    except ValidationFailed as exc:
        return _preview_page(request, token, entry, status=422, error=exc.message)
    if result is None:
        return _preview_page(
            request, token, entry, status=422, error=_("上传的文件已不存在，请重新上传")
        )
    entries = _kept(request)
    entries[token] = {**entry, "done": True}
    request.session[SESSION_KEY] = entries
    if result.skipped:
        done = _("导入完成：新增 %(created)s 张工单，已导入过的 %(skipped)s 张未重复导入") % {
            "created": result.created,
            "skipped": len(result.skipped),
        }
    else:
        done = _("导入完成：新增 %(created)s 张工单") % {"created": result.created}
    messages.success(request, done)
    return redirect(back)


@login_required
@require_GET
def hotline_export(request: HttpRequest) -> HttpResponse:
    """The outcomes of the tickets taken in over a range of days, in the hotline's layout."""
    place = office_selectors.office_district(
        request.user, _district_code(request), "只有专班可以导出12345工单"
    )
    form = office_forms.HotlineExportForm(request.GET)
    if not form.is_valid():
        return _import_page(request, place, export=form, status=422)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    body = hotline_uploads.export_outcomes(place.district, start, end, actor=request.user)
    response = HttpResponse(body, content_type=XLSX)
    name = f"{place.district.name}12345工单办理结果{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition(
        name, f"hotline-outcomes-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    )
    return response
