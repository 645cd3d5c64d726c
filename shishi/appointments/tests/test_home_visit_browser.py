"""The issue's browser test end to end: the operator books a home visit by phone for an
eligible resident (search by mobile, the answer, a slot, the staff member assigned), and the
staff member assigned records it on a phone-sized screen; the booking is then done, the
visit kept, and the resident texted once at booking."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.appointments.models import Booking, BookingStatus, Matter, Visit
from shishi.appointments.tests.booking_setup import make_setup, resident
from shishi.conftest import SHOTS, World, browser_login
from shishi.demands.models import ResidentText

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def test_operator_books_and_the_staff_member_records_on_a_phone(
    browser: Any, live_server: Any, world: World
) -> None:
    s = make_setup(world)
    Matter.objects.create(jurisdiction=world.nangang, name="社保认证", order=1)
    who = resident(s, phone="13912345678", name="张桂兰")
    base = live_server.url

    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "operator")
    page.goto(f"{base}/appointments/book/?district=230103&service=home-visit")
    page.fill("#id_q", "13912345678")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results table")
    page.click("#results a:has-text('选择')")
    page.wait_for_selector("#book-form")
    assert "年满70周岁" in page.inner_text("#verdict")
    page.click("#slot-grid label.slot:not(.slot-full) >> nth=0")
    page.select_option("#book-form select[name=staff]", str(s.staff_a.pk))
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("#booking-code")
    booking = Booking.objects.get(code=page.inner_text("#booking-code"))
    assert booking.resident_id == who.pk and booking.staff_id == s.staff_a.pk
    assert ResidentText.objects.filter(purpose="booking").count() == 1
    desk.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    browser_login(page, base, s.staff_a.username, "x-Test-1234567")
    page.goto(f"{base}/appointments/mine/")
    assert "张桂兰" in page.inner_text(f"#booking-{booking.pk}")
    page.click(f"#booking-{booking.pk} a.ap-booking-link")
    page.wait_for_url(f"**/appointments/visits/{booking.pk}/")
    page.click("label.choice:has-text('已办结')")
    page.check("input[name=matters] >> nth=0")
    page.fill("input[name=confirmed_by]", "张桂兰")
    page.click("label.choice:has-text('满意') >> nth=0")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("button:has-text('完成服务并保存')")
    page.wait_for_selector("#record")
    assert page.inner_text("#booking-status") == "已服务"
    page.screenshot(path=str(SHOTS / "ui-home-visit-recorded-phone.png"), full_page=True)
    phone.close()

    booking.refresh_from_db()
    assert booking.status == BookingStatus.DONE
    visit = Visit.objects.get(booking=booking)
    assert visit.recorded_by_id == s.staff_a.pk and visit.confirmed_by == "张桂兰"
    assert [m.name for m in visit.matters.all()] == ["社保认证"]
