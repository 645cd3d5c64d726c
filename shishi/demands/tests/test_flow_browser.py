"""The issue's whole flow in a real browser: a resident files a demand on a phone, the
operator dispatches it, the unit signs for it and replies, the resident rates the reply."""

from __future__ import annotations

import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.demands.models import Demand, Status
from shishi.demands.tests.conftest import Dm
from shishi.demands.tests.fake_sms import last_code
from shishi.notify.fakes import FakeGateway

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_operator_unit_resident(
    browser: Any, live_server: Any, world: World, dm: Dm, gateway: FakeGateway
) -> None:
    base = live_server.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    resident = phone.new_page()
    resident.goto(f"{base}/public/demands/230103/new/")
    resident.select_option("#id_kind", "help")
    resident.select_option("#id_category", str(dm.road.pk))
    resident.fill("#id_description", "学府路52号门前井盖缺失，夜里行人容易掉进去")
    resident.fill("#id_address", "学府路52号")
    resident.fill("#id_phone", "13912345678")
    resident.click("button[value=code]")
    resident.wait_for_selector("#code-notice")
    resident.fill("#id_code", last_code(gateway))
    resident.click("button[value=submit]")
    resident.wait_for_selector("#tracking-code")
    demand = Demand.objects.get()
    assert demand.number in resident.inner_text("#tracking-code")

    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    operator = desk.new_page()
    browser_login(operator, base, "operator")
    operator.goto(f"{base}/demands/")
    operator.click(f"a:has-text('{demand.number}')")
    operator.select_option("#act-dispatch select[name=unit]", str(world.unit_a.pk))
    operator.click("#do-dispatch")
    operator.wait_for_selector("text=已派单")
    assert operator.locator("#demand-status").inner_text() == "待签收"

    unit_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    unit = unit_context.new_page()
    browser_login(unit, base, "editor_a")
    unit.goto(f"{base}/demands/{demand.pk}/")
    assert "139****5678" in unit.content() and "13912345678" not in unit.content()
    unit.click("#do-accept")
    unit.wait_for_selector("text=已签收")
    unit.fill("#act-resolve textarea[name=reply]", "已补装井盖并设置警示标志，恢复通行。")
    unit.click("#do-resolve")
    unit.wait_for_selector("#demand-status")
    assert unit.locator("#demand-status").inner_text() == "已答复待回访"

    resident.goto(f"{base}/public/demands/track/")
    resident.fill("#id_number", demand.number)
    resident.fill("#id_tail", "5678")
    resident.click("button:has-text('查询')")
    resident.wait_for_selector("#rate-form")
    assert "已补装井盖" in resident.content()
    resident.check("input[name=satisfaction][value=satisfied]")
    resident.click("button:has-text('提交评价')")
    resident.wait_for_selector("#rated")
    resident.screenshot(path=str(SHOTS / "ui-demands-flow-rated.png"), full_page=True)
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.satisfaction == "satisfied"
    assert list(demand.events.values_list("action", flat=True)) == [
        "intake",
        "dispatch",
        "accept",
        "resolve",
        "call_back",
    ]
    for context in (phone, desk, unit_context):
        context.close()
