"""Reads shared by the enterprise pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shishi.enterprise import permissions
from shishi.orgs.models import Jurisdiction


@dataclass(frozen=True)
class Hub:
    office: list[Jurisdiction]  # the districts whose library and register the user keeps
    stations: bool  # works at a station (益企工作站)
    contact: bool  # a signed-in enterprise contact

    @property
    def empty(self) -> bool:
        return not (self.office or self.stations or self.contact)


def hub(user: Any) -> Hub:
    office = permissions.office_jurisdiction_ids(user)
    return Hub(
        office=list(Jurisdiction.objects.filter(pk__in=office).order_by("code")),
        stations=bool(permissions.staffed_station_ids(user)),
        contact=bool(permissions.contact_enterprise_ids(user)),
    )
