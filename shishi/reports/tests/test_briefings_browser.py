"""The office drafts a briefing issue, adds a photo, publishes it as public; the unit reads it
from its inbox; the public reads it on the portal — in a real browser (Debian's Chromium)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from shishi.conftest import SHOTS, World, browser_login
from shishi.reports.models import Briefing

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}


def test_draft_photo_publish_and_read_on_the_portal(
    browser: Any, live_server: Any, world: World, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "site.jpg"
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "green").save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    base = live_server.url
    errors: list[str] = []

    office = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    office.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(office, base, world.office.username)
    office.goto(f"{base}/reports/")
    office.click("a:has-text('简报专刊')")
    office.fill("input[name=title]", "一曼街改造完工")
    office.click("button:has-text('新建草稿')")
    assert "已新建简报草稿" in office.content()
    office.fill("#new-heading", "一曼街全线通车")
    office.fill("#new-text", "一曼街改造工程全线完工。\n咨询电话13812345678。")
    office.click("button[value=add_article]")
    office.set_input_files("input[type=file][name=photo]", str(photo))
    office.locator("input[name=caption]").fill("通车现场")
    office.click("button[value=add_photo]")
    assert "通车现场" in office.content()
    office.check("input[name=is_public]")
    office.click("button[value=publish]")
    assert "已印发" in office.content() and "第1期" in office.content()
    office.screenshot(path=str(SHOTS / "reports-briefing-published.png"), full_page=True)
    issue = Briefing.objects.get()
    assert issue.number == 1 and issue.is_public

    unit = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    browser_login(unit, base, world.editor_a.username)
    unit.goto(f"{base}/reports/briefings/{issue.pk}/")
    assert "一曼街改造工程全线完工。" in unit.content()

    public = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    public.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    public.goto(f"{base}/public/{world.nangang.code}/briefings/")
    public.click("a:has-text('第1期')")
    body = public.content()
    assert "一曼街全线通车" in body and "13812345678" not in body and "138****5678" in body
    loaded = public.locator("article img").evaluate("img => img.naturalWidth")
    assert loaded == 400  # the photo is served and decodes
    public.screenshot(path=str(SHOTS / "portal-briefing.png"), full_page=True)
    assert not errors, errors
