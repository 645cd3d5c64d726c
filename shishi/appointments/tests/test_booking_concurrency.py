"""No overbooking when two OS processes book the last places of a slot at once: each
takes places with the one conditional UPDATE, so together they get exactly the places
there were, and every other try is refused naming ``slot``.

PostgreSQL only (``make test-pg``): the in-memory SQLite test database is one connection
that a second process cannot reach (and SQLite serialises writers at BEGIN IMMEDIATE).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

import pytest
from django.db import connection, connections

from shishi.appointments import booking
from shishi.appointments.models import Booking, Slot
from shishi.appointments.tests.booking_setup import NOW, make_setup, resident, slot
from shishi.conftest import World
from shishi.core.errors import ValidationFailed
from shishi.orgs.models import User

TRIES_EACH = 6  # two processes × 6 tries for the slot's 4 places

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a second process cannot reach the in-memory SQLite database",
)


def _book_all(
    slot_id: int, resident_ids: list[int], operator_id: int, start: Any, out: Any
) -> None:
    """In a forked process, on its own connection: book each resident into the slot."""
    code = 0
    try:
        operator = User.objects.get(pk=operator_id)
        start.wait(timeout=60)
        results = []
        for rid in resident_ids:
            at = Slot.objects.select_related("service").get(pk=slot_id)
            data = booking.BookingInput(channel="operator", resident_id=rid)
            try:
                booking.book(at.service, at, data, actor=operator, now=NOW)
                results.append("booked")
            except ValidationFailed as exc:
                results.append(exc.errors.get("slot", exc.message))
        out.put(results)
    except BaseException as exc:  # the parent's assertion shows it
        out.put([f"error: {exc!r}"])
        code = 1
    finally:
        connections.close_all()
        out.close()
        out.join_thread()  # flush the result before leaving without the parent's clean-up
        os._exit(code)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_processes_booking_the_last_places_never_overbook(world: World) -> None:
    s = make_setup(world)
    target = slot(s)  # 2 staff × 4 a day: 4 places in the afternoon
    assert target.capacity == 4
    people = [resident(s, phone=f"139000{n:05d}").pk for n in range(2 * TRIES_EACH)]
    connections.close_all()  # the children must not share the parent's socket
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(
            target=_book_all,
            args=(target.pk, people[n::2], world.operator.pk, start, out),
        )
        for n in range(2)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    flat = [r for part in results for r in part]
    assert flat.count("booked") == 4, flat
    assert flat.count(booking.FULL) == 2 * TRIES_EACH - 4, flat
    assert all(r.startswith("booked") or r == booking.FULL for r in flat), flat
    assert Slot.objects.get(pk=target.pk).booked == 4
    assert Booking.objects.filter(slot=target, status="booked").count() == 4
    assert [len(part) for part in results] == [TRIES_EACH, TRIES_EACH], results
