"""The 12345 hotline's webhook (``demands.hotline``): one signed ticket per request, JSON in
and out."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import hotline

MAX_BODY_BYTES = 64 * 1024


@csrf_exempt  # the hotline signs its requests (HMAC); it holds no session
@require_POST
def webhook(request: HttpRequest, code: str) -> JsonResponse:
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"detail": "请求体过大"}, status=413)
    try:
        received = hotline.receive(
            code,
            body,
            timestamp=request.headers.get("X-Hotline-Timestamp", ""),
            signature=request.headers.get("X-Hotline-Signature", ""),
        )
    except PermissionDenied as exc:
        return JsonResponse({"detail": exc.message}, status=401)
    except ValidationFailed as exc:
        return JsonResponse({"detail": exc.message, "errors": exc.errors or {}}, status=422)
    demand = received.demand
    return JsonResponse(
        {"number": demand.hotline_number, "tracking_code": demand.number, "status": demand.status},
        status=201 if received.created else 200,
    )
