"""The health-certificate life cycle: registration at the clinic (ID checked, photo),
results, conclusion (pass only with every item normal; fail naming the barred condition;
re-test), the certificate (number, validity, SMS), revocation; permissions; audit."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.appointments import certificates
from shishi.appointments.models import (
    Booking,
    BookingStatus,
    Channel,
    HealthCertificate,
    Resident,
    Slot,
)
from shishi.appointments.tests.certs_fixtures import (
    PHONE,
    clinic_of,
    id_number,
    photo,
    record_all,
    register,
)
from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.jobs.worker import run_ready_tasks

pytestmark = pytest.mark.django_db


def test_valid_until_is_the_day_before_a_year_later() -> None:
    assert certificates.valid_until(dt.date(2026, 12, 5)) == dt.date(2027, 12, 4)
    assert certificates.valid_until(dt.date(2026, 1, 1)) == dt.date(2026, 12, 31)
    assert certificates.valid_until(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert certificates.valid_until(dt.date(2027, 3, 1)) == dt.date(2028, 2, 29)
    assert certificates.valid_until(dt.date(2026, 3, 1)) == dt.date(2027, 2, 28)


def test_numbers_are_district_year_and_random_digits() -> None:
    numbers = {certificates.new_number("230103", 2026) for _ in range(200)}
    assert len(numbers) == 200
    assert all(re.fullmatch(r"2301032026\d{10}", n) for n in numbers)
    tails = sorted(int(n[10:]) for n in numbers)
    # Not a sequence: the gaps between drawn numbers are large and uneven.
    assert max(b - a for a, b in itertools.pairwise(tails)) > 1000


def test_life_cycle_pass_certificate_sms_revoke(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    assert exam.id_checked and exam.photo.name.startswith(f"appointments/exams/{exam.pk}/")
    resident = exam.resident
    assert resident.name == "王小明" and resident.id_number.reveal() == id_number()
    record_all(exam, clinic)
    certificates.conclude(exam, "pass", actor=clinic.doctor)
    with django_capture_on_commit_callbacks(execute=True):
        cert = certificates.issue_certificate(exam, actor=clinic.doctor, today=dt.date(2026, 12, 5))
    run_ready_tasks()
    assert cert.number.startswith("2301032026") and len(cert.number) == 20
    assert (cert.valid_from, cert.valid_until) == (dt.date(2026, 12, 5), dt.date(2027, 12, 4))
    assert cert.holder_name == "王小明" and cert.issuer_id == clinic.unit.pk
    assert len(gateway.sms) == 1 and gateway.sms[0].to == PHONE
    assert cert.number in gateway.sms[0].params["text"]
    assert f"/public/certificates/{cert.number}/" in gateway.sms[0].params["text"]
    # A second certificate of the same exam is refused.
    with pytest.raises(ValidationFailed) as again:
        certificates.issue_certificate(exam, actor=clinic.doctor)
    assert "exam" in again.value.errors
    # Revocation needs a reason, happens once, and is audited.
    with pytest.raises(ValidationFailed) as no_reason:
        certificates.revoke(cert, reason=" ", actor=world.office)
    assert "reason" in no_reason.value.errors
    revoked = certificates.revoke(cert, reason="复查发现活动性肺结核", actor=world.office)
    assert revoked.revoked_at is not None and revoked.revoke_reason == "复查发现活动性肺结核"
    with pytest.raises(StaleEdit):
        certificates.revoke(cert, reason="再次撤销", actor=world.office)
    actions = list(
        AuditEvent.objects.filter(action__startswith="appointments.").values_list(
            "action", flat=True
        )
    )
    for action in (
        "appointments.register_resident",
        "appointments.register_exam",
        "appointments.record_result",
        "appointments.conclude_exam",
        "appointments.issue_certificate",
        "appointments.revoke_certificate",
    ):
        assert action in actions
    # No ID number or phone in any audit event.
    for changes in AuditEvent.objects.values_list("changes", flat=True):
        assert id_number() not in str(changes) and PHONE not in str(changes)


def test_pass_needs_every_item_recorded_and_normal(world: World) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    certificates.record_result(
        exam, "physical", result="未见异常", normal=True, actor=clinic.doctor
    )
    with pytest.raises(ValidationFailed) as missing:
        certificates.conclude(exam, "pass", actor=clinic.doctor)
    assert "尚未记录" in missing.value.message and "粪便培养" in missing.value.message
    with pytest.raises(ValidationFailed):
        certificates.issue_certificate(exam, actor=clinic.doctor)  # not concluded


def test_fail_names_the_barred_condition_and_closes(world: World) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    record_all(exam, clinic, abnormal="stool")
    with pytest.raises(ValidationFailed) as abnormal:
        certificates.conclude(exam, "pass", actor=clinic.doctor)
    assert "结果异常" in abnormal.value.message
    with pytest.raises(ValidationFailed) as unnamed:
        certificates.conclude(exam, "fail", actor=clinic.doctor)
    assert "barred_condition" in unnamed.value.errors
    done = certificates.conclude(exam, "fail", barred_condition="伤寒带菌者", actor=clinic.doctor)
    assert done.conclusion == "fail" and done.barred_condition == "伤寒带菌者"
    with pytest.raises(ValidationFailed):
        certificates.record_result(exam, "stool", result="阴性", normal=True, actor=clinic.doctor)
    with pytest.raises(ValidationFailed):
        certificates.issue_certificate(exam, actor=clinic.doctor)
    assert not HealthCertificate.objects.exists()


def test_retest_then_pass(world: World) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    record_all(exam, clinic, abnormal="alt")
    certificates.conclude(exam, "retest", actor=clinic.doctor)
    exam.refresh_from_db()
    assert exam.conclusion == "retest"
    certificates.record_result(exam, "alt", result="ALT 32 U/L", normal=True, actor=clinic.doctor)
    certificates.conclude(exam, "pass", actor=clinic.doctor)
    cert = certificates.issue_certificate(exam, actor=clinic.doctor)
    assert cert.exam_id == exam.pk


def test_retest_refused_when_all_normal(world: World) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    record_all(exam, clinic)
    with pytest.raises(ValidationFailed):
        certificates.conclude(exam, "retest", actor=clinic.doctor)


def test_stale_version_refused(world: World) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    seen = exam.version
    certificates.record_result(
        exam, "physical", result="未见异常", normal=True, actor=clinic.doctor
    )
    with pytest.raises(StaleEdit):
        certificates.record_result(
            exam, "alt", result="正常", normal=True, actor=clinic.doctor, expected_version=seen
        )


def test_registration_checks(world: World) -> None:
    clinic = clinic_of(world)
    base = {
        "clinic_id": clinic.unit.pk,
        "trade": "food",
        "id_checked": True,
        "photo": photo(),
        "name": "李四",
        "id_number": id_number(serial="555"),
    }
    for change, field in (
        ({"id_checked": False}, "id_checked"),
        ({"trade": "pilot"}, "trade"),
        ({"photo": None}, "photo"),
        ({"photo": SimpleUploadedFile("x.png", b"not an image", "image/png")}, "photo"),
        ({"photo": photo("face.gif", fmt="GIF")}, "photo"),
        ({"id_number": "230103199005171234"}, "id_number"),
        ({"id_number": ""}, "id_number"),
        ({"name": ""}, "name"),
    ):
        data = certificates.ExamInput(**{**base, **change})  # type: ignore[arg-type]
        with pytest.raises(ValidationFailed) as exc:
            certificates.register_exam(world.nangang.pk, data, actor=clinic.doctor)
        assert field in exc.value.errors, change
    assert not Resident.objects.exists()


def test_big_photo_refused(world: World) -> None:
    clinic = clinic_of(world)
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (6 * 1024 * 1024), "image/png")
    data = certificates.ExamInput(
        clinic_id=clinic.unit.pk,
        trade="food",
        id_checked=True,
        photo=big,
        name="李四",
        id_number=id_number(),
    )
    with pytest.raises(ValidationFailed) as exc:
        certificates.register_exam(world.nangang.pk, data, actor=clinic.doctor)
    assert "5MB" in exc.value.errors["photo"]


def test_second_exam_finds_the_registered_resident(world: World) -> None:
    clinic = clinic_of(world)
    first = register(world, clinic)
    second = register(world, clinic, name="")  # found by ID number: no name needed
    assert second.resident_id == first.resident_id
    assert Resident.objects.count() == 1


def test_from_a_booking(world: World, django_capture_on_commit_callbacks: Any) -> None:
    from decimal import Decimal

    from shishi.ledger import services as ledger_services

    clinic = clinic_of(world)
    # The clinic service feeds a ledger target: a booking registered counts as done.
    target = ledger_services.add_target(
        world.item_a,
        ledger_services.TargetInput("健康体检", value=Decimal(100), unit="人"),
        actor=world.office,
    )
    clinic.service.target = target
    clinic.service.save(update_fields=["target"])
    resident = register(world, clinic).resident
    slot = Slot.objects.create(
        service=clinic.service, day=dt.date(2026, 12, 7), period="am", capacity=10, booked=1
    )
    booking = Booking.objects.create(
        jurisdiction=world.nangang,
        service=clinic.service,
        slot=slot,
        resident=resident,
        code="HX0001",
        channel=Channel.PUBLIC,
    )
    with django_capture_on_commit_callbacks(execute=True):
        exam = certificates.register_exam(
            world.nangang.pk,
            certificates.ExamInput(
                clinic_id=clinic.unit.pk,
                trade="public_place",
                id_checked=True,
                photo=photo(),
                booking_id=booking.pk,
            ),
            actor=clinic.doctor,
        )
    assert exam.booking_id == booking.pk and exam.resident_id == resident.pk
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DONE
    run_ready_tasks()
    target.refresh_from_db()
    assert target.actual == 1
    with pytest.raises(ValidationFailed) as twice:
        certificates.register_exam(
            world.nangang.pk,
            certificates.ExamInput(
                clinic_id=clinic.unit.pk,
                trade="food",
                id_checked=True,
                photo=photo(),
                booking_id=booking.pk,
            ),
            actor=clinic.doctor,
        )
    assert "booking" in twice.value.errors


def test_only_the_clinic_and_the_office(world: World) -> None:
    clinic = clinic_of(world)
    exam = register(world, clinic)
    for outsider in (world.editor_a, world.operator, world.outsider, world.viewer_a):
        with pytest.raises(PermissionDenied):
            certificates.record_result(exam, "physical", result="正常", normal=True, actor=outsider)
    # The office may do what the clinic does.
    certificates.record_result(exam, "physical", result="正常", normal=True, actor=world.office)
    # A unit that runs no clinic service is no clinic, even for the office.
    data = certificates.ExamInput(
        clinic_id=world.unit_a.pk,
        trade="food",
        id_checked=True,
        photo=photo(),
        name="李四",
        id_number=id_number(serial="777"),
    )
    with pytest.raises(PermissionDenied):
        certificates.register_exam(world.nangang.pk, data, actor=world.office)
