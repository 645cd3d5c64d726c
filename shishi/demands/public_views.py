"""The residents' pages, no login (mounted at ``/public/demands/``): the form with its SMS
code, the tracking code at the end, the tracking page with the resident's rating.

Unlike the portal these pages hold a session (the phone verified in this browser, the last
tracking code) and a CSRF token, so they are never cached. Every POST is throttled per
client address (and per phone where there is one) through ``shishi.core.ratelimit``.
"""

from __future__ import annotations

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
from shishi.demands import intake, selectors_public, services
from shishi.demands.models import Channel
from shishi.demands.public_forms import PublicDemandForm, RateForm, TrackForm

# The tracking code just given, for the page after the form: a signed cookie for that page
# alone (an hour), so filing writes nothing to the session.
LAST_CODE = "demands_last_number"
LAST_CODE_SECONDS = 3600


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = TemplateResponse(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


def _too_many(request: HttpRequest, exc: intake.TooManyRequests) -> HttpResponseBase:
    return ratelimit.too_many_requests(request, exc.retry_after)


@error_pages("portal")
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, code: str) -> HttpResponseBase:
    """The form; ``action=code`` sends a code to the phone typed, ``action=submit`` files."""
    district = selectors_public.district(code)
    form = PublicDemandForm(
        request.POST or None, request.FILES or None, jurisdiction_id=district.pk
    )
    notice = ""
    if request.method != "POST":
        return _page(request, "demands/public_new.html", {"district": district, "form": form})
    client = ratelimit.client_key(request)
    try:
        if request.POST.get("action") == "code":
            try:
                intake.request_code(
                    request.POST.get("phone", ""), client=client, jurisdiction_id=district.pk
                )
            except ValidationFailed as exc:
                return _page(
                    request,
                    "demands/public_new.html",
                    {"district": district, "form": form, "code_error": exc.errors.get("phone")},
                    status=422,
                )
            # The rest is checked when the form is sent: shown again unbound, as typed.
            typed = {
                k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "code")
            }
            again = PublicDemandForm(initial=typed, jurisdiction_id=district.pk)
            notice = "验证码已发送，10分钟内有效"
            return _page(
                request,
                "demands/public_new.html",
                {"district": district, "form": again, "notice": notice},
            )
        intake.check_limit("public_form", client)
        taken: dict[str, str] = {}

        def save(data: dict) -> None:
            number = intake.mobile(data["phone"])
            if not intake.is_verified(request.session, number):
                intake.check_code(data["phone"], data.get("code", ""))
                # The phone is proven even if the demand is refused below: no new code.
                intake.mark_verified(request.session, number)
            intake.check_limit("demand_submit_phone", number.lookup_hash())
            demand = services.take_in(
                district.pk,
                services.IntakeInput(
                    kind=data["kind"],
                    category_id=data["category"].pk,
                    description=data["description"],
                    channel=Channel.WEB,
                    address=data.get("address") or "",
                    lat=data.get("lat"),
                    lon=data.get("lon"),
                    contact_name=data.get("contact_name") or "",
                    phone=number.reveal(),
                    photos=data.get("photos") or (),
                ),
            )
            taken["number"] = demand.number

        outcome = submit(form, save)
    except intake.TooManyRequests as exc:
        return _too_many(request, exc)
    if outcome.saved:
        done_url = reverse("public_demands:done", kwargs={"code": district.code})
        response = redirect(done_url)
        response.set_signed_cookie(
            LAST_CODE,
            taken["number"],
            salt=LAST_CODE,
            max_age=LAST_CODE_SECONDS,
            path=done_url,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response
    return _page(
        request,
        "demands/public_new.html",
        {"district": district, "form": form, "verified": _verified(request, form)},
        status=outcome.status,
    )


def _verified(request: HttpRequest, form: PublicDemandForm) -> bool:
    try:
        return intake.is_verified(request.session, intake.mobile(form.data.get("phone", "")))
    except ValidationFailed:
        return False


@error_pages("portal")
@require_http_methods(["GET"])
def done(request: HttpRequest, code: str) -> HttpResponse:
    district = selectors_public.district(code)
    number = request.get_signed_cookie(
        LAST_CODE, default="", salt=LAST_CODE, max_age=LAST_CODE_SECONDS
    )
    return _page(request, "demands/public_done.html", {"district": district, "number": number})


@error_pages("portal")
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponseBase:
    """The tracking code and the phone's last four digits show that one demand."""
    if request.method != "POST":
        return _page(request, "demands/public_track.html", {"form": TrackForm()})
    try:
        intake.check_limit("demand_track", ratelimit.client_key(request))
    except intake.TooManyRequests as exc:
        return _too_many(request, exc)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _page(request, "demands/public_track.html", {"form": form}, status=422)
    found = selectors_public.tracked(form.cleaned_data["number"], form.cleaned_data["tail"])
    if found is None:
        return _page(
            request,
            "demands/public_track.html",
            {"form": form, "not_found": True},
            status=404,
        )
    rate_form = RateForm(initial={"number": found.demand.number, "tail": form.cleaned_data["tail"]})
    return _page(
        request, "demands/public_track.html", {"form": form, "found": found, "rate": rate_form}
    )


@error_pages("portal")
@require_POST
def rate(request: HttpRequest) -> HttpResponseBase:
    """The resident rates the reply (once: a rated demand is closed, or reopened)."""
    try:
        intake.check_limit("demand_track", ratelimit.client_key(request))
    except intake.TooManyRequests as exc:
        return _too_many(request, exc)
    form = RateForm(request.POST)
    track_form = TrackForm(request.POST)
    found = (
        selectors_public.tracked(request.POST.get("number", ""), request.POST.get("tail", ""))
        if track_form.is_valid()
        else None
    )
    if found is None:
        return _page(
            request,
            "demands/public_track.html",
            {"form": track_form, "not_found": True},
            status=404,
        )
    if not found.can_rate:
        return _page(
            request,
            "demands/public_track.html",
            {"form": track_form, "found": found, "rated_already": True},
            status=422,
        )
    demand = found.demand

    def save(data: dict) -> None:
        services.rate_by_resident(demand, satisfaction=data["satisfaction"], note=data["note"])

    outcome = submit(form, save)
    if outcome.saved:
        found = selectors_public.tracked(demand.number, request.POST.get("tail", ""))
        return _page(
            request,
            "demands/public_track.html",
            {"form": track_form, "found": found, "thanks": True},
        )
    return _page(
        request,
        "demands/public_track.html",
        {"form": track_form, "found": found, "rate": form},
        status=outcome.status,
    )
