"""免申即享 payouts: listed from the eligible matches (idempotent), the sheet for the paying
department (masked contacts; listed → handed), paid or refused with the version check, the
totals, and who may do it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.utils import timezone

from shishi.conftest import client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.enterprise import matches, payout_selectors, payouts
from shishi.enterprise.models import Payout, PayoutStatus, Policy
from shishi.enterprise.tests import push_fixtures
from shishi.enterprise.tests.push_fixtures import Reg, enterprise

pytestmark = pytest.mark.django_db
reg = push_fixtures.reg


def _no_apply(reg: Reg) -> Policy:
    reg.policy.no_apply = True
    reg.policy.save()
    return reg.policy


def test_listing_is_idempotent_and_takes_the_eligible_only(reg: Reg) -> None:
    policy = _no_apply(reg)
    assert payouts.list_payouts(policy, actor=reg.world.office) == 1
    assert payouts.list_payouts(policy, actor=reg.world.office) == 0
    [row] = Payout.objects.all()
    assert row.enterprise_id == reg.rich.pk and row.status == PayoutStatus.LISTED
    enterprise(reg.world.nangang, 50, "新达标企业", revenue=Decimal(700))
    matches.store_matches(policy)
    assert payouts.list_payouts(policy, actor=reg.world.office) == 1
    assert Payout.objects.count() == 2
    events = AuditEvent.objects.filter(action="enterprise.payouts_listed").order_by("seq")
    assert [e.changes["payouts"] for e in events] == [[0, 1], [1, 2]]


def test_only_a_published_no_apply_policy_and_only_the_office(reg: Reg) -> None:
    with pytest.raises(ValidationFailed, match="免申即享"):
        payouts.list_payouts(reg.policy, actor=reg.world.office)
    policy = _no_apply(reg)
    for who in (reg.world.editor_a, reg.world.outsider, reg.contact_user):
        with pytest.raises(PermissionDenied):
            payouts.list_payouts(policy, actor=who)
    policy.status = "draft"
    policy.save()
    with pytest.raises(ValidationFailed, match="发布"):
        payouts.list_payouts(policy, actor=reg.world.office)
    assert not Payout.objects.exists()


def test_the_csv_for_the_paying_department_masks_the_contact_and_hands_over(reg: Reg) -> None:
    policy = _no_apply(reg)
    with pytest.raises(ValidationFailed, match="没有待兑现"):
        payouts.export_payouts(policy, actor=reg.world.office, fmt="csv")
    payouts.list_payouts(policy, actor=reg.world.office)
    sheet = payouts.export_payouts(policy, actor=reg.world.office, fmt="csv")
    text = sheet.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == payouts.HEADER
    assert rows[1] == [
        reg.rich.uscc,
        "南岗软件科技有限公司",
        "软件企业营业收入奖励",
        "南政规〔2026〕3号",
        "一次性奖励10万元",
        "张**",
        "139****5678",
    ]
    assert "13912345678" not in text
    assert Payout.objects.get().status == PayoutStatus.HANDED
    assert sheet.handed == 1 and sheet.rows == 1
    again = payouts.export_payouts(policy, actor=reg.world.office, fmt="csv")
    assert again.rows == 1 and again.handed == 0  # handed rows are still undecided
    with pytest.raises(ValidationFailed):
        payouts.export_payouts(policy, actor=reg.world.office, fmt="pdf")
    assert AuditEvent.objects.filter(action="enterprise.payouts_exported").count() == 2


def test_the_excel_sheet_is_a_workbook_without_formulas(reg: Reg) -> None:
    policy = _no_apply(reg)
    reg.rich.name = "=HYPERLINK(1)"
    reg.rich.save()
    payouts.list_payouts(policy, actor=reg.world.office)
    sheet = payouts.export_payouts(policy, actor=reg.world.office)
    assert sheet.filename.endswith(".xlsx")
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as book:
        body = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in body and "=HYPERLINK(1)" in strings


def test_paid_and_refused_with_the_version_check_and_the_totals(reg: Reg) -> None:
    policy = _no_apply(reg)
    payouts.list_payouts(policy, actor=reg.world.office)
    row = Payout.objects.get()
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as bad:
        payouts.record_paid(
            row,
            actor=reg.world.office,
            amount="-1",
            paid_on=today + dt.timedelta(days=1),
            department="",
            expected_version=1,
        )
    assert set(bad.value.errors) == {"amount", "paid_on", "department"}
    paid = payouts.record_paid(
        row,
        actor=reg.world.office,
        amount="10.5",
        paid_on=today,
        department="区财政局",
        expected_version=1,
    )
    assert paid.status == PayoutStatus.PAID and paid.amount == Decimal("10.50")
    assert paid.version == 2
    with pytest.raises(StaleEdit):
        payouts.record_refused(row, actor=reg.world.office, note="重复享受", expected_version=1)
    with pytest.raises(ValidationFailed) as no_note:
        payouts.record_refused(row, actor=reg.world.office, note=" ", expected_version=2)
    assert "note" in no_note.value.errors
    with pytest.raises(PermissionDenied):
        payouts.record_paid(
            row,
            actor=reg.world.outsider,
            amount="1",
            paid_on=today,
            department="x",
            expected_version=2,
        )
    totals = payout_selectors.policy_totals(policy)
    assert (totals.count, totals.paid, totals.paid_amount) == (1, 1, Decimal("10.50"))
    event = AuditEvent.objects.get(action="enterprise.payout")
    assert event.changes["status"] == ["listed", "paid"]
    assert event.changes["amount"] == [None, "10.5"]


def test_the_payout_pages(reg: Reg) -> None:
    policy = _no_apply(reg)
    office = client_for(reg.world.office)
    r = office.get("/enterprise/payouts/")
    assert r.status_code == 200 and "软件企业营业收入奖励" in r.content.decode()
    r = office.post(f"/enterprise/payouts/policies/{policy.pk}/list/", follow=True)
    assert "已列入兑现清单1家企业" in r.content.decode()
    r = office.get(f"/enterprise/payouts/policies/{policy.pk}/", {"status": "listed"})
    assert "南岗软件科技有限公司" in r.content.decode()
    r = office.post(f"/enterprise/payouts/policies/{policy.pk}/export/", {"format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    row = Payout.objects.get()
    url = f"/enterprise/payouts/{row.pk}/"
    assert office.get(url).status_code == 200
    r = office.post(url, {"decision": "paid", "amount": "abc", "version": row.version})
    assert r.status_code == 422
    text = r.content.decode()
    assert "金额应为数字" in text and "请填写兑现日期" in text
    r = office.post(url, {"decision": "refused", "note": "", "version": row.version})
    assert r.status_code == 422 and "不予兑现须写明原因" in r.content.decode()
    ok = {
        "decision": "paid",
        "amount": "8",
        "paid_on": timezone.localdate().isoformat(),
        "department": "区财政局",
        "version": row.version,
    }
    assert office.post(url, ok).status_code == 302
    stale = office.post(url, {**ok, "amount": "9"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert Payout.objects.get().amount == Decimal(8)
    r = office.post(url, {"decision": "paid", "amount": "8", "version": "x"})
    assert r.status_code == 422
    for who in (reg.world.editor_a, reg.world.outsider):
        assert client_for(who).get(url).status_code == 404
        assert client_for(who).get(f"/enterprise/payouts/policies/{policy.pk}/").status_code == 404
    assert client_for(reg.world.editor_a).get("/enterprise/payouts/").status_code == 403
