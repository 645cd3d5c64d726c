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
from shishi.orgs.permissions import scope_for


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


@dataclass
class Hub:
    """What the appointments' front page offers the signed-in user, by what they do."""

    books: bool  # an operator or the office of a district: books, sees the bookings
    serves: bool  # delivers a service (its unit's people or its staff): my visits
    clinic: bool  # works at a clinic, or is the office: examinations and certificates
    office: bool  # keeps the catalogue and the matters list
    public_links: list[tuple[str, str, str]]  # (district code, service code, name)


def hub(user: Any) -> Hub:
    """The front page's sections for ``user``; NotFound-free: a user with none of them gets
    an empty hub that says so."""
    from shishi.appointments.models import Staff

    scope = scope_for(user)
    operated = permissions.operator_jurisdiction_ids(user)
    office = permissions.office_jurisdiction_ids(user)
    units = permissions.served_unit_ids(user)
    serves = (
        Service.objects.filter(unit_id__in=units, is_active=True).exists()
        or Staff.objects.filter(user_id=scope.user_id, is_active=True).exists()
        if scope.user_id
        else False
    )
    clinic = bool(office) or bool(permissions.staffed_clinic_ids(user))
    public = (
        Service.objects.filter(jurisdiction_id__in=operated | office, is_active=True)
        .exclude(where="clinic")
        .order_by("jurisdiction__code", "code")
        .values_list("jurisdiction__code", "code", "name")
    )
    return Hub(
        books=bool(operated),
        serves=serves,
        clinic=clinic,
        office=bool(office),
        public_links=list(public),
    )
