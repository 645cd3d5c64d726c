"""The office's pages of the policy library (``/enterprise/policies/``): the searchable
library, a policy's page, the form (fields and condition rows), publish / back to draft /
expire, the source file, and the Excel import wizard (upload → preview → confirm) and
export. Thin: each parses, calls one service or selector, renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.core.http import content_disposition, stored_file_response
from shishi.enterprise import policy_forms, policy_selectors, policy_services, policy_sheet
from shishi.enterprise.models import Policy, SheetStatus
from shishi.enterprise.policy_services import COMMON_QUALIFICATIONS, ConditionRow, PolicyInput

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _code(request: HttpRequest) -> str:
    return request.POST.get("jurisdiction") or request.GET.get("jurisdiction") or ""


@login_required
@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    place = policy_selectors.office_district(request.user, _code(request))
    form = policy_forms.SearchForm(request.GET)
    listing = policy_selectors.library(
        place.district, policy_forms.filters_of(form), request.GET.get("page")
    )
    context = {"place": place, "form": form, "p": listing}
    return TemplateResponse(request, "enterprise/policies/list.html", context)


@login_required
@require_GET
def policy(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy_selectors.office_policy(request.user, pk)
    context = {
        "policy": found,
        "conditions": policy_selectors.condition_lines(found),
        "counts": policy_selectors.match_counts(found),
    }
    return TemplateResponse(request, "enterprise/policies/policy.html", context)


def _form_page(
    request: HttpRequest,
    *,
    form: policy_forms.PolicyForm,
    rows: list[ConditionRow],
    row_errors: dict[int, str],
    district: Any,
    policy: Policy | None,
    status: int = 200,
    stale: str = "",
) -> HttpResponse:
    streets = policy_services.street_units(district.pk)
    padded = policy_forms.padded(rows)
    context = {
        "form": form,
        "district": district,
        "policy": policy,
        "rows": [(n, row, row_errors.get(n, "")) for n, row in enumerate(padded)],
        "row_count": len(padded),
        "kinds": policy_forms.KIND_CHOICES,
        "streets": list(streets),
        "qualifications": COMMON_QUALIFICATIONS,
        "stale": stale,
        # On a stale edit: what the policy says now, beside the user's input.
        "current_conditions": policy_selectors.condition_lines(policy) if stale and policy else [],
    }
    return TemplateResponse(request, "enterprise/policies/form.html", context, status=status)


def _input(form: policy_forms.PolicyForm, rows: list[ConditionRow]) -> PolicyInput:
    d = form.cleaned_data
    return PolicyInput(
        title=d["title"],
        level=d["level"],
        benefit=d["benefit"],
        doc_number=d.get("doc_number") or "",
        issuer=d.get("issuer") or "",
        valid_from=d.get("valid_from"),
        valid_until=d.get("valid_until"),
        amount_text=d.get("amount_text") or "",
        guide=d.get("guide") or "",
        materials=d.get("materials") or "",
        contact=d.get("contact") or "",
        source_url=d.get("source_url") or "",
        no_apply=bool(d.get("no_apply")),
        conditions=rows,
        source_file=d.get("source_file"),
        remove_source_file=bool(d.get("remove_source_file")),
    )


def _row_errors(errors: dict[str, str]) -> dict[int, str]:
    out = {}
    for key, message in errors.items():
        if key.startswith("conditions-"):
            try:
                out[int(key.split("-", 1)[1])] = message
            except ValueError:
                continue
    return out


def _place_errors(form: policy_forms.PolicyForm, exc: ValidationFailed) -> dict[int, str]:
    rows = _row_errors(exc.errors)
    rest = {k: v for k, v in exc.errors.items() if not k.startswith("conditions-")}
    if "conditions" in rest:
        form.add_error(None, rest.pop("conditions"))
    if rest or not rows:
        form.add_service_errors(rest, exc.message)
    else:  # the rows may be far down a long form: say so on top
        form.add_error(None, _("申报条件有误，请看标出的行"))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    place = policy_selectors.office_district(request.user, _code(request))
    if request.method != "POST":
        form = policy_forms.PolicyForm(initial={"level": "district"})
        return _form_page(
            request, form=form, rows=[], row_errors={}, district=place.district, policy=None
        )
    form = policy_forms.PolicyForm(request.POST, request.FILES)
    rows = policy_forms.condition_rows(request.POST)
    if not form.is_valid():
        return _form_page(
            request,
            form=form,
            rows=rows,
            row_errors={},
            district=place.district,
            policy=None,
            status=422,
        )
    try:
        created = policy_services.create_policy(
            place.district.pk, _input(form, rows), actor=request.user
        )
    except ValidationFailed as exc:
        row_errors = _place_errors(form, exc)
        return _form_page(
            request,
            form=form,
            rows=rows,
            row_errors=row_errors,
            district=place.district,
            policy=None,
            status=422,
        )
    messages.success(request, _("已保存为草稿；核对无误后请发布"))
    return redirect(reverse("enterprise:policy", args=[created.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy_selectors.office_policy(request.user, pk)
    district = found.jurisdiction
    streets = {v: k for k, v in policy_services.street_units(district.pk).items()}
    if request.method != "POST":
        form = policy_forms.PolicyForm(initial=policy_forms.initial_of(found))
        rows = policy_forms.rows_of(found, streets)
        return _form_page(
            request, form=form, rows=rows, row_errors={}, district=district, policy=found
        )
    form = policy_forms.PolicyForm(request.POST, request.FILES)
    rows = policy_forms.condition_rows(request.POST)
    if not form.is_valid():
        return _form_page(
            request,
            form=form,
            rows=rows,
            row_errors={},
            district=district,
            policy=found,
            status=422,
        )
    version = form.cleaned_data.get("version")
    try:
        policy_services.update_policy(
            found, _input(form, rows), version=int(version or 0), actor=request.user
        )
    except StaleEdit as exc:
        current = policy_selectors.office_policy(request.user, pk)
        data = request.POST.copy()
        data["version"] = str(current.version)
        form = policy_forms.PolicyForm(data)
        form.is_valid()
        return _form_page(
            request,
            form=form,
            rows=rows,
            row_errors={},
            district=district,
            policy=current,
            status=409,
            stale=exc.message,
        )
    except ValidationFailed as exc:
        row_errors = _place_errors(form, exc)
        return _form_page(
            request,
            form=form,
            rows=rows,
            row_errors=row_errors,
            district=district,
            policy=found,
            status=422,
        )
    messages.success(request, _("已保存"))
    return redirect(reverse("enterprise:policy", args=[found.pk]))


def _status_action(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    found = policy_selectors.office_policy(request.user, pk)
    try:
        version = int(request.POST.get("version") or "")
    except ValueError:
        version = None
    try:
        action(found, version=version, actor=request.user)
    except StaleEdit as exc:
        messages.error(request, exc.message)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(reverse("enterprise:policy", args=[found.pk]))


@login_required
@require_POST
def policy_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(
        request, pk, policy_services.publish_policy, _("已发布；正在计算符合的企业")
    )


@login_required
@require_POST
def policy_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(request, pk, policy_services.unpublish_policy, _("已撤回为草稿"))


@login_required
@require_POST
def policy_expire(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(request, pk, policy_services.expire_policy, _("已标记为失效"))


@login_required
@require_GET
def policy_source(request: HttpRequest, pk: int) -> FileResponse:
    found = policy_selectors.office_policy(request.user, pk)
    if not found.source_file:
        raise NotFound("这项政策没有原文文件")
    return stored_file_response(found.source_file, found.source_file.name.rsplit("/", 1)[-1], "")


# --- Excel --------------------------------------------------------------------------------


@login_required
@require_GET
def policy_export(request: HttpRequest) -> HttpResponse:
    place = policy_selectors.office_district(request.user, _code(request))
    body = policy_sheet.export_for(place.district, actor=request.user)
    response = HttpResponse(body, content_type=XLSX)
    day = timezone.localdate()
    response["Content-Disposition"] = content_disposition(
        f"{place.district.name}惠企政策库{day:%Y%m%d}.xlsx",
        f"policies-{place.district.code}-{day:%Y%m%d}.xlsx",
    )
    return response


def _upload_page(
    request: HttpRequest, place: Any, form: policy_forms.UploadForm, status: int = 200
) -> HttpResponse:
    context = {
        "place": place,
        "form": form,
        "headers": policy_sheet.HEADERS,
        "required": policy_sheet.REQUIRED,
        "max_rows": policy_sheet.MAX_ROWS,
    }
    return TemplateResponse(
        request, "enterprise/policies/import_upload.html", context, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy_import(request: HttpRequest) -> HttpResponse:
    place = policy_selectors.office_district(request.user, _code(request))
    if request.method != "POST":
        return _upload_page(request, place, policy_forms.UploadForm())
    form = policy_forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, place, form, status=422)
    try:
        batch = policy_sheet.upload_sheet(
            place.district, form.cleaned_data["file"], actor=request.user
        )
    except ValidationFailed as exc:
        form.add_error("file", exc.errors.get("file") or exc.message)
        return _upload_page(request, place, form, status=422)
    return redirect(reverse("enterprise:policy_import_preview", args=[batch.pk]))


def _preview_page(
    request: HttpRequest, batch: Any, *, error: str = "", status: int = 200
) -> HttpResponse:
    summary = batch.summary or {}
    context = {
        "batch": batch,
        "district": batch.jurisdiction,
        "errors": summary.get("errors") or [],
        "rows": summary.get("rows") or [],
        "summary": summary,
        "error": error,
        "previewed": batch.status == SheetStatus.PREVIEWED,
    }
    return TemplateResponse(
        request, "enterprise/policies/import_preview.html", context, status=status
    )


@login_required
@require_GET
def policy_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    return _preview_page(request, policy_sheet.office_batch(request.user, pk))


@login_required
@require_POST
def policy_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = policy_sheet.office_batch(request.user, pk)
    try:
        applied = policy_sheet.confirm_sheet(batch, actor=request.user)
    except ValidationFailed as exc:
        batch.refresh_from_db()
        return _preview_page(request, batch, error=exc.message, status=422)
    messages.success(
        request,
        _("导入完成：新增 %(created)s 项，更新 %(updated)s 项，未变 %(unchanged)s 项")
        % {"created": applied.created, "updated": applied.updated, "unchanged": applied.unchanged},
    )
    return redirect(f"{reverse('enterprise:policies')}?jurisdiction={batch.jurisdiction.code}")


@login_required
@require_POST
def policy_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = policy_sheet.office_batch(request.user, pk)
    policy_sheet.cancel_sheet(batch, actor=request.user)
    return redirect(f"{reverse('enterprise:policy_import')}?jurisdiction={batch.jurisdiction.code}")
