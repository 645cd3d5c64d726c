"""The public booking pages, no login (``/public/appointments/…``): a resident — or an
enterprise's contact, for a service delivered at enterprises — books with an SMS code (the
demands intake's codes), gets the booking code on the page and by SMS; the look-up page
shows a booking by its code and the phone's last four digits and cancels it.

A session and a CSRF token, never cached; every POST throttled per client (and per phone)
through ``shishi.core.ratelimit``; bad input re-shows the form (422) naming the field."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from shishi.appointments import booking
from shishi.appointments import booking_selectors as sel
from shishi.appointments.booking_forms import (
    LookupForm,
    PublicBookForm,
    PublicCancelForm,
    PublicEnterpriseForm,
)
from shishi.appointments.booking_views import slot_label
from shishi.appointments.models import Channel, Where
from shishi.core import ratelimit
from shishi.core.errors import ValidationFailed
from shishi.core.forms import submit
from shishi.core.http import error_pages
from shishi.demands import intake

BOOK = "appointments/booking/public_book.html"
LOOKUP = "appointments/booking/public_lookup.html"


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = TemplateResponse(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


@error_pages("portal")
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, district: str, service: str) -> HttpResponseBase:
    """``action=code`` sends a code to the phone typed; ``action=submit`` books."""
    found_district, found_service = sel.public_service(district, service)
    today = timezone.localdate()
    at_enterprise = found_service.where == Where.ENTERPRISE
    slots = booking.slots_for(found_service, today, booking.days_ahead() + 1, today=today)
    # The conditions a person states (上门时核实); an age is read from the ID number.
    to_confirm = booking.judge(found_service, None, [], today)["to_confirm"]
    form_class = PublicEnterpriseForm if at_enterprise else PublicBookForm
    choices = [(s.pk, slot_label(s)) for s in slots]
    form = form_class(
        request.POST if request.method == "POST" else None, slots=choices, to_confirm=to_confirm
    )
    context: dict[str, Any] = {
        "district": found_district,
        "service": found_service,
        "form": form,
        "days": sel.by_day(slots),
        "at_enterprise": at_enterprise,
    }
    if request.method != "POST":
        return _page(request, BOOK, context)
    client = ratelimit.client_key(request)
    try:
        if request.POST.get("action") == "code":
            try:
                intake.request_code(
                    request.POST.get("phone", ""), client=client, jurisdiction_id=found_district.pk
                )
            except ValidationFailed as exc:
                context["code_error"] = exc.errors.get("phone", exc.message)
                return _page(request, BOOK, context, status=422)
            typed = {
                k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "code")
            }
            context["form"] = form_class(
                initial={**typed, "confirmed": request.POST.getlist("confirmed")},
                slots=choices,
                to_confirm=to_confirm,
            )
            context["notice"] = "验证码已发送，10分钟内有效"
            return _page(request, BOOK, context)
        intake.check_limit("public_form", client)
        made: dict[str, Any] = {}

        def save(data: dict[str, Any]) -> None:
            number = intake.mobile(data["phone"])
            if not intake.is_verified(request.session, number):
                intake.check_code(data["phone"], data.get("code", ""))
                intake.mark_verified(request.session, number)
            intake.check_limit("booking_submit_phone", number.lookup_hash())
            slot = sel.slot_of(found_service, data["slot"])
            if slot is None:
                booking.refuse("slot", "请选择这项服务的时段")
            assert slot is not None
            resident_id = None
            if not at_enterprise:
                resident_id = booking.public_resident(
                    found_district.pk,
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=number.reveal(),
                ).pk
            made["booking"] = booking.book(
                found_service,
                slot,
                booking.BookingInput(
                    channel=Channel.ENTERPRISE if at_enterprise else Channel.PUBLIC,
                    resident_id=resident_id,
                    notify_phone=number.reveal(),
                    enterprise_name=data.get("enterprise_name") or "",
                    enterprise_uscc=data.get("enterprise_uscc") or "",
                    contact_name=data["name"] if at_enterprise else "",
                    address=data.get("address") or "",
                    request=data.get("request") or "",
                    confirmed=data.get("confirmed") or [],
                ),
                actor=None,
            )

        outcome = submit(form, save)
    except intake.TooManyRequests as exc:
        return ratelimit.too_many_requests(request, exc.retry_after)
    if outcome.saved:
        return _page(
            request,
            "appointments/booking/public_done.html",
            {"district": found_district, "service": found_service, "b": made["booking"]},
        )
    context["verified"] = _verified(request)
    context["days"] = sel.by_day(
        booking.slots_for(found_service, today, booking.days_ahead() + 1, today=today)
    )
    return _page(request, BOOK, context, status=outcome.status)


def _verified(request: HttpRequest) -> bool:
    try:
        return intake.is_verified(request.session, intake.mobile(request.POST.get("phone", "")))
    except ValidationFailed:
        return False


@error_pages("portal")
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponseBase:
    """The booking code and the SMS phone's last four digits show that booking; with a
    reason it is cancelled (``action=cancel``)."""
    if request.method != "POST":
        return _page(request, LOOKUP, {"form": LookupForm()})
    try:
        intake.check_limit("booking_lookup", ratelimit.client_key(request))
    except intake.TooManyRequests as exc:
        return ratelimit.too_many_requests(request, exc.retry_after)
    cancelling = request.POST.get("action") == "cancel"
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _page(request, LOOKUP, {"form": form}, status=422)
    found = sel.public_booking(form.cleaned_data["number"], form.cleaned_data["tail"])
    if found is None:
        return _page(request, LOOKUP, {"form": form, "not_found": True}, status=404)
    cancel_form = PublicCancelForm(
        request.POST if cancelling else None,
        initial={"number": found.code, "tail": form.cleaned_data["tail"]},
    )
    context: dict[str, Any] = {"form": form, "b": found, "cancel": cancel_form}
    if not cancelling:
        return _page(request, LOOKUP, context)

    def save(data: dict[str, Any]) -> None:
        booking.cancel(found, reason=data["reason"], actor=None, expected_version=None)

    outcome = submit(cancel_form, save)
    if outcome.saved:
        context["b"] = sel.public_booking(found.code, form.cleaned_data["tail"])
        context["cancelled"] = True
    return _page(request, LOOKUP, context, status=200 if outcome.saved else outcome.status)
