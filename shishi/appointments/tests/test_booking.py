"""Slots and bookings: capacity from the staff on duty, the slot rules, each channel, the
eligibility answer stored and enforced, one open booking per person, reschedule, cancel and
no-show giving the place back, stale edits, reminders once each, SMS and masked audit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from shishi.appointments import booking
from shishi.appointments.models import Booking, BookingStatus, Slot, Staff
from shishi.appointments.tests.booking_setup import (
    MONDAY,
    NOW,
    Setup,
    book,
    make_setup,
    resident,
    slot,
    valid_uscc,
)
from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.demands.models import ResidentText
from shishi.jobs.worker import run_ready_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(world: World) -> Setup:
    return make_setup(world)


def _refused(call: Any, *args: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value


# --- slots -------------------------------------------------------------------------------------


def test_capacity_is_staff_times_places_the_morning_taking_the_larger_half(s: Setup) -> None:
    am, pm = booking.ensure_slots(s.home, [MONDAY])
    assert (am.period, am.capacity, pm.period, pm.capacity) == ("am", 4, "pm", 4)
    s.home.per_staff_day = 3  # 2 × 3 = 6 … and with a third member 9: 5 + 4
    s.home.save()
    Staff.objects.create(service=s.home, user=s.world.editor_a)
    am, pm = booking.ensure_slots(s.home, [MONDAY])
    assert (am.capacity, pm.capacity) == (5, 4)
    assert Slot.objects.filter(service=s.home).count() == 2  # made once


def test_capacity_follows_staff_but_never_below_what_is_booked(s: Setup) -> None:
    pm = slot(s)
    for n in range(3):
        book(s, resident(s, phone=f"1391234500{n}"), pm)
    Staff.objects.filter(service=s.home).update(is_active=False)
    am, pm = booking.ensure_slots(s.home, [MONDAY])
    assert (am.capacity, pm.capacity, pm.booked) == (0, 3, 3)


def test_slots_only_on_working_days_within_the_horizon(s: Setup) -> None:
    slots = booking.slots_for(s.home, MONDAY - dt.timedelta(days=3), 30, today=MONDAY)
    days = sorted({x.day for x in slots})
    assert days[0] == MONDAY
    assert days[-1] <= MONDAY + dt.timedelta(days=14)
    assert all(d.weekday() < 5 for d in days)
    assert len(days) == 11  # 7–11, 14–18 December and Monday the 21st


@pytest.mark.parametrize(
    ("day", "period", "message"),
    [
        (MONDAY - dt.timedelta(days=1), "pm", "这个时段已过"),
        (MONDAY + dt.timedelta(days=5), "am", "不是工作日"),  # a Saturday
        (MONDAY + dt.timedelta(days=15), "am", "只能预约14天以内"),
    ],
)
def test_a_slot_past_off_day_or_too_far_is_refused_naming_slot(
    s: Setup, day: dt.date, period: str, message: str
) -> None:
    bad = Slot.objects.create(service=s.home, day=day, period=period, capacity=4)
    error = _refused(book, s, resident(s), bad)
    assert message in error.errors["slot"]
    assert Slot.objects.get(pk=bad.pk).booked == 0


def test_this_morning_is_over_at_noon(s: Setup) -> None:
    am = slot(s, period="am")
    later = timezone.make_aware(dt.datetime(2026, 12, 7, 12, 30))
    data = booking.BookingInput(channel="operator", resident_id=resident(s).pk)
    with pytest.raises(ValidationFailed) as caught:
        booking.book(s.home, am, data, actor=s.world.operator, now=later)
    assert "已过" in caught.value.errors["slot"]


def test_a_full_slot_is_refused_naming_slot(s: Setup) -> None:
    pm = slot(s)
    for n in range(4):
        book(s, resident(s, phone=f"1391234500{n}"), pm)
    error = _refused(book, s, resident(s), pm)
    assert error.errors == {"slot": booking.FULL}
    assert Slot.objects.get(pk=pm.pk).booked == 4


# --- channels and rules ------------------------------------------------------------------------


def test_operator_books_an_eligible_resident_with_sms_and_masked_audit(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    who = resident(s)
    pm = slot(s)
    with django_capture_on_commit_callbacks(execute=True):
        made = book(s, who, pm, request="社保认证", staff_id=s.staff_a.pk)
    assert run_ready_tasks() >= 1
    made = Booking.objects.get(pk=made.pk)
    assert len(made.code) == 8 and set(made.code) <= set(booking.CODE_ALPHABET)
    assert made.status == BookingStatus.BOOKED and made.channel == "operator"
    assert made.eligibility["eligible"] is True
    assert made.eligibility["reasons"] == ["年满70周岁（1951-03-02出生）"]
    assert made.notify_phone == "13912345678" and made.staff_id == s.staff_a.pk
    assert made.address == "南岗区学府路12号" and made.booked_by_id == s.world.operator.pk
    assert Slot.objects.get(pk=pm.pk).booked == 1
    [sms] = gateway.sms
    assert sms.to == "13912345678" and made.code in sms.params["text"]
    assert "2026-12-07下午" in sms.params["text"]
    event = AuditEvent.objects.get(action="appointments.book")
    dumped = json.dumps(event.changes, ensure_ascii=False)
    assert "13912345678" not in dumped and "139****5678" in dumped


def test_ineligible_person_is_refused_naming_why_until_the_condition_is_confirmed(
    s: Setup,
) -> None:
    young = resident(s, age=60)
    pm = slot(s)
    error = _refused(book, s, young, pm)
    assert "未满70周岁" in error.errors["eligibility"]
    assert "生活不能自理" in error.errors["eligibility"]
    assert Slot.objects.get(pk=pm.pk).booked == 0
    made = book(s, young, pm, confirmed=["生活不能自理"])
    assert made.eligibility["confirmed"] == ["生活不能自理"] and made.eligibility["eligible"]


def test_the_same_person_is_not_booked_twice_while_a_booking_is_open(s: Setup) -> None:
    who = resident(s)
    first = book(s, who, slot(s))
    error = _refused(book, s, who, slot(s, MONDAY + dt.timedelta(days=1)))
    assert first.code in error.errors["resident"]
    booking.cancel(first, reason="家属已办", actor=s.world.operator, expected_version=1)
    assert book(s, who, slot(s, MONDAY + dt.timedelta(days=1))).status == "booked"


def test_family_member_and_grid_worker_book_on_the_residents_behalf(s: Setup) -> None:
    error = _refused(book, s, resident(s), slot(s), channel="family")
    assert {"proxy_name", "proxy_relation"} <= set(error.errors)
    landline_only = resident(s, phone="", landline="0451-86661234")
    made = book(
        s,
        landline_only,
        slot(s),
        channel="family",
        proxy_name="李明",
        proxy_relation="儿子",
        proxy_phone="13700001111",
    )
    assert (made.channel, made.proxy_name, made.proxy_relation) == ("family", "李明", "儿子")
    assert made.notify_phone == "13700001111"  # the son gets the SMS
    grid = book(
        s, resident(s), slot(s), channel="grid_worker", proxy_name="王网格", proxy_relation="网格员"
    )
    assert grid.channel == "grid_worker" and grid.notify_phone == "13912345678"


def test_landline_only_resident_gets_no_sms(
    s: Setup, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = book(s, resident(s, phone="", landline="0451-86661234"), slot(s))
    assert made.notify_phone == ""
    assert not ResidentText.objects.exists()


def test_enterprise_contact_books_with_a_checked_uscc(s: Setup) -> None:
    pm = slot(s, period="am", service=s.enterprise)  # 1 staff × 3: 2 + 1
    data = booking.BookingInput(
        channel="enterprise",
        enterprise_name="哈尔滨某某科技有限公司",
        enterprise_uscc="91230103MA1B2C3D4X",
        contact_name="赵经理",
        notify_phone="13600002222",
        address="哈尔滨科技创新城3号楼",
    )
    with pytest.raises(ValidationFailed) as caught:
        booking.book(s.enterprise, pm, data, actor=s.world.operator, now=NOW)
    assert "enterprise_uscc" in caught.value.errors
    data.enterprise_uscc = valid_uscc().lower()
    with pytest.raises(ValidationFailed) as caught:  # the building not yet confirmed
        booking.book(s.enterprise, pm, data, actor=s.world.operator, now=NOW)
    assert "未确认" in caught.value.errors["eligibility"]
    data.confirmed = ["企业位于：哈尔滨科技创新城、南岗区数字经济产业园"]
    made = booking.book(s.enterprise, pm, data, actor=s.world.operator, now=NOW)
    assert made.resident_id is None and made.enterprise_uscc == valid_uscc()
    assert made.notify_phone == "13600002222"
    # … and from the public site, without a login, the same rules
    data.enterprise_uscc = valid_uscc("91230103MA1B2C3D5")
    public = booking.book(s.enterprise, pm, data, actor=None, now=NOW)
    assert public.booked_by_id is None


def test_outsiders_and_anonymous_operator_channel_are_refused(s: Setup) -> None:
    pm = slot(s)
    data = booking.BookingInput(channel="operator", resident_id=resident(s).pk)
    for actor in (s.world.outsider, s.world.editor_a):
        with pytest.raises(PermissionDenied):
            booking.book(s.home, pm, data, actor=actor, now=NOW)
    with pytest.raises(PermissionDenied):
        booking.book(s.home, pm, data, actor=None, now=NOW)


def test_another_districts_resident_is_not_found(s: Setup, world: World) -> None:
    who = resident(s)
    who.jurisdiction = world.hulan
    who.save()
    error = _refused(book, s, who, slot(s))
    assert "resident" in error.errors


# --- changes -----------------------------------------------------------------------------------


def test_reschedule_cancel_and_no_show_give_the_place_back(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    monday, tuesday = slot(s), slot(s, MONDAY + dt.timedelta(days=1), "am")
    made = book(s, resident(s), monday)
    with django_capture_on_commit_callbacks(execute=True):
        moved = booking.reschedule(
            made, tuesday, actor=s.world.operator, expected_version=1, now=NOW
        )
    assert moved.slot_id == tuesday.pk and moved.version == 2
    assert Slot.objects.get(pk=monday.pk).booked == 0
    assert Slot.objects.get(pk=tuesday.pk).booked == 1
    run_ready_tasks()
    assert "已改到2026-12-08上午" in gateway.sms[-1].params["text"]
    assert ResidentText.objects.filter(purpose="booking_change").count() == 1
    cancelled = booking.cancel(moved, reason="已自行办理", actor=s.staff_a, expected_version=2)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "已自行办理"
    assert Slot.objects.get(pk=tuesday.pk).booked == 0
    other = book(s, resident(s, phone="13912340000"), monday)
    booking.mark_no_show(other, actor=s.staff_b, expected_version=1, reason="家中无人", now=NOW)
    assert Slot.objects.get(pk=monday.pk).booked == 0
    assert Booking.objects.get(pk=other.pk).status == "no_show"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"appointments.reschedule", "appointments.cancel_booking"} <= actions
    assert "appointments.mark_no_show" in actions


def test_no_show_before_the_day_and_changes_to_a_closed_booking_are_refused(s: Setup) -> None:
    made = book(s, resident(s), slot(s, MONDAY + dt.timedelta(days=2)))
    error = _refused(booking.mark_no_show, made, actor=s.staff_a, expected_version=1, now=NOW)
    assert "还没到" in error.errors["status"]
    booking.cancel(made, reason="不需要了", actor=s.world.operator, expected_version=1)
    error = _refused(
        booking.cancel, made, reason="再取消", actor=s.world.operator, expected_version=None
    )
    assert "status" in error.errors


def test_a_stale_edit_is_refused(s: Setup) -> None:
    made = book(s, resident(s), slot(s))
    booking.assign_staff(made, staff_id=s.staff_a.pk, actor=s.world.operator, expected_version=1)
    with pytest.raises(StaleEdit):
        booking.cancel(made, reason="改主意", actor=s.world.operator, expected_version=1)
    assert Booking.objects.get(pk=made.pk).status == "booked"


def test_assign_only_the_services_staff_and_only_by_those_who_may(s: Setup) -> None:
    made = book(s, resident(s), slot(s))
    error = _refused(
        booking.assign_staff,
        made,
        staff_id=s.world.editor_a.pk,
        actor=s.world.operator,
        expected_version=1,
    )
    assert "staff" in error.errors
    with pytest.raises(PermissionDenied):
        booking.assign_staff(
            made, staff_id=s.staff_a.pk, actor=s.world.editor_a, expected_version=1
        )
    done = booking.assign_staff(made, staff_id=s.staff_b.pk, actor=s.staff_a, expected_version=1)
    assert done.staff_id == s.staff_b.pk


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_the_day_before_once_each(
    s: Setup, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    tuesday = MONDAY + dt.timedelta(days=1)
    due = book(s, resident(s), slot(s, tuesday, "am"))
    book(s, resident(s, phone="13912340001"), slot(s, MONDAY + dt.timedelta(days=2)))
    book(s, resident(s, phone="", landline="0451-86661234"), slot(s, tuesday, "pm"))
    cancelled = book(s, resident(s, phone="13912340002"), slot(s, tuesday))
    booking.cancel(cancelled, reason="不需要了", actor=s.world.operator, expected_version=1)
    evening = timezone.make_aware(dt.datetime(2026, 12, 7, 17, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert booking.remind_next_day(now=evening) == 1
        assert booking.remind_next_day(now=evening) == 0
    run_ready_tasks()
    reminders = [x for x in gateway.sms if "提醒" in x.params["text"]]
    assert len(reminders) == 1 and due.code in reminders[0].params["text"]
    assert Booking.objects.get(pk=due.pk).reminded_at == evening


def test_friday_reminds_mondays_bookings(s: Setup) -> None:
    next_monday = MONDAY + dt.timedelta(days=7)
    due = book(s, resident(s), slot(s, next_monday, "am"))
    friday = timezone.make_aware(dt.datetime(2026, 12, 11, 17, 0))
    assert booking.remind_next_day(now=friday) == 1
    assert Booking.objects.get(pk=due.pk).reminded_at is not None


# --- demo --------------------------------------------------------------------------------------


def test_demo_bookings_in_every_state_seeded_once(world: World) -> None:
    from shishi.appointments.demo import seed_services
    from shishi.appointments.demo_booking import seed_bookings

    seed_services({"230103": world.nangang})
    first = seed_bookings({"230103": world.nangang})
    assert first == 10
    assert seed_bookings({"230103": world.nangang}) == first
    states = set(Booking.objects.values_list("status", flat=True))
    assert states == {"booked", "done", "no_show", "cancelled"}
    channels = set(Booking.objects.values_list("channel", flat=True))
    assert {"operator", "family", "grid_worker", "enterprise"} <= channels
    for b in Booking.objects.select_related("resident").exclude(resident=None):
        assert b.resident.name.startswith("（演示）")  # type: ignore[union-attr]
    assert all(s.booked <= s.capacity for s in Slot.objects.all())
