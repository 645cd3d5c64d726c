"""Counts of the appointment services feed the ledger: a service linked to a target of a
ledger item (``Service.target``, the office's catalogue page) sets that target's actual value
to the number of its bookings done — recounted each time, not incremented, so running twice
gives the same figure. A recorded visit enqueues the recount (a task of the worker, in the
visit's transaction: it exists once the visit commits); the ledger's own service writes it
(``ledger.services.plans.set_counted_actual``, audited as the system's change)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django_tasks import task

from shishi.appointments.models import Booking, BookingStatus, Service
from shishi.ledger.services.plans import set_counted_actual

log = logging.getLogger("shishi.appointments.feed")


def done_count(service_id: int) -> int:
    return Booking.objects.filter(service_id=service_id, status=BookingStatus.DONE).count()


def feed_target(service_id: int) -> bool:
    """Set the linked target's actual to the service's bookings done; whether it changed
    (False too when the service feeds no target)."""
    service = Service.objects.select_related("target").filter(pk=service_id).first()
    if service is None or service.target is None:
        return False
    count = done_count(service_id)
    changed = set_counted_actual(
        service.target, Decimal(count), source=f"appointments:{service.code}"
    )
    log.info("service %s fed target %s: %s done", service_id, service.target_id, count)
    return changed


@task()
def feed_target_task(service_id: int) -> bool:
    """The worker's recount of one service's target."""
    return feed_target(service_id)


def enqueue_feed(service: Service) -> None:
    """Recount the service's target once the current transaction commits (nothing when it
    feeds none)."""
    if service.target_id is None:
        return
    service_id = service.pk
    transaction.on_commit(lambda: feed_target_task.enqueue(service_id))
