"""The staff member records a home visit on a phone-sized screen, in a real browser: opens
their bookings, opens today's, reveals the number, records the visit with a photo and sees
it done. Screenshots of ``mine``, ``visit`` and the office's ``service`` page at 390×844 and
1366×768 land in $SHISHI_SCREENSHOTS (/tmp) as ui-appointments-*.png."""

# ruff: noqa: F811  (the shared fixture `visits` is imported, then asked for by name)
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from shishi.appointments.models import BookingStatus, Visit
from shishi.appointments.tests.visit_fixtures import Visits, tiny_png, visits  # noqa: F401
from shishi.conftest import SHOTS, browser_login
from shishi.core.models import AuditEvent

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def test_staff_records_a_visit_on_a_phone(
    browser: Any, live_server: Any, visits: Visits, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    v = visits
    base = live_server.url
    photo = tmp_path / "到访.png"
    photo.write_bytes(tiny_png())

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    browser_login(page, base, "staffer")
    page.goto(f"{base}/appointments/mine/")
    assert "今天" in page.content()
    assert "139****5678" in page.inner_text(f"#booking-{v.booking.pk}")
    page.screenshot(path=str(SHOTS / "ui-appointments-mine-phone.png"), full_page=True)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.click(f"#booking-{v.booking.pk} a.ap-booking-link")
    page.wait_for_url(f"**/appointments/visits/{v.booking.pk}/")
    page.click("#phone a:has-text('显示号码')")
    page.wait_for_selector("a[href='tel:13912345678']")
    assert AuditEvent.objects.filter(action="pii.show").count() == 1
    page.click("label.choice:has-text('已办结')")
    page.check(f"input[name=matters][value='{v.matters[0].pk}']")
    page.fill("textarea[name=notes]", "已办理社保资格认证")
    page.set_input_files("input[name=photos]", str(photo))
    page.fill("input[name=confirmed_by]", "张桂兰")
    page.click("label.choice:has-text('基本满意')")
    page.screenshot(path=str(SHOTS / "ui-appointments-visit-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("button:has-text('完成服务并保存')")
    page.wait_for_selector("#record")
    assert page.inner_text("#booking-status") == "已服务"
    assert "服务已记录" in page.content()
    page.goto(f"{base}/appointments/mine/")
    assert "已服务" in page.inner_text(f"#booking-{v.booking.pk}")
    phone.close()

    v.booking.refresh_from_db()
    assert v.booking.status == BookingStatus.DONE
    visit = Visit.objects.get(booking=v.booking)
    assert visit.satisfaction == "basic" and visit.photos.count() == 1
    assert [m.name for m in visit.matters.all()] == ["社保认证"]

    # The same pages on the office screen, and the office's service page at both sizes.
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "staffer")
    page.goto(f"{base}/appointments/mine/")
    page.screenshot(path=str(SHOTS / "ui-appointments-mine-desk.png"), full_page=True)
    page.goto(f"{base}/appointments/visits/{v.booking.pk}/")
    page.screenshot(path=str(SHOTS / "ui-appointments-visit-desk.png"), full_page=True)
    desk.close()
    for name, size in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=size, locale="zh-CN")
        page = context.new_page()
        browser_login(page, base, "office")
        page.goto(f"{base}/appointments/services/{v.home.pk}/")
        assert "服务条件" in page.content()
        page.screenshot(path=str(SHOTS / f"ui-appointments-service-{name}.png"), full_page=True)
        if name == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        context.close()
