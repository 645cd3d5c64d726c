"""Public verification of a health certificate, no login (``/public/certificates/…``): the
page the QR code opens (phone-first: the status in words and colour, the holder masked,
the dates, the issuer) and its JSON. Rate-limited per client (``certificate_verify``); an
unknown number answers 404 (JSON for the JSON address). Never cached: a revocation shows at
once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from shishi.appointments import certificate_selectors as selectors
from shishi.core.errors import NotFound
from shishi.core.ratelimit import rate_limited


@require_GET
@rate_limited("certificate_verify")
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    try:
        found = selectors.verify(number, today=timezone.localdate())
    except NotFound:
        response = TemplateResponse(
            request,
            "appointments/certs/public_certificate.html",
            {"number": number[: selectors.NUMBER_CHARS], "found": None},
            status=404,
        )
    else:
        response = TemplateResponse(
            request,
            "appointments/certs/public_certificate.html",
            {"number": number, "found": found, "label": selectors.STATUS_LABELS[found["status"]]},
        )
    add_never_cache_headers(response)
    return response


@require_GET
@rate_limited("certificate_verify")
def certificate_json(request: HttpRequest, number: str) -> HttpResponse:
    try:
        found = selectors.verify(number, today=timezone.localdate())
    except NotFound as exc:
        response = JsonResponse(
            {"detail": exc.message}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = JsonResponse(found, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    response["Access-Control-Allow-Origin"] = "*"
    return response
