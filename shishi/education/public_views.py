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

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from shishi.core import geo
from shishi.core.errors import NotFound, ValidationFailed
from shishi.core.http import error_pages
from shishi.core.ratelimit import client_key, rate_limited
from shishi.core.uploads import inspect_photo
from shishi.education import checkins, selectors
from shishi.education.models import Landmark, LandmarkPhoto, Route, RouteStop
from shishi.orgs.models import Jurisdiction

# --- the guide map ------------------------------------------------------------------------


@dataclass
class GuideRoute:
    route: Route
    stops: list[Landmark] = field(default_factory=list)


def _open_landmarks(place: Jurisdiction) -> list[Landmark]:
    return list(
        Landmark.objects.filter(jurisdiction=place, is_active=True)
        .order_by("order", "id")
        .only("id", "name", "address", "lat", "lon", "opening_hours", "is_sample", "check_ins")
    )


def _routes(place: Jurisdiction, through: Landmark | None = None) -> list[GuideRoute]:
    """The district's active routes with their open stops in order (those through a
    landmark when given)."""
    stops = (
        RouteStop.objects.filter(landmark__is_active=True)
        .select_related("landmark")
        .order_by("order", "id")
    )
    routes = Route.objects.filter(jurisdiction=place, is_active=True)
    if through is not None:
        routes = routes.filter(stops__landmark=through).distinct()
    found = routes.order_by("name").prefetch_related(Prefetch("stops", queryset=stops))
    return [GuideRoute(r, [s.landmark for s in r.stops.all()]) for r in found]


def _tiles() -> dict[str, Any] | None:
    tiles: dict[str, Any] = settings.SHISHI_MAP_TILES
    return tiles if tiles.get("url") else None


def _point(landmark: Landmark, datum: str) -> list[float] | None:
    """The landmark's WGS-84 point in the tiles' datum, [lat, lng] (None without one)."""
    if landmark.lat is None or landmark.lon is None:
        return None
    lat, lon = geo.wgs84_to(datum, float(landmark.lat), float(landmark.lon))
    return [round(lat, 7), round(lon, 7)]


def _map_data(
    place: Jurisdiction, landmarks: list[Landmark], routes: list[GuideRoute], tiles: dict[str, Any]
) -> dict[str, Any] | None:
    """What guide-map.js draws: the tiles, the markers and the routes, in the tiles' datum
    (None when no landmark has coordinates: the list alone is the page)."""
    datum = str(tiles["datum"])
    markers = []
    for landmark in landmarks:
        point = _point(landmark, datum)
        if point is not None:
            url = reverse("education_public:landmark", args=[place.code, landmark.pk])
            markers.append(
                {
                    "id": landmark.pk,
                    "name": landmark.name,
                    "address": landmark.address,
                    "lat": point[0],
                    "lng": point[1],
                    "sample": landmark.is_sample,
                    "check_ins": landmark.check_ins,
                    "url": url,
                }
            )
    if not markers:
        return None
    lines = []
    for guide in routes:
        points = [p for p in (_point(stop, datum) for stop in guide.stops) if p is not None]
        if len(points) > 1:
            lines.append({"id": guide.route.pk, "name": guide.route.name, "points": points})
    return {
        "tiles": {
            "url": tiles["url"],
            "labels_url": tiles.get("labels_url", ""),
            "attribution": tiles.get("attribution", ""),
            "subdomains": tiles.get("subdomains", []),
            "max_zoom": tiles.get("max_zoom", 18),
        },
        "datum": datum,
        "landmarks": markers,
        "routes": lines,
        "text": {
            "sample": gettext("示例"),
            "open": gettext("查看并打卡"),
            "check_ins": gettext("打卡人次"),
        },
    }


@error_pages("portal")
@require_safe
def landmark_list(request: HttpRequest, district: str) -> HttpResponse:
    """The guide map: the district's open landmarks as a list (addresses, opening hours,
    counts, links) that needs no tiles and no script, and a map above it with tiles."""
    place = selectors.public_district(district)
    landmarks = _open_landmarks(place)
    routes = _routes(place)
    tiles = _tiles()
    context = {
        "district": place,
        "landmarks": landmarks,
        "routes": routes,
        "total": sum(landmark.check_ins for landmark in landmarks),
        "map_data": _map_data(place, landmarks, routes, tiles) if tiles else None,
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
    (``checkins.check_in``); its errors are put on the fields here."""

    nickname = forms.CharField(
        label=_("昵称"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": "20", "autocomplete": "nickname"}),
    )
    phone_tail = forms.CharField(
        label=_("或手机号后四位"),
        required=False,
        strip=False,
        widget=forms.TextInput(
            attrs={
                "maxlength": "4",
                "inputmode": "numeric",
                "pattern": "[0-9]{4}",
                "autocomplete": "off",
            }
        ),
    )
    group = forms.CharField(
        label=_("团队（选填，如党支部名称）"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": "50"}),
    )

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
        "photos": list(found.photos.order_by("order", "id")),
        "routes": _routes(place, through=found),
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
    photo = LandmarkPhoto.objects.filter(landmark=found, pk=photo_pk).first()
    if photo is None:
        raise NotFound("没有这张照片")
    try:
        with photo.image.open("rb") as handle:
            # Its format from its header only (max_pixels=0: not decoded again on every
            # view; the office's upload checked the whole image).
            kind, _too_large = inspect_photo(handle, max_pixels=0)
            body = handle.read() if kind else b""
    except (OSError, ValueError):  # no file on disk, or no name
        kind = ""
    if not kind:
        raise NotFound("照片无法显示")
    response = HttpResponse(body, content_type=f"image/{kind.lower()}")
    response["Content-Disposition"] = f'inline; filename="landmark-{found.pk}-{photo.pk}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- the check-in -------------------------------------------------------------------------


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


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
