"""The operator books a home visit by phone for an eligible resident, in a real browser:
search by phone, the person chosen (ID's last four and age), the answer, a slot from the
grid, confirm, the booking page; then a resident books on the public form on a phone-sized
screen. Screenshots in $SHISHI_SCREENSHOTS (default /tmp): ui-booking-*.png."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.appointments.models import Booking
from shishi.appointments.tests.booking_setup import make_setup, resident
from shishi.conftest import SHOTS, World, browser_login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def test_operator_books_a_home_visit_by_phone(browser: Any, live_server: Any, world: World) -> None:
    s = make_setup(world)
    who = resident(s, phone="13912345678", name="张桂兰")
    base = live_server.url
    for name, viewport in (("desk", DESK), ("phone", PHONE)):
        ctx = browser.new_context(viewport=viewport, locale="zh-CN")
        page = ctx.new_page()
        browser_login(page, base, "operator")
        page.goto(f"{base}/appointments/book/?district=230103&service=home-visit")
        page.fill("#id_q", "13912345678")
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#results table")
        assert who.id_number.reveal()[-4:] in page.inner_text("#results")
        page.screenshot(path=str(SHOTS / f"ui-booking-search-{name}.png"), full_page=True)
        page.click("#results a:has-text('选择')")
        page.wait_for_selector("#book-form")
        assert "年满70周岁" in page.inner_text("#verdict")
        page.click("#slot-grid label.slot:not(.slot-full) >> nth=0")
        page.screenshot(path=str(SHOTS / f"ui-booking-book-{name}.png"), full_page=True)
        if name == "desk":
            page.click("#book-form button[type=submit]")
            page.wait_for_selector("#booking-code")
            code = page.inner_text("#booking-code")
            assert Booking.objects.get(code=code).resident_id == who.pk
            page.screenshot(path=str(SHOTS / "ui-booking-detail-desk.png"), full_page=True)
        ctx.close()
    for name, viewport in (("desk", DESK), ("phone", PHONE)):
        ctx = browser.new_context(viewport=viewport, locale="zh-CN")
        page = ctx.new_page()
        page.goto(f"{base}/public/appointments/230103/home-visit/")
        page.fill("#id_name", "网上居民")
        assert page.is_visible("#slot-grid")
        page.screenshot(path=str(SHOTS / f"ui-booking-public-{name}.png"), full_page=True)
        ctx.close()
