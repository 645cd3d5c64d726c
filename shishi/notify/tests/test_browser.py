"""A message appears under the bell and is marked read, in a real browser."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.notify.models import Message
from shishi.notify.services import notify

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_message_appears_under_the_bell_and_is_marked_read(
    browser: Any, live_server: Any, world: World
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    browser_login(page, base, "editor_a")
    assert page.locator("#bell .bell-count").count() == 0
    notify(
        [world.unit_a],
        "progress.rejected",
        {"number": "1-1", "name": "抢修一曼街", "comment": "请补充现场照片"},
        link="/ledger/mine/",
    )
    # the bell refreshes itself when the window gets focus (and every minute)
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    page.wait_for_selector("#bell .bell-count")
    assert page.locator("#bell .bell-count").inner_text() == "1"
    page.click("#bell")
    page.wait_for_url("**/notify/")
    row = page.locator(".inbox-list li.unread")
    assert row.count() == 1 and "请补充现场照片" in row.inner_text()
    page.screenshot(path=str(SHOTS / "ui-notify-inbox.png"))
    row.locator("button:has-text('标为已读')").click()
    page.wait_for_selector(".inbox-list li.unread", state="detached")
    assert Message.objects.get().read_at is not None
    page.reload()
    assert page.locator("#bell .bell-count").count() == 0
    context.close()
