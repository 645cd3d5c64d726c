"""The operator's booking pages (``/appointments/book/``, ``bookings/``, ``bookings/<pk>/``):
find or register the person, the eligibility answer as the ID number is typed (htmx), the
slot grid with its free places, the booking and its actions. ID numbers and phones are
posted, never put in an address (logs keep addresses)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from shishi.appointments import booking, eligibility, services
from shishi.appointments import booking_selectors as sel
from shishi.appointments.booking_forms import (
    AssignForm,
    BookForm,
    CancelForm,
    EnterpriseBookForm,
    FilterForm,
    NoShowForm,
    RegisterForm,
    RescheduleForm,
    SearchForm,
)
from shishi.appointments.models import Service, Slot, Where
from shishi.core.forms import submit, with_version
from shishi.core.http import is_htmx_fragment

TEMPLATE = "appointments/booking/book.html"


def _int(raw: Any) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def slot_label(s: Slot) -> str:
    return f"{s.day:%m-%d} {s.get_period_display()}（余{s.free}）"


def _book_url(district_code: str, service: Service, resident: int | None = None) -> str:
    query: dict[str, Any] = {"district": district_code, "service": service.code}
    if resident:
        query["resident"] = resident
    return f"{reverse('appointments:book')}?{urlencode(query)}"


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponseBase:
    """Choose the service; find (or register) the person; the answer; a slot; confirm."""
    district = sel.operator_district(request.user, request.GET.get("district"))
    offered = sel.district_services(district.pk)
    service = next((s for s in offered if s.code == request.GET.get("service")), None)
    if service is None and offered:
        service = offered[0]
    today = timezone.localdate()
    at_enterprise = service is not None and service.where == Where.ENTERPRISE
    resident_id = _int(request.GET.get("resident"))
    person = sel.person(request.user, district.pk, resident_id, on=today)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    check_url = reverse("appointments:book") + "?" + urlencode({"district": district.code})
    if service is not None:
        check_url += "&" + urlencode({"service": service.code})
    search = SearchForm(request.POST if action == "search" else None)
    register = RegisterForm(
        request.POST if action in ("register", "eligibility") else None, check_url=check_url
    )
    context: dict[str, Any] = {
        "district": district,
        "services": offered,
        "service": service,
        "person": person,
        "search": search,
        "register": register,
        "found": None,
        "at_enterprise": at_enterprise,
        "days_ahead": booking.days_ahead(),
    }
    status = 200
    if action == "eligibility" and service is not None:
        context["check"] = _check(service, request.POST.get("id_number", ""), today)
        if is_htmx_fragment(request):
            return TemplateResponse(request, TEMPLATE + "#eligibility", context)
        status = 422 if context["check"].get("error") else 200
    elif action == "search":
        if search.is_valid():
            context["found"] = sel.search(
                request.user, district.pk, search.cleaned_data["q"], on=today
            )
        else:
            status = 422
        if is_htmx_fragment(request):
            return TemplateResponse(request, TEMPLATE + "#results", context, status=status)
    elif action == "register" and service is not None:
        made: dict[str, int] = {}

        def save_resident(data: dict[str, Any]) -> None:
            made["pk"] = services.register_resident(
                district.pk,
                services.ResidentInput(
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data.get("phone") or "",
                    landline=data.get("landline") or "",
                    address=data.get("address") or "",
                    disability_certificate=bool(data.get("disability_certificate")),
                ),
                actor=request.user,
            ).pk

        outcome = submit(register, save_resident)
        if outcome.saved:
            return redirect(_book_url(district.code, service, made["pk"]))
        status = outcome.status
        context["check"] = _check(service, request.POST.get("id_number", ""), today)
    if service is not None and (person is not None or at_enterprise):
        slots = booking.slots_for(service, today, booking.days_ahead() + 1, today=today)
        row = sel.resident_row(district.pk, person.pk) if person is not None else None
        verdict = booking.judge(service, row, [], today)
        form_class = EnterpriseBookForm if at_enterprise else BookForm
        form = form_class(
            request.POST if action == "book" else None,
            initial={"resident": person.pk if person else None, "channel": "operator"},
            slots=[(s.pk, slot_label(s)) for s in slots],
            to_confirm=verdict["to_confirm"],
            staff=sel.staff_choices(service),
        )
        context.update(form=form, verdict=verdict, days=sel.by_day(slots))
        if action == "book":
            made_booking: dict[str, int] = {}

            def save(data: dict[str, Any]) -> None:
                slot = sel.slot_of(service, data["slot"])
                if slot is None:
                    booking.refuse("slot", "请选择这项服务的时段")
                assert slot is not None
                made_booking["pk"] = booking.book(
                    service,
                    slot,
                    booking.BookingInput(
                        channel=data["channel"],
                        resident_id=data.get("resident"),
                        notify_phone=data.get("notify_phone") or "",
                        proxy_name=data.get("proxy_name") or "",
                        proxy_relation=data.get("proxy_relation") or "",
                        proxy_phone=data.get("proxy_phone") or "",
                        enterprise_name=data.get("enterprise_name") or "",
                        enterprise_uscc=data.get("enterprise_uscc") or "",
                        contact_name=data.get("contact_name") or "",
                        address=data.get("address") or "",
                        request=data.get("request") or "",
                        confirmed=data.get("confirmed") or [],
                        staff_id=data.get("staff"),
                    ),
                    actor=request.user,
                ).pk

            outcome = submit(form, save)
            if outcome.saved:
                return redirect("appointments:booking", pk=made_booking["pk"])
            status = outcome.status
            # The grid again with the places as they are now (one may have gone meanwhile).
            context["days"] = sel.by_day(
                booking.slots_for(service, today, booking.days_ahead() + 1, today=today)
            )
    return TemplateResponse(request, TEMPLATE, context, status=status)


def _check(service: Service, raw: str, today: dt.date) -> dict[str, Any]:
    """The eligibility answer for the ID number being typed (as the API gives it)."""
    if not (raw or "").strip():
        return {}
    try:
        verdict = eligibility.evaluate(
            service.rules,
            id_number=raw,
            on=today,
            match=service.match,
            day_after=service.age_from == "day_after",
        )
    except ValueError as exc:
        return {"error": str(exc)}
    return {
        "eligible": verdict.eligible,
        "reasons": verdict.reasons,
        "to_confirm": verdict.to_confirm,
    }


@login_required
@require_GET
def bookings(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    page = sel.bookings_page(request.user, form.filters(), request.GET.get("page"))
    context = {"p": page, "form": form, "statuses": FilterForm.base_fields["status"]}
    if is_htmx_fragment(request):
        return TemplateResponse(request, "appointments/booking/bookings.html#results", context)
    return TemplateResponse(request, "appointments/booking/bookings.html", context)


ACTIONS = ("assign", "reschedule", "cancel", "no_show", "show_phone")


@login_required
@require_http_methods(["GET", "POST"])
def booking_page(request: HttpRequest, pk: int) -> HttpResponseBase:
    """One booking: who, when, how it was made, the eligibility answer; assign,
    reschedule, cancel, no-show; the full phone on an audited click."""
    found = sel.access_booking(request.user, pk)
    today = timezone.localdate()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    slots = (
        booking.slots_for(found.service, today, booking.days_ahead() + 1, today=today)
        if found.status == "booked"
        else []
    )
    view = sel.booking_view(request.user, found, slots, on=today)
    choices = [(s.pk, slot_label(s)) for s in slots if s.pk != found.slot_id]
    data = request.POST if request.method == "POST" else None
    initial = {"version": found.version, "staff": found.staff_id}
    forms = {
        "assign": AssignForm(
            data if action == "assign" else None, initial=initial, staff=view.staff
        ),
        "reschedule": RescheduleForm(
            data if action == "reschedule" else None, initial=initial, slots=choices
        ),
        "cancel": CancelForm(data if action == "cancel" else None, initial=initial),
        "no_show": NoShowForm(data if action == "no_show" else None, initial=initial),
    }
    context: dict[str, Any] = {"v": view, "forms": forms, "shown_phone": "", "stale": ""}
    status = 200
    if action == "show_phone":
        context["shown_phone"] = booking.reveal_contact(found, actor=request.user)
    elif action in forms:
        form = forms[action]

        def save(d: dict[str, Any]) -> None:
            version = d.get("version")
            if action == "assign":
                booking.assign_staff(
                    found, staff_id=d.get("staff"), actor=request.user, expected_version=version
                )
            elif action == "reschedule":
                slot = sel.slot_of(found.service, d["slot"])
                if slot is None:
                    booking.refuse("slot", "请选择这项服务的时段")
                assert slot is not None
                booking.reschedule(found, slot, actor=request.user, expected_version=version)
            elif action == "cancel":
                booking.cancel(
                    found, reason=d["reason"], actor=request.user, expected_version=version
                )
            else:
                booking.mark_no_show(
                    found, actor=request.user, expected_version=version, reason=d.get("reason", "")
                )

        outcome = submit(form, save)
        if outcome.saved:
            return redirect("appointments:booking", pk=found.pk)
        status = outcome.status
        if outcome.status == 409:
            context["stale"] = outcome.stale_message
            fresh = sel.access_booking(request.user, pk)
            form.data = with_version(request.POST, fresh.version)
            context["v"] = sel.booking_view(request.user, fresh, slots, on=today)
    return TemplateResponse(request, "appointments/booking/booking.html", context, status=status)
