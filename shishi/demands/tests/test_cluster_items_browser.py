"""The office makes a ledger item from a cluster in a real browser, at the office's screen
and on a phone (screenshots in ``SHISHI_SCREENSHOTS``, /tmp by default)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.demands import services
from shishi.demands.models import Channel, Demand, Kind
from shishi.demands.tests.conftest import Dm
from shishi.ledger.models import Item

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = [
    ("学府路工地夜间施工噪声扰民", "学府路88号", "13812340001"),
    ("学府路工地夜里施工，噪声扰民严重", "学府路90号", "13812340002"),
    ("学府路夜间施工噪声太大扰民", "学府路工地", "13812340002"),
]


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_the_office_creates_an_item_from_a_cluster(
    browser: Any, live_server: Any, world: World, dm: Dm, width: int, height: int
) -> None:
    for text, address, phone in TEXTS:
        services.take_in(
            world.nangang.pk,
            services.IntakeInput(
                kind=Kind.COMPLAINT,
                category_id=dm.noise.pk,
                description=text,
                channel=Channel.PHONE,
                address=address,
                phone=phone,
            ),
            actor=world.operator,
        )
    base = live_server.url
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    browser_login(page, base, "office")
    page.goto(f"{base}/demands/clusters/")
    page.screenshot(path=str(SHOTS / f"ui-demands-clusters-{width}.png"), full_page=True)
    page.click("summary:has-text('从这组诉求新建实事事项')")
    assert page.input_value("input[name=name]") == "解决学府路噪声扰民问题"
    assert page.input_value("select[name=lead_unit]") == str(world.unit_b.pk)
    shot = SHOTS / f"ui-demands-cluster-new-item-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    # A number another item has: refused beside the field, nothing written.
    page.fill("input[name=number]", "1-1")
    page.click("button:has-text('新建事项并关联')")
    page.wait_for_selector(".field-error")
    assert "已被本计划的其他事项使用" in page.inner_text(".dm-new-item")
    page.screenshot(path=str(SHOTS / f"ui-demands-cluster-new-item-error-{width}.png"))
    assert Item.objects.count() == 3
    page.fill("input[name=number]", "1-3")
    page.check(f"input[name=sponsor_leader_ids][value='{world.leader_person.pk}']")
    page.click("button:has-text('新建事项并关联')")
    page.wait_for_selector("#demands-answered")
    assert "已回应群众诉求3件，涉及2人" in page.inner_text("#demands-answered")
    item = Item.objects.get(number="1-3")
    assert Demand.objects.filter(item=item).count() == 3
    context.close()
