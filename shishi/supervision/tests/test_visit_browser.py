"""An inspector records a visit on a phone (375×812) with a photo; the network drops in the
middle of the form and comes back, and nothing typed is lost.

Headless Chromium through Playwright against the live server; screenshots of the form at
375×812 and 1366×768 land in /tmp/ui-visit-*.png.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from shishi.conftest import SHOTS, World, browser_login
from shishi.supervision.models import Finding, Visit, VisitPlan
from shishi.supervision.services import setup
from shishi.supervision.tests.conftest import Sv
from shishi.supervision.tests.test_visits import PNG

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1366, "height": 768}
DEADLINE = "2099-06-30"

DRAFT_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('shishi.visit-draft'))"
KEPT_PHOTOS = """() => new Promise(resolve => {
  const open = indexedDB.open('shishi-visit-drafts', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('photos');
  open.onsuccess = () => {
    const req = open.result.transaction('photos').objectStore('photos').count();
    req.onsuccess = () => { open.result.close(); resolve(req.result); };
  };
})"""


def _answer(page: Any, n: int, label: str) -> None:
    """Tap an answer of the n-th checklist entry, as a thumb would: on its label."""
    page.locator("fieldset.answer-row").nth(n).locator("label.choice", has_text=label).click()


def test_inspector_records_a_visit_on_a_phone_through_a_dropped_connection(
    browser: Any, live_server: Any, world: World, sv: Sv, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    setup.plan_visits(
        sv.round,
        [setup.PlanRow(sv.group.pk, world.unit_a.pk, dt.date(2021, 6, 7))],
        actor=world.office,
    )
    plan = VisitPlan.objects.get()
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG)
    base = live_server.url

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    browser_login(page, base, "inspector")
    page.goto(f"{base}/supervision/visits/")
    page.locator(".visit-plan", has_text="区城管局").locator("a", has_text="记录走访").click()
    page.wait_for_url(f"**/supervision/plans/{plan.pk}/visit/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The checklist, a problem to rectify with its 四定, a photo.
    _answer(page, 0, "是")
    _answer(page, 1, "部分")
    entries = list(sv.round.checklist.all())
    page.fill(f"input[name='answers-{entries[1].pk}-note']", "措施还不够具体")
    page.fill("textarea[name=attendees]", "王组长、李组员；区城管局张科长")
    row = page.locator("fieldset.finding-row").first
    row.locator("label.choice", has_text="限期整改").click()
    assert row.locator("textarea[name='findings-1-measure']").is_visible()
    row.locator("select[name='findings-1-category']").select_option("plan")
    row.locator("textarea[name='findings-1-problem']").fill("实施方案缺少分阶段目标")
    row.locator("textarea[name='findings-1-measure']").fill("一周内补充分阶段目标和责任分工")
    row.locator("input[name='findings-1-deadline']").fill(DEADLINE)
    row.locator("input[name='findings-1-responsible_person']").fill("张科长")
    # A second block added with the button (the script clones the row's template).
    page.click("[data-add-finding]")
    assert page.locator("fieldset.finding-row").count() == 4
    fourth = page.locator("fieldset.finding-row").nth(3)
    fourth.locator("label.choice", has_text="意见建议").click()
    assert not fourth.locator("textarea[name='findings-4-measure']").is_visible()
    fourth.locator("textarea[name='findings-4-problem']").fill("建议建立周调度机制")
    # Not a photo: said beside the field before anything is sent.
    pdf = tmp_path / "方案.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    page.set_input_files("input[name=photos]", str(pdf))
    error = page.locator("[data-photo-error]")
    error.wait_for(state="visible")
    assert "不是照片" in error.inner_text()
    page.click("button[type=submit]:has-text('提交')")
    assert "/visit/" in page.url and Visit.objects.count() == 0
    page.set_input_files("input[name=photos]", str(photo))
    assert not error.is_visible()
    page.wait_for_function(f"({KEPT_PHOTOS})().then(n => n === 1)")
    page.screenshot(path=str(SHOTS / "ui-visit-phone.png"), full_page=True)

    # The network drops; more is typed; 提交 sends nothing and says so.
    phone.set_offline(True)
    page.wait_for_selector("[data-offline-bar]:not([hidden])")
    page.fill("textarea[name=notes]", "断网后补记：现场查看了三处施工点")
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_function(
        "() => document.querySelector('[data-offline-bar]').innerText"
        ".includes('网络已断开：内容已保存在本机，联网后再提交')"
    )
    page.screenshot(path=str(SHOTS / "ui-visit-phone-offline.png"))
    assert not any("/visit/" in url for url in posts)
    assert Visit.objects.count() == 0

    # Back online, the page is loaded again: everything typed is back.
    phone.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('[data-offline-bar]').innerText.includes('网络已恢复')"
    )
    page.reload()
    page.wait_for_selector("[data-draft-bar]:not([hidden])")
    message = page.locator("[data-draft-text]").inner_text()
    assert "已恢复本机保存的草稿" in message
    assert page.locator("[data-draft-discard]").is_visible()
    assert page.input_value("textarea[name=notes]") == "断网后补记：现场查看了三处施工点"
    assert page.input_value("textarea[name=attendees]") == "王组长、李组员；区城管局张科长"
    assert page.input_value("textarea[name='findings-1-problem']") == "实施方案缺少分阶段目标"
    assert page.input_value("input[name='findings-1-deadline']") == DEADLINE
    assert page.input_value("select[name='findings-1-category']") == "plan"
    assert page.input_value("textarea[name='findings-4-problem']") == "建议建立周调度机制"
    assert page.is_checked(f"input[name='answers-{entries[0].pk}'][value=yes]")
    assert page.is_checked(f"input[name='answers-{entries[1].pk}'][value=partly]")
    assert page.is_checked("input[name='findings-1-kind'][value=to_rectify]")
    # The photo was kept in the browser too; if not, it is chosen again.
    if page.evaluate("document.querySelector('input[name=photos]').files.length") == 0:
        assert "请重新选择照片" in message
        page.set_input_files("input[name=photos]", str(photo))
    else:
        assert "照片也已恢复" in message
    page.screenshot(path=str(SHOTS / "ui-visit-phone-restored.png"), full_page=True)

    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_url("**/supervision/visits/*/?saved=1")
    assert "走访记录已保存" in page.content()
    visit = Visit.objects.get()
    assert visit.plan == plan
    assert visit.notes == "断网后补记：现场查看了三处施工点"
    assert sorted(visit.answers.values_list("answer", flat=True)) == ["partly", "yes"]
    assert visit.answers.get(answer="partly").note == "措施还不够具体"
    kept = visit.photos.get()
    assert kept.content_type == "image/png" and kept.file.read() == PNG
    problem = visit.findings.get(kind=Finding.Kind.TO_RECTIFY)
    assert (problem.problem, problem.measure, problem.responsible_person) == (
        "实施方案缺少分阶段目标",
        "一周内补充分阶段目标和责任分工",
        "张科长",
    )
    assert problem.deadline == dt.date.fromisoformat(DEADLINE)
    assert problem.responsible_unit == world.unit_a
    assert visit.findings.filter(kind=Finding.Kind.SUGGESTION).count() == 1
    # The saved visit's page removed the draft and its photos.
    page.wait_for_function(f"{DRAFT_KEYS}.length === 0")
    assert page.evaluate(KEPT_PHOTOS) == 0
    thumb = page.locator(".visit-photos img").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('.visit-photos img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SHOTS / "ui-visit-phone-saved.png"), full_page=True)
    phone.close()

    # The same form on an office screen.
    setup.plan_visits(
        sv.round,
        [setup.PlanRow(sv.group.pk, world.unit_b.pk, dt.date(2021, 6, 9))],
        actor=world.office,
    )
    second = VisitPlan.objects.get(unit=world.unit_b)
    desk = browser.new_context(viewport=DESK, locale="zh-CN")
    page = desk.new_page()
    browser_login(page, base, "inspector")
    page.goto(f"{base}/supervision/plans/{second.pk}/visit/")
    _answer(page, 0, "否")
    row = page.locator("fieldset.finding-row").first
    row.locator("label.choice", has_text="限期整改").click()
    row.locator("textarea[name='findings-1-problem']").fill("台账三月份缺失")
    page.set_input_files("input[name=photos]", str(photo))
    page.wait_for_function(f"({KEPT_PHOTOS})().then(n => n === 1)")
    page.screenshot(path=str(SHOTS / "ui-visit-desk.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    # Refused (no 四定): the errors sit on the row, what was typed and the photo stay.
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_selector(".finding-row.has-errors")
    row = page.locator("fieldset.finding-row").first
    assert "限期整改须写明整改措施（四定）" in row.inner_text()
    assert "第1条问题或建议" in page.locator(".msg-error").first.inner_text()
    assert page.input_value("textarea[name='findings-1-problem']") == "台账三月份缺失"
    page.wait_for_function("document.querySelector('input[name=photos]').files.length === 1")
    page.screenshot(path=str(SHOTS / "ui-visit-desk-refused.png"), full_page=True)
    row.locator("textarea[name='findings-1-measure']").fill("补齐三月份台账")
    row.locator("input[name='findings-1-deadline']").fill(DEADLINE)
    row.locator("input[name='findings-1-responsible_person']").fill("李主任")
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_url("**/supervision/visits/*/?saved=1")
    visit = Visit.objects.get(plan=second)
    assert visit.photos.count() == 1
    assert visit.findings.get().measure == "补齐三月份台账"
    page.wait_for_function(f"{DRAFT_KEYS}.length === 0")
    desk.close()
