"""The staff member's visit record: who may record it, what it keeps (matters, photos, the
resident's confirmation, satisfaction), the booking done with its version bumped, stale and
cancelled refused, photos checked; the business opened on the spot; the phone masked and
revealed with an audit event."""

# ruff: noqa: F811  (the shared fixture `visits` is imported, then asked for by name)
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shishi.appointments import visits as visit_services
from shishi.appointments.models import BookingStatus, BusinessOpening, Visit
from shishi.appointments.tests.visit_fixtures import Visits, tiny_png, visits  # noqa: F401
from shishi.conftest import client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.orgs import services as org_services
from shishi.orgs.models import Role

pytestmark = pytest.mark.django_db

GOOD_USCC = "91350100M000100Y43"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _png(name: str = "到访.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def _post(v: Visits, user: Any, **over: Any) -> Any:
    data: dict[str, Any] = {
        "form": "visit",
        "version": v.booking.version,
        "outcome": "done",
        "matters": [str(v.matters[0].pk), str(v.matters[2].pk)],
        "notes": "已办理社保资格认证和户籍信息变更",
        "confirmed_by": "张桂兰",
        "satisfaction": "satisfied",
    }
    data.update(over)
    return client_for(user).post(reverse("appointments:visit", args=[v.booking.pk]), data)


def test_staff_records_visit_with_matters_photos_confirmation(visits: Visits) -> None:
    v = visits
    response = _post(v, v.staffer, photos=[_png(), _png("门牌.jpg")])
    # A .jpg named file sent as image/png is still a picture by its type: both kept.
    assert response.status_code == 302, response.content.decode()[:500]
    v.booking.refresh_from_db()
    assert v.booking.status == BookingStatus.DONE and v.booking.version == 2
    visit = Visit.objects.get(booking=v.booking)
    assert visit.recorded_by == v.staffer
    assert {m.name for m in visit.matters.all()} == {"社保认证", "户籍"}
    assert visit.confirmed_by == "张桂兰" and visit.satisfaction == "satisfied"
    assert visit.photos.count() == 2
    photo = visit.photos.first()
    assert photo is not None and Path(photo.file.path).read_bytes() == tiny_png()
    events = AuditEvent.objects.filter(action="appointments.record_visit")
    assert events.count() == 1
    assert events.get().changes["status"] == ["booked", "done"]
    page = client_for(v.staffer).get(reverse("appointments:visit", args=[v.booking.pk]))
    body = page.content.decode()
    assert "已服务" in body and "社保认证、户籍" in body and "满意" in body
    shown = client_for(v.staffer).get(
        reverse("appointments:visit_photo", args=[v.booking.pk, photo.pk])
    )
    content: Any = shown
    assert shown.status_code == 200 and b"".join(content.streaming_content) == tiny_png()


@pytest.mark.parametrize("who", ["staffer", "unit_member", "office"])
def test_assigned_staff_unit_and_office_may_record(visits: Visits, who: str) -> None:
    v = visits
    user = getattr(v, who, None) or getattr(v.world, who)
    visit_services.record_visit(
        v.booking, visit_services.VisitInput(outcome="done"), actor=user, expected_version=1
    )
    assert Visit.objects.filter(booking=v.booking, recorded_by=user).exists()


@pytest.mark.parametrize("who", ["editor_b", "outsider", "operator", "viewer_a"])
def test_others_may_not_record(visits: Visits, who: str) -> None:
    v = visits
    user = getattr(v.world, who)
    with pytest.raises(PermissionDenied):
        visit_services.record_visit(
            v.booking, visit_services.VisitInput(outcome="done"), actor=user, expected_version=1
        )
    assert not Visit.objects.exists()


def test_other_district_operator_gets_404_page(visits: Visits) -> None:
    v = visits
    hulan_operator = org_services.ensure_user("hulan_operator", password="x")
    org_services.grant_role(hulan_operator, Role.OPERATOR, v.world.hulan)
    for user in (hulan_operator, v.world.outsider, v.world.editor_b):
        response = _post(v, user)
        assert response.status_code == 404
        assert (
            client_for(user).get(reverse("appointments:visit", args=[v.booking.pk])).status_code
            == 404
        )
    v.booking.refresh_from_db()
    assert v.booking.status == BookingStatus.BOOKED


def test_same_district_operator_sees_but_cannot_record(visits: Visits) -> None:
    v = visits
    page = client_for(v.world.operator).get(reverse("appointments:visit", args=[v.booking.pk]))
    assert page.status_code == 200
    assert "visit-form" not in page.content.decode()
    assert _post(v, v.world.operator).status_code == 403


def test_stale_version_refused_and_input_kept(visits: Visits) -> None:
    v = visits
    with pytest.raises(StaleEdit):
        visit_services.record_visit(
            v.booking,
            visit_services.VisitInput(outcome="done"),
            actor=v.staffer,
            expected_version=0,
        )
    response = _post(v, v.staffer, version=0, notes="我写的说明")
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被他人修改" in body and "我写的说明" in body
    assert not Visit.objects.exists()


def test_cancelled_booking_cannot_be_recorded(visits: Visits) -> None:
    v = visits
    cancelled = v.book(status=BookingStatus.CANCELLED)
    with pytest.raises(ValidationFailed) as caught:
        visit_services.record_visit(
            cancelled,
            visit_services.VisitInput(outcome="done"),
            actor=v.staffer,
            expected_version=1,
        )
    assert "已取消" in caught.value.message
    assert not Visit.objects.exists()
    page = client_for(v.staffer).get(reverse("appointments:visit", args=[cancelled.pk]))
    assert "visit-form" not in page.content.decode()


def test_photo_of_wrong_type_refused_and_nothing_stored(
    visits: Visits,
    settings: Any,
) -> None:
    v = visits
    bad = SimpleUploadedFile("说明.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    response = _post(v, v.staffer, photos=[_png(), bad])
    assert response.status_code == 422
    assert "不是照片" in response.content.decode()
    assert not Visit.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_bad_outcome_and_foreign_matter_named(visits: Visits, world: Any) -> None:
    v = visits
    from shishi.appointments.models import Matter

    foreign = Matter.objects.create(jurisdiction=world.hulan, name="社保认证")
    with pytest.raises(ValidationFailed) as caught:
        visit_services.record_visit(
            v.booking,
            visit_services.VisitInput(outcome="maybe", matter_ids=[foreign.pk]),
            actor=v.staffer,
            expected_version=1,
        )
    assert set(caught.value.errors) == {"outcome", "matters"}


def test_mine_lists_today_first_with_masked_phone(visits: Visits) -> None:
    v = visits
    today = timezone.localdate()
    later = v.book(day=today + dt.timedelta(days=3), address="南岗区西大直街1号")
    v.book(day=today - dt.timedelta(days=1), address="昨天的地址")
    v.book(day=today, status=BookingStatus.CANCELLED, address="取消的地址")
    v.book(staff=v.unit_member, address="别人的预约")
    body = client_for(v.staffer).get(reverse("appointments:mine")).content.decode()
    assert (
        body.index("今天")
        < body.index(f"booking-{v.booking.pk}")
        < body.index(f"booking-{later.pk}")
    )
    assert "昨天的地址" not in body and "取消的地址" not in body and "别人的预约" not in body
    assert "139****5678" in body and "13912345678" not in body


def test_phone_revealed_by_a_tap_is_audited(visits: Visits) -> None:
    v = visits
    url = reverse("appointments:visit", args=[v.booking.pk])
    page = client_for(v.staffer).get(url).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert not AuditEvent.objects.filter(action="pii.show").exists()
    shown = client_for(v.staffer).get(url + "?show=phone", HTTP_HX_REQUEST="true")
    text = shown.content.decode()
    assert 'href="tel:13912345678"' in text and "<html" not in text
    event = AuditEvent.objects.get(action="pii.show")
    assert event.changes == {"field": "resident.phone", "viewer": "staff"}
    assert "13912345678" not in str(event.changes) + event.target_repr
    # Seeing the booking is not enough to reveal the number: the operator may not.
    assert client_for(v.world.operator).get(url + "?show=phone").status_code == 403
    assert AuditEvent.objects.filter(action="pii.show").count() == 1


# --- business opening -------------------------------------------------------------------------


def _enterprise_visit(v: Visits) -> Any:
    booking = v.book(v.enterprise, enterprise_name="哈尔滨某某科技有限公司", contact_name="王经理")
    visit_services.record_visit(
        booking, visit_services.VisitInput(outcome="done"), actor=v.staffer, expected_version=1
    )
    booking.refresh_from_db()
    return booking


def test_business_opening_recorded_then_uscc_added_later(visits: Visits) -> None:
    v = visits
    booking = _enterprise_visit(v)
    url = reverse("appointments:visit", args=[booking.pk])
    client = client_for(v.staffer)
    response = client.post(
        url,
        {
            "form": "opening",
            "version": booking.version,
            "business_name": "哈尔滨某某科技有限公司",
            "steps": ["name_approval", "licence", "seal"],
            "pack_given_on": timezone.localdate().isoformat(),
            "pack_items": "营业执照正副本、印章、发票领用",
        },
    )
    assert response.status_code == 302, response.content.decode()[:400]
    opening = BusinessOpening.objects.get(visit__booking=booking)
    assert opening.uscc == ""
    assert opening.checklist == {
        "name_approval": True,
        "licence": True,
        "seal": True,
        "tax": False,
        "bank_account": False,
        "social_security": False,
    }
    booking.refresh_from_db()
    # The licence comes: the USCC is an edit (lower case and spaces accepted).
    response = client.post(
        url,
        {
            "form": "opening",
            "version": booking.version,
            "business_name": "哈尔滨某某科技有限公司",
            "uscc": " " + GOOD_USCC.lower(),
            "steps": ["name_approval", "licence", "seal", "tax"],
            "pack_given_on": timezone.localdate().isoformat(),
            "pack_items": "营业执照正副本、印章、发票领用",
        },
    )
    assert response.status_code == 302
    opening.refresh_from_db()
    assert opening.uscc == GOOD_USCC and opening.checklist["tax"] is True
    body = client.get(url).content.decode()
    assert GOOD_USCC in body and "现场开办" in body
    assert AuditEvent.objects.filter(action="appointments.record_opening").count() == 2


def test_business_opening_bad_uscc_is_422_naming_uscc(visits: Visits) -> None:
    v = visits
    booking = _enterprise_visit(v)
    bad = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")
    response = client_for(v.staffer).post(
        reverse("appointments:visit", args=[booking.pk]),
        {"form": "opening", "version": booking.version, "business_name": "某公司", "uscc": bad},
    )
    assert response.status_code == 422
    form = response.context["opening_form"]
    assert list(form.errors) == ["uscc"] and "校验位" in form.errors["uscc"][0]
    assert not BusinessOpening.objects.exists()


def test_business_opening_only_on_enterprise_visit(visits: Visits) -> None:
    v = visits
    visit_services.record_visit(
        v.booking, visit_services.VisitInput(outcome="done"), actor=v.staffer, expected_version=1
    )
    with pytest.raises(ValidationFailed):
        visit_services.record_opening(
            v.booking,
            visit_services.OpeningInput(business_name="某公司"),
            actor=v.staffer,
            expected_version=None,
        )


def test_hostile_names_are_escaped(visits: Visits) -> None:
    v = visits
    hostile = "<script>alert(1)</script>"
    v.resident.name = hostile
    v.resident.save(update_fields=["name"])
    v.matters[0].name = '<img src=x onerror="x()">'
    v.matters[0].save(update_fields=["name"])
    for url in (
        reverse("appointments:mine"),
        reverse("appointments:visit", args=[v.booking.pk]),
    ):
        body = client_for(v.staffer).get(url).content.decode()
        assert hostile not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<img src=x" not in body
