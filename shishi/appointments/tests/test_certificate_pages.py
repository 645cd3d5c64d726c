"""The clinic's and the office's pages: register a walk-in, results, conclusion, issue; the
certificates list (status, expiring, number, masked); the certificate (QR, revoke, the ID
number revealed on an audited click); who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shishi.appointments import certificates
from shishi.appointments.models import ExamItem, HealthCertificate, HealthExam
from shishi.appointments.tests.certs_fixtures import certified, clinic_of, id_number, photo
from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_walk_in_to_certificate_through_the_pages(world: World) -> None:
    clinic = clinic_of(world)
    client = client_for(clinic.doctor)
    page = client.get("/appointments/exams/")
    assert page.status_code == 200 and clinic.unit.name in page.content.decode()
    # A bad ID number names its field; nothing is registered.
    bad = client.post(
        "/appointments/exams/",
        {
            "clinic": clinic.unit.pk,
            "name": "赵六",
            "id_number": "230103199005171234",
            "trade": "food",
            "id_checked": "on",
            "photo": photo(),
        },
    )
    assert bad.status_code == 422 and "has-error" in bad.content.decode()
    assert not HealthExam.objects.exists()
    made = client.post(
        "/appointments/exams/",
        {
            "clinic": clinic.unit.pk,
            "name": "赵六",
            "id_number": id_number(serial="661"),
            "phone": "13912345678",
            "trade": "food",
            "employer": "某食堂",
            "id_checked": "on",
            "photo": photo(),
        },
    )
    exam = HealthExam.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/appointments/exams/{exam.pk}/"
    shown = client.get(f"/appointments/exams/{exam.pk}/").content.decode()
    assert "赵六" in shown and id_number(serial="661") not in shown
    assert "身份证尾号" in shown and id_number(serial="661")[-4:] in shown
    for item in ExamItem.values:
        r = client.post(
            f"/appointments/exams/{exam.pk}/",
            {
                "action": "result",
                "item": item,
                f"{item}-item": item,
                f"{item}-result": "未见异常",
                f"{item}-normal": "on",
            },
        )
        assert r.status_code == 302, r.content.decode()[:500]
    # A pass conclusion, then the certificate.
    assert (
        client.post(
            f"/appointments/exams/{exam.pk}/", {"action": "conclude", "conclusion": "pass"}
        ).status_code
        == 302
    )
    issued = client.post(f"/appointments/exams/{exam.pk}/", {"action": "issue"})
    cert = HealthCertificate.objects.get()
    assert issued["Location"] == f"/appointments/certificates/{cert.pk}/"
    detail = client.get(issued["Location"]).content.decode()
    assert cert.number in detail and "<svg" in detail and '<path d="M' in detail
    assert id_number(serial="661") not in detail
    printable = client.get(f"/appointments/certificates/{cert.pk}/print/").content.decode()
    assert "<svg" in printable and cert.number in printable
    assert client.get(f"/appointments/exams/{exam.pk}/photo/").status_code == 200


def test_fail_needs_the_condition_on_the_page(world: World) -> None:
    clinic = clinic_of(world)
    exam = certificates.register_exam(
        world.nangang.pk,
        certificates.ExamInput(
            clinic_id=clinic.unit.pk,
            trade="food",
            id_checked=True,
            photo=photo(),
            name="钱七",
            id_number=id_number(serial="662"),
        ),
        actor=clinic.doctor,
    )
    client = client_for(clinic.doctor)
    r = client.post(f"/appointments/exams/{exam.pk}/", {"action": "conclude", "conclusion": "fail"})
    assert r.status_code == 422 and "不得从业的疾病" in r.content.decode()
    stale = client.post(
        f"/appointments/exams/{exam.pk}/",
        {"action": "conclude", "conclusion": "fail", "barred_condition": "痢疾", "version": 0},
    )
    assert stale.status_code == 409


def test_certificates_list_filters_and_masks(world: World) -> None:
    clinic = clinic_of(world)
    today = timezone.localdate()
    valid = certified(world, clinic, name="欧阳丽华", serial="101", today=today)
    soon = certified(world, clinic, name="孙八", serial="102", today=today - dt.timedelta(days=350))
    old = certified(world, clinic, name="周九", serial="103", today=today - dt.timedelta(days=400))
    gone = certified(world, clinic, name="吴十", serial="104", today=today)
    certificates.revoke(gone, reason="复查不合格", actor=world.office)
    client = client_for(world.office)

    def numbers(query: str) -> set[str]:
        body = client.get(f"/appointments/certificates/?{query}").content.decode()
        return {c.number for c in (valid, soon, old, gone) if c.number in body}

    assert numbers("") == {valid.number, soon.number, old.number, gone.number}
    assert numbers("status=valid") == {valid.number, soon.number}
    assert numbers("status=expired") == {old.number}
    assert numbers("status=revoked") == {gone.number}
    assert numbers("expiring=on") == {soon.number}
    assert numbers(f"number={valid.number}") == {valid.number}
    body = client.get("/appointments/certificates/").content.decode()
    assert "欧**华" in body and "欧阳丽华" not in body
    # A filter that does not parse is dropped and named; never a 500.
    odd = client.get("/appointments/certificates/?status=nope&page=abc")
    assert odd.status_code == 200 and "已忽略" in odd.content.decode()
    fragment = client.get("/appointments/certificates/?status=valid", HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith("<section")


def test_reveal_is_the_offices_and_audited(world: World) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic)
    number = id_number()
    doctor = client_for(clinic.doctor)
    assert number not in doctor.get(f"/appointments/certificates/{cert.pk}/").content.decode()
    assert (
        doctor.post(f"/appointments/certificates/{cert.pk}/", {"action": "reveal"}).status_code
        == 403
    )
    office = client_for(world.office)
    before = AuditEvent.objects.filter(action="pii.show").count()
    shown = office.post(
        f"/appointments/certificates/{cert.pk}/", {"action": "reveal"}, HTTP_HX_REQUEST="true"
    )
    assert shown.status_code == 200 and number in shown.content.decode()
    event = AuditEvent.objects.filter(action="pii.show").latest("seq")
    assert AuditEvent.objects.filter(action="pii.show").count() == before + 1
    assert event.target_id == str(cert.pk) and number not in str(event.changes)


def test_revoke_on_the_page(world: World) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic)
    client = client_for(clinic.doctor)
    empty = client.post(f"/appointments/certificates/{cert.pk}/", {"action": "revoke"})
    assert empty.status_code == 422
    done = client.post(
        f"/appointments/certificates/{cert.pk}/", {"action": "revoke", "reason": "伪造体检结果"}
    )
    assert done.status_code == 302
    cert.refresh_from_db()
    assert cert.revoke_reason == "伪造体检结果"


def test_who_may_see(world: World) -> None:
    clinic = clinic_of(world)
    cert = certified(world, clinic)
    for user in (world.editor_a, world.operator, world.outsider, world.resident):
        client = client_for(user)
        assert client.get(f"/appointments/certificates/{cert.pk}/").status_code == 404
        assert client.get(f"/appointments/exams/{cert.exam_id}/").status_code == 404
        assert client.get("/appointments/exams/").status_code == 403
    assert client_for().get("/appointments/exams/").status_code == 302  # to the login
    assert client_for(world.outsider).get("/appointments/certificates/").status_code == 200
    assert (
        cert.number
        not in client_for(world.outsider).get("/appointments/certificates/").content.decode()
    )


def test_bad_input_on_the_exam_page_is_named_never_500(world: World) -> None:
    clinic = clinic_of(world)
    exam = certificates.register_exam(
        world.nangang.pk,
        certificates.ExamInput(
            clinic_id=clinic.unit.pk,
            trade="food",
            id_checked=True,
            photo=photo(),
            name="钱七",
            id_number=id_number(serial="663"),
        ),
        actor=clinic.doctor,
    )
    client = client_for(clinic.doctor)
    url = f"/appointments/exams/{exam.pk}/"
    bogus = client.post(url, {"action": "result", "item": "blood"})
    assert bogus.status_code == 422 and "没有这个检查项目" in bogus.content.decode()
    empty = client.post(url, {"action": "result", "item": "alt", "alt-item": "alt"})
    assert empty.status_code == 422 and "field-error" in empty.content.decode()
    assert client.post(url, {"action": "nope"}).status_code == 404
    assert client.post(url, {"action": "conclude", "conclusion": "maybe"}).status_code == 422
    assert client.get("/appointments/exams/?clinic=abc").status_code == 200
    assert client.get("/appointments/exams/999999/").status_code == 404
    assert client.get("/appointments/certificates/999999/").status_code == 404


def test_register_a_booking_of_the_day(world: World) -> None:
    from shishi.appointments.models import Booking, Channel, Slot

    clinic = clinic_of(world)
    resident = certificates.register_exam(
        world.nangang.pk,
        certificates.ExamInput(
            clinic_id=clinic.unit.pk,
            trade="food",
            id_checked=True,
            photo=photo(),
            name="孙八",
            id_number=id_number(serial="664"),
        ),
        actor=clinic.doctor,
    ).resident
    slot = Slot.objects.create(
        service=clinic.service, day=timezone.localdate(), period="am", capacity=40, booked=1
    )
    booking = Booking.objects.create(
        jurisdiction=world.nangang,
        service=clinic.service,
        slot=slot,
        resident=resident,
        code="HE0042",
        channel=Channel.PUBLIC,
    )
    client = client_for(clinic.doctor)
    assert "HE0042" in client.get("/appointments/exams/").content.decode()
    form = client.get(f"/appointments/exams/?booking={booking.pk}").content.decode()
    assert 'id="booking-who"' in form and "孙八" in form
    made = client.post(
        "/appointments/exams/",
        {
            "clinic": clinic.unit.pk,
            "booking": booking.pk,
            "trade": "public_place",
            "id_checked": "on",
            "photo": photo(),
        },
    )
    assert made.status_code == 302
    exam = HealthExam.objects.get(booking=booking)
    assert exam.resident_id == resident.pk and exam.trade == "public_place"
    assert (
        "HE0042"
        not in client.get("/appointments/exams/").content.decode().split('id="registered"')[0]
    )
