"""The party organisations pages (``/education/orgs/``, the office): the district's
committees with their branches and members, a committee's or branch's form, removal, and
the Excel import wizard (upload → preview → confirm) and export.

The wizard views are generic over a ``Wizard`` (the sheet's kind, its headers, its preview
and apply functions, its URL names), so the publicity pages reuse them for posts and media
reports. Thin: each parses, calls one service or selector, renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.core.forms import submit
from shishi.core.http import content_disposition
from shishi.education import party_selectors as sel
from shishi.education import party_services as svc
from shishi.education import party_sheet
from shishi.education.publicity_forms import OrgForm, StampForm, UploadForm
from shishi.enterprise.models import SheetImport, SheetKind, SheetStatus
from shishi.orgs.models import Jurisdiction, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def district_code(request: HttpRequest) -> str:
    return request.POST.get("jurisdiction") or request.GET.get("jurisdiction") or ""


def back_url(name: str, district: Jurisdiction) -> str:
    return f"{reverse(name)}?jurisdiction={district.code}"


@login_required
@require_GET
def orgs(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, district_code(request))
    context = {
        "place": place,
        "committees": sel.committees(place.district),
        "totals": sel.totals(place.district),
        "form": OrgForm(),
    }
    return TemplateResponse(request, "education/orgs/list.html", context)


def _form_page(
    request: HttpRequest,
    form: OrgForm,
    *,
    district: Jurisdiction,
    committee: Unit | None,
    org: Unit | None,
    status: int = 200,
    stale: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "district": district,
        "committee": committee,
        "org": org,
        "stale": stale,
    }
    return TemplateResponse(request, "education/orgs/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def org_new(request: HttpRequest) -> HttpResponseBase:
    """A new committee, or a new branch of ``?committee=pk``."""
    raw = request.POST.get("committee") or request.GET.get("committee") or ""
    committee = (
        sel.office_org(request.user, int(raw), Unit.Kind.PARTY_COMMITTEE)
        if raw.isdigit() and len(raw) < 10
        else None
    )
    district = (
        committee.jurisdiction
        if committee is not None
        else sel.office_district(request.user, district_code(request)).district
    )
    form = OrgForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _form_page(request, form, district=district, committee=committee, org=None)

    def save(data: dict[str, Any]) -> None:
        svc.create_org(
            district,
            svc.OrgInput(data["name"], data["members"]),
            actor=request.user,
            committee=committee,
        )

    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("已保存"))
        return redirect(back_url("education:orgs", district))
    return _form_page(
        request, form, district=district, committee=committee, org=None, status=outcome.status
    )


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    org = sel.office_org(request.user, pk)
    committee = org.parent if org.kind == Unit.Kind.PARTY_BRANCH else None
    initial = {"name": org.name, "members": org.members or 0, "stamp": sel.stamp_of(org)}
    if request.method != "POST":
        form = OrgForm(initial=initial)
        return _form_page(request, form, district=org.jurisdiction, committee=committee, org=org)
    form = OrgForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        svc.update_org(
            org,
            svc.OrgInput(data["name"], data["members"]),
            stamp=data.get("stamp"),
            actor=request.user,
        )

    outcome = submit(form, save)
    if outcome.saved:
        messages.success(request, _("已保存"))
        return redirect(back_url("education:orgs", org.jurisdiction))
    if outcome.status == 409:
        fresh = sel.office_org(request.user, pk)
        form.data = request.POST.copy()
        form.data["stamp"] = sel.stamp_of(fresh)
        org = fresh
    return _form_page(
        request,
        form,
        district=org.jurisdiction,
        committee=committee,
        org=org,
        status=outcome.status,
        stale=outcome.stale_message,
    )


@login_required
@require_POST
def org_remove(request: HttpRequest, pk: int) -> HttpResponseBase:
    org = sel.office_org(request.user, pk)
    form = StampForm(request.POST)
    stamp = form.cleaned_data.get("stamp") if form.is_valid() else None
    try:
        svc.remove_org(org, stamp=stamp, actor=request.user)
    except (StaleEdit, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除“%(name)s”") % {"name": org.name})
    return redirect(back_url("education:orgs", org.jurisdiction))


@login_required
@require_GET
def orgs_export(request: HttpRequest) -> HttpResponse:
    place = sel.office_district(request.user, district_code(request))
    body = party_sheet.export_party_orgs(place.district, actor=request.user)
    return xlsx_response(body, f"{place.district.name}党组织", f"party-orgs-{place.district.code}")


def xlsx_response(body: bytes, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    day = timezone.localdate()
    response["Content-Disposition"] = content_disposition(
        f"{name}{day:%Y%m%d}.xlsx", f"{fallback}-{day:%Y%m%d}.xlsx"
    )
    return response


# --- the import wizard (generic) -------------------------------------------------------------


@dataclass(frozen=True)
class Wizard:
    kind: str
    title: Any  # lazy text: 导入党组织
    headers: tuple[str, ...]
    required: tuple[str, ...]
    notes: Any
    preview_headers: tuple[str, ...]
    preview: party_sheet.Preview
    apply: Callable[..., party_sheet.Applied]
    back: str  # the list's URL name
    prefix: str  # URL names: <prefix>_import, _import_preview, _import_confirm, …, _export


PARTY_WIZARD = Wizard(
    kind=SheetKind.PARTY_ORGS,
    title=gettext_lazy("导入党组织"),
    headers=party_sheet.PARTY_HEADERS,
    required=party_sheet.PARTY_REQUIRED,
    notes=gettext_lazy(
        "每行一个党组织：党支部留空即党委本级（党委自身的党员数）。同一党委下的党支部名称不能"
        "重复，不同党委下可以同名。已有的党组织更新党员数，没有的新增；重复导入同一张表不会"
        "改变任何内容。任何一处有错都不写入，并列出每个错误所在的行和列。"
    ),
    preview_headers=party_sheet.PARTY_HEADERS,
    preview=party_sheet.preview_party_sheet,
    apply=party_sheet.apply_party_sheet,
    back="education:orgs",
    prefix="education:orgs",
)


def upload_page(request: HttpRequest, wizard: Wizard) -> HttpResponse:
    place = sel.office_district(request.user, district_code(request))
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = party_sheet.upload_batch(
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
    return TemplateResponse(request, "education/orgs/import_upload.html", context, status=status)


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
    return TemplateResponse(request, "education/orgs/import_preview.html", context, status=status)


def confirm(request: HttpRequest, wizard: Wizard, pk: int) -> HttpResponse:
    batch = party_sheet.office_batch(request.user, pk, wizard.kind)
    try:
        applied = party_sheet.confirm_batch(
            batch, apply=partial(wizard.apply, actor=request.user), actor=request.user
        )
    except (ValidationFailed, StaleEdit) as exc:
        batch.refresh_from_db()
        return preview_page(request, wizard, batch, error=exc.message, status=422)
    messages.success(
        request,
        _("导入完成：新增 %(created)s 条，更新 %(updated)s 条，未变 %(unchanged)s 条")
        % {"created": applied.created, "updated": applied.updated, "unchanged": applied.unchanged},
    )
    return redirect(back_url(wizard.back, batch.jurisdiction))


def cancel(request: HttpRequest, wizard: Wizard, pk: int) -> HttpResponse:
    batch = party_sheet.office_batch(request.user, pk, wizard.kind)
    party_sheet.cancel_batch(batch, actor=request.user)
    return redirect(back_url(f"{wizard.prefix}_import", batch.jurisdiction))


@login_required
@require_http_methods(["GET", "POST"])
def orgs_import(request: HttpRequest) -> HttpResponse:
    return upload_page(request, PARTY_WIZARD)


@login_required
@require_GET
def orgs_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = party_sheet.office_batch(request.user, pk, PARTY_WIZARD.kind)
    return preview_page(request, PARTY_WIZARD, batch)


@login_required
@require_POST
def orgs_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return confirm(request, PARTY_WIZARD, pk)


@login_required
@require_POST
def orgs_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return cancel(request, PARTY_WIZARD, pk)
