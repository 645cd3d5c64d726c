"""A unit submits its weekly report, the office returns it, the unit submits again, the
office compiles the report and downloads it — in a real browser (Debian's Chromium)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from shishi.board.services import refresh_statuses
from shishi.conftest import SHOTS, World, browser_login
from shishi.reports import services
from shishi.reports.models import Cycle, Submission

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}


def test_submit_return_resubmit_compile_download(
    browser: Any, live_server: Any, world: World, weekly: Cycle, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    weekly.needs_sign_off = False  # the editor sends it to the office directly
    weekly.save()
    refresh_statuses(world.programme.pk)
    today = dt.date.today().isocalendar()
    period = services.open_period(weekly, f"{today.year}-W{today.week:02d}").period
    sub = period.submissions.get(unit=world.unit_a)
    base = live_server.url
    errors: list[str] = []

    unit = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    unit.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(unit, base, world.editor_a.username)
    unit.goto(f"{base}/reports/")
    unit.click(f"a[href='/reports/submissions/{sub.pk}/']")
    unit.fill(f"textarea[name='rows-{world.item_a.pk}-text']", "完成路面铣刨1.2万平方米")
    unit.fill(f"input[name='rows-{world.item_a.pk}-rate']", "35")
    unit.locator("textarea[name^='section-']").fill("下周摊铺沥青")
    unit.locator("input[name^='figure-']").fill("12")
    unit.click("button[value=submit]")
    assert "已报送专班" in unit.content()
    unit.screenshot(path=str(SHOTS / "reports-submitted.png"))

    office = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    office.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(office, base, world.office.username)
    office.goto(f"{base}/reports/periods/{period.pk}/")
    office.click(f"a[href='/reports/submissions/{sub.pk}/']")
    office.fill("textarea[name=comment]", "请补充铣刨面积的核实情况")
    office.click("button.btn-danger")
    assert "已退回" in office.content()

    unit.reload()
    assert "请补充铣刨面积的核实情况" in unit.content()
    text = unit.locator(f"textarea[name='rows-{world.item_a.pk}-text']")
    assert text.input_value() == "完成路面铣刨1.2万平方米"  # the unit's text is kept
    text.fill("完成路面铣刨1.2万平方米，已经监理核实")
    unit.click("button[value=submit]")
    assert "已报送专班" in unit.content()
    sub.refresh_from_db()
    assert sub.status == Submission.Status.SUBMITTED

    office.goto(f"{base}/reports/periods/{period.pk}/report/")
    office.click("button[value=compile]")
    assert "已编制第1版" in office.content()
    office.screenshot(path=str(SHOTS / "reports-compiled.png"))
    with office.expect_download() as caught:
        office.click("a:has-text('报告（Word）')")
    saved = tmp_path / "report.docx"
    caught.value.save_as(saved)
    import docx

    body = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert "下周摊铺沥青" in body and world.unit_a.name in body
    assert not errors, errors
