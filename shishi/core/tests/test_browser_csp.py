"""The strict Content-Security-Policy in a real browser: the board's charts (with their
tooltips), the ledger's htmx search and the portal draw without a single violation.

Runs headless Chromium (Debian's /usr/bin/chromium) through Playwright against the live
server.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.utils import timezone

from shishi.board import services as board_services
from shishi.board.tests.conftest import D, many_items, post
from shishi.board.tests.test_browser import CHARTS_DRAWN
from shishi.conftest import World, browser_login
from shishi.ledger import services as ledger_services

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Reports every violation, also those the console does not show (a blocked style attribute).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || ''));
});
"""


def _watch(page: Any, problems: list[str]) -> None:
    page.add_init_script(WATCH)
    page.on("pageerror", lambda exc: problems.append(f"error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )


def _violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__csp || []"))


# ECharts' tooltip: a div of the chart's own, shown with text in it.
TOOLTIP_SHOWN = """(el) => Array.from(el.querySelectorAll('div')).some(
  (d) => d.style.zIndex === '9999999' && d.style.display !== 'none' && d.textContent.trim())"""


def _hover_charts(page: Any) -> int:
    """Move the mouse over each chart; how many charts showed a tooltip."""
    shown = 0
    for chart in page.locator("[data-chart]").all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        if not box or box["width"] == 0:
            continue
        for fx, fy in ((0.5, 0.5), (0.3, 0.4), (0.7, 0.6), (0.5, 0.8)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(200)
            if chart.evaluate(TOOLTIP_SHOWN):
                shown += 1
                break
    return shown


def test_board_ledger_and_portal_run_under_the_strict_policy(
    browser: Any, live_server: Any, world: World
) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 6, 10), 40)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 12)
    board_services.backfill_snapshots(world.programme.pk, today=timezone.localdate())
    ledger_services.set_item_publication(world.item_a, actor=world.office, public=True)
    base = live_server.url
    pk = world.programme.pk
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    _watch(page, problems)

    browser_login(page, base, "office")
    page.goto(f"{base}/board/programme/{pk}/?as_of=2021-06-20")
    page.wait_for_function(CHARTS_DRAWN)
    assert _hover_charts(page) >= 3  # the tooltips' markup is checked too
    assert _violations(page) == []
    assert page.locator(".rvp-bar > span[class^='pw-']").count() > 0

    page.goto(f"{base}/board/programme/{pk}/wall/?as_of=2021-06-20")
    page.wait_for_function(CHARTS_DRAWN)
    _hover_charts(page)
    assert _violations(page) == []

    page.goto(f"{base}/ledger/?programme={pk}")
    page.fill("input[name=q]", "抢修")
    page.wait_for_function(
        "() => document.querySelectorAll('#ledger-results tbody tr').length === 1"
    )
    assert _violations(page) == []
    page.goto(f"{base}/ledger/items/{world.item_a.pk}/")
    for summary in page.locator("main details > summary").all()[:3]:  # htmx fetches forms
        summary.click()
        page.wait_for_load_state("networkidle")
    assert _violations(page) == []

    page.goto(f"{base}/public/")
    page.click("a[href*='/public/230103/2021/']")
    page.fill("input[name=q]", "一曼街")
    page.wait_for_function("() => location.search.includes('q=')")
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    assert problems == []
    context.close()
