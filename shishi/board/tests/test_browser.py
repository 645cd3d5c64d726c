"""The battle board in a real browser: the charts are drawn and the counts are the ledger's.

Runs headless Chromium (Debian's /usr/bin/chromium) through Playwright against the live
server. Screenshots land in /tmp/ui-board-*.png for a person to look at.
"""

from __future__ import annotations

import base64
import os
import re
from typing import Any

import pytest
from django.utils import timezone

from shishi.board import services
from shishi.board.tests.conftest import D, many_items, post
from shishi.conftest import SHOTS, World, browser_login
from shishi.ledger.selectors import programme_items

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS_DRAWN = """() => {
  const els = Array.from(document.querySelectorAll('[data-chart]'));
  if (!window.echarts || !els.length) return false;
  return els.every(el => {
    const chart = window.echarts.getInstanceByDom(el);
    const canvas = el.querySelector('canvas');
    return chart && canvas && canvas.width > 0 && (chart.getOption().series || []).length > 0;
  });
}"""
CHART_SERIES = """() => Object.fromEntries(
  Array.from(document.querySelectorAll('[data-chart]')).map(el => [
    el.dataset.chart, window.echarts.getInstanceByDom(el).getOption().series.map(s => s.type)
  ])
)"""


def _kpi(page: Any, label: str) -> int:
    text = page.locator(f".kpi:has(.kpi-label:text-is('{label}')) .kpi-num").inner_text()
    return int(text)


def test_board_draws_its_charts_and_counts_the_ledgers_items(
    browser: Any, live_server: Any, world: World
) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 6, 10), 40)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 30)
    services.backfill_snapshots(world.programme.pk, today=timezone.localdate())
    ledger_count = programme_items(world.office, world.programme).count()
    base = live_server.url
    pk = world.programme.pk
    errors: list[str] = []

    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = desk.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, base, "office")
    page.goto(f"{base}/board/")
    page.wait_for_url(f"**/board/programme/{pk}/")
    page.wait_for_function(CHARTS_DRAWN)
    series = page.evaluate(CHART_SERIES)
    assert series == {
        "status": ["pie"],
        "category": ["bar", "bar", "bar"],
        "trend": ["line", "line", "bar", "bar"],
        "gantt": ["custom", "scatter"],
    }
    assert _kpi(page, "实事总数") == ledger_count == 32
    lights = [int(t) for t in page.locator(".lights .light-num").all_inner_texts()]
    assert sum(lights) == ledger_count
    page.screenshot(path=str(SHOTS / "ui-board.png"))

    # The ledger says the same: its list counts the programme's items.
    page.goto(f"{base}/ledger/?programme={pk}")
    assert page.locator(".result-count").inner_text().startswith(f"共 {ledger_count} 项")

    # A bar of the chart opens the items behind it; the count there is the figure's.
    page.goto(f"{base}/board/programme/{pk}/?as_of=2021-06-20")
    page.wait_for_function(CHARTS_DRAWN)
    red = _kpi_link(page, ".lights .light-red .light-num")
    page.click(".lights .light-red a.fig")
    page.wait_for_url("**/items/?*light=red*")
    assert int(page.locator(".result-count").get_attribute("data-total") or -1) == red
    desk.close()

    # The wall screen rotates its panels and draws every chart.
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = wall.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, base, "office")
    page.goto(f"{base}/board/programme/{pk}/wall/?as_of=2021-06-20")
    page.wait_for_function(CHARTS_DRAWN)
    assert int(page.locator(".wk:first-child .wk-num").inner_text()) == ledger_count
    page.evaluate("window.shishiBoard.wall.show(5)")
    page.wait_for_timeout(800)
    assert page.locator(".wall-panel.is-on").get_attribute("data-panel") == "5"
    page.screenshot(path=str(SHOTS / "ui-board-wall.png"))
    page.evaluate("window.shishiBoard.wall.reload()")  # the five-minute refresh, now
    page.wait_for_function(CHARTS_DRAWN)
    assert page.locator(".wall-panel.is-on").get_attribute("data-panel") == "5"
    assert page.locator("[data-refresh-state]").inner_text() == ""
    wall.close()

    # The print sheet assembles one PNG of the page.
    sheet = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = sheet.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, base, "office")
    page.goto(f"{base}/board/programme/{pk}/print/?as_of=2021-06-20")
    page.wait_for_function(CHARTS_DRAWN)
    url = page.evaluate("window.shishiBoard.png()")
    png = base64.b64decode(url.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    (SHOTS / "ui-board-print.png").write_bytes(png)
    sheet.close()
    assert errors == []


def _kpi_link(page: Any, selector: str) -> int:
    text = page.locator(selector).inner_text()
    assert re.fullmatch(r"\d+", text)
    return int(text)


def test_unit_board_on_a_phone(browser: Any, live_server: Any, world: World) -> None:
    post(world.item_a, D(2021, 6, 10), 40)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    browser_login(page, live_server.url, "editor_a")
    page.goto(f"{live_server.url}/board/")
    page.wait_for_function(CHARTS_DRAWN)
    assert _kpi(page, "实事总数") == 1  # unit A leads one item
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing spills sideways
    page.screenshot(path=str(SHOTS / "ui-board-phone.png"), full_page=True)
    phone.close()
