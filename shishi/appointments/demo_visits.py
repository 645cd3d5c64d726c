"""Demo visits (``seed_demo`` calls ``seed_visits`` after the services and the bookings;
idempotent): the matters list of each demo district, a visit record for every booking done
that has none yet (outcomes, matters, the resident's confirmation, satisfaction), businesses
opened on the spot at the first enterprise visits, and Nangang's "70周岁以上老人预约上门服务"
ledger item given a target the home visits done feed."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shishi.appointments import catalogue_services, feed, visits
from shishi.appointments.demo import DEMO_DISTRICTS
from shishi.appointments.models import (
    Booking,
    BookingStatus,
    BusinessOpening,
    Matter,
    Outcome,
    Period,
    Satisfaction,
    Service,
    Where,
)
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item, Target
from shishi.orgs.models import Jurisdiction, User

MATTERS = (
    "社保认证",
    "医保报销",
    "户籍",
    "残疾人证",
    "高龄津贴",
    "养老服务",
    "企业开办",
    "税务办理",
)
HOME_ITEM = "70周岁以上老人预约上门服务"
HOME_TARGET = ("上门帮办代办", Decimal(1200), "人次")
OUTCOMES = (Outcome.DONE, Outcome.DONE, Outcome.DONE, Outcome.PARTLY, Outcome.REFERRED)
SATISFACTION = (Satisfaction.SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASIC, "")
# Demo businesses registered on the spot (a fictional USCC with a right check character).
OPENINGS = (
    ("哈尔滨云帆数字科技有限公司", "91230103MA1BXK7C2P"),
    ("哈尔滨北岸餐饮管理有限公司", ""),
)


def seed_visits(jurisdictions: dict[str, Jurisdiction]) -> int:
    """Matters, visits of the done bookings, openings and the ledger link; how many visits
    the demo districts have afterwards."""
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return 0
    districts = [jurisdictions[c] for c in DEMO_DISTRICTS if c in jurisdictions]
    for district in districts:
        for n, name in enumerate(MATTERS):
            Matter.objects.get_or_create(jurisdiction=district, name=name, defaults={"order": n})
        _record_done(district, admin)
    if "230103" in jurisdictions:
        _link_home_target(jurisdictions["230103"], admin)
    return Booking.objects.filter(
        jurisdiction__in=districts, status=BookingStatus.DONE, visit__isnull=False
    ).count()


def _record_done(district: Jurisdiction, admin: Any) -> None:
    matters = list(Matter.objects.filter(jurisdiction=district, is_active=True))
    pending = (
        Booking.objects.filter(jurisdiction=district, status=BookingStatus.DONE, visit__isnull=True)
        .select_related("slot", "service", "resident", "staff")
        .order_by("slot__day", "id")
    )
    turn = itertools.count()
    for booking in pending:
        n = next(turn)
        hour = 10 if booking.slot.period == Period.MORNING else 15
        when = timezone.make_aware(
            dt.datetime.combine(booking.slot.day, dt.time(hour, 20 + n % 30))
        )
        chosen = [matters[(n + k) % len(matters)].pk for k in range(1 + n % 2)] if matters else []
        visits.record_visit(
            booking,
            visits.VisitInput(
                outcome=OUTCOMES[n % len(OUTCOMES)],
                matter_ids=chosen,
                notes="已上门办理，材料齐全" if n % 3 else "",
                confirmed_by=booking.resident.name if booking.resident else booking.contact_name,
                satisfaction=SATISFACTION[n % len(SATISFACTION)],
                visited_at=when,
            ),
            actor=booking.staff or admin,
            expected_version=None,
        )
    enterprise = Service.objects.filter(jurisdiction=district, where=Where.ENTERPRISE).first()
    if (
        enterprise is None
        or BusinessOpening.objects.filter(visit__booking__service=enterprise).exists()
    ):
        return
    done = Booking.objects.filter(
        service=enterprise, status=BookingStatus.DONE, visit__isnull=False
    ).order_by("slot__day", "id")[: len(OPENINGS)]
    for booking, (name, uscc) in zip(done, OPENINGS, strict=False):
        visits.record_opening(
            booking,
            visits.OpeningInput(
                business_name=booking.enterprise_name or name,
                uscc=uscc,
                steps=["name_approval", "licence", "seal"]
                + (["tax", "bank_account"] if uscc else []),
                pack_given_on=booking.slot.day
                if booking.slot.day <= timezone.localdate()
                else None,
                pack_items="营业执照正副本、公章、发票申领指引" if uscc else "",
            ),
            actor=booking.staff or admin,
            expected_version=None,
        )


def _link_home_target(nangang: Jurisdiction, admin: Any) -> None:
    """Nangang's "70+ home visit" ledger item gets a target fed by the home visits done."""
    service = Service.objects.filter(jurisdiction=nangang, code="home-visit").first()
    item = (
        Item.objects.filter(programme__jurisdiction=nangang, name=HOME_ITEM)
        .order_by("-programme__year")
        .first()
    )
    if service is None or item is None:
        return
    if service.target_id is None:
        name, value, unit = HOME_TARGET
        target = Target.objects.filter(item=item, name=name).first()
        if target is None:
            target = ledger_services.add_target(
                item, ledger_services.TargetInput(name, value=value, unit=unit), actor=admin
            )
        catalogue_services.update_service(
            service,
            catalogue_services.ServiceInput(
                name=service.name,
                unit_id=service.unit_id,
                where=service.where,
                bring=service.bring,
                per_staff_day=service.per_staff_day,
                is_active=service.is_active,
                age_from=service.age_from,
                match=service.match,
                rules=service.rules,
                target_id=target.pk,
            ),
            actor=admin,
        )
    feed.feed_target(service.pk)
