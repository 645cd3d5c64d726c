"""Public landmark pages, without login: the open data, a landmark's page (where its QR code
points) and the check-in it posts.

The check-in is a plain form POST protected by Django's CSRF token, which the landmark page
provides (cookie and hidden field): nothing is exempted. It answers 201 with the new count —
JSON, or for the page's htmx form the count and a message — 422 naming the field, 429 with
``Retry-After`` past a limit and 404 for an unknown landmark.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.http import error_pages
from shishi.core.ratelimit import client_key, rate_limited
from shishi.education import checkins, selectors


@require_GET
@rate_limited("open_data")
def landmarks_json(request: HttpRequest, district: str) -> JsonResponse:
    try:
        place = selectors.public_district(district)
    except NotFound as exc:
        return JsonResponse({"detail": exc.message}, status=404)
    landmarks = selectors.open_landmarks(place)
    body = {"district_code": place.code, "count": len(landmarks), "landmarks": landmarks}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@error_pages("portal")
@require_GET
def landmark(request: HttpRequest, district: str, pk: int) -> HttpResponse:
    place = selectors.public_district(district)
    found = selectors.public_landmark(place, pk)
    context = {"district": place, "landmark": found}
    return TemplateResponse(request, "education/public_landmark.html", context)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_POST
def check_in(request: HttpRequest, district: str, pk: int) -> HttpResponse:
    data = checkins.CheckInInput(
        nickname=str(request.POST.get("nickname", ""))[:200],
        phone_tail=str(request.POST.get("phone_tail", ""))[:20],
        group=str(request.POST.get("group", ""))[:200],
    )
    try:
        count = checkins.check_in(district, pk, data, client=client_key(request))
    except checkins.TooManyCheckIns as exc:
        response = _answer(request, pk, 429, exc.message)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationFailed as exc:
        return _answer(request, pk, 422, exc.message, errors=exc.errors)
    except NotFound as exc:
        return _answer(request, pk, 404, exc.message)
    return _answer(request, pk, 201, "打卡成功", count=count)


def _answer(
    request: HttpRequest,
    pk: int,
    status: int,
    message: str,
    *,
    count: int | None = None,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    if _htmx(request):
        # htmx swaps only 2xx answers: a refusal comes back 200 with its message.
        context = {"ok": status == 201, "message": message, "count": count}
        return TemplateResponse(
            request, "education/_check_in_result.html", context, status=201 if count else 200
        )
    body: dict[str, object] = (
        {"landmark_id": pk, "check_ins": count} if count is not None else {"detail": message}
    )
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
