"""The enterprises' service-request pages, no login (``/public/enterprise-requests/…``):
the form with its SMS code (the demands intake's codes, sent through the same gateway), the
request number on the next page and by SMS; the tracking page by the number and the contact
phone's last four digits, with the enterprise's rating once the request is closed.

A session and a CSRF token, never cached; every POST throttled per client (and per phone)
through ``shishi.core.ratelimit``; bad input re-shows the form (422) naming the field."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from shishi.core import ratelimit
from shishi.core.errors import ValidationFailed
from shishi.core.forms import submit
from shishi.core.http import error_pages
from shishi.demands import intake
from shishi.enterprise import request_selectors as sel
from shishi.enterprise import requests as svc
from shishi.enterprise.request_forms import PublicRequestForm, RateForm, TrackForm

NEW = "enterprise/requests/public_new.html"
TRACK = "enterprise/requests/public_track.html"
# The number just given, for the page after the form: a signed cookie for that page alone.
LAST_NUMBER = "enterprise_request_number"
LAST_NUMBER_SECONDS = 3600


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = TemplateResponse(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


def _verified(request: HttpRequest) -> bool:
    try:
        return intake.is_verified(
            request.session, intake.mobile(request.POST.get("contact_phone", ""))
        )
    except ValidationFailed:
        return False


@error_pages("portal")
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, district: str) -> HttpResponseBase:
    """``action=code`` sends a code to the phone typed; ``action=submit`` files."""
    found = sel.public_district(district)
    form = PublicRequestForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"district": found, "form": form}
    if request.method != "POST":
        return _page(request, NEW, context)
    client = ratelimit.client_key(request)
    try:
        if request.POST.get("action") == "code":
            try:
                intake.request_code(
                    request.POST.get("contact_phone", ""), client=client, jurisdiction_id=found.pk
                )
            except ValidationFailed as exc:
                context["code_error"] = exc.errors.get("phone", exc.message)
                return _page(request, NEW, context, status=422)
            typed = {
                k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "code")
            }
            context["form"] = PublicRequestForm(initial=typed)
            context["notice"] = "验证码已发送，10分钟内有效"
            return _page(request, NEW, context)
        intake.check_limit("public_form", client)
        made: dict[str, str] = {}

        def save(data: dict[str, Any]) -> None:
            try:
                number = intake.mobile(data["contact_phone"])
            except ValidationFailed as exc:
                raise ValidationFailed(
                    exc.message, {"contact_phone": exc.errors.get("phone", exc.message)}
                ) from exc
            if not intake.is_verified(request.session, number):
                intake.check_code(data["contact_phone"], data.get("code", ""))
                # The phone is proven even if the request is refused below: no new code.
                intake.mark_verified(request.session, number)
            intake.check_limit("enterprise_request_phone", number.lookup_hash())
            made["number"] = svc.take_in_public(
                found.pk,
                svc.RequestInput(
                    kind=data["kind"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=number.reveal(),
                    uscc=data["uscc"],
                    enterprise_name=data["enterprise_name"],
                ),
            ).number

        outcome = submit(form, save)
    except intake.TooManyRequests as exc:
        return ratelimit.too_many_requests(request, exc.retry_after)
    if outcome.saved:
        done_url = reverse("enterprise_public:request_done", kwargs={"district": found.code})
        response = redirect(done_url)
        response.set_signed_cookie(
            LAST_NUMBER,
            made["number"],
            salt=LAST_NUMBER,
            max_age=LAST_NUMBER_SECONDS,
            path=done_url,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    context["verified"] = _verified(request)
    return _page(request, NEW, context, status=outcome.status)


@error_pages("portal")
@require_http_methods(["GET"])
def done(request: HttpRequest, district: str) -> HttpResponse:
    found = sel.public_district(district)
    number = request.get_signed_cookie(
        LAST_NUMBER, default="", salt=LAST_NUMBER, max_age=LAST_NUMBER_SECONDS
    )
    return _page(
        request, "enterprise/requests/public_done.html", {"district": found, "number": number}
    )


@error_pages("portal")
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponseBase:
    """The request number and the contact phone's last four digits show that request."""
    if request.method != "POST":
        return _page(request, TRACK, {"form": TrackForm()})
    try:
        intake.check_limit("enterprise_request_track", ratelimit.client_key(request))
    except intake.TooManyRequests as exc:
        return ratelimit.too_many_requests(request, exc.retry_after)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _page(request, TRACK, {"form": form}, status=422)
    found = sel.tracked(form.cleaned_data["number"], form.cleaned_data["tail"])
    if found is None:
        return _page(request, TRACK, {"form": form, "not_found": True}, status=404)
    rate_form = RateForm(
        initial={"number": found.request.number, "tail": form.cleaned_data["tail"]}
    )
    return _page(request, TRACK, {"form": form, "found": found, "rate": rate_form})


@error_pages("portal")
@require_POST
def rate(request: HttpRequest) -> HttpResponseBase:
    """The enterprise rates a closed request, once."""
    try:
        intake.check_limit("enterprise_request_track", ratelimit.client_key(request))
    except intake.TooManyRequests as exc:
        return ratelimit.too_many_requests(request, exc.retry_after)
    form = RateForm(request.POST)
    track_form = TrackForm(request.POST)
    found = (
        sel.tracked(track_form.cleaned_data["number"], track_form.cleaned_data["tail"])
        if track_form.is_valid()
        else None
    )
    if found is None:
        return _page(request, TRACK, {"form": track_form, "not_found": True}, status=404)
    if not found.can_rate:
        return _page(
            request,
            TRACK,
            {"form": track_form, "found": found, "rated_already": True},
            status=422,
        )
    target = found.request

    def save(data: dict[str, Any]) -> None:
        svc.rate(target, rating=data["rating"], note=data.get("rating_note") or "")

    outcome = submit(form, save)
    if outcome.saved:
        again = sel.tracked(target.number, track_form.cleaned_data["tail"])
        return _page(request, TRACK, {"form": track_form, "found": again, "thanks": True})
    return _page(
        request,
        TRACK,
        {"form": track_form, "found": found, "rate": form},
        status=outcome.status,
    )
