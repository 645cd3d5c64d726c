"""Reads of the visit pages: the staff member's own bookings (today first, then the coming
days), and one booking's visit page (the booking, its visit, the matters list, the business
opening, what this user may do)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shishi.appointments import permissions
from shishi.appointments.models import (
    OPENING_STEPS,
    Booking,
    BookingStatus,
    BusinessOpening,
    Matter,
    Visit,
    Where,
)
from shishi.appointments.visits import contact_number
from shishi.core.errors import NotFound

MINE_DAYS = 14
MINE_LIMIT = 200


@dataclass
class Day:
    day: dt.date
    is_today: bool
    bookings: list[Booking]


def my_days(user: Any, *, today: dt.date) -> list[Day]:
    """The bookings assigned to ``user`` from today on (two weeks), grouped by day, the
    morning before the afternoon; those still to serve and those done (not the cancelled)."""
    rows = (
        Booking.objects.filter(
            staff_id=user.pk,
            slot__day__gte=today,
            slot__day__lte=today + dt.timedelta(days=MINE_DAYS),
            status__in=(BookingStatus.BOOKED, BookingStatus.DONE),
        )
        .select_related("slot", "service", "resident")
        .order_by("slot__day", "slot__period", "id")[:MINE_LIMIT]
    )
    days: list[Day] = []
    for b in rows:
        if not days or days[-1].day != b.slot.day:
            days.append(Day(day=b.slot.day, is_today=b.slot.day == today, bookings=[]))
        days[-1].bookings.append(b)
    return days


def access_booking(user: Any, pk: int) -> Booking:
    """The booking ``pk`` if ``user`` may see its visit page, else NotFound (one not theirs
    to see is not shown at all)."""
    booking = (
        Booking.objects.select_related("slot", "service", "service__unit", "resident", "staff")
        .filter(pk=pk)
        .first()
    )
    if booking is None or not permissions.may_see_booking(user, booking):
        raise NotFound("没有找到这条预约，或它不归您服务")
    return booking


@dataclass
class Step:
    key: str
    label: str
    done: bool


@dataclass
class VisitPage:
    booking: Booking
    visit: Visit | None
    may_record: bool
    matters: list[Matter]
    chosen: set[int]
    photos: list[Any]
    phone_masked: str
    phone_field: str
    is_enterprise: bool
    opening: BusinessOpening | None = None
    steps: list[Step] = field(default_factory=list)


def visit_page(user: Any, pk: int) -> VisitPage:
    booking = access_booking(user, pk)
    visit = (
        Visit.objects.filter(booking=booking)
        .select_related("recorded_by")
        .prefetch_related("matters", "photos")
        .first()
    )
    chosen = {m.pk for m in visit.matters.all()} if visit else set()
    matters = [
        m
        for m in Matter.objects.filter(jurisdiction_id=booking.jurisdiction_id)
        if m.is_active or m.pk in chosen
    ]
    found = contact_number(booking)
    opening = BusinessOpening.objects.filter(visit=visit).first() if visit else None
    checklist = opening.checklist if opening else {}
    return VisitPage(
        booking=booking,
        visit=visit,
        may_record=permissions.may_record_visit(user, booking),
        matters=matters,
        chosen=chosen,
        photos=list(visit.photos.all()) if visit else [],
        phone_masked=found[1].masked if found else "",
        phone_field=found[0] if found else "",
        is_enterprise=booking.service.where == Where.ENTERPRISE,
        opening=opening,
        steps=[Step(k, label, bool(checklist.get(k))) for k, label in OPENING_STEPS],
    )


def photo_of(user: Any, booking_pk: int, photo_pk: int) -> Any:
    """A photo of the booking's visit, for who may see the booking."""
    booking = access_booking(user, booking_pk)
    visit = Visit.objects.filter(booking=booking).first()
    photo = visit.photos.filter(pk=photo_pk).first() if visit else None
    if photo is None:
        raise NotFound("没有找到这张照片")
    return photo
