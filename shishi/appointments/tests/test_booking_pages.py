"""The booking pages: the operator finds or registers the person, sees the eligibility
answer as the ID number is typed, books a slot and handles the booking; the list and the
booking page mask numbers per role and audit the full phone; the public booking with an SMS
code and the look-up by code and phone tail; bad input answers 422 naming the field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from shishi.appointments import booking
from shishi.appointments.models import Booking, Slot
from shishi.appointments.tests.booking_setup import Setup, id_number, make_setup, resident
from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.demands.tests.fake_sms import last_code
from shishi.jobs.worker import run_ready_tasks

pytestmark = pytest.mark.django_db
BOOK = "/appointments/book/?district=230103&service=home-visit"


@pytest.fixture
def s(world: World) -> Setup:
    return make_setup(world)


def _open_slot(s: Setup) -> Slot:
    today = timezone.localdate()
    slots = booking.slots_for(s.home, today + dt.timedelta(days=1), 14, today=today)
    return slots[0]


def _book_directly(s: Setup, phone: str = "13912345678", landline: str = "") -> Booking:
    who = resident(s, phone=phone, landline=landline)
    return booking.book(
        s.home,
        _open_slot(s),
        booking.BookingInput(channel="operator", resident_id=who.pk),
        actor=s.world.operator,
    )


def test_operator_searches_by_phone_and_sees_id_tail_and_age_only(s: Setup) -> None:
    who = resident(s, phone="13912345678")
    client = client_for(s.world.operator)
    page = client.post(BOOK, {"action": "search", "q": "139 1234 5678"})
    body = page.content.decode()
    assert page.status_code == 200
    full = who.id_number.reveal()
    assert full[-4:] in body and full not in body and "13912345678" not in body
    assert "139****5678" in body and f"resident={who.pk}" in body
    fragment = client.post(BOOK, {"action": "search", "q": full}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert f"resident={who.pk}" in fragment.content.decode()


def test_eligibility_follows_the_typed_id_number(s: Setup) -> None:
    client = client_for(s.world.operator)
    old = id_number(dt.date(1940, 1, 1))
    answer = client.post(BOOK, {"action": "eligibility", "id_number": old}, HTTP_HX_REQUEST="true")
    assert "年满70周岁（1940-01-01出生）" in answer.content.decode()
    young = id_number(dt.date(1990, 1, 1))
    answer = client.post(
        BOOK, {"action": "eligibility", "id_number": young}, HTTP_HX_REQUEST="true"
    )
    assert "未满70周岁" in answer.content.decode() and "生活不能自理" in answer.content.decode()
    bad = client.post(BOOK, {"action": "eligibility", "id_number": old[:-1] + "0"})
    assert bad.status_code == 422 and "身份证号" in bad.content.decode()


def test_operator_registers_then_books_and_lands_on_the_booking(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(s.world.operator)
    number = id_number(dt.date(1945, 5, 5))
    refused = client.post(BOOK, {"action": "register", "name": "", "id_number": "123"})
    assert refused.status_code == 422
    made = client.post(
        BOOK,
        {"action": "register", "name": "测试老人", "id_number": number, "phone": "13811112222"},
    )
    assert made.status_code == 302 and "resident=" in made["Location"]
    page = client.get(made["Location"])
    assert "年满70周岁（1945-05-05出生）" in page.content.decode()
    pk = int(re.search(r"resident=(\d+)", made["Location"]).group(1))  # type: ignore[union-attr]
    slot = _open_slot(s)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            made["Location"],
            {
                "action": "book",
                "resident": pk,
                "slot": slot.pk,
                "channel": "operator",
                "address": "南岗区学府路1号",
                "staff": s.staff_a.pk,
            },
        )
    assert done.status_code == 302
    b = Booking.objects.get()
    assert done["Location"] == f"/appointments/bookings/{b.pk}/"
    run_ready_tasks()
    assert gateway.sms[-1].to == "13811112222"
    detail = client.get(done["Location"]).content.decode()
    assert b.code in detail and number[-4:] in detail and number not in detail


def test_a_full_slot_and_an_ineligible_person_answer_422_naming_why(s: Setup) -> None:
    client = client_for(s.world.operator)
    young = resident(s, age=50)
    slot = _open_slot(s)
    url = f"{BOOK}&resident={young.pk}"
    page = client.post(
        url, {"action": "book", "resident": young.pk, "slot": slot.pk, "channel": "operator"}
    )
    assert page.status_code == 422 and "未满70周岁" in page.content.decode()
    Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity)
    old = resident(s, phone="13912340000")
    page = client.post(
        f"{BOOK}&resident={old.pk}",
        {"action": "book", "resident": old.pk, "slot": slot.pk, "channel": "operator"},
    )
    assert page.status_code == 422 and booking.FULL in page.content.decode()
    page = client.post(
        f"{BOOK}&resident={old.pk}",
        {"action": "book", "resident": old.pk, "slot": "abc", "channel": "nope"},
    )
    assert page.status_code == 422


def test_list_masks_numbers_for_operator_and_unit_and_hides_from_outsiders(s: Setup) -> None:
    b = _book_directly(s)
    for user in (s.world.operator, s.staff_a):
        page = client_for(user).get("/appointments/bookings/")
        body = page.content.decode()
        assert page.status_code == 200 and b.code in body
        assert "139****5678" in body and "13912345678" not in body
    other = client_for(s.world.outsider).get("/appointments/bookings/")  # Hulan's office
    assert other.status_code == 200 and b.code not in other.content.decode()
    assert (
        "南岗区"
        not in client_for(s.world.outsider)
        .get("/appointments/bookings/?jurisdiction=230103")
        .content.decode()
    )
    assert client_for(s.world.editor_a).get("/appointments/bookings/").status_code == 403
    assert client_for(s.world.outsider).get(f"/appointments/bookings/{b.pk}/").status_code == 404
    filtered = client_for(s.world.operator).get("/appointments/bookings/?status=cancelled")
    assert b.code not in filtered.content.decode()
    bad = client_for(s.world.operator).get("/appointments/bookings/?day=x&service=y&page=z")
    assert bad.status_code == 200


def test_booking_page_shows_id_tail_to_operator_not_unit_and_audits_the_full_phone(
    s: Setup,
) -> None:
    b = _book_directly(s)
    tail = b.resident.id_number.reveal()[-4:]  # type: ignore[union-attr]
    url = f"/appointments/bookings/{b.pk}/"
    unit_page = client_for(s.staff_a).get(url).content.decode()
    assert "139****5678" in unit_page and 'id="id-tail"' not in unit_page
    assert client_for(s.staff_a).post(url, {"action": "show_phone"}).status_code == 403
    operator = client_for(s.world.operator)
    assert tail in operator.get(url).content.decode()
    shown = operator.post(url, {"action": "show_phone"})
    assert "13912345678" in shown.content.decode()
    event = AuditEvent.objects.get(action="pii.show")
    assert event.target_id == str(b.pk) and "13912345678" not in str(event.changes)


def test_landline_only_booking_says_call_them(s: Setup) -> None:
    b = _book_directly(s, phone="", landline="0451-86661234")
    page = client_for(s.world.operator).get(f"/appointments/bookings/{b.pk}/").content.decode()
    assert "请电话告知" in page and 'id="show-phone"' in page


def test_actions_on_the_page_with_a_stale_version(s: Setup) -> None:
    b = _book_directly(s)
    url = f"/appointments/bookings/{b.pk}/"
    client = client_for(s.staff_a)
    assert (
        client.post(url, {"action": "assign", "staff": s.staff_b.pk, "version": 1}).status_code
        == 302
    )
    stale = client.post(url, {"action": "cancel", "reason": "不需要了", "version": 1})
    assert stale.status_code == 409 and 'id="stale"' in stale.content.decode()
    missing = client.post(url, {"action": "cancel", "reason": "", "version": 2})
    assert missing.status_code == 422
    assert (
        client.post(url, {"action": "cancel", "reason": "不需要了", "version": 2}).status_code
        == 302
    )
    assert Booking.objects.get(pk=b.pk).status == "cancelled"


# --- public ------------------------------------------------------------------------------------

PUBLIC = "/public/appointments/230103/home-visit/"


def test_resident_books_on_the_public_site_with_a_code_then_looks_up_and_cancels(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(None)
    page = client.get(PUBLIC)
    assert page.status_code == 200 and "生活不能自理" in page.content.decode()
    slot = _open_slot(s)
    form = {
        "name": "网上居民",
        "id_number": id_number(dt.date(1950, 1, 1), "555"),
        "phone": "13500001234",
        "slot": slot.pk,
        "address": "南岗区红军街1号",
        "request": "社保认证",
    }
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(PUBLIC, {**form, "action": "code"})
    assert sent.status_code == 200
    run_ready_tasks()
    code = last_code(gateway)
    wrong = client.post(PUBLIC, {**form, "action": "submit", "code": "000000"})
    assert wrong.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PUBLIC, {**form, "action": "submit", "code": code})
    assert done.status_code == 200
    b = Booking.objects.get()
    assert b.code in done.content.decode() and b.channel == "public" and b.booked_by_id is None
    run_ready_tasks()
    assert b.code in gateway.sms[-1].params["text"]
    lookup = "/public/appointments/lookup/"
    assert client.post(lookup, {"number": b.code, "tail": "9999"}).status_code == 404
    found = client.post(lookup, {"number": b.code.lower(), "tail": "1234"})
    assert found.status_code == 200 and "已预约" in found.content.decode()
    gone = client.post(
        lookup, {"number": b.code, "tail": "1234", "action": "cancel", "reason": "已自行办理"}
    )
    assert gone.status_code == 200 and "预约已取消" in gone.content.decode()
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_public_bad_input_names_the_field_and_never_500(s: Setup) -> None:
    client = client_for(None)
    page = client.post(
        PUBLIC,
        {"action": "submit", "name": "", "id_number": "123", "phone": "12", "slot": "x"},
    )
    assert page.status_code == 422
    body = page.content.decode()
    assert "field-error" in body
    assert client.get("/public/appointments/999999/home-visit/").status_code == 404
    assert client.get("/public/appointments/230103/nothing/").status_code == 404
    assert (
        client.post("/public/appointments/lookup/", {"number": "", "tail": "12"}).status_code == 422
    )


def test_public_booking_of_someone_registered_with_another_mobile_is_refused(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    who = resident(s, phone="13912345678")
    client = client_for(None)
    form = {
        "name": who.name,
        "id_number": who.id_number.reveal(),
        "phone": "13500001234",
        "slot": _open_slot(s).pk,
        "address": "某地",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PUBLIC, {**form, "action": "code"})
    run_ready_tasks()
    page = client.post(PUBLIC, {**form, "action": "submit", "code": last_code(gateway)})
    assert page.status_code == 422 and "请拨打服务电话预约" in page.content.decode()
    assert not Booking.objects.exists()


def test_hostile_names_are_escaped_on_every_booking_page(s: Setup) -> None:
    hostile = '<script>alert("x")</script>'
    who = resident(s, name=hostile[:50])
    b = booking.book(
        s.home,
        _open_slot(s),
        booking.BookingInput(
            channel="family",
            resident_id=who.pk,
            proxy_name=hostile[:50],
            proxy_relation="<b>子</b>",
            request=hostile,
        ),
        actor=s.world.operator,
    )
    client = client_for(s.world.operator)
    pages = [
        client.get(f"/appointments/bookings/{b.pk}/"),
        client.get("/appointments/bookings/"),
        client.post(BOOK, {"action": "search", "q": "13912345678"}),
        client.get(f"{BOOK}&resident={who.pk}"),
    ]
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        assert "<script>alert" not in body and "<b>子</b>" not in body


def test_operator_books_an_enterprise_visit_with_its_uscc(s: Setup) -> None:
    from shishi.appointments.tests.booking_setup import valid_uscc

    url = "/appointments/book/?district=230103&service=enterprise-visit"
    client = client_for(s.world.operator)
    page = client.get(url)
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()
    today = timezone.localdate()
    slot = booking.slots_for(s.enterprise, today + dt.timedelta(days=1), 14, today=today)[0]
    form = {
        "action": "book",
        "slot": slot.pk,
        "channel": "enterprise",
        "enterprise_name": "哈尔滨某某科技有限公司",
        "enterprise_uscc": "91230103MA1B2C3D4X",
        "contact_name": "赵经理",
        "notify_phone": "13600002222",
        "address": "哈尔滨科技创新城3号楼",
        "confirmed": ["企业位于：哈尔滨科技创新城、南岗区数字经济产业园"],
    }
    bad = client.post(url, form)
    assert bad.status_code == 422 and "校验位" in bad.content.decode()
    done = client.post(url, {**form, "enterprise_uscc": valid_uscc()})
    assert done.status_code == 302
    assert Booking.objects.get().enterprise_uscc == valid_uscc()


def test_public_lookup_is_rate_limited_per_client(s: Setup, settings: Any) -> None:
    from django.core.cache import caches

    caches["ratelimit"].clear()
    settings.SHISHI_RATE_LIMITS = {**settings.SHISHI_RATE_LIMITS, "booking_lookup": "2/600"}
    client = client_for(None)
    lookup = "/public/appointments/lookup/"
    codes = [
        client.post(lookup, {"number": "ABCDEFGH", "tail": "1234"}).status_code for _ in range(3)
    ]
    assert codes == [404, 404, 429]
    caches["ratelimit"].clear()


def test_enterprise_contact_books_on_the_public_site(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from shishi.appointments.tests.booking_setup import valid_uscc

    url = "/public/appointments/230103/enterprise-visit/"
    client = client_for(None)
    page = client.get(url)
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()
    today = timezone.localdate()
    slot = booking.slots_for(s.enterprise, today + dt.timedelta(days=1), 14, today=today)[0]
    form = {
        "name": "赵经理",
        "phone": "13600002222",
        "enterprise_name": "哈尔滨某某科技有限公司",
        "enterprise_uscc": valid_uscc(),
        "address": "哈尔滨科技创新城3号楼",
        "slot": slot.pk,
        "confirmed": ["企业位于：哈尔滨科技创新城、南岗区数字经济产业园"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "action": "code"})
    run_ready_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**form, "action": "submit", "code": last_code(gateway)})
    assert done.status_code == 200
    b = Booking.objects.get()
    assert (b.channel, b.contact_name, b.resident_id) == ("enterprise", "赵经理", None)
    assert b.code in done.content.decode()
