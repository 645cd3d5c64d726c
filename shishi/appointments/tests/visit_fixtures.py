"""What the visit and catalogue tests build: Nangang's demo services, a staff member of the
home visit, residents and bookings made with the ORM (booking services are another part)."""

from __future__ import annotations

import datetime as dt
import itertools
import struct
import zlib
from dataclasses import dataclass

import pytest
from django.utils import timezone

from shishi.appointments.demo import seed_services
from shishi.appointments.models import (
    Booking,
    BookingStatus,
    Channel,
    Matter,
    Period,
    Resident,
    Service,
    Slot,
    Staff,
)
from shishi.conftest import World
from shishi.core import pii
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit, User

_codes = itertools.count(1)


def id_number(born: dt.date, serial: str = "123") -> str:
    first17 = f"230103{born:%Y%m%d}{serial}"
    return first17 + pii.id_check_character(first17)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@dataclass
class Visits:
    world: World
    home: Service
    enterprise: Service
    civil: Unit  # 区民政局, delivers the home visit
    staffer: User  # assigned to the bookings below; no role but the Staff row
    unit_member: User  # an editor of 区民政局
    resident: Resident
    booking: Booking
    matters: list[Matter]

    def book(
        self,
        service: Service | None = None,
        *,
        day: dt.date | None = None,
        period: str = Period.MORNING,
        status: str = BookingStatus.BOOKED,
        staff: User | None = None,
        **extra: object,
    ) -> Booking:
        service = service or self.home
        day = day or timezone.localdate()
        slot, _ = Slot.objects.get_or_create(
            service=service, day=day, period=period, defaults={"capacity": 8}
        )
        Slot.objects.filter(pk=slot.pk).update(booked=slot.booked + 1)
        fields: dict[str, object] = {
            "resident": self.resident if service.where == "home" else None,
            "address": "南岗区学府路12号3单元501",
        }
        fields.update(extra)
        return Booking.objects.create(
            jurisdiction_id=service.jurisdiction_id,
            service=service,
            slot=slot,
            code=f"V{next(_codes):07d}",
            channel=Channel.OPERATOR,
            status=status,
            staff=staff if staff is not None else self.staffer,
            **fields,
        )


@pytest.fixture
def visits(world: World) -> Visits:
    seed_services({"230103": world.nangang})
    home = Service.objects.get(jurisdiction=world.nangang, code="home-visit")
    enterprise = Service.objects.get(jurisdiction=world.nangang, code="enterprise-visit")
    civil = home.unit
    staffer = org_services.ensure_user("staffer", password="pw-test-123", display_name="李服务")
    unit_member = org_services.ensure_user("civil_editor", password="pw-test-123")
    org_services.grant_role(unit_member, Role.UNIT_EDITOR, world.nangang, unit=civil)
    Staff.objects.create(service=home, user=staffer)
    Staff.objects.create(service=enterprise, user=staffer)
    resident = Resident.objects.create(
        jurisdiction=world.nangang,
        name="张桂兰",
        id_number=id_number(dt.date(1948, 6, 15)),
        birth_date=dt.date(1948, 6, 15),
        phone="13912345678",
        address="南岗区学府路12号3单元501",
    )
    matters = [
        Matter.objects.create(jurisdiction=world.nangang, name=name, order=n)
        for n, name in enumerate(("社保认证", "医保报销", "户籍"))
    ]
    v = Visits(
        world=world,
        home=home,
        enterprise=enterprise,
        civil=civil,
        staffer=staffer,
        unit_member=unit_member,
        resident=resident,
        booking=None,  # type: ignore[arg-type]
        matters=matters,
    )
    v.booking = v.book()
    return v
