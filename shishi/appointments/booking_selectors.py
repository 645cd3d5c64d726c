"""Reads of the booking pages: the operator's booking page, the district's bookings, one
booking, and the public booking and look-up. Numbers leave here masked (a ``PersonalNumber``
renders as its mask); the full phone only through the booking page's audited "show"."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from shishi.appointments import booking as booking_services
from shishi.appointments import permissions, selectors
from shishi.appointments.models import Booking, BookingStatus, Resident, Service, Slot, Staff
from shishi.core.errors import NotFound, PermissionDenied
from shishi.core.fields import PersonalNumber
from shishi.orgs.models import Jurisdiction

PAGE_SIZE = 25


def operator_district(user: Any, requested: str | None) -> Jurisdiction:
    """The district an operator (or the office) books for: the one asked for (division
    code) among theirs, or their first."""
    ids = permissions.operator_jurisdiction_ids(user)
    districts = list(
        Jurisdiction.objects.filter(pk__in=ids, level=Jurisdiction.Level.DISTRICT).order_by("code")
    )
    if requested:
        districts = [d for d in districts if d.code == requested] or districts[:0]
    if not districts:
        raise PermissionDenied("只有接线员和专班可以预约服务")
    return districts[0]


def district_services(district_id: int) -> list[Service]:
    return list(
        Service.objects.filter(jurisdiction_id=district_id, is_active=True).order_by("code")
    )


@dataclass(frozen=True)
class Person:
    """A resident as the operator sees them after search: the ID's last four, the age, the
    phones masked."""

    pk: int
    name: str
    id_tail: str
    age: int
    phone: str  # masked
    landline: str  # masked
    address: str
    landline_only: bool


def _person(found: selectors.Found) -> Person:
    r = found.resident
    return Person(
        pk=r.pk,
        name=r.name,
        id_tail=found.id_tail,
        age=found.age,
        phone=r.phone.masked if r.phone else "",
        landline=r.landline.masked if r.landline else "",
        address=r.address,
        landline_only=not r.phone,
    )


def search(user: Any, district_id: int, query: str, *, on: dt.date) -> list[Person]:
    return [_person(f) for f in selectors.find_residents(user, district_id, query, on=on)]


def person(user: Any, district_id: int, pk: int | None, *, on: dt.date) -> Person | None:
    """The resident chosen on the booking page (an operator of the district only)."""
    if pk is None:
        return None
    if not permissions.is_operator(user, district_id):
        raise PermissionDenied("只有接线员和专班可以查找服务对象")
    r = Resident.objects.filter(pk=pk, jurisdiction_id=district_id).first()
    if r is None:
        return None
    found = selectors.Found(
        resident=r, id_tail=r.id_number.reveal()[-4:], age=selectors._age(r.birth_date, on)
    )
    return _person(found)


def resident_row(district_id: int, pk: int) -> Resident | None:
    return Resident.objects.filter(pk=pk, jurisdiction_id=district_id).first()


@dataclass(frozen=True)
class Day:
    day: dt.date
    slots: list[Slot]


def by_day(slots: Iterable[Slot]) -> list[Day]:
    days: dict[dt.date, list[Slot]] = {}
    for s in slots:
        days.setdefault(s.day, []).append(s)
    return [Day(d, ss) for d, ss in days.items()]


def staff_choices(service: Service) -> list[tuple[int, str]]:
    rows = Staff.objects.filter(service=service, is_active=True).select_related("user")
    return [(s.user_id, str(s.user)) for s in rows]


def slot_of(service: Service, slot_id: int | None) -> Slot | None:
    if slot_id is None:
        return None
    return Slot.objects.filter(pk=slot_id, service=service).select_related("service").first()


# --- the district's bookings -----------------------------------------------------------------


@dataclass
class Filters:
    day: dt.date | None = None
    service: int | None = None
    status: str = ""
    staff: int | None = None
    jurisdiction: str = ""


@dataclass
class BookingsPage:
    district: Jurisdiction
    page: Page
    paginator: Paginator
    page_range: list[Any]
    services: list[Service]
    staff: list[tuple[int, str]]
    filters: Filters
    rows: list[Booking] = field(default_factory=list)


def visible_bookings(user: Any, district_id: int) -> QuerySet[Booking]:
    """The district's bookings for its operators and office; a unit's people see their
    services' bookings; anyone else none."""
    qs = Booking.objects.filter(jurisdiction_id=district_id)
    if permissions.is_operator(user, district_id):
        return qs
    units = permissions.served_unit_ids(user)
    staff_of = Staff.objects.filter(user_id=getattr(user, "pk", 0) or 0, is_active=True).values(
        "service_id"
    )
    return qs.filter(Q(service__unit_id__in=units) | Q(service_id__in=staff_of))


def viewer_district(user: Any, requested: str | None) -> Jurisdiction:
    """The district whose bookings the user sees: one they operate, or one where their unit
    delivers a service."""
    ids = set(permissions.operator_jurisdiction_ids(user))
    units = permissions.served_unit_ids(user)
    if units:
        ids |= set(
            Service.objects.filter(unit_id__in=units).values_list("jurisdiction_id", flat=True)
        )
    uid = getattr(user, "pk", None)
    if uid:
        ids |= set(
            Staff.objects.filter(user_id=uid, is_active=True).values_list(
                "service__jurisdiction_id", flat=True
            )
        )
    districts = list(Jurisdiction.objects.filter(pk__in=ids).order_by("code"))
    if requested:
        districts = [d for d in districts if d.code == requested]
    if not districts:
        raise PermissionDenied("只有接线员、专班和服务单位可以查看预约")
    return districts[0]


def bookings_page(user: Any, filters: Filters, page_number: Any) -> BookingsPage:
    district = viewer_district(user, filters.jurisdiction)
    qs = visible_bookings(user, district.pk)
    if filters.day:
        qs = qs.filter(slot__day=filters.day)
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.staff:
        qs = qs.filter(staff_id=filters.staff)
    qs = qs.select_related("service", "slot", "resident", "staff").order_by(
        "slot__day", "slot__period", "id"
    )
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(page_number)
    services = district_services(district.pk)
    staff = sorted(
        {
            (s.user_id, str(s.user))
            for s in Staff.objects.filter(service__in=services).select_related("user")
        },
        key=lambda x: x[1],
    )
    return BookingsPage(
        district=district,
        page=page,
        paginator=paginator,
        page_range=list(paginator.get_elided_page_range(page.number)),
        services=services,
        staff=staff,
        filters=filters,
        rows=list(page.object_list),
    )


# --- one booking -----------------------------------------------------------------------------


@dataclass
class BookingView:
    booking: Booking
    can_manage: bool
    can_show_phone: bool  # the district's operators and office: the full number on a click
    can_no_show: bool  # from the slot's day on
    staff: list[tuple[int, str]]
    days: list[Day]
    id_tail: str
    age: int | None


def access_booking(user: Any, pk: int) -> Booking:
    found = (
        Booking.objects.select_related("service", "slot", "resident", "staff", "booked_by")
        .filter(pk=pk)
        .first()
    )
    if found is None or not (
        permissions.is_operator(user, found.jurisdiction_id)
        or permissions.serves(user, found.service)
    ):
        raise NotFound("没有这条预约")
    return found


def booking_view(user: Any, b: Booking, slots: list[Slot], *, on: dt.date) -> BookingView:
    r = b.resident
    return BookingView(
        booking=b,
        can_manage=b.status == BookingStatus.BOOKED and booking_services.can_manage(user, b),
        can_show_phone=permissions.is_operator(user, b.jurisdiction_id),
        can_no_show=b.slot.day <= on,
        staff=staff_choices(b.service),
        days=by_day(slots),
        id_tail=r.id_number.reveal()[-4:] if r is not None else "",
        age=selectors._age(r.birth_date, on) if r is not None else None,
    )


# --- public ----------------------------------------------------------------------------------


def public_service(district_code: str, service_code: str) -> tuple[Jurisdiction, Service]:
    district = Jurisdiction.objects.filter(
        code=district_code, level=Jurisdiction.Level.DISTRICT
    ).first()
    service = (
        Service.objects.filter(jurisdiction=district, code=service_code, is_active=True).first()
        if district is not None
        else None
    )
    if district is None or service is None:
        raise NotFound("没有这项预约服务")
    return district, service


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()[:12]


def public_booking(raw_code: str, tail: str) -> Booking | None:
    """The booking whose code is ``raw_code`` and whose SMS mobile ends in the four digits
    ``tail``; None otherwise, whichever part was wrong."""
    code = normalise_code(raw_code)
    tail = (tail or "").strip()
    if not code or not re.fullmatch(r"\d{4}", tail):
        return None
    found = Booking.objects.select_related("service", "slot").filter(code=code).first()
    if found is None or not isinstance(found.notify_phone, PersonalNumber):
        return None
    try:
        plain = found.notify_phone.reveal()
    except Exception:  # a key gone: nobody can prove the number
        return None
    return found if hmac.compare_digest(plain[-4:].encode(), tail.encode()) else None
