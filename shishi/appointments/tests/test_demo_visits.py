"""The demo's visits: matters for each district, a visit for every booking done (none for
the others), openings at enterprise visits, Nangang's home-visit item fed; run twice, the
same."""

# ruff: noqa: F811  (the shared fixture `visits` is imported, then asked for by name)
from __future__ import annotations

from decimal import Decimal

import pytest

from shishi.appointments.demo_visits import HOME_ITEM, MATTERS, seed_visits
from shishi.appointments.models import BookingStatus, BusinessOpening, Matter, Visit
from shishi.appointments.tests.visit_fixtures import Visits, visits  # noqa: F401
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Target

pytestmark = pytest.mark.django_db


def test_seed_visits_records_done_bookings_and_feeds_the_item(visits: Visits) -> None:
    v = visits
    w = v.world
    item = ledger_services.create_item(
        w.programme,
        actor=w.office,
        number="9-1",
        seq=91,
        name=HOME_ITEM,
        lead_unit=w.unit_a,
        deadline_text="长期坚持",
    )
    done = [v.book(status=BookingStatus.DONE) for _ in range(3)]
    v.book(status=BookingStatus.CANCELLED)
    opened = v.book(
        v.enterprise, status=BookingStatus.DONE, enterprise_name="哈尔滨示例科技有限公司"
    )
    districts = {"230103": w.nangang, "230111": w.hulan}
    for _run in range(2):
        assert seed_visits(districts) == 4
        assert Visit.objects.count() == 4
        assert set(Visit.objects.values_list("booking_id", flat=True)) == {
            *(b.pk for b in done),
            opened.pk,
        }
        names = set(Matter.objects.filter(jurisdiction=w.hulan).values_list("name", flat=True))
        assert set(MATTERS) <= names
        opening = BusinessOpening.objects.get()
        assert opening.business_name == "哈尔滨示例科技有限公司" and opening.uscc
        target = Target.objects.get(item=item)
        assert target.actual == Decimal(3)
    v.home.refresh_from_db()
    assert v.home.target_id == target.pk
