"""Visits done feed the linked ledger target: the actual becomes the number of the service's
bookings done (recounted, so twice is the same), through the ledger's audited service, and
the item page shows it."""

# ruff: noqa: F811  (the shared fixture `visits` is imported, then asked for by name)
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from shishi.appointments import catalogue_services, feed
from shishi.appointments import visits as visit_services
from shishi.appointments.models import BookingStatus
from shishi.appointments.tests.visit_fixtures import Visits, visits  # noqa: F401
from shishi.conftest import client_for
from shishi.core.models import AuditEvent
from shishi.jobs.worker import run_ready_tasks
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Target

pytestmark = pytest.mark.django_db


def _link(v: Visits) -> Target:
    target = ledger_services.add_target(
        v.world.item_a,
        ledger_services.TargetInput("上门服务", value=Decimal(500), unit="人次"),
        actor=v.world.office,
    )
    v.home.target = target
    v.home.save(update_fields=["target"])
    return target


def _record(v: Visits, booking: Any, capture: Any, **over: Any) -> None:
    with capture(execute=True):
        visit_services.record_visit(
            booking,
            visit_services.VisitInput(outcome=over.get("outcome", "done")),
            actor=v.staffer,
            expected_version=booking.version,
        )
    run_ready_tasks()


def test_target_actual_is_the_done_count_and_stays_right_when_recorded_again(
    visits: Visits,
    django_capture_on_commit_callbacks: Any,
) -> None:
    v = visits
    target = _link(v)
    item_version = v.world.item_a.__class__.objects.get(pk=v.world.item_a.pk).version
    _record(v, v.booking, django_capture_on_commit_callbacks)
    target.refresh_from_db()
    assert target.actual == Decimal(1)
    second = v.book()
    v.book(status=BookingStatus.CANCELLED)
    v.book(v.enterprise, status=BookingStatus.DONE)  # another service: not counted
    _record(v, second, django_capture_on_commit_callbacks)
    target.refresh_from_db()
    assert target.actual == Decimal(2)
    # Correcting a recorded visit records it again: still two, not three.
    v.booking.refresh_from_db()
    _record(v, v.booking, django_capture_on_commit_callbacks, outcome="partly")
    target.refresh_from_db()
    assert target.actual == Decimal(2)
    # The system's change, audited on the item, named by its source; no office edit stale.
    events = AuditEvent.objects.filter(action="item.target_counted").order_by("id")
    assert [e.changes["target:上门服务"][1] for e in events] == ["1", "2"]
    assert events[0].actor_id is None
    assert events[0].changes["source"] == [None, "appointments:home-visit"]
    assert v.world.item_a.__class__.objects.get(pk=v.world.item_a.pk).version == item_version
    # Running the recount by hand again changes nothing.
    assert feed.feed_target(v.home.pk) is False
    page = client_for(v.world.office).get(reverse("ledger:item", args=[v.world.item_a.pk]))
    body = page.content.decode()
    row = re.search(r"<tr><td>上门服务</td>.*?</tr>", body, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(0)) == ["500人次", "2人次"]


def test_linking_a_target_counts_at_once(
    visits: Visits,
    django_capture_on_commit_callbacks: Any,
) -> None:
    v = visits
    v.book(status=BookingStatus.DONE)
    v.book(status=BookingStatus.DONE)
    target = ledger_services.add_target(
        v.world.item_a,
        ledger_services.TargetInput("上门服务", value=Decimal(100), unit="人次"),
        actor=v.world.office,
    )
    h = v.home
    with django_capture_on_commit_callbacks(execute=True):
        catalogue_services.update_service(
            h,
            catalogue_services.ServiceInput(
                name=h.name,
                unit_id=h.unit_id,
                where=h.where,
                bring=h.bring,
                per_staff_day=h.per_staff_day,
                is_active=True,
                age_from=h.age_from,
                match=h.match,
                rules=h.rules,
                target_id=target.pk,
            ),
            actor=v.world.office,
        )
    run_ready_tasks()
    target.refresh_from_db()
    assert target.actual == Decimal(2)


def test_service_without_target_feeds_nothing(visits: Visits) -> None:
    assert feed.feed_target(visits.home.pk) is False
    assert not AuditEvent.objects.filter(action="item.target_counted").exists()
