"""Layout in a real browser: the phone menu is one button whose links never break inside a
word, and the wall screen's panels neither overlap nor leave the screen at 1366×768 and
1920×1080.

Headless Chromium through Playwright against the live server; screenshots land in
``SHISHI_SCREENSHOTS`` (/tmp) as ui-layout-*.png for a person to look at.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.board.tests.conftest import D, many_items, post
from shishi.conftest import SHOTS, World, browser_login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OFFICE_MENU = [
    "台账",
    "我的事项",
    "挂图作战",
    "报送",
    "督导",
    "诉求",
    "预约服务",
    "惠企服务",
    "学习教育",
    "导入台账",
    "待审核",
    "调整申请",
    "公开管理",
    "后台任务",
    "工作日历",
]

# Each visible menu link: its box, its line height, and the width its text needs on one line.
MENU_LINKS = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter(a => a.checkVisibility({visibilityProperty: true}))
  .map(a => {
    const box = a.getBoundingClientRect();
    const style = getComputedStyle(a);
    const range = document.createRange();
    range.selectNodeContents(a);
    const lines = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    const probe = document.createElement('span');
    probe.textContent = a.textContent.trim();
    probe.style.cssText =
      'position:absolute;visibility:hidden;white-space:nowrap;font:' + style.font;
    document.body.appendChild(probe);
    const natural = probe.getBoundingClientRect().width;
    probe.remove();
    return {
      text: a.textContent.trim(), width: box.width, height: box.height, lines: lines.size,
      natural: natural, lineHeight: parseFloat(style.lineHeight),
      padding: parseFloat(style.paddingTop) + parseFloat(style.paddingBottom),
      padX: parseFloat(style.paddingLeft) + parseFloat(style.paddingRight),
      right: box.right,
    };
  })"""

# The wall's regions in view: the head, each KPI box, the shown panel's parts, the foot.
WALL_BOXES = """() => {
  const pick = [];
  const add = (el, name) => {
    const b = el.getBoundingClientRect();
    if (b.width && b.height) pick.push({name, x: b.left, y: b.top, r: b.right, b: b.bottom});
  };
  add(document.querySelector('.wall-head'), 'head');
  document.querySelectorAll('.wall-kpis .wk').forEach((el, i) => add(el, 'kpi' + i));
  const panel = document.querySelector('.wall-panel.is-on');
  add(panel.querySelector('h2'), 'panel-title');
  const body = panel.querySelector('.wall-split') || panel.querySelector('.chart, .table-wrap');
  add(body, 'panel-body');
  document.querySelectorAll('.wall-panel.is-on .wl').forEach((el, i) => add(el, 'light' + i));
  const flags = panel.querySelector('.wall-flags'); if (flags) add(flags, 'flags');
  add(document.querySelector('.wall-foot'), 'foot');
  const stage = document.querySelector('.wall-stage').getBoundingClientRect();
  const inner = Array.from(panel.querySelectorAll('*')).map(el => el.getBoundingClientRect())
    .filter(b => b.width && b.height);
  return {
    boxes: pick,
    stage: {x: stage.left, y: stage.top, r: stage.right, b: stage.bottom},
    overflow: inner.some(b => b.bottom > stage.bottom + 1 || b.right > stage.right + 1),
    scrollWidth: document.documentElement.scrollWidth,
    scrollHeight: document.documentElement.scrollHeight,
  };
}"""


def _overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    across = a["x"] < b["r"] - 1 and b["x"] < a["r"] - 1
    return across and a["y"] < b["b"] - 1 and b["y"] < a["b"] - 1


@pytest.mark.parametrize("username", ["office", "editor_a"])
def test_phone_menu_is_one_button_and_no_word_breaks(
    browser: Any, live_server: Any, world: World, username: str
) -> None:
    base = live_server.url
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    browser_login(page, base, username)
    for path in ("/ledger/", "/ledger/mine/", f"/ledger/items/{world.item_a.pk}/", "/board/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        # Closed: the bar's own links are hidden, one menu button shows.
        assert page.locator(".mainnav").is_hidden()
        button = page.locator("summary.menu-button")
        assert button.count() == 1 and button.is_visible()
        assert page.evaluate(MENU_LINKS, ".navmenu-panel a") == []
        box = button.bounding_box()
        assert box is not None and box["height"] < 48  # one line, not a wrapped word
        # Open: every link on a line of its own, its words whole.
        button.click()
        links = page.evaluate(MENU_LINKS, ".navmenu-panel a")
        names = [link["text"] for link in links]
        assert names[:2] == ["台账", "我的事项"]
        if username == "office":
            assert names == OFFICE_MENU
        for link in links:
            assert link["lines"] == 1, link
            assert link["height"] <= link["lineHeight"] + link["padding"] + 2, link
            assert link["width"] >= link["natural"] + link["padX"] - 1, link
            assert link["right"] <= PHONE["width"], link
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        if path == "/ledger/":
            page.screenshot(path=str(SHOTS / f"ui-layout-phone-menu-{username}.png"))
        button.click()
        assert page.evaluate(MENU_LINKS, ".navmenu-panel a") == []
    phone.close()


def test_desk_menu_shows_its_links_in_the_bar_without_a_button(
    browser: Any, live_server: Any, world: World
) -> None:
    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, live_server.url, "office")
    page.goto(f"{live_server.url}/ledger/")
    assert page.locator("summary.menu-button").is_hidden()
    links = page.evaluate(MENU_LINKS, ".mainnav a")
    assert [link["text"] for link in links] == OFFICE_MENU
    assert all(link["lines"] == 1 for link in links)
    desk.close()


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_wall_panels_do_not_overlap_and_stay_on_screen(
    browser: Any, live_server: Any, world: World, size: tuple[int, int]
) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 6, 10), 40)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 30)
    width, height = size
    wall = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = wall.new_page()
    browser_login(page, live_server.url, "office")
    page.goto(f"{live_server.url}/board/programme/{world.programme.pk}/wall/")
    page.wait_for_function("() => window.shishiBoard && window.shishiBoard.wall")
    for panel in range(6):
        page.evaluate(f"window.shishiBoard.wall.show({panel})")
        page.wait_for_timeout(800)  # the fade between panels
        found = page.evaluate(WALL_BOXES)
        assert found["scrollWidth"] <= width and found["scrollHeight"] <= height
        assert not found["overflow"], f"panel {panel} spills out of its stage"
        boxes = found["boxes"]
        for box in boxes:
            assert box["x"] >= 0 and box["r"] <= width + 0.5, (panel, box)
            assert box["y"] >= 0 and box["b"] <= height + 0.5, (panel, box)
        parts = [b for b in boxes if b["name"] != "panel-body"]  # the body holds the lights
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                assert not _overlaps(a, b), (panel, a, b)
        page.screenshot(path=str(SHOTS / f"ui-layout-wall-{width}-panel{panel}.png"))
    wall.close()
