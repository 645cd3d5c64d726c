"""The staff member's pages, for a phone first: ``mine`` (my bookings, today first) and
``visit`` (one booking: call the resident, record the visit, the business opened on the
spot). Thin: parse, one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shishi.appointments import visit_forms, visit_selectors, visits
from shishi.core.forms import submit, with_version
from shishi.core.http import is_htmx_fragment, stored_file_response


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = visit_selectors.my_days(request.user, today=today)
    context = {"days": days, "today": today}
    return TemplateResponse(request, "appointments/visits/mine.html", context)


def _opening_initial(page: visit_selectors.VisitPage) -> dict[str, Any]:
    o = page.opening
    initial: dict[str, Any] = {"version": page.booking.version}
    if o is not None:
        initial.update(
            business_name=o.business_name,
            uscc=o.uscc,
            steps=[s.key for s in page.steps if s.done],
            pack_given_on=o.pack_given_on,
            pack_items=o.pack_items,
        )
    elif page.booking.enterprise_name:
        initial["business_name"] = page.booking.enterprise_name
    return initial


def _visit_initial(page: visit_selectors.VisitPage) -> dict[str, Any]:
    v = page.visit
    initial: dict[str, Any] = {"version": page.booking.version}
    if v is not None:
        initial.update(
            outcome=v.outcome,
            matters=[str(pk) for pk in page.chosen],
            notes=v.notes,
            confirmed_by=v.confirmed_by,
            satisfaction=v.satisfaction,
        )
    elif page.booking.resident is not None:
        initial["confirmed_by"] = page.booking.resident.name
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    """One booking's visit. GET ``?show=phone``: the number in full (audited), as a fragment
    for htmx. POST ``form=visit`` records the visit; ``form=opening`` the business opened."""
    page = visit_selectors.visit_page(request.user, pk)
    if request.method == "GET" and request.GET.get("show") == "phone":
        shown = visits.reveal_phone(page.booking, actor=request.user)
        context = {"page": page, "shown_phone": shown}
        if is_htmx_fragment(request):
            return TemplateResponse(request, "appointments/visits/visit.html#phone", context)
        return _render(request, page, shown_phone=shown)
    form = visit_forms.VisitForm(initial=_visit_initial(page), matters=page.matters)
    opening_form = visit_forms.OpeningForm(initial=_opening_initial(page))
    status, stale = 200, ""
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "opening":
            opening_form = visit_forms.OpeningForm(request.POST)

            def save_opening(data: dict[str, Any]) -> None:
                visits.record_opening(
                    page.booking,
                    visits.OpeningInput(
                        business_name=data["business_name"],
                        uscc=data["uscc"],
                        steps=data["steps"],
                        pack_given_on=data["pack_given_on"],
                        pack_items=data["pack_items"],
                    ),
                    actor=request.user,
                    expected_version=data["version"],
                )

            outcome = submit(opening_form, save_opening)
            if outcome.saved:
                messages.success(request, _("现场开办情况已保存"))
                return redirect(reverse("appointments:visit", args=[pk]) + "#opening")
            status, stale = outcome.status, outcome.stale_message
            if status == 409:
                page = visit_selectors.visit_page(request.user, pk)
                opening_form = visit_forms.OpeningForm(
                    with_version(request.POST, page.booking.version)
                )
        else:
            form = visit_forms.VisitForm(request.POST, request.FILES, matters=page.matters)

            def save_visit(data: dict[str, Any]) -> None:
                visits.record_visit(
                    page.booking,
                    visits.VisitInput(
                        outcome=data["outcome"],
                        matter_ids=[int(x) for x in data["matters"]],
                        notes=data["notes"],
                        confirmed_by=data["confirmed_by"],
                        satisfaction=data["satisfaction"],
                        photos=data.get("photos") or [],
                    ),
                    actor=request.user,
                    expected_version=data["version"],
                )

            outcome = submit(form, save_visit)
            if outcome.saved:
                messages.success(request, _("服务已记录"))
                return redirect(reverse("appointments:visit", args=[pk]))
            status, stale = outcome.status, outcome.stale_message
            if status == 409:
                page = visit_selectors.visit_page(request.user, pk)
                form = visit_forms.VisitForm(
                    with_version(request.POST, page.booking.version), matters=page.matters
                )
    return _render(request, page, form=form, opening_form=opening_form, status=status, stale=stale)


def _render(
    request: HttpRequest,
    page: visit_selectors.VisitPage,
    *,
    form: Any = None,
    opening_form: Any = None,
    status: int = 200,
    stale: str = "",
    shown_phone: str = "",
) -> TemplateResponse:
    context = {
        "page": page,
        "form": form or visit_forms.VisitForm(initial=_visit_initial(page), matters=page.matters),
        "opening_form": opening_form or visit_forms.OpeningForm(initial=_opening_initial(page)),
        "stale": stale,
        "shown_phone": shown_phone,
    }
    return TemplateResponse(request, "appointments/visits/visit.html", context, status=status)


@login_required
@require_GET
def visit_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponseBase:
    row = visit_selectors.photo_of(request.user, pk, photo)
    return stored_file_response(row.file, row.name, row.content_type)
