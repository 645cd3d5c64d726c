"""The office adds an indicator in the browser; the board's panel loads its values (htmx)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.ledger.models import Target

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_adds_an_indicator_and_the_board_shows_it(
    browser: Any, live_server: Any, world: World
) -> None:
    Target.objects.filter(item=world.item_a).update(name="课桌椅", actual=12)
    base = live_server.url
    page = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    browser_login(page, base, "office")
    page.goto(f"{base}/reports/indicators/?programme={world.programme.pk}")
    page.click("a:has-text('添加指标')")
    page.fill("#id_name", "课桌椅发放")
    page.fill("#id_unit", "套")
    page.fill("#id_target_value", "48")
    page.fill("#id_target_pattern", "课桌椅")
    page.screenshot(path=str(SHOTS / "ui-indicator-form.png"), full_page=True)
    page.click("button:has-text('保存')")
    page.wait_for_url("**/reports/indicators/?programme=*")
    assert "课桌椅发放" in page.content()
    page.goto(f"{base}/board/programme/{world.programme.pk}/")
    panel = page.locator("[data-panel=indicators]")
    panel.locator("table[data-indicators]").wait_for()
    text = panel.inner_text()
    assert "课桌椅发放" in text and "12" in text and "25%" in text  # 12 of 48
    panel.screenshot(path=str(SHOTS / "ui-board-indicators.png"))
