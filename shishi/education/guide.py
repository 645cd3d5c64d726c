"""Reads of the public guide map and landmark page (docs/education.md, "Guide map"): the
open landmarks as model rows, the active routes with their open stops, the map's data in the
tiles' datum, and a landmark's photo as an image."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext

from shishi.core import geo
from shishi.core.errors import NotFound
from shishi.core.uploads import inspect_photo
from shishi.education.models import Landmark, LandmarkPhoto, Route, RouteStop
from shishi.orgs.models import Jurisdiction


@dataclass
class GuideRoute:
    route: Route
    stops: list[Landmark] = field(default_factory=list)


def open_landmarks(place: Jurisdiction) -> list[Landmark]:
    """The district's landmarks open to check-ins, in order."""
    return list(
        Landmark.objects.filter(jurisdiction=place, is_active=True)
        .order_by("order", "id")
        .only("id", "name", "address", "lat", "lon", "opening_hours", "is_sample", "check_ins")
    )


def routes(place: Jurisdiction, through: Landmark | None = None) -> list[GuideRoute]:
    """The district's active routes with their open stops in order (those through a
    landmark when given)."""
    stops = (
        RouteStop.objects.filter(landmark__is_active=True)
        .select_related("landmark")
        .order_by("order", "id")
    )
    found = Route.objects.filter(jurisdiction=place, is_active=True)
    if through is not None:
        found = found.filter(stops__landmark=through).distinct()
    found = found.order_by("name").prefetch_related(Prefetch("stops", queryset=stops))
    return [GuideRoute(r, [s.landmark for s in r.stops.all()]) for r in found]


def tiles() -> dict[str, Any] | None:
    """``SHISHI_MAP_TILES`` when a tile URL is set (None: the page is the list alone)."""
    configured: dict[str, Any] = settings.SHISHI_MAP_TILES
    return configured if configured.get("url") else None


def _point(landmark: Landmark, datum: str) -> list[float] | None:
    """The landmark's WGS-84 point in the tiles' datum, [lat, lng] (None without one)."""
    if landmark.lat is None or landmark.lon is None:
        return None
    lat, lon = geo.wgs84_to(datum, float(landmark.lat), float(landmark.lon))
    return [round(lat, 7), round(lon, 7)]


def map_data(
    place: Jurisdiction,
    landmarks: list[Landmark],
    lines: list[GuideRoute],
    tile_settings: dict[str, Any],
) -> dict[str, Any] | None:
    """What guide-map.js draws: the tiles, the markers and the routes, converted here to the
    tiles' datum (None when no landmark has coordinates: the list alone is the page)."""
    datum = str(tile_settings["datum"])
    markers = []
    for landmark in landmarks:
        point = _point(landmark, datum)
        if point is not None:
            markers.append(
                {
                    "id": landmark.pk,
                    "name": landmark.name,
                    "address": landmark.address,
                    "lat": point[0],
                    "lng": point[1],
                    "sample": landmark.is_sample,
                    "check_ins": landmark.check_ins,
                    "url": reverse("education_public:landmark", args=[place.code, landmark.pk]),
                }
            )
    if not markers:
        return None
    drawn = []
    for guide in lines:
        points = [p for p in (_point(stop, datum) for stop in guide.stops) if p is not None]
        if len(points) > 1:
            drawn.append({"id": guide.route.pk, "name": guide.route.name, "points": points})
    return {
        "tiles": {
            "url": tile_settings["url"],
            "labels_url": tile_settings.get("labels_url", ""),
            "attribution": tile_settings.get("attribution", ""),
            "subdomains": tile_settings.get("subdomains", []),
            "max_zoom": tile_settings.get("max_zoom", 18),
        },
        "datum": datum,
        "landmarks": markers,
        "routes": drawn,
        "text": {
            "sample": gettext("示例"),
            "open": gettext("查看并打卡"),
            "check_ins": gettext("打卡人次"),
        },
    }


def photos(landmark: Landmark) -> list[LandmarkPhoto]:
    return list(LandmarkPhoto.objects.filter(landmark=landmark).order_by("order", "id"))


def photo_image(landmark: Landmark, photo_pk: int) -> tuple[bytes, str]:
    """A photo of the landmark as (its bytes, its format: JPEG, PNG or WEBP); ``NotFound``
    for another landmark's, a missing file or anything that is not such an image."""
    photo = LandmarkPhoto.objects.filter(landmark=landmark, pk=photo_pk).first()
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
    return body, kind
