"""A unit asks for a later deadline and the office approves it, in a real browser.

Headless Chromium through Playwright against the live server (see test_browser.py).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.ledger.models import ChangeRequest, Item

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}


def test_unit_files_deadline_change_and_office_approves(
    browser: Any, live_server: Any, world: World
) -> None:
    base = live_server.url
    item_url = f"{base}/ledger/items/{world.item_a.pk}/"

    # --- the lead unit's editor asks for a later deadline ---------------------------------
    unit = browser.new_context(viewport=DESK, locale="zh-CN")
    page = unit.new_page()
    browser_login(page, base, "editor_a")
    page.goto(item_url)
    assert page.locator("a.btn:has-text('编辑')").count() == 0
    page.click("a.btn:has-text('申请调整')")
    page.wait_for_url("**/change-request/")
    assert page.input_value("input[name=deadline_text]") == "2021年12月底前"
    page.fill("input[name=deadline_text]", "2022年6月底前")
    page.fill("textarea[name=reason]", "冬季无法施工，需顺延至次年汛期前")
    page.click("button:has-text('提交申请')")
    page.wait_for_url(item_url)
    card = page.locator(".change-request")
    assert "待审批" in card.inner_text() and "2022年6月底前" in card.inner_text()
    page.screenshot(path=str(SHOTS / "ui-change-request-filed.png"), full_page=True)
    unit.close()
    assert ChangeRequest.objects.get().changes == {"deadline_text": "2022年6月底前"}

    # --- the office finds it in its queue and approves ------------------------------------
    office = browser.new_context(viewport=DESK, locale="zh-CN")
    page = office.new_page()
    browser_login(page, base, "office")
    page.click("nav a:has-text('调整申请')")
    page.wait_for_url("**/ledger/change-requests/")
    assert "冬季无法施工" in page.content()
    page.screenshot(path=str(SHOTS / "ui-change-queue.png"), full_page=True)
    page.fill("input[aria-label='批准意见']", "同意顺延")
    page.click("button:has-text('批准')")
    page.wait_for_load_state("networkidle")
    assert "已批准调整申请" in page.content()

    page.goto(item_url)
    facts = page.locator(".facts").inner_text()
    assert "2022年6月底前" in facts
    assert "时限已调整" in facts and "2021年12月底前" in facts
    page.screenshot(path=str(SHOTS / "ui-change-approved.png"), full_page=True)
    office.close()
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.deadline_text == "2022年6月底前"
    assert item.original_deadline_text == "2021年12月底前"
