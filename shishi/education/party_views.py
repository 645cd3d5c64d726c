"""The party organisations pages (``/education/orgs/``, the office): the district's
committees with their branches and members, a committee's or branch's form, removal, and
the Excel import wizard (upload → preview → confirm) and export.

The wizard is the generic one of ``sheet_views`` (``PARTY_WIZARD``). Thin: each parses,
calls one service or selector, renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.core.forms import submit
from shishi.education import party_selectors as sel
from shishi.education import party_services as svc
from shishi.education import party_sheet, sheet_views
from shishi.education.publicity_forms import OrgForm, StampForm
from shishi.education.sheet_views import Wizard, back_url, district_code, xlsx_response
from shishi.enterprise.models import SheetKind
from shishi.orgs.models import Jurisdiction, Unit


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


# --- the import wizard (``sheet_views``) -----------------------------------------------------


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
    place=sel.office_district,
    back="education:orgs",
    prefix="education:orgs",
)

orgs_import, orgs_import_preview, orgs_import_confirm, orgs_import_cancel = sheet_views.views(
    PARTY_WIZARD
)
