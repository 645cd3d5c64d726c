"""Demo bookings (``seed_demo`` calls ``seed_bookings`` after ``seed_services``;
idempotent): for each demo district, two staff members of the home visit (logins
``<code>-minzheng-1`` and ``-2``, Nangang's also ``minzheng``) and one of the enterprise
visit, a dozen fictional residents — named （演示）…, with valid ID numbers (the GB 11643
check character computed) and 139 0000 xxxx mobiles, one with a landline only — and
bookings in every state: open ones over the next working days, past ones served, not
served and cancelled, an enterprise's, and bookings by a family member and a grid worker.

Everything goes through the booking services, with the clock set back for the past ones.
A booking served is marked done here: recording the visit is the visit record's job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shishi.appointments import booking, permissions, services
from shishi.appointments.models import Booking, BookingStatus, Resident, Service, Staff
from shishi.core import pii, uscc
from shishi.core.fields import PersonalNumber
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Role, User
from shishi.workdays import calendar

STAFF_PASSWORD = "shishi-demo"
# (name, born, mobile, landline)
RESIDENTS: tuple[tuple[str, dt.date, str, str], ...] = (
    ("（演示）张桂兰", dt.date(1942, 6, 15), "13900000101", ""),
    ("（演示）李德福", dt.date(1938, 2, 28), "13900000102", ""),
    ("（演示）王秀英", dt.date(1950, 11, 3), "13900000103", ""),
    ("（演示）刘长山", dt.date(1946, 1, 20), "", "0451-86660104"),
    ("（演示）陈玉珍", dt.date(1953, 8, 8), "13900000105", ""),
    ("（演示）赵国庆", dt.date(1949, 10, 1), "13900000106", ""),
    ("（演示）孙淑华", dt.date(1944, 4, 12), "13900000107", ""),
    ("（演示）周明远", dt.date(1965, 7, 7), "13900000108", ""),  # under 70: 生活不能自理
    ("（演示）吴春梅", dt.date(1947, 3, 1), "13900000109", ""),
    ("（演示）郑宝林", dt.date(1951, 12, 24), "13900000110", ""),
)


def _id_number(code: str, born: dt.date, n: int) -> str:
    first17 = f"{code}{born:%Y%m%d}{n:03d}"
    return first17 + pii.id_check_character(first17)


def _actor(district: Jurisdiction) -> Any:
    """The district's operator if the demo has one, else the superuser."""
    for user in User.objects.filter(username__in=("operator", "admin")).order_by("username"):
        if user.username == "operator" and not permissions.is_operator(user, district.pk):
            continue
        return user
    return User.objects.filter(is_superuser=True).first()


def _staff(district: Jurisdiction, service: Service, names: list[str]) -> list[User]:
    users = []
    for name in names:
        user = org_services.ensure_user(name, password=STAFF_PASSWORD, display_name=name)
        org_services.grant_role(user, Role.UNIT_EDITOR, district, unit=service.unit)
        Staff.objects.get_or_create(service=service, user=user)
        users.append(user)
    return users


def seed_bookings(jurisdictions: dict[str, Jurisdiction]) -> int:
    """The demo bookings of every demo district present (none added twice); how many
    bookings the demo districts have afterwards."""
    from shishi.appointments.demo import DEMO_DISTRICTS

    for code in DEMO_DISTRICTS:
        district = jurisdictions.get(code)
        if district is None:
            continue
        home = Service.objects.filter(jurisdiction=district, code="home-visit").first()
        firms = Service.objects.filter(jurisdiction=district, code="enterprise-visit").first()
        if home is None or firms is None:
            continue
        names = [f"{code}-minzheng-1", f"{code}-minzheng-2"]
        if code == "230103":
            names[0] = "minzheng"
        staff = _staff(district, home, names)
        _staff(district, firms, [f"{code}-yingshang"])
        if Booking.objects.filter(jurisdiction=district).exists():
            continue
        _seed_district(district, home, firms, staff)
    return Booking.objects.filter(jurisdiction__code__in=DEMO_DISTRICTS).count()


def _seed_district(
    district: Jurisdiction, home: Service, firms: Service, staff: list[User]
) -> None:
    actor = _actor(district)
    people: list[Resident] = []
    for n, (name, born, phone, landline) in enumerate(RESIDENTS, start=1):
        number = _id_number(district.code, born, n)
        found = Resident.objects.filter(
            jurisdiction=district, id_hash=PersonalNumber.of("id_number", number).lookup_hash()
        ).first()
        people.append(
            found
            or services.register_resident(
                district.pk,
                services.ResidentInput(
                    name=name,
                    id_number=number,
                    phone=phone,
                    landline=landline,
                    address=f"{district.name}示例街{n}号",
                ),
                actor=actor,
            )
        )
    today = timezone.localdate()
    ahead = _working_days(district, today, 1, 3)
    behind = _working_days(district, today, -1, 4)

    def make(who: Resident | None, day: dt.date, period: str, **over: Any) -> Booking:
        service = over.pop("service", home)
        slot = next(s for s in booking.ensure_slots(service, [day]) if s.period == period)
        when = over.pop("now", None)
        data = booking.BookingInput(
            channel=over.pop("channel", "operator"),
            resident_id=who.pk if who else None,
            request=over.pop("request", "社保认证、医保报销"),
            **over,
        )
        return booking.book(service, slot, data, actor=actor, now=when)

    # Open bookings over the next working days, one assigned, two on someone's behalf.
    make(people[0], ahead[0], "am", staff_id=staff[0].pk)
    make(people[1], ahead[0], "pm", staff_id=staff[1].pk, request="残疾人证换领")
    make(people[3], ahead[1], "am")  # landline only: the operator calls
    make(
        people[4],
        ahead[1],
        "pm",
        channel="family",
        proxy_name="（演示）陈晓东",
        proxy_relation="儿子",
        proxy_phone="13900000205",
    )
    make(
        people[7],
        ahead[2],
        "am",
        channel="grid_worker",
        proxy_name="（演示）网格员小李",
        proxy_relation="网格员",
        confirmed=["生活不能自理"],
    )
    make(
        None,
        ahead[2],
        "am",
        service=firms,
        channel="enterprise",
        enterprise_name="（演示）哈尔滨示例科技有限公司",
        enterprise_uscc=_uscc(district.code),
        contact_name="（演示）赵经理",
        notify_phone="13900000301",
        address="哈尔滨科技创新城示例楼",
        request="企业开办",
        confirmed=[f"企业位于：{'、'.join(firms.rules[0]['places'])}"] if firms.rules else [],
    )
    # Past ones: booked three days before, then served, not served, cancelled.
    for n, (who, state) in enumerate(
        zip(
            [people[5], people[6], people[8], people[9]],
            ("done", "done", "no_show", "cancelled"),
            strict=True,
        )
    ):
        day = behind[n % len(behind)]
        then = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=3), dt.time(9)))
        made = make(who, day, "am" if n % 2 else "pm", now=then, staff_id=staff[n % 2].pk)
        if state == "done":
            Booking.objects.filter(pk=made.pk).update(status=BookingStatus.DONE)
        elif state == "no_show":
            booking.mark_no_show(
                made,
                actor=actor,
                expected_version=made.version,
                reason="家中无人",
                now=timezone.make_aware(dt.datetime.combine(day, dt.time(15))),
            )
        else:
            booking.cancel(made, reason="已由家属办理", actor=actor, expected_version=made.version)


def _working_days(district: Jurisdiction, start: dt.date, step: int, n: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < n:
        day += dt.timedelta(days=step)
        if calendar.is_working_day(day, jurisdiction=district.pk):
            days.append(day)
    return days


def _uscc(code: str) -> str:
    body = f"91{code}MA0DEM0"[:17].ljust(17, "0")
    return body + uscc.check_character(body)
