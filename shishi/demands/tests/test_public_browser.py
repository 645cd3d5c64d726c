"""A resident files a demand in a real browser (the code through the fake gateway), reads
the tracking code, follows it on the tracking page and rates the reply. Screenshots of the
form and the tracking page at 390×844 and 1366×768 land in /tmp/ui-demands-*.png."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World
from shishi.demands import services
from shishi.demands.models import Demand, Status
from shishi.demands.tests.conftest import Dm
from shishi.demands.tests.fake_sms import last_code
from shishi.notify.fakes import FakeGateway

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 768}}


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_resident_files_tracks_and_rates(
    browser: Any, live_server: Any, world: World, dm: Dm, gateway: FakeGateway, size: str
) -> None:
    base = live_server.url
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/public/demands/230103/new/")
    page.select_option("#id_kind", "help")
    page.select_option("#id_category", str(dm.road.pk))
    page.fill("#id_description", "红旗大街128号门前路面塌陷一个大坑，晚上很危险")
    page.fill("#id_address", "红旗大街128号")
    page.fill("#id_contact_name", "王女士")
    page.fill("#id_phone", "13912345678")
    page.click("button[value=code]")
    page.wait_for_selector("#code-notice")
    assert page.input_value("#id_description").startswith("红旗大街128号")
    page.fill("#id_code", last_code(gateway))
    page.screenshot(path=str(SHOTS / f"ui-demands-form-{size}.png"), full_page=True)
    page.click("button[value=submit]")
    page.wait_for_selector("#tracking-code")
    demand = Demand.objects.get()
    assert demand.number in page.inner_text("#tracking-code")
    page.screenshot(path=str(SHOTS / f"ui-demands-done-{size}.png"), full_page=True)

    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    services.resolve(
        demand, actor=world.editor_a, reply="已组织施工修补路面，恢复通行。", expected_version=None
    )
    page.click("a:has-text('查询办理进度')")
    page.fill("#id_number", demand.number)
    page.fill("#id_tail", "5678")
    page.click("button:has-text('查询')")
    page.wait_for_selector("#rate-form")
    page.screenshot(path=str(SHOTS / f"ui-demands-track-{size}.png"), full_page=True)
    page.check("input[name=satisfaction][value=satisfied]")
    page.click("button:has-text('提交评价')")
    page.wait_for_selector("#rated")
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.satisfaction == "satisfied"
    context.close()
