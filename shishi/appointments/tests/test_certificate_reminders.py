"""Expiry reminders: 30 and 7 days before, by SMS, once each; fewer than 30 days left at
issue → the 7-day one only; revoked → none; the scheduled job run twice sends nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from shishi.appointments import certificate_reminders, certificates
from shishi.appointments.models import HealthCertificate
from shishi.appointments.tests.certs_fixtures import certified, clinic_of
from shishi.conftest import World
from shishi.jobs.worker import run_due_jobs, run_ready_tasks

pytestmark = pytest.mark.django_db
ISSUED = dt.date(2026, 1, 10)  # valid until 2027-01-09


def _remind(today: dt.date, capture: Any) -> certificate_reminders.Sent:
    with capture(execute=True):
        sent = certificate_reminders.remind(today=today)
    run_ready_tasks()
    return sent


def test_thirty_and_seven_once_each(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic, today=ISSUED)
    revoked = certified(world, clinic, serial="222", today=ISSUED, phone="13812345678")
    certificates.revoke(revoked, reason="复查不合格", actor=world.office)
    gateway.sms.clear()
    until = cert.valid_until
    assert until == dt.date(2027, 1, 9)
    assert _remind(until - dt.timedelta(days=31), django_capture_on_commit_callbacks).thirty == 0
    sent = _remind(until - dt.timedelta(days=30), django_capture_on_commit_callbacks)
    assert (sent.thirty, sent.seven) == (1, 0)
    assert len(gateway.sms) == 1 and "还有30天" in gateway.sms[0].params["text"]
    assert cert.number in gateway.sms[0].params["text"]
    # The next days: nothing more until the 7-day one.
    for days in (29, 20, 8):
        assert _remind(until - dt.timedelta(days=days), django_capture_on_commit_callbacks) == (
            certificate_reminders.Sent()
        )
    sent = _remind(until - dt.timedelta(days=7), django_capture_on_commit_callbacks)
    assert (sent.thirty, sent.seven) == (0, 1)
    assert len(gateway.sms) == 2 and "还有7天" in gateway.sms[1].params["text"]
    for days in (7, 3, 0, -1):
        assert _remind(until - dt.timedelta(days=days), django_capture_on_commit_callbacks) == (
            certificate_reminders.Sent()
        )
    assert len(gateway.sms) == 2  # the revoked one: none at all
    row = HealthCertificate.objects.get(pk=cert.pk)
    assert row.reminded_30_at is not None and row.reminded_7_at is not None


def test_issued_with_fewer_than_30_days_gets_only_the_seven(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic, today=ISSUED)
    HealthCertificate.objects.filter(pk=cert.pk).update(
        valid_from=dt.date(2026, 12, 20), valid_until=dt.date(2027, 1, 9)
    )
    gateway.sms.clear()
    for day in range(20, 32):
        _remind(dt.date(2026, 12, day), django_capture_on_commit_callbacks)
    assert len(gateway.sms) == 0
    _remind(dt.date(2027, 1, 2), django_capture_on_commit_callbacks)
    assert len(gateway.sms) == 1 and "还有7天" in gateway.sms[0].params["text"]
    assert HealthCertificate.objects.get(pk=cert.pk).reminded_30_at is None


def test_a_missed_day_is_caught_up(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic, today=ISSUED)
    gateway.sms.clear()
    sent = _remind(cert.valid_until - dt.timedelta(days=25), django_capture_on_commit_callbacks)
    assert sent.thirty == 1 and "还有25天" in gateway.sms[0].params["text"]


def test_the_scheduled_job_twice(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from shishi.appointments import certificate_tasks  # noqa: F401  (registers the job)

    clinic = clinic_of(world)
    today = timezone.localdate()
    cert = certified(world, clinic, today=today - dt.timedelta(days=335))
    assert (cert.valid_until - today).days == 29 or (cert.valid_until - today).days == 30
    gateway.sms.clear()
    moment = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            runs = run_due_jobs(now=moment, names=["appointments.certificate_expiry"])
        run_ready_tasks()
        assert all(r.status != "failed" for r in runs)
    assert len(gateway.sms) == 1
    assert HealthCertificate.objects.get(pk=cert.pk).reminded_30_at is not None
