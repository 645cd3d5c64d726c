"""Reads shared by the education pages: the public landmark pages and the front page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shishi.core.errors import NotFound
from shishi.education import permissions
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


@dataclass(frozen=True)
class Hub:
    office: list[Jurisdiction]  # the districts whose study, landmarks and publicity it keeps
    entering: bool  # enters study activities for a unit

    @property
    def empty(self) -> bool:
        return not (self.office or self.entering)


def hub(user: Any) -> Hub:
    office = permissions.office_jurisdiction_ids(user)
    return Hub(
        office=list(Jurisdiction.objects.filter(pk__in=office).order_by("code")),
        entering=bool(permissions.entering_unit_ids(user)),
    )
