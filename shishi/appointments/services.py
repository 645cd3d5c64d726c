"""Every write of the appointment services: permission, validation, one transaction, an
audit event (personal numbers only masked in it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from shishi.appointments import eligibility, permissions
from shishi.appointments.models import Resident
from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.fields import PersonalNumber
from shishi.core.inputs import has_control
from shishi.orgs.models import Unit


@dataclass
class ResidentInput:
    name: str
    id_number: str
    phone: str = ""
    landline: str = ""
    address: str = ""
    street_id: int | None = None
    disability_certificate: bool = False


def register_resident(jurisdiction_id: int, data: ResidentInput, *, actor: Any) -> Resident:
    """Register a person of the district (operators and the office). The ID number is
    checked (GB 11643) and a person is registered once per district: a second registration
    is refused, naming the existing record."""
    if not permissions.is_operator(actor, jurisdiction_id):
        raise PermissionDenied("只有接线员和专班可以登记服务对象")
    return add_resident(jurisdiction_id, data, actor=actor)


def add_resident(
    jurisdiction_id: int, data: ResidentInput, *, actor: Any, channel: str = ""
) -> Resident:
    """The registration itself, for callers that have checked who may register: the
    operators (``register_resident``), a clinic for its examinations, the public booking
    form once the phone is proven (``actor`` None, ``channel`` recorded). Validates, writes
    the person and an audit event with the numbers masked, in one transaction."""
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name or len(name) > 50 or has_control(name):
        errors["name"] = "请填写姓名（最多50个字）"
    numbers: dict[str, PersonalNumber | None] = {}
    for field, kind, raw, required in (
        ("id_number", "id_number", data.id_number, True),
        ("phone", "phone", data.phone, False),
        ("landline", "landline", data.landline, False),
    ):
        numbers[field] = None
        if (raw or "").strip():
            try:
                numbers[field] = PersonalNumber.of(kind, raw)
            except ValueError as exc:
                errors[field] = str(exc)
        elif required:
            errors[field] = "请填写居民身份证号"
    if (
        data.street_id is not None
        and not Unit.objects.filter(
            pk=data.street_id,
            jurisdiction_id=jurisdiction_id,
            kind__in=(Unit.Kind.STREET, Unit.Kind.TOWNSHIP),
        ).exists()
    ):
        errors["street"] = "请选择本区的街道（乡镇）"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    id_number = numbers["id_number"]
    assert id_number is not None
    if Resident.objects.filter(
        jurisdiction_id=jurisdiction_id, id_hash=id_number.lookup_hash()
    ).exists():
        message = "这个身份证号已经登记过，请直接查找"
        raise ValidationFailed(message, {"id_number": message})
    changes: dict[str, list[Any]] = {
        "name": [None, name],
        "id_number": [None, id_number.masked],
        "phone": [None, numbers["phone"].masked if numbers["phone"] else ""],
    }
    if channel:
        changes["channel"] = [None, channel]
    try:
        with transaction.atomic():
            resident = Resident.objects.create(
                jurisdiction_id=jurisdiction_id,
                name=name,
                id_number=id_number.reveal(),
                birth_date=eligibility.birth_date(id_number.reveal()),
                phone=_plain(numbers["phone"]),
                landline=_plain(numbers["landline"]),
                address=(data.address or "").strip()[:300],
                street_id=data.street_id,
                disability_certificate=data.disability_certificate,
            )
            audit.record(
                actor=actor,
                action="appointments.register_resident",
                target=resident,
                changes=changes,
                jurisdiction_id=jurisdiction_id,
            )
    except IntegrityError as exc:  # registered by someone else meanwhile
        message = "这个身份证号已经登记过，请直接查找"
        raise ValidationFailed(message, {"id_number": message}) from exc
    return resident


def _plain(number: PersonalNumber | None) -> str:
    return number.reveal() if number is not None else ""
