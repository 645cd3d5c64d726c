"""The office's landmark pages (``/education/landmarks/``): the landmarks (list, new, edit,
order, open or closed to check-ins, photos), themed routes, the Excel import wizard (the one
of ``sheet_views``: upload → preview → confirm), the template and the export, the
sensitive-word list, the QR posters and the check-in counts with their CSV. Thin: each
parses, calls one service or selector, renders."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.appointments.certificate_qr import qr_path
from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.core.forms import with_version
from shishi.core.http import content_disposition, stored_file_response
from shishi.education import landmark_forms as lf
from shishi.education import landmark_selectors as sel
from shishi.education import landmark_services as svc
from shishi.education import landmark_sheet, sheet_views
from shishi.education.models import Landmark, Route
from shishi.education.sheet_views import Wizard
from shishi.enterprise.models import SheetKind
from shishi.ledger.excel.layout import is_formula_like

_code = sheet_views.district_code


def _to_list(code: str) -> HttpResponse:
    return redirect(f"{reverse('education:landmarks')}?jurisdiction={code}")


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version") or "")
    except ValueError:
        return None


# --- landmarks ------------------------------------------------------------------------------


@login_required
@require_GET
def landmarks(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    context = {"place": place, "landmarks": sel.landmarks(place.district)}
    return TemplateResponse(request, "education/landmarks/list.html", context)


def _form_page(
    request: HttpRequest,
    form: lf.LandmarkForm,
    *,
    district: Any,
    landmark: Landmark | None,
    status: int = 200,
    stale: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "district": district,
        "landmark": landmark,
        "stale": stale,
        "photos": sel.photos(landmark) if landmark else [],
        "photo_form": lf.PhotoForm(),
    }
    return TemplateResponse(request, "education/landmarks/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def landmark_new(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    if request.method != "POST":
        return _form_page(request, lf.LandmarkForm(), district=place.district, landmark=None)
    form = lf.LandmarkForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, district=place.district, landmark=None, status=422)
    try:
        created = svc.create_landmark(place.district, form.to_input(), actor=request.user)
    except ValidationFailed as exc:
        form.add_service_errors(exc.errors, exc.message)
        return _form_page(request, form, district=place.district, landmark=None, status=422)
    messages.success(request, _("已新增地标“%(name)s”") % {"name": created.name})
    return redirect(reverse("education:landmark_edit", args=[created.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def landmark_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = sel.office_landmark(request.user, pk)
    district = found.jurisdiction
    if request.method != "POST":
        form = lf.LandmarkForm(initial=lf.landmark_initial(found))
        return _form_page(request, form, district=district, landmark=found)
    form = lf.LandmarkForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, district=district, landmark=found, status=422)
    try:
        svc.update_landmark(
            found, form.to_input(), version=form.cleaned_data.get("version"), actor=request.user
        )
    except StaleEdit as exc:
        current = sel.office_landmark(request.user, pk)
        form = lf.LandmarkForm(with_version(request.POST, current.version))
        form.is_valid()
        return _form_page(
            request, form, district=district, landmark=current, status=409, stale=exc.message
        )
    except ValidationFailed as exc:
        form.add_service_errors(exc.errors, exc.message)
        return _form_page(request, form, district=district, landmark=found, status=422)
    messages.success(request, _("已保存"))
    return redirect(reverse("education:landmark_edit", args=[found.pk]))


@login_required
@require_POST
def landmark_open(request: HttpRequest, pk: int) -> HttpResponse:
    found = sel.office_landmark(request.user, pk)
    is_open = request.POST.get("open") == "1"
    try:
        svc.set_landmark_open(found, is_open, version=_version(request), actor=request.user)
    except StaleEdit as exc:
        messages.error(request, exc.message)
        return _to_list(found.jurisdiction.code)
    if is_open:
        messages.success(request, _("“%(name)s”已开放打卡") % {"name": found.name})
    else:
        messages.success(request, _("“%(name)s”已关闭打卡") % {"name": found.name})
    return _to_list(found.jurisdiction.code)


@login_required
@require_POST
def landmark_order(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    orders: dict[int, int] = {}
    for key in request.POST:
        if key.startswith("order-") and key[6:].isdigit():
            try:
                orders[int(key[6:])] = int(str(request.POST.get(key) or "").strip())
            except ValueError:
                messages.error(request, _("排序应为0或正整数"))
                return _to_list(place.district.code)
    try:
        moved = svc.reorder_landmarks(place.district, orders, actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存排序（调整了%(n)s个地标）") % {"n": moved})
    return _to_list(place.district.code)


# --- photos ---------------------------------------------------------------------------------


@login_required
@require_POST
def landmark_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = sel.office_landmark(request.user, pk)
    form = lf.PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            svc.add_photo(
                found,
                form.cleaned_data["image"],
                caption=form.cleaned_data.get("caption") or "",
                actor=request.user,
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors, exc.message)
        else:
            messages.success(request, _("已添加照片"))
            return redirect(reverse("education:landmark_edit", args=[found.pk]))
    context = {
        "form": lf.LandmarkForm(initial=lf.landmark_initial(found)),
        "district": found.jurisdiction,
        "landmark": found,
        "stale": "",
        "photos": sel.photos(found),
        "photo_form": form,
    }
    return TemplateResponse(request, "education/landmarks/form.html", context, status=422)


@login_required
@require_GET
def landmark_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    photo = sel.office_photo(request.user, pk)
    name = photo.image.name.rsplit("/", 1)[-1]
    return stored_file_response(photo.image, name, "")


@login_required
@require_POST
def landmark_photo_caption(request: HttpRequest, pk: int) -> HttpResponse:
    photo = sel.office_photo(request.user, pk)
    try:
        svc.set_photo_caption(photo, request.POST.get("caption", ""), actor=request.user)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存照片说明"))
    return redirect(reverse("education:landmark_edit", args=[photo.landmark_id]))


@login_required
@require_POST
def landmark_photo_delete(request: HttpRequest, pk: int) -> HttpResponse:
    photo = sel.office_photo(request.user, pk)
    landmark_id = photo.landmark_id
    svc.delete_photo(photo, actor=request.user)
    messages.success(request, _("已删除照片"))
    return redirect(reverse("education:landmark_edit", args=[landmark_id]))


# --- QR posters -----------------------------------------------------------------------------


def _poster(landmark: Landmark) -> dict[str, Any]:
    url = sel.public_url(landmark)
    return {"landmark": landmark, "url": url, "qr": qr_path(url)}


@login_required
@require_GET
def landmark_poster(request: HttpRequest, pk: int) -> HttpResponse:
    found = sel.office_landmark(request.user, pk)
    context = {"posters": [_poster(found)], "district": found.jurisdiction, "single": found}
    return TemplateResponse(request, "education/landmarks/posters.html", context)


@login_required
@require_GET
def landmark_posters(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    marks = [lm for lm in sel.landmarks(place.district) if lm.is_active]
    for lm in marks:
        lm.jurisdiction = place.district  # one query for all the links
    context = {
        "posters": [_poster(lm) for lm in marks],
        "district": place.district,
        "single": None,
    }
    return TemplateResponse(request, "education/landmarks/posters.html", context)


# --- Excel ----------------------------------------------------------------------------------


def _xlsx(body: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(body, content_type=sheet_views.XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


@login_required
@require_GET
def landmark_template(request: HttpRequest) -> HttpResponse:
    sel.office_district(request.user, _code(request))
    return _xlsx(landmark_sheet.template_workbook(), "红色地标导入模板.xlsx", "landmarks.xlsx")


@login_required
@require_GET
def landmark_export(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    return sheet_views.xlsx_response(
        landmark_sheet.export_workbook(place.district.pk),
        f"{place.district.name}红色地标",
        f"landmarks-{place.district.code}",
    )


LANDMARK_WIZARD = Wizard(
    kind=SheetKind.LANDMARKS,
    title=gettext_lazy("导入红色地标"),
    headers=landmark_sheet.HEADERS,
    required=landmark_sheet.REQUIRED,
    notes=format_lazy(
        gettext_lazy(
            "每个地标一行，一次最多{n}个。按名称对应已有地标：已有的更新，没有的新增。纬度、经度用"
            "十进制度数；坐标系填WGS-84、GCJ-02（高德、腾讯）或BD-09（百度），不填即WGS-84，导入时"
            "一律换算为WGS-84。排序不填则保持原顺序；示例填“是”或“否”。全部正确才会导入；任何"
            "一处有错都不写入，并列出每个错误所在的行和列。"
        ),
        n=landmark_sheet.MAX_ROWS,
    ),
    preview_headers=landmark_sheet.PREVIEW_HEADERS,
    preview=landmark_sheet.preview_landmarks,
    apply=landmark_sheet.apply_landmarks,
    place=sel.office_district,
    back="education:landmarks",
    prefix="education:landmark",
    back_label=gettext_lazy("红色地标"),
    unit=pgettext_lazy("imported landmarks", "个"),
    same=gettext_lazy("表格与现有地标相同，没有任何改动"),
    nav="education/landmarks/_nav.html",
    links=(
        ("education:landmark_template", gettext_lazy("下载模板")),
        ("education:landmark_export", gettext_lazy("导出现有地标")),
    ),
)

(
    landmark_import,
    landmark_import_preview,
    landmark_import_confirm,
    landmark_import_cancel,
) = sheet_views.views(LANDMARK_WIZARD)


# --- themed routes --------------------------------------------------------------------------


@login_required
@require_GET
def routes(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    context = {"place": place, "routes": sel.routes(place.district)}
    return TemplateResponse(request, "education/landmarks/routes.html", context)


def _route_page(
    request: HttpRequest,
    form: lf.RouteForm,
    stops: list[Any],
    *,
    district: Any,
    route: Route | None,
    stop_errors: dict[int, str] | None = None,
    stale: str = "",
    status: int = 200,
) -> HttpResponse:
    errors = stop_errors or {}
    rows = [(n, str(value), errors.get(n, "")) for n, value in enumerate(lf.padded(stops))]
    context = {
        "form": form,
        "district": district,
        "route": route,
        "rows": rows,
        "choices": sel.landmark_choices(district),
        "stale": stale,
    }
    return TemplateResponse(request, "education/landmarks/route_form.html", context, status=status)


def _save_route(request: HttpRequest, district: Any, route: Route | None) -> HttpResponse:
    form = lf.RouteForm(request.POST)
    rows = lf.stop_rows(request.POST)
    ids = lf.stop_ids(rows)
    if not form.is_valid() or ids is None:
        if ids is None:
            form.add_error(None, _("请从列表中选择站点"))
        return _route_page(request, form, rows, district=district, route=route, status=422)
    try:
        saved = svc.save_route(
            district,
            lf.route_input(form, ids),
            actor=request.user,
            route=route,
            version=form.cleaned_data.get("version"),
        )
    except StaleEdit as exc:
        # What the user typed stays on the form, now carrying the route's current version.
        assert route is not None  # a new route has nothing to be stale against
        current = sel.office_route(request.user, route.pk)
        form = lf.RouteForm(with_version(request.POST, current.version))
        form.is_valid()
        return _route_page(
            request, form, ids, district=district, route=current, stale=exc.message, status=409
        )
    except ValidationFailed as exc:
        stop_errors = {int(k[6:]): v for k, v in exc.errors.items() if k.startswith("stops-")}
        rest = {k: v for k, v in exc.errors.items() if not k.startswith("stops-")}
        if "stops" in rest:
            form.add_error(None, rest.pop("stops"))
        if rest:
            form.add_service_errors(rest, exc.message)
        elif stop_errors:
            form.add_error(None, _("站点有误，请看标出的行"))
        return _route_page(
            request,
            form,
            ids,
            district=district,
            route=route,
            stop_errors=stop_errors,
            status=422,
        )
    messages.success(request, _("已保存线路“%(name)s”") % {"name": saved.name})
    return redirect(f"{reverse('education:routes')}?jurisdiction={district.code}")


@login_required
@require_http_methods(["GET", "POST"])
def route_new(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    if request.method != "POST":
        return _route_page(request, lf.RouteForm(), [], district=place.district, route=None)
    return _save_route(request, place.district, None)


@login_required
@require_http_methods(["GET", "POST"])
def route_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = sel.office_route(request.user, pk)
    if request.method != "POST":
        form = lf.RouteForm(initial=lf.route_initial(found))
        stops: list[Any] = list(sel.route_stop_ids(found))
        return _route_page(request, form, stops, district=found.jurisdiction, route=found)
    return _save_route(request, found.jurisdiction, found)


@login_required
@require_POST
def route_active(request: HttpRequest, pk: int) -> HttpResponse:
    found = sel.office_route(request.user, pk)
    active = request.POST.get("active") == "1"
    svc.set_route_active(found, active, actor=request.user)
    if active:
        messages.success(request, _("已启用线路“%(name)s”") % {"name": found.name})
    else:
        messages.success(request, _("已停用线路“%(name)s”") % {"name": found.name})
    return redirect(f"{reverse('education:routes')}?jurisdiction={found.jurisdiction.code}")


# --- sensitive words ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sensitive_words(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    status = 200
    form = lf.WordsForm()
    if request.method == "POST":
        form = lf.WordsForm(request.POST)
        if form.is_valid():
            try:
                added = svc.add_sensitive_words(
                    place.district, form.cleaned_data["words"], actor=request.user
                )
            except ValidationFailed as exc:
                form.add_service_errors(exc.errors, exc.message)
            else:
                messages.success(request, _("已添加%(n)s个词") % {"n": len(added)})
                return redirect(
                    f"{reverse('education:sensitive_words')}?jurisdiction={place.district.code}"
                )
        status = 422
    context = {"place": place, "form": form, "words": sel.sensitive_words(place.district)}
    return TemplateResponse(request, "education/landmarks/words.html", context, status=status)


@login_required
@require_POST
def sensitive_words_remove(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, _code(request))
    ids = [int(v) for v in request.POST.getlist("word") if v.isdigit()]
    removed = svc.remove_sensitive_words(place.district, ids, actor=request.user)
    messages.success(request, _("已删除%(n)s个词") % {"n": len(removed)})
    return redirect(f"{reverse('education:sensitive_words')}?jurisdiction={place.district.code}")


# --- counts ---------------------------------------------------------------------------------


def _counts_of(request: HttpRequest) -> tuple[sel.District, lf.RangeForm, sel.Counts]:
    place = sel.office_district(request.user, _code(request))
    form = lf.RangeForm(request.GET or None)
    since, until = lf.range_of(form, timezone.localdate(), sel.COUNT_DAYS)
    landmark_id = form.cleaned_data.get("landmark") if form.is_bound and form.is_valid() else None
    if not form.is_bound:
        form = lf.RangeForm(initial={"since": since, "until": until})
    return place, form, sel.counts(place.district, since, until, landmark_id=landmark_id)


@login_required
@require_GET
def landmark_counts(request: HttpRequest) -> HttpResponse:
    place, form, counts = _counts_of(request)
    context = {"place": place, "form": form, "c": counts}
    return TemplateResponse(request, "education/landmarks/counts.html", context)


def _csv_cell(value: Any) -> Any:  # a cell a spreadsheet will not run as a formula
    return "'" + str(value) if is_formula_like(str(value)) else value


@login_required
@require_GET
def landmark_counts_csv(request: HttpRequest) -> HttpResponse:
    place, _form, counts = _counts_of(request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["地标", "日期", "打卡次数"])
    for name, day, n in sel.count_rows(
        place.district, counts.since, counts.until, landmark_id=counts.landmark_id
    ):
        writer.writerow([_csv_cell(name), day.isoformat(), n])
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition(
        f"{place.district.name}红色地标打卡{counts.since:%Y%m%d}-{counts.until:%Y%m%d}.csv",
        f"check-ins-{place.district.code}-{counts.since:%Y%m%d}-{counts.until:%Y%m%d}.csv",
    )
    return response
