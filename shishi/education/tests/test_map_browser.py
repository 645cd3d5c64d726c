"""The issue's browser test for the landmarks: on a phone, the landmark's URL opened as a QR
scan opens it → nickname → 打卡 → the count on the page rises by one and the check-in is
kept; without JavaScript the form gives a result page; the guide map as a list without
tiles, and with tiles (served here by the test server itself, so under the site's CSP)
Leaflet draws a marker per landmark. Screenshots go to /tmp/h19map-*.png."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import caches

from shishi.conftest import SHOTS, World
from shishi.education.models import CheckIn, Landmark, Route, RouteStop

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
NO_TILES = {
    "url": "",
    "labels_url": "",
    "datum": "wgs84",
    "attribution": "",
    "subdomains": [],
    "max_zoom": 18,
}


def _landmarks(world: World) -> tuple[Landmark, Landmark]:
    museum = Landmark.objects.create(
        jurisdiction=world.nangang,
        name="东北抗联博物馆",
        address="哈尔滨市南岗区一曼街241号",
        lat=Decimal("45.755000"),
        lon=Decimal("126.640000"),
        opening_hours="周二至周日 9:00—16:00（周一闭馆）",
        description="东北抗日联军的历史陈列，展出抗联将士的遗物与文献。",
        check_ins=41,
        order=1,
    )
    sample = Landmark.objects.create(
        jurisdiction=world.nangang,
        name="示例：红军街革命旧址",
        address="哈尔滨市南岗区红军街10号",
        lat=Decimal("45.760500"),
        lon=Decimal("126.629800"),
        opening_hours="全天开放",
        is_sample=True,
        check_ins=12,
        order=2,
    )
    Landmark.objects.create(
        jurisdiction=world.nangang,
        name="示例：尚无坐标的纪念地",
        address="哈尔滨市南岗区学府路某号",
        is_sample=True,
        order=3,
    )
    route = Route.objects.create(
        jurisdiction=world.nangang, name="抗联足迹线", description="半日步行，约3公里"
    )
    RouteStop.objects.create(route=route, landmark=sample, order=1)
    RouteStop.objects.create(route=route, landmark=museum, order=2)
    return museum, sample


def _no_side_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_phone_scan_check_in_raises_the_count(
    browser: Any, live_server: Any, world: World, settings: Any
) -> None:
    settings.SHISHI_MAP_TILES = NO_TILES
    caches["ratelimit"].clear()
    museum, _sample = _landmarks(world)
    base = live_server.url
    url = f"{base}/public/230103/landmarks/{museum.pk}/"

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto(url)  # as the QR code's link opens it
    assert page.inner_text("h1").startswith("东北抗联博物馆")
    before = int(page.inner_text("#landmark-count"))
    assert before == 41
    _no_side_scroll(page, PHONE["width"])
    page.screenshot(path=str(SHOTS / "h19map-landmark-phone.png"), full_page=True)
    page.fill("#id_nickname", "红星小队")
    page.fill("#id_group", "第一党支部")
    page.click("#check-in-button")
    page.wait_for_selector("#check-in-count")
    assert int(page.inner_text("#landmark-count")) == before + 1
    assert int(page.inner_text("#check-in-count")) == before + 1
    assert "打卡成功" in page.inner_text("#check-in-result")
    assert page.url == url  # in place: no JSON, no other page
    page.screenshot(path=str(SHOTS / "h19map-landmark-phone-done.png"), full_page=True)
    row = CheckIn.objects.get(landmark=museum)
    assert (row.nickname, row.group) == ("红星小队", "第一党支部")
    museum.refresh_from_db()
    assert museum.check_ins == before + 1
    # The same person again today: told so, not counted.
    page.click("#check-in-button")
    page.wait_for_selector("#check-in-result.msg-error")
    assert int(page.inner_text("#landmark-count")) == before + 1
    assert CheckIn.objects.count() == 1
    assert not [m for m in refused if "Content Security Policy" in m]
    phone.close()

    # Without JavaScript the form posts and a page says what happened.
    plain = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    page = plain.new_page()
    page.goto(url)
    page.fill("#id_phone_tail", "6789")
    page.click("#check-in-button")
    page.wait_for_selector("#result-head")
    assert "打卡成功" in page.inner_text("main")
    assert int(page.inner_text("#check-in-count")) == before + 2
    assert "check_ins" not in page.content()  # a page, not JSON
    _no_side_scroll(page, PHONE["width"])
    page.screenshot(path=str(SHOTS / "h19map-check-in-result-phone.png"), full_page=True)
    plain.close()
    assert CheckIn.objects.count() == 2

    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    page.goto(url)
    _no_side_scroll(page, DESK["width"])
    page.screenshot(path=str(SHOTS / "h19map-landmark-desk.png"), full_page=True)
    desk.close()


def test_the_guide_map_as_a_list_and_with_tiles(
    browser: Any, live_server: Any, world: World, settings: Any
) -> None:
    settings.SHISHI_MAP_TILES = NO_TILES
    museum, sample = _landmarks(world)
    base = live_server.url
    url = f"{base}/public/230103/landmarks/"
    for name, viewport in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(url)
        items = page.locator("#landmark-list > li")
        assert items.count() == 3
        assert "一曼街241号" in items.nth(0).inner_text()
        assert page.locator("#guide-map").count() == 0
        _no_side_scroll(page, viewport["width"])
        page.screenshot(path=str(SHOTS / f"h19map-list-{name}.png"), full_page=True)
        context.close()

    # Tiles from this server (an image standing in for a tile), so the page's own CSP holds.
    settings.SHISHI_MAP_TILES = {
        **NO_TILES,
        "url": f"{base}/static/vendor/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}",
        "attribution": "测试瓦片",
    }
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_selector("#guide-map[data-ready='true']")
    assert page.locator(".leaflet-marker-icon").count() == 2  # the one without a point: list only
    assert page.locator("path.leaflet-interactive").count() == 1  # the route
    page.locator(f".leaflet-marker-icon[title='{museum.name}']").click()
    link = page.locator(".guide-popup a")
    assert link.get_attribute("href") == f"/public/230103/landmarks/{museum.pk}/"
    assert page.locator("#landmark-list > li").count() == 3
    _no_side_scroll(page, PHONE["width"])
    page.screenshot(path=str(SHOTS / "h19map-tiles-phone.png"), full_page=True)
    assert not [m for m in refused if "Content Security Policy" in m], refused
    assert sample.pk  # listed and drawn above
    context.close()
