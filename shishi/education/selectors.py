"""Reads of the public landmark pages."""

from __future__ import annotations

from typing import Any

from shishi.core.errors import NotFound
from shishi.education.models import Landmark
from shishi.orgs.models import Jurisdiction


def public_district(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if found is None:
        raise NotFound("没有这个区")
    return found


def open_landmarks(district: Jurisdiction) -> list[dict[str, Any]]:
    """The district's landmarks open to check-ins, as the open data gives them (WGS-84)."""
    rows = (
        Landmark.objects.filter(jurisdiction=district, is_active=True)
        .order_by("order", "id")
        .values_list("id", "name", "address", "lat", "lon", "check_ins")
    )
    return [
        {
            "id": pk,
            "name": name,
            "address": address,
            "lat": float(lat) if lat is not None else None,
            "long": float(lon) if lon is not None else None,
            "check_ins": count,
        }
        for pk, name, address, lat, lon, count in rows
    ]


def public_landmark(district: Jurisdiction, pk: int) -> Landmark:
    found = Landmark.objects.filter(jurisdiction=district, pk=pk, is_active=True).first()
    if found is None:
        raise NotFound("没有这个红色地标")
    return found
