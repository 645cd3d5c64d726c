"""The staff's service-request pages (``/enterprise/requests/…``): the queue (the office: its
districts'; a unit: those it owns; a station's staff: their stations'), the intake by staff,
a request with its events and the actions the user may take (assign, record a contact,
close, the full phone on an audited click), and the figures per station, unit and month.
Phones are posted, never put in an address (logs keep addresses)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from shishi.core.errors import PermissionDenied
from shishi.core.forms import submit, with_version
from shishi.core.http import is_htmx_fragment
from shishi.enterprise import permissions, request_permissions
from shishi.enterprise import request_selectors as sel
from shishi.enterprise import requests as svc
from shishi.enterprise.request_forms import (
    AssignForm,
    CloseForm,
    ContactForm,
    FilterForm,
    StaffRequestForm,
)

QUEUE = "enterprise/requests/queue.html"
PAGE = "enterprise/requests/request.html"


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    page = sel.queue_page(request.user, form.filters(), request.GET.get("page"))
    context = {
        "p": page,
        "form": form,
        "can_take_in": bool(sel.intake_districts(request.user)),
    }
    if is_htmx_fragment(request):
        return TemplateResponse(request, QUEUE + "#results", context)
    return TemplateResponse(request, QUEUE, context)


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponseBase:
    """A request entered by a station's staff or the office."""
    district = sel.intake_district(request.user, request.GET.get("district"))
    office = permissions.is_office(request.user, district.pk)
    stations = sel.intake_stations(request.user, district.pk)
    form = StaffRequestForm(
        request.POST if request.method == "POST" else None, stations=stations, office=office
    )
    context: dict[str, Any] = {
        "district": district,
        "districts": sel.intake_districts(request.user),
        "form": form,
        "office": office,
    }
    if request.method != "POST":
        return TemplateResponse(request, "enterprise/requests/new.html", context)
    made: dict[str, int] = {}

    def save(data: dict[str, Any]) -> None:
        made["pk"] = svc.take_in_by_staff(
            district.pk,
            svc.RequestInput(
                kind=data["kind"],
                description=data["description"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                uscc=data["uscc"],
                enterprise_name=data.get("enterprise_name") or "",
                station_id=data.get("station"),
            ),
            actor=request.user,
        ).pk

    outcome = submit(form, save)
    if outcome.saved:
        return redirect("enterprise:request", pk=made["pk"])
    return TemplateResponse(request, "enterprise/requests/new.html", context, status=outcome.status)


ALLOWED = {
    "assign": request_permissions.may_assign,
    "contact": request_permissions.may_record_contact,
    "close": request_permissions.may_close,
}
ACTIONS = tuple(ALLOWED)


def _forms(view: sel.RequestView, action: str, data: Any) -> dict[str, Any]:
    found = view.request
    initial = {"version": found.version}
    return {
        "assign": AssignForm(
            data if action == "assign" else None,
            initial={
                **initial,
                "owner_unit": found.owner_unit_id,
                "limit_days": found.limit_days if found.owner_unit_id else None,
            },
            units=view.units,
            default_days=view.default_days,
        ),
        "contact": ContactForm(data if action == "contact" else None, initial=initial),
        "close": CloseForm(data if action == "close" else None, initial=initial),
    }


@login_required
@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = sel.access_request(request.user, pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    view = sel.request_view(request.user, found)
    forms = _forms(view, action, request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"v": view, "forms": forms, "shown_phone": "", "stale": ""}
    status = 200
    if action == "show_phone":
        context["shown_phone"] = svc.reveal_phone(found, actor=request.user)
    elif action in ACTIONS:
        if not ALLOWED[action](request.user, found):
            raise PermissionDenied("您不能对这条企业诉求执行这项操作")
        form = forms[action]

        def save(d: dict[str, Any]) -> None:
            version = d.get("version")
            if action == "assign":
                svc.assign(
                    found,
                    unit_id=d.get("owner_unit"),
                    limit_days=d.get("limit_days"),
                    actor=request.user,
                    expected_version=version,
                )
            elif action == "contact":
                svc.record_contact(
                    found, note=d["note"], actor=request.user, expected_version=version
                )
            else:
                svc.close(
                    found,
                    outcome=d["outcome"],
                    text=d.get("outcome_text") or "",
                    actor=request.user,
                    expected_version=version,
                )

        outcome = submit(form, save)
        if outcome.saved:
            return redirect("enterprise:request", pk=found.pk)
        status = outcome.status
        if outcome.status == 409:
            context["stale"] = outcome.stale_message
            fresh = sel.access_request(request.user, pk)
            context["v"] = sel.request_view(request.user, fresh)
            form.data = with_version(request.POST, fresh.version)
    return TemplateResponse(request, PAGE, context, status=status)


def _year(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    view = sel.figures_view(
        request.user, request.GET.get("district"), _year(request.GET.get("year"))
    )
    return TemplateResponse(request, "enterprise/requests/figures.html", {"f": view})
