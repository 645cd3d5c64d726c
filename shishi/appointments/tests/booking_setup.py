"""What the booking tests share: Nangang's demo services with two staff members of the
delivering unit, residents of a given age, a fixed Monday morning and a valid USCC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from shishi.appointments import booking, services
from shishi.appointments.demo import seed_services
from shishi.appointments.models import Booking, Resident, Service, Slot, Staff
from shishi.conftest import World
from shishi.core import pii, uscc
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, User

# Monday 7 December 2026, 09:00 in Harbin: a working day, no holiday within two weeks.
MONDAY = dt.date(2026, 12, 7)
NOW = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 0))


def id_number(born: dt.date, serial: str = "123") -> str:
    first17 = f"230103{born:%Y%m%d}{serial}"
    return first17 + pii.id_check_character(first17)


def valid_uscc(body: str = "91230103MA1B2C3D4") -> str:
    return body + uscc.check_character(body)


@dataclass
class Setup:
    world: World
    home: Service  # home-visit: 70+ or 生活不能自理 (any)
    enterprise: Service  # enterprise-visit: in a listed building (confirm)
    staff_a: User
    staff_b: User


def make_setup(world: World) -> Setup:
    seed_services({"230103": world.nangang})
    home = Service.objects.get(jurisdiction=world.nangang, code="home-visit")
    enterprise = Service.objects.get(jurisdiction=world.nangang, code="enterprise-visit")
    staff: list[User] = []
    for name in ("minzheng-a", "minzheng-b"):
        user = org_services.ensure_user(name, password="x-Test-1234567", display_name=name)
        org_services.grant_role(user, Role.UNIT_EDITOR, world.nangang, unit=home.unit)
        Staff.objects.get_or_create(service=home, user=user)
        staff.append(user)
    yingshang = org_services.ensure_user("yingshang", password="x-Test-1234567")
    org_services.grant_role(yingshang, Role.UNIT_EDITOR, world.nangang, unit=enterprise.unit)
    Staff.objects.get_or_create(service=enterprise, user=yingshang)
    return Setup(world, home, enterprise, staff[0], staff[1])


_serial = iter(range(100, 1000))


def resident(
    s: Setup,
    *,
    age: int = 75,
    phone: str = "13912345678",
    landline: str = "",
    name: str = "测试居民",
) -> Resident:
    born = dt.date(MONDAY.year - age, 3, 2)
    return services.register_resident(
        s.world.nangang.pk,
        services.ResidentInput(
            name=name,
            id_number=id_number(born, f"{next(_serial):03d}"),
            phone=phone,
            landline=landline,
            address="南岗区学府路12号",
        ),
        actor=s.world.operator,
    )


def slot(
    s: Setup, day: dt.date = MONDAY, period: str = "pm", service: Service | None = None
) -> Slot:
    service = service or s.home
    slots = booking.ensure_slots(service, [day])
    return next(x for x in slots if x.period == period)


def book(s: Setup, who: Resident, at: Slot, **over: object) -> Booking:
    data = booking.BookingInput(channel="operator", resident_id=who.pk)
    for key, value in over.items():
        setattr(data, key, value)
    return booking.book(at.service, at, data, actor=s.world.operator, now=NOW)
