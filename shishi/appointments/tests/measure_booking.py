"""A short measurement of sequential bookings (not collected: run it by name, on a quiet
machine; the issue asks for ≥ 100 a second):

    .venv/bin/pytest -q -p no:xdist -s shishi/appointments/tests/measure_booking.py
    DATABASE_URL=postgres://… .venv/bin/pytest -q -p no:xdist -s \
        shishi/appointments/tests/measure_booking.py

N residents registered beforehand, a day's slots with room for them all; then ``book`` N
times one after the other (permission, eligibility, the place, the booking, the audit
event, the SMS row), each in its own transaction as a request would be."""

from __future__ import annotations

import time

import pytest

from shishi.appointments import booking
from shishi.appointments.models import Booking, Staff
from shishi.appointments.tests.booking_setup import MONDAY, NOW, make_setup, resident
from shishi.conftest import World

N = 300

pytestmark = pytest.mark.django_db(transaction=True)


def test_measure_sequential_bookings(world: World) -> None:
    s = make_setup(world)
    s.home.per_staff_day = 2 * N  # two staff: N places a half day
    s.home.save()
    people = [resident(s, phone=f"139{n:08d}") for n in range(N)]
    pm = next(x for x in booking.ensure_slots(s.home, [MONDAY]) if x.period == "pm")
    assert pm.capacity >= N and Staff.objects.filter(service=s.home).count() == 2
    operator = world.operator
    started = time.perf_counter()
    for who in people:
        data = booking.BookingInput(channel="operator", resident_id=who.pk)
        booking.book(s.home, pm, data, actor=operator, now=NOW)
    took = time.perf_counter() - started
    assert Booking.objects.count() == N
    print(f"\n{N} bookings in {took:.2f} s: {N / took:.0f} a second, {1000 * took / N:.1f} ms each")
