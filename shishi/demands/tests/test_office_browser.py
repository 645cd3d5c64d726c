"""The office's pages in a real browser: it imports a 12345 sheet through the wizard, makes
an Open311 key and stops it, and reads the residents' texts; at 1366×768 and 390×844.
Screenshots land in /tmp/ui-office-*.png for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.demands import services
from shishi.demands.models import Demand, Open311Key
from shishi.demands.tests.conftest import Dm
from shishi.demands.tests.test_office_pages import GOOD_ROWS, _sheet
from shishi.jobs.worker import run_ready_tasks
from shishi.notify.fakes import FakeGateway

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def test_office_imports_tickets_manages_keys_and_reads_texts(
    browser: Any,
    live_server: Any,
    world: World,
    dm: Dm,
    gateway: FakeGateway,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    base = live_server.url
    sheet = tmp_path / "tickets.xlsx"
    sheet.write_bytes(_sheet(GOOD_ROWS).getvalue())
    gateway.templates = {"SMS_DEMAND_CODE"}  # the first taken-in text fails
    services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind="help",
            category_id=dm.road.pk,
            description="红旗大街路面塌陷，车辆无法通行",
            channel="phone",
            phone="13912345678",
        ),
        actor=world.operator,
    )
    run_ready_tasks()
    gateway.templates = {"SMS_DEMAND_CODE", "SMS_DEMAND_TAKEN_IN"}

    desk = browser.new_context(viewport=SIZES["desk"], locale="zh-CN")
    page = desk.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, base, "office")
    page.goto(f"{base}/demands/")
    page.click("#hotline-link")
    page.set_input_files("input[name=file]", str(sheet))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#preview-rows")
    assert "138****5678" in page.content() and "13812345678" not in page.content()
    page.screenshot(path=str(SHOTS / "ui-office-hotline-preview-desk.png"), full_page=True)
    page.click("#confirm-import button[type=submit]")
    page.wait_for_selector("text=导入完成")
    page.screenshot(path=str(SHOTS / "ui-office-hotline-desk.png"), full_page=True)
    assert Demand.objects.filter(hotline_number__startswith="HL").count() == 3

    page.goto(f"{base}/demands/")
    page.click("#open311-keys-link")
    page.fill("input[name=name]", "城市管家App")
    page.click("button:has-text('创建密钥')")
    page.wait_for_selector("#new-key-value")
    page.screenshot(path=str(SHOTS / "ui-office-keys-desk.png"), full_page=True)
    page.goto(f"{base}/demands/office/open311-keys/")
    page.click("#keys button:has-text('停用')")
    page.wait_for_selector("text=已停用密钥")
    assert not Open311Key.objects.get().is_active

    page.goto(f"{base}/demands/")
    page.click("#texts-link")
    page.wait_for_selector("#texts")
    assert "13912345678" not in page.content()
    page.screenshot(path=str(SHOTS / "ui-office-texts-desk.png"), full_page=True)
    page.click("#texts button:has-text('重发')")
    page.wait_for_selector("text=已重新排队发送")
    desk.close()

    phone = browser.new_context(viewport=SIZES["phone"], locale="zh-CN")
    small = phone.new_page()
    browser_login(small, base, "office")
    for name, path in (
        ("hotline", "/demands/office/hotline/"),
        ("keys", "/demands/office/open311-keys/"),
        ("texts", "/demands/office/texts/"),
    ):
        small.goto(f"{base}{path}")
        width = small.evaluate("document.documentElement.scrollWidth")
        small.screenshot(path=str(SHOTS / f"ui-office-{name}-phone.png"), full_page=True)
        assert width <= 390, (name, width)
    phone.close()
