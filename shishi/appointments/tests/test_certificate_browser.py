"""Health certificates in a real browser: the public verification page (valid, revoked) and
the clinic's exam page, at a desk's and a phone's size; the doctor records a result and
issues the certificate on the phone. Screenshots land in /tmp/ui-certs-*.png."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.utils import timezone

from shishi.appointments import certificates
from shishi.appointments.models import ExamItem, HealthCertificate
from shishi.appointments.tests.certs_fixtures import certified, clinic_of, record_all, register
from shishi.conftest import SHOTS, World, browser_login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = {"desk": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def test_public_page_and_exam_page(browser: Any, live_server: Any, world: World) -> None:
    clinic = clinic_of(world)
    valid = certified(world, clinic, name="欧阳丽华", serial="101", today=timezone.localdate())
    revoked = certified(world, clinic, name="王小明", serial="102", today=timezone.localdate())
    certificates.revoke(revoked, reason="复查发现活动性肺结核", actor=world.office)
    exam = register(world, clinic, name="张三丰", serial="103")
    record_all(exam, clinic, abnormal="")
    base = live_server.url
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        for cert, status, word in ((valid, "valid", "有效"), (revoked, "revoked", "已撤销")):
            page.goto(f"{base}/public/certificates/{cert.number}/")
            assert page.locator(f".cert-status-{status}").inner_text().strip().endswith(word)
            assert "欧阳丽华" not in page.content() and "王小明" not in page.content()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"]  # nothing runs off a phone's screen
            page.screenshot(
                path=str(SHOTS / f"ui-certs-public-{status}-{size}.png"), full_page=True
            )
        browser_login(page, base, "doctor")
        page.goto(f"{base}/appointments/exams/{exam.pk}/")
        assert page.locator("#results").is_visible()
        page.screenshot(path=str(SHOTS / f"ui-certs-exam-{size}.png"), full_page=True)
        page.goto(f"{base}/appointments/exams/")
        assert page.locator("#registered").is_visible()
        page.screenshot(path=str(SHOTS / f"ui-certs-exams-{size}.png"), full_page=True)
        page.goto(f"{base}/appointments/certificates/")
        assert page.locator("#certs").is_visible() and "欧**华" in page.content()
        page.screenshot(path=str(SHOTS / f"ui-certs-list-{size}.png"), full_page=True)
        context.close()
    # On the phone: correct one result, conclude, issue.
    context = browser.new_context(viewport=SIZES["phone"], locale="zh-CN")
    page = context.new_page()
    browser_login(page, base, "doctor")
    page.goto(f"{base}/appointments/exams/{exam.pk}/")
    page.fill(f"#id_{ExamItem.ALT}-result", "ALT 30 U/L")
    page.click(f"#save-{ExamItem.ALT}")
    page.wait_for_load_state("networkidle")
    page.check("input[name=conclusion][value=pass]")
    page.click("#do-conclude")
    page.wait_for_load_state("networkidle")
    page.click("#do-issue")
    page.wait_for_load_state("networkidle")
    cert = HealthCertificate.objects.get(exam=exam)
    assert cert.number in page.content() and page.locator("svg.cert-qr").is_visible()
    page.screenshot(path=str(SHOTS / "ui-certs-certificate-phone.png"), full_page=True)
    context.close()
