"""Pages of the enterprise register: the searchable list, an enterprise's page (facts, size
and its reason, qualifications, contacts masked, its policies with a reason per condition),
the edit pages and the import wizard (upload → preview → confirm). Thin: each parses, calls
one selector or service, renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core import errors
from shishi.core.forms import submit, with_version
from shishi.enterprise import register_selectors as sel
from shishi.enterprise import register_services as services
from shishi.enterprise import verdicts
from shishi.enterprise.models import Enterprise, SheetStatus, Verdict
from shishi.enterprise.register_forms import ContactForm, EnterpriseForm, UploadForm
from shishi.enterprise.size import Size

PREVIEW_ROWS = 50


def _enterprise_url(e: Enterprise) -> str:
    return reverse("enterprise:enterprise", args=[e.jurisdiction.code, e.uscc])


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


@require_GET
@login_required
def register(request: HttpRequest) -> HttpResponse:
    """The register: search by name or USCC, filter by industry (a code covers its children),
    street, size and qualification; keyset pages."""
    if not sel.may_list(request.user):
        raise errors.PermissionDenied(_("您没有查看企业名录的权限"))
    places = sel.office_jurisdictions(request.user)
    place = None
    if places:
        place = sel.office_jurisdiction(request.user, request.GET.get("jurisdiction"))
    filters = sel.parse_filters(request.GET)
    page = sel.register_page(request.user, place, filters, after=_int(request.GET.get("after")))
    query = {k: v for k, v in request.GET.items() if k != "after" and v}
    context = {
        "places": places,
        "place": place,
        "filters": filters,
        "page": page,
        "query": urlencode(query),
        "next_url": f"?{urlencode({**query, 'after': page.next_after})}" if page.next_after else "",
        "first_url": f"?{urlencode(query)}" if request.GET.get("after") else "",
        "streets": sel.streets(place.pk) if place else [],
        "qualification_names": sel.qualification_names(place.pk) if place else [],
        "sizes": [*Size.choices, ("unknown", _("未能判定"))],
    }
    return TemplateResponse(request, "enterprise/register/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def enterprise(request: HttpRequest, district: str, uscc: str) -> HttpResponse:
    """An enterprise's page; POST ``show`` reveals one contact's phone or e-mail (audited)."""
    found = sel.access_enterprise(request.user, district, uscc)
    shown: dict[tuple[int, str], str] = {}
    if request.method == "POST":
        contact_id = _int(request.POST.get("contact"))
        field = str(request.POST.get("field", ""))
        if contact_id is None:
            raise errors.ValidationFailed(_("请选择联系人"))
        contact = sel.access_contact(request.user, found, contact_id)
        shown[(contact.pk, field)] = services.reveal_contact(
            contact, field=field, actor=request.user
        )
    view = sel.enterprise_page(request.user, found, shown)
    judged = verdicts.enterprise_verdicts(found)
    context = {
        "v": view,
        "e": found,
        "eligible": [p for p in judged if p.verdict == Verdict.ELIGIBLE],
        "possible": [p for p in judged if p.verdict == Verdict.POSSIBLE],
        "ineligible": [p for p in judged if p.verdict == Verdict.INELIGIBLE],
    }
    return TemplateResponse(request, "enterprise/register/enterprise.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def enterprise_new(request: HttpRequest) -> HttpResponse:
    place = sel.office_jurisdiction(request.user, request.GET.get("jurisdiction"))
    streets = sel.streets(place.pk)
    form = EnterpriseForm(request.POST or None, streets=streets)
    status = 200
    created: list[Enterprise] = []
    if request.method == "POST":

        def save(_d: dict[str, Any]) -> None:
            created.append(services.save_enterprise(place, form.to_input(), actor=request.user))

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已添加企业"))
            return redirect(_enterprise_url(created[0]))
        status = outcome.status
    context = {"form": form, "place": place, "e": None}
    return TemplateResponse(request, "enterprise/register/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def enterprise_edit(request: HttpRequest, district: str, uscc: str) -> HttpResponse:
    """Edit with the version check: a stale form is shown again against the current record
    (409), nothing overwritten."""
    found = sel.access_enterprise(request.user, district, uscc)
    services.check_office(request.user, found.jurisdiction_id)
    streets = sel.streets(found.jurisdiction_id)
    initial = {
        "name": found.name,
        "uscc": found.uscc,
        "industry_code": found.industry_code,
        "founded_on": found.founded_on,
        "employees": found.employees,
        "revenue": found.revenue,
        "total_assets": found.total_assets,
        "tax_paid": found.tax_paid,
        "address": found.address,
        "street": found.street_id,
        "qualifications": "、".join(found.qualifications.values_list("name", flat=True)),
        "version": found.version,
    }
    form = EnterpriseForm(request.POST or None, initial=initial, streets=streets)
    status = 200
    stale = ""
    if request.method == "POST":

        def save(d: dict[str, Any]) -> None:
            services.save_enterprise(
                found.jurisdiction,
                form.to_input(),
                actor=request.user,
                enterprise=found,
                expected_version=d.get("version"),
            )

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存"))
            return redirect(_enterprise_url(found))
        status, stale = outcome.status, outcome.stale_message
        if status == 409:
            found.refresh_from_db()
            form = EnterpriseForm(
                with_version(request.POST, found.version), initial=initial, streets=streets
            )
            form.is_valid()
    context = {"form": form, "place": found.jurisdiction, "e": found, "stale": stale}
    return TemplateResponse(request, "enterprise/register/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def contact_edit(
    request: HttpRequest, district: str, uscc: str, contact_id: int | None = None
) -> HttpResponse:
    """Add (no ``contact_id``) or edit a contact; the office only."""
    found = sel.access_enterprise(request.user, district, uscc)
    services.check_office(request.user, found.jurisdiction_id)
    contact = sel.access_contact(request.user, found, contact_id) if contact_id else None
    initial: dict[str, Any] = {}
    if contact is not None:
        initial = {
            "name": contact.name,
            "email": contact.email,
            "username": contact.user.get_username() if contact.user else "",
            "is_primary": contact.is_primary,
        }
    form = ContactForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":

        def save(_d: dict[str, Any]) -> None:
            if contact is None:
                services.add_contact(found, form.to_input(), actor=request.user)
            else:
                services.update_contact(contact, form.to_input(), actor=request.user)

        outcome = submit(form, save)
        if outcome.saved:
            messages.success(request, _("已保存联系人"))
            return redirect(_enterprise_url(found))
        status = outcome.status
    context = {"form": form, "e": found, "contact": contact}
    return TemplateResponse(request, "enterprise/register/contact.html", context, status=status)


@require_POST
@login_required
def contact_remove(request: HttpRequest, district: str, uscc: str, contact_id: int) -> HttpResponse:
    found = sel.access_enterprise(request.user, district, uscc)
    contact = sel.access_contact(request.user, found, contact_id)
    services.remove_contact(contact, actor=request.user)
    messages.success(request, _("已删除联系人"))
    return redirect(_enterprise_url(found))


# --- the import wizard --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def register_import(request: HttpRequest) -> HttpResponse:
    places = sel.office_jurisdictions(request.user)
    if not places:
        raise errors.PermissionDenied(_("只有专班可以导入企业名录"))
    form = UploadForm(request.POST or None, request.FILES or None, places=places)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            place = sel.office_jurisdiction(request.user, form.cleaned_data["jurisdiction"])
            try:
                batch = services.upload_register(
                    place, form.cleaned_data["file"], actor=request.user
                )
            except errors.ValidationFailed as exc:
                form.add_error("file", exc.errors.get("file", exc.message))
                status = 422
            else:
                return redirect(reverse("enterprise:register_import_preview", args=[batch.pk]))
        else:
            status = 422
    return TemplateResponse(
        request, "enterprise/register/import_upload.html", {"form": form}, status=status
    )


def _preview(request: HttpRequest, batch: Any, *, status: int = 200, error: str = "") -> Any:
    summary = batch.summary or {}
    errors_page = Paginator(summary.get("error_rows", []), PREVIEW_ROWS).get_page(
        request.GET.get("errors_page")
    )
    context = {
        "batch": batch,
        "summary": summary,
        "error": error,
        "ok": batch.status == SheetStatus.PREVIEWED and summary.get("ok", False),
        "errors_page": errors_page,
        "more_errors": summary.get("error_count", 0) - len(summary.get("error_rows", [])),
        "sample": summary.get("sample", [])[:PREVIEW_ROWS],
    }
    return TemplateResponse(
        request, "enterprise/register/import_preview.html", context, status=status
    )


@require_GET
@login_required
def register_import_preview(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _preview(request, sel.access_sheet_import(request.user, batch_id))


@require_POST
@login_required
def register_import_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = sel.access_sheet_import(request.user, batch_id)
    try:
        result = services.confirm_register(batch, actor=request.user)
    except (errors.ValidationFailed, errors.StaleEdit) as exc:
        batch.refresh_from_db()
        return _preview(request, batch, status=exc.status, error=exc.message)
    if result.changed:
        messages.success(
            request,
            _("导入完成：新增 %(created)s 家，更新 %(updated)s 家，未变 %(unchanged)s 家")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
    else:
        messages.info(
            request,
            _("表格与企业名录相同，没有任何改动（%(n)s 家未变）") % {"n": result.unchanged},
        )
    return redirect(f"{reverse('enterprise:register')}?jurisdiction={batch.jurisdiction.code}")
