"""The demo's health certificates: every status, some expiring within 30 days, exams in
every stage, valid ID numbers; seeding twice adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shishi.appointments.certificate_selectors import status_of
from shishi.appointments.demo import seed_services
from shishi.appointments.demo_certificates import seed_certificates
from shishi.appointments.models import HealthCertificate, HealthExam, Resident
from shishi.conftest import World
from shishi.core import pii

pytestmark = pytest.mark.django_db


def test_seed_certificates(world: World) -> None:
    jurisdictions = {"230103": world.nangang, "230111": world.hulan}
    seed_services(jurisdictions)
    count = seed_certificates(jurisdictions)
    assert count == HealthCertificate.objects.count() > 0
    assert seed_certificates(jurisdictions) == count  # idempotent
    today = timezone.localdate()
    statuses = {
        status_of(c.revoked_at, c.valid_until, today)
        for c in HealthCertificate.objects.filter(jurisdiction=world.nangang)
    }
    assert statuses == {"valid", "expired", "revoked"}
    expiring = HealthCertificate.objects.filter(
        jurisdiction=world.nangang,
        revoked_at__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=30),
    )
    assert expiring.count() >= 2
    stages = set(
        HealthExam.objects.filter(jurisdiction=world.nangang).values_list("conclusion", flat=True)
    )
    assert stages == {"", "pass", "fail", "retest"}
    for resident in Resident.objects.all():
        assert pii.is_valid_id_number(resident.id_number.reveal())
    # One holder certified twice (re-issued after expiry).
    assert (
        HealthCertificate.objects.filter(jurisdiction=world.nangang)
        .values("resident_id")
        .distinct()
        .count()
        == HealthCertificate.objects.filter(jurisdiction=world.nangang).count() - 1
    )
