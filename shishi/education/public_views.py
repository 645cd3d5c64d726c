"""Public landmark pages, without login: the guide map (a list with addresses, and a Leaflet
map over it when tiles are configured), the open data, a landmark's page (where its QR code
points) with its photos, and the check-in it posts.

The check-in is a plain form POST protected by Django's CSRF token, which the landmark page
provides (cookie and hidden field): nothing is exempted. It answers 201 with the new count —
JSON for an API client, for the page's htmx form the count and a message, and for a browser
posting the form without JavaScript (``Accept: text/html``) a result page — 422 naming the
field, 429 with ``Retry-After`` past a limit and 404 for an unknown landmark.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from shishi.core import geo
from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.http import error_pages, is_htmx_fragment
from shishi.core.ratelimit import client_key, rate_limited
from shishi.education import checkins, guide, selectors
from shishi.education.models import Landmark
from shishi.orgs.models import Jurisdiction


@error_pages("portal")
@require_safe
def landmark_list(request: HttpRequest, district: str) -> HttpResponse:
    """The guide map: the district's open landmarks as a list (addresses, opening hours,
    counts, links) that needs no tiles and no script, and a map above it with tiles."""
    place = selectors.public_district(district)
    landmarks = guide.open_landmarks(place)
    routes = guide.routes(place)
    tiles = guide.tiles()
    context = {
        "district": place,
        "landmarks": landmarks,
        "routes": routes,
        "total": sum(landmark.check_ins for landmark in landmarks),
        "map_data": guide.map_data(place, landmarks, routes, tiles) if tiles else None,
    }
    return TemplateResponse(request, "education/public_landmarks.html", context)


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


# --- a landmark's page and its photos ---------------------------------------------------


class CheckInForm(forms.Form):
    """The check-in's fields, for the house form partial. The service checks them
    (``checkins.check_in``); its errors are put on the fields here. The fields' own limits
    only bound what is read (as ``check_in`` cuts the posted values); the browser's
    ``maxlength`` is the service's limit."""

    nickname = forms.CharField(label=_("昵称"), required=False, strip=False, max_length=200)
    phone_tail = forms.CharField(
        label=_("或手机号后四位"),
        required=False,
        strip=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}
        ),
    )
    group = forms.CharField(
        label=_("团队（选填，如党支部名称）"), required=False, strip=False, max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hints = {"nickname": checkins.NICKNAME_MAX, "phone_tail": 4, "group": checkins.GROUP_MAX}
        for name, limit in hints.items():
            self.fields[name].widget.attrs["maxlength"] = str(limit)
        self.fields["nickname"].widget.attrs["autocomplete"] = "nickname"

    def refuse(self, errors: dict[str, str], message: str) -> None:
        """Show the service's refusal: on its fields, or above them."""
        self.full_clean()
        for name, text in (errors or {"": message}).items():
            self.add_error(name if name in self.fields else None, text)


def _landmark_page(
    request: HttpRequest,
    place: Jurisdiction,
    found: Landmark,
    form: CheckInForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    context = {
        "district": place,
        "landmark": found,
        "photos": guide.photos(found),
        "routes": guide.routes(place, through=found),
        "navigate": geo.map_link(found.lat, found.lon, found.name),
        "form": form or CheckInForm(),
    }
    return TemplateResponse(request, "education/public_landmark.html", context, status=status)


@error_pages("portal")
@require_GET
def landmark(request: HttpRequest, district: str, pk: int) -> HttpResponse:
    place = selectors.public_district(district)
    return _landmark_page(request, place, selectors.public_landmark(place, pk))


@error_pages("portal")
@require_safe
def landmark_photo(request: HttpRequest, district: str, pk: int, photo_pk: int) -> HttpResponse:
    """A photo of an open landmark, as an image only (sandboxed: nothing in it runs)."""
    place = selectors.public_district(district)
    found = selectors.public_landmark(place, pk)
    body, kind = guide.photo_image(found, photo_pk)
    response = HttpResponse(body, content_type=f"image/{kind.lower()}")
    response["Content-Disposition"] = f'inline; filename="landmark-{found.pk}-{photo_pk}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- the check-in -------------------------------------------------------------------------


def _htmx(request: HttpRequest) -> bool:
    return is_htmx_fragment(request)


def _person(request: HttpRequest) -> bool:
    """A browser posting the form without JavaScript: it asks for HTML (an API client or
    the test client asks for JSON or anything, and gets JSON)."""
    return not _htmx(request) and "text/html" in request.headers.get("Accept", "")


@error_pages("portal")
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
        response = _answer(request, district, pk, 429, exc.message)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationFailed as exc:
        return _answer(request, district, pk, 422, exc.message, errors=exc.errors)
    except NotFound as exc:
        if _person(request):
            raise  # the public 404 page
        return _answer(request, district, pk, 404, exc.message)
    return _answer(request, district, pk, 201, gettext("打卡成功"), count=count)


def _answer(
    request: HttpRequest,
    district: str,
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
    if _person(request):
        return _result_page(request, district, pk, status, message, count, errors)
    body: dict[str, object] = (
        {"landmark_id": pk, "check_ins": count} if count is not None else {"detail": message}
    )
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _result_page(
    request: HttpRequest,
    district: str,
    pk: int,
    status: int,
    message: str,
    count: int | None,
    errors: dict[str, str] | None,
) -> TemplateResponse:
    """Without JavaScript: bad input shows the landmark's page again with the fields marked;
    otherwise a page saying what happened, with the new count."""
    place = selectors.public_district(district)
    found = selectors.public_landmark(place, pk)
    if status == 422:
        form = CheckInForm(request.POST)
        form.refuse(errors or {}, message)
        return _landmark_page(request, place, found, form, status=422)
    context = {
        "district": place,
        "landmark": found,
        "ok": status == 201,
        "message": message,
        "count": found.check_ins if count is None else count,
    }
    return TemplateResponse(request, "education/public_check_in.html", context, status=status)
