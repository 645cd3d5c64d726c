"""The office chases the late units of a period and a unit sees the reminder, in a real
browser (headless Chromium, as ``ledger/tests/test_browser.py``). Screenshots land in
/tmp/ui-chase-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.reports import services
from shishi.reports.models import Chase, Cycle

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}


def test_office_chases_a_period_and_the_unit_sees_it(
    browser: Any, live_server: Any, world: World
) -> None:
    weekly = Cycle.objects.create(
        jurisdiction=world.nangang,
        programme=world.programme,
        code="weekly",
        name="周报告",
        cadence="weekly",
        due_weekday=4,
        due_time=dt.time(17, 0),
        needs_sign_off=False,
    )
    weekly.units.set([world.unit_a, world.unit_b])
    period = services.open_period(weekly, "2021-W25").period  # long overdue
    sub_b = period.submissions.get(unit=world.unit_b)
    services.submit(sub_b, actor=world.editor_b, expected_version=sub_b.version)
    base = live_server.url

    office = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    browser_login(office, base, "office")
    office.goto(f"{base}/reports/periods/{period.pk}/")
    office.click("#chase-period")
    office.wait_for_load_state("networkidle")
    assert "已催报1个单位" in office.content()
    office.screenshot(path=str(SHOTS / "ui-chase-period.png"))
    chase = Chase.objects.get()
    assert chase.submission.unit_id == world.unit_a.pk and chase.by_id == world.office.pk

    office.goto(f"{base}/reports/cycles/{weekly.pk}/")
    punctuality = office.locator("#punctuality").inner_text()
    assert "区教育局" in punctuality and "区城管局" in punctuality
    office.screenshot(path=str(SHOTS / "ui-chase-punctuality.png"), full_page=True)

    unit = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    browser_login(unit, base, "editor_a")
    unit.goto(f"{base}/reports/submissions/{chase.submission_id}/")
    record = unit.locator("#chases").inner_text()
    assert "专班催报" in record
    assert unit.locator("#chase-submission").count() == 0
    unit.screenshot(path=str(SHOTS / "ui-chase-submission.png"), full_page=True)
