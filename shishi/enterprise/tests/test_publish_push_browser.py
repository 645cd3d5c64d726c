"""The issue's browser test: the office publishes a policy, sees the enterprises it fits
(with the reason per condition on an enterprise's page) and pushes it; the enterprise's
contact opens the link on a phone and the push is marked read."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.demands.models import ResidentText
from shishi.enterprise import policy_services as ps
from shishi.enterprise.models import Contact, Enterprise, Push
from shishi.enterprise.policy_services import ConditionRow, PolicyInput
from shishi.jobs.worker import run_ready_tasks

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _enterprise(world: World, n: int, name: str, code: str, revenue: int) -> Enterprise:
    firm = Enterprise.objects.create(
        jurisdiction=world.nangang,
        uscc=f"91230103{n:09d}X",
        name=name,
        industry_code=code,
        revenue=Decimal(revenue),
    )
    Contact.objects.create(enterprise=firm, name="联系人", phone=f"1390000{n:04d}")
    return firm


def test_office_publishes_sees_the_matches_and_pushes(
    browser: Any, live_server: Any, world: World
) -> None:
    fits = _enterprise(world, 1, "哈尔滨云启软件有限公司", "I6513", 800)
    _enterprise(world, 2, "哈尔滨北方数据服务有限公司", "I6550", 900)
    _enterprise(world, 3, "南岗区老街餐馆", "H6210", 900)  # not software
    unknown = Enterprise.objects.create(
        jurisdiction=world.nangang,
        uscc="91230103000000004X",
        name="营收未登记软件公司",
        industry_code="I6513",
    )
    policy = ps.create_policy(
        world.nangang.pk,
        PolicyInput(
            title="软件企业营业收入增长奖励（示例）",
            level="district",
            benefit="award",
            amount_text="最高50万元",
            auto_push=False,
            conditions=[ConditionRow("industry_any", "I65"), ConditionRow("revenue_min", "500")],
        ),
        actor=world.office,
    )
    base = live_server.url

    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "office")
    page.goto(f"{base}/enterprise/policies/{policy.pk}/")
    page.click("#publish-policy")
    page.wait_for_selector("#policy-status:has-text('已发布')")
    assert run_ready_tasks() >= 1  # the matching task, as the worker runs it
    page.reload()
    assert page.inner_text("#count-eligible") == "2"
    assert page.inner_text("#count-possible") == "1"
    page.click("#policy-matches-link")
    page.wait_for_selector("#matches")
    listed = page.inner_text("#matches")
    assert "哈尔滨云启软件有限公司" in listed and "哈尔滨北方数据服务有限公司" in listed
    assert "南岗区老街餐馆" not in listed
    page.screenshot(path=str(SHOTS / "ui-enterprise-policy-matches.png"), full_page=True)
    page.click("#do-push")
    page.wait_for_selector(".messages")
    assert run_ready_tasks() >= 1  # the sending task
    pushed = Push.objects.filter(policy=policy)
    assert sorted(pushed.values_list("enterprise__name", flat=True)) == [
        "哈尔滨云启软件有限公司",
        "哈尔滨北方数据服务有限公司",
    ]
    assert all(p.sent_at is not None for p in pushed)
    assert ResidentText.objects.filter(purpose="policy_push").count() == 2
    # The reasons, condition by condition, on an enterprise's page.
    page.goto(f"{base}/enterprise/register/230103/{unknown.uscc}/")
    body = page.inner_text("main")
    assert "营业收入未登记" in body
    desk.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    token = pushed.get(enterprise=fits).token
    page.goto(f"{base}/public/policy-read/{token}/")
    assert "软件企业营业收入增长奖励" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "ui-enterprise-policy-read-phone.png"), full_page=True)
    phone.close()
    assert pushed.get(enterprise=fits).read_at is not None
    # Pushing again sends nobody the policy twice.
    assert Push.objects.filter(policy=policy).count() == 2
