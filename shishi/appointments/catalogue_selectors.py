"""Reads of the office's catalogue pages: the district's services with their counts, one
service to edit (its unit's people to add as staff, the ledger targets it may feed), the
matters list. The office only (``permissions.is_office``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from shishi.appointments import permissions
from shishi.appointments.models import BookingStatus, Matter, Service, Staff
from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger.models import Target
from shishi.orgs.models import Jurisdiction, Membership, Role, Unit, User

OFFICE_ONLY = "只有专班可以管理预约服务和代办事项"


@dataclass
class Place:
    district: Jurisdiction
    districts: list[tuple[str, str]]  # (code, name) when the user is office of several


def office_place(user: Any, code: str | None) -> Place:
    """The district whose catalogue ``user`` keeps: the one named by ``code``, else their
    one (the first of several, with the others to switch to)."""
    ids = permissions.office_jurisdiction_ids(user)
    scope_all = getattr(user, "is_superuser", False)
    districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not scope_all:
        if not ids:
            raise PermissionDenied(OFFICE_ONLY)
        districts = districts.filter(pk__in=ids)
    rows = list(districts.order_by("code"))
    if not rows:
        raise PermissionDenied(OFFICE_ONLY)
    chosen = next((d for d in rows if d.code == code), None) if code else rows[0]
    if chosen is None:
        raise NotFound("没有找到这个区县")
    return Place(chosen, [(d.code, d.name) for d in rows] if len(rows) > 1 else [])


@dataclass
class ServiceRow:
    service: Service
    staff: int
    capacity: int  # places per working day: active staff × per staff member
    bookings: int
    done: int
    visits: int
    openings: int  # businesses opened on the spot at its visits


def services_page(user: Any, code: str | None) -> tuple[Place, list[ServiceRow]]:
    place = office_place(user, code)
    rows = (
        Service.objects.filter(jurisdiction=place.district)
        .select_related("unit", "target", "target__item")
        .annotate(
            n_staff=Count("staff", filter=Q(staff__is_active=True), distinct=True),
            n_bookings=Count("bookings", distinct=True),
            n_done=Count("bookings", filter=Q(bookings__status=BookingStatus.DONE), distinct=True),
            n_visits=Count("bookings__visit", distinct=True),
            n_openings=Count("bookings__visit__opening", distinct=True),
        )
        .order_by("code")
    )
    return place, [
        ServiceRow(
            service=s,
            staff=s.n_staff,
            capacity=s.n_staff * s.per_staff_day,
            bookings=s.n_bookings,
            done=s.n_done,
            visits=s.n_visits,
            openings=s.n_openings,
        )
        for s in rows
    ]


def access_service(user: Any, pk: int) -> Service:
    service = Service.objects.select_related("unit", "target", "jurisdiction").filter(pk=pk).first()
    if service is None or not permissions.is_office(user, service.jurisdiction_id):
        raise NotFound("没有找到这项服务，或它不归本区专班管理")
    return service


def district_units(jurisdiction_id: int) -> list[Unit]:
    return list(Unit.objects.filter(jurisdiction_id=jurisdiction_id).order_by("name", "id"))


def district_targets(jurisdiction_id: int) -> list[Target]:
    """The live targets of the district's ledger items, newest programme first."""
    return list(
        Target.objects.filter(item__programme__jurisdiction_id=jurisdiction_id)
        .select_related("item", "item__programme")
        .order_by("-item__programme__year", "item__seq", "order", "id")[:500]
    )


def unit_users(unit_id: int) -> list[User]:
    """The people of a unit (its editors, heads and viewers)."""
    ids = Membership.objects.filter(
        unit_id=unit_id, role__in=(Role.UNIT_EDITOR, Role.UNIT_HEAD, Role.UNIT_VIEWER)
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


@dataclass
class ServicePage:
    service: Service
    staff: list[Staff]
    candidates: list[User]  # the unit's people not yet staff


def service_page(user: Any, pk: int) -> ServicePage:
    service = access_service(user, pk)
    staff = list(Staff.objects.filter(service=service).select_related("user").order_by("id"))
    taken = {s.user_id for s in staff}
    return ServicePage(
        service=service,
        staff=staff,
        candidates=[u for u in unit_users(service.unit_id) if u.pk not in taken],
    )


def matters_page(user: Any, code: str | None) -> tuple[Place, list[Matter]]:
    place = office_place(user, code)
    return place, list(Matter.objects.filter(jurisdiction=place.district).order_by("order", "id"))
