"""Reads of the appointment services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shishi.appointments import permissions
from shishi.appointments.models import Resident, Service
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.orgs.models import Jurisdiction


def service_for(user: Any, code: str, jurisdiction_code: str | None) -> Service:
    """The active service ``code`` of the district named by its division code, or of the
    user's one district when none is named (several: 422 asking for ``jurisdiction``)."""
    ids = permissions.operator_jurisdiction_ids(user)
    if not ids:
        raise PermissionDenied("只有接线员和专班可以查询服务条件")
    districts = Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT)
    if jurisdiction_code:
        district = districts.filter(code=jurisdiction_code).first()
        if district is None:
            raise NotFound("没有找到这个区县")
    else:
        found = list(districts[:2])
        if len(found) != 1:
            message = "请用 jurisdiction 指明区县（行政区划代码）"
            raise ValidationFailed(message, {"jurisdiction": message})
        district = found[0]
    service = Service.objects.filter(jurisdiction=district, code=code, is_active=True).first()
    if service is None:
        raise NotFound("本区没有这项服务")
    return service


@dataclass
class Found:
    resident: Resident
    id_tail: str  # the ID number's last four characters: all an operator sees after search
    age: int


def find_residents(user: Any, jurisdiction_id: int, query: str, *, on: dt.date) -> list[Found]:
    """The district's residents whose ID number, mobile or landline is ``query`` — looked up
    through the keyed hashes (an index each), nothing decrypted but the rows found. Anything
    that is none of the three finds nobody."""
    if not permissions.is_operator(user, jurisdiction_id):
        raise PermissionDenied("只有接线员和专班可以查找服务对象")
    text = (query or "").strip()
    where = None
    for kind, field in (
        ("id_number", "id_hash"),
        ("phone", "phone_hash"),
        ("landline", "landline_hash"),
    ):
        try:
            number = PersonalNumber.of(kind, text)
        except ValueError:
            continue
        where = {field: number.lookup_hash()}
        break
    if where is None:
        return []
    rows = Resident.objects.filter(jurisdiction_id=jurisdiction_id, **where).order_by("name", "id")[
        :20
    ]
    return [
        Found(resident=r, id_tail=r.id_number.reveal()[-4:], age=_age(r.birth_date, on))
        for r in rows
    ]


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
