"""The SMS gateway's delivery reports: ``POST /notify/sms/reports/`` (docs/notifications.md).

Signed like our requests to the gateway (same key and secret). Answers: 200 with how many
reports were received and applied; 403 for a bad key, signature or stale timestamp; 400 for
a body that is not the contract's JSON; 503 (the gateway retries) if recording them failed.
Reports are idempotent (a delivered delivery stays delivered), so a replayed report does no
harm and no nonce store is kept.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shishi.notify.channels.sms import (
    SignatureRejected,
    SmsReport,
    parse_reports,
    verify_report_request,
)

logger = logging.getLogger("shishi.notify.channels")


def apply_reports(reports: list[SmsReport]) -> int:
    """Hand the reports to the engine; how many deliveries they changed."""
    # Imported here: the engine's services import the channels, not the other way round.
    from shishi.notify.services import DeliveryReport, apply_delivery_reports

    return apply_delivery_reports(
        [DeliveryReport(r.provider_id, r.delivered, r.error) for r in reports]
    )


@csrf_exempt  # a machine posts here, signed; there is no session to forge
@require_POST
def sms_reports(request: HttpRequest) -> JsonResponse:
    body = request.body
    try:
        verify_report_request(body, request.headers, path=request.path)
    except SignatureRejected as exc:
        logger.warning("SMS delivery reports refused: %s", exc)
        return JsonResponse({"error": "signature rejected"}, status=403)
    try:
        reports = parse_reports(body)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    try:
        applied = apply_reports(reports)
    except Exception:  # the gateway will post them again; never a 500 for it
        logger.exception("SMS delivery reports could not be recorded")
        response = JsonResponse({"error": "try again later"}, status=503)
        response["Retry-After"] = "60"
        return response
    return JsonResponse({"received": len(reports), "applied": applied})
