"""The office imports the sample ledger and a unit reports progress, in a real browser.

Runs headless Chromium (Debian's /usr/bin/chromium) through Playwright against the live
server. Screenshots land in /tmp/ui-*.png for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from shishi.conftest import PASSWORD, SHOTS, browser_login
from shishi.ledger.demo.seed import SAMPLE
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
# around it are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def _tiny_png(path: Path) -> Path:
    from shishi.ledger.tests.test_views import tiny_png

    path.write_bytes(tiny_png())
    return path


def test_office_imports_sample_and_unit_reports_progress(
    browser: Any, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"sample ledger not found at {SAMPLE}")
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    city = org_services.ensure_jurisdiction(code="230100", name="哈尔滨市", level="city")
    nangang = org_services.ensure_jurisdiction(
        code="230103", name="南岗区", level="district", parent=city
    )
    office = org_services.ensure_user("office", password=PASSWORD, display_name="南岗区专班")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, nangang)

    # --- the office imports the sheet through the wizard -----------------------------
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "office")
    assert "还没有实事计划" in page.content()
    page.click("a.btn:has-text('导入台账')")
    page.fill("input[name=year]", "2021")
    page.set_input_files("input[name=file]", str(SAMPLE))
    page.click("button:has-text('上传并预览')")
    page.wait_for_url("**/ledger/import/*/")
    confirm = page.locator("button:has-text('确认导入')").first
    assert "116" in confirm.inner_text()
    page.screenshot(path=str(SHOTS / "ui-import-preview.png"), full_page=False)
    confirm.click()
    page.wait_for_url("**/ledger/?programme=*")
    assert "导入完成" in page.content()
    assert page.locator(".result-count").inner_text().startswith("共 116 项")
    page.screenshot(path=str(SHOTS / "ui-ledger.png"))

    # filters go through htmx: the table changes, the page does not reload
    page.evaluate("window.__same_page = true")
    page.fill("input[name=q]", "幼儿园")
    page.wait_for_function(
        "() => !document.querySelector('.result-count').innerText.startsWith('共 116')"
    )
    assert page.evaluate("window.__same_page") is True
    assert "q=" in page.url
    rows = page.locator(".ledger-table tbody tr")
    assert 0 < rows.count() < 116
    desk.close()

    # --- the lead unit's editor reports progress with a photo ----------------------------
    unit = Unit.objects.get(jurisdiction=nangang, name="区城管局")
    editor = org_services.ensure_user("chengguan", password=PASSWORD, display_name="区城管局 周斌")
    org_services.grant_role(editor, Role.UNIT_EDITOR, nangang, unit=unit)
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "chengguan")
    page.goto(f"{base}/ledger/mine/")
    page.locator(".ledger-table .col-name a").first.click()
    page.wait_for_load_state("networkidle")
    item_url = page.url
    page.click("a:has-text('填报进展')")
    page.fill("input[name=rate]", "95")
    page.fill("textarea[name=text]", "浏览器测试:完成面层铺设,准备验收")
    page.set_input_files("input[name=attachments]", str(_tiny_png(tmp_path / "现场照片.png")))
    page.screenshot(path=str(SHOTS / "ui-progress-form.png"), full_page=True)
    page.click("button:has-text('提交进展')")
    page.wait_for_url(item_url)
    body = page.content()
    assert "进展已填报" in body
    assert "浏览器测试:完成面层铺设,准备验收" in body
    assert "95%" in body
    thumb = page.locator(".attachments img").first
    thumb.scroll_into_view_if_needed()  # thumbnails load lazily
    page.wait_for_function(
        "() => { const img = document.querySelector('.attachments img');"
        " return img.complete && img.naturalWidth > 0; }"
    )
    page.screenshot(path=str(SHOTS / "ui-item.png"), full_page=True)
    desk.close()

    # --- the same pages on a phone ----------------------------------------------------
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    browser_login(page, base, "chengguan")
    page.screenshot(path=str(SHOTS / "ui-phone-ledger.png"))
    page.goto(item_url)
    assert "浏览器测试:完成面层铺设,准备验收" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the item page scrolls sideways on a phone"
    page.screenshot(path=str(SHOTS / "ui-phone-item.png"), full_page=True)
    phone.close()
