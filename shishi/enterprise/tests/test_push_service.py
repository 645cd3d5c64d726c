"""push_policy / push_after_match: one push per enterprise and policy, ever (repeated,
racing, a changed policy); the sending through SMS, e-mail and the inbox; the read receipt
stamped the first time only."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.demands.models import ResidentText
from shishi.demands.tests import fake_sms
from shishi.enterprise import matches, push
from shishi.enterprise.models import PolicyStatus, Push
from shishi.enterprise.tests import push_fixtures
from shishi.enterprise.tests.push_fixtures import Reg
from shishi.jobs.worker import run_ready_tasks
from shishi.notify.models import Message

pytestmark = pytest.mark.django_db
reg = push_fixtures.reg
gateway = fake_sms.gateway


def test_push_goes_once_to_each_eligible_enterprise_and_is_audited(reg: Reg) -> None:
    office = reg.world.office
    assert push.push_policy(reg.policy, actor=office) == 1
    first = Push.objects.get()
    assert first.enterprise_id == reg.rich.pk and len(first.token) == 43
    assert first.sent_at is None and first.read_at is None
    assert push.push_policy(reg.policy, actor=office) == 0  # pushed already
    assert push.push_policy(reg.policy, actor=office, verdicts=["eligible", "possible"]) == 1
    pushed = dict(Push.objects.values_list("enterprise_id", "token"))
    assert set(pushed) == {reg.rich.pk, reg.unknown.pk}
    assert pushed[reg.rich.pk] == first.token  # the first push is kept as it was
    assert len(set(pushed.values())) == 2
    events = AuditEvent.objects.filter(action="enterprise.push").order_by("seq")
    assert [e.changes["pushes"] for e in events] == [[None, 1], [None, 1]]
    assert events[0].actor_id == office.pk


def test_a_changed_policy_reaches_only_the_enterprises_it_newly_fits(reg: Reg) -> None:
    assert push.push_policy(reg.policy, actor=reg.world.office) == 1
    reg.poor.revenue = Decimal(600)
    reg.poor.save()
    matches.store_matches(reg.policy)
    assert push.push_after_match(reg.policy) == 1
    assert sorted(Push.objects.values_list("enterprise_id", flat=True)) == sorted(
        [reg.rich.pk, reg.poor.pk]
    )
    assert push.push_after_match(reg.policy) == 0
    assert push.push_after_match(reg.policy, wanted=False) == 0
    assert Push.objects.filter(enterprise=reg.rich).count() == 1


def test_a_racing_push_of_the_same_enterprise_is_skipped_not_doubled(
    reg: Reg, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another push commits the enterprise's row between our look-up and our insert: the
    insert skips the conflict (push_once) instead of failing or doubling."""
    real = push.bulk.upsert_many

    def racing(*args: Any, **kwargs: Any) -> int:
        Push.objects.create(policy=reg.policy, enterprise=reg.rich, token="x" * 43)
        return real(*args, **kwargs)

    monkeypatch.setattr(push.bulk, "upsert_many", racing)
    assert push.push_policy(reg.policy, actor=reg.world.office) == 0
    assert list(Push.objects.values_list("enterprise_id", "token")) == [(reg.rich.pk, "x" * 43)]
    assert not AuditEvent.objects.filter(action="enterprise.push").exists()


def test_only_the_districts_office_pushes_a_policy_in_force(reg: Reg) -> None:
    for who in (reg.world.editor_a, reg.world.outsider, reg.contact_user):
        with pytest.raises(PermissionDenied):
            push.push_policy(reg.policy, actor=who)
    assert push.push_policy(reg.policy, actor=reg.world.city_office) == 1
    with pytest.raises(ValidationFailed) as bad:
        push.push_policy(reg.policy, actor=reg.world.office, verdicts=["ineligible"])
    assert "verdicts" in bad.value.errors
    reg.policy.status = PolicyStatus.DRAFT
    reg.policy.save()
    with pytest.raises(ValidationFailed, match="已发布"):
        push.push_policy(reg.policy, actor=reg.world.office, verdicts=["possible"])
    assert push.push_after_match(reg.policy) == 0
    reg.policy.status = PolicyStatus.PUBLISHED
    reg.policy.valid_until = dt.date(2020, 1, 1)
    reg.policy.save()
    assert push.push_after_match(reg.policy) == 0


def test_sending_texts_mails_and_tells_the_inbox_with_the_read_link(
    reg: Reg, gateway: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SHISHI_SITE_URL = "https://shishi.example.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            push.push_policy(reg.policy, actor=reg.world.office, verdicts=["eligible", "possible"])
            == 2
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert run_ready_tasks() >= 1  # the push task: queues the SMS on commit
    run_ready_tasks()  # the SMS
    rich = Push.objects.get(enterprise=reg.rich)
    link = f"https://shishi.example.gov.cn/public/policy-read/{rich.token}/"
    assert rich.sent_at is not None and rich.channels == "sms,email,inbox"
    assert rich.contact_id == reg.rich_contact.pk
    [sms] = gateway.sms
    assert sms.to == "13912345678" and link in sms.params["text"]
    assert "软件企业营业收入奖励" in sms.params["text"]
    assert ResidentText.objects.get(purpose="policy_push").status == "sent"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"zhang@example.com", "wang@example.com"}
    assert link in by_address["zhang@example.com"].body
    assert "软件企业营业收入奖励" in by_address["zhang@example.com"].subject
    [inbox] = Message.objects.filter(recipient=reg.contact_user, kind="policy.push")
    assert inbox.link == f"/public/policy-read/{rich.token}/"
    assert "软件企业营业收入奖励" in inbox.text
    unknown = Push.objects.get(enterprise=reg.unknown)
    assert unknown.channels == "email" and unknown.sent_at is not None
    # Sending again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        push.send_pushes(reg.policy.pk)
    assert len(mail.outbox) == 2 and len(gateway.sms) == 1


def test_a_push_with_nobody_to_reach_stays_unsent(reg: Reg) -> None:
    reg.rich_contact.delete()
    push.push_policy(reg.policy, actor=reg.world.office)
    assert push.send_pushes(reg.policy.pk) == (0, Push.objects.get().pk)
    found = Push.objects.get()
    assert found.sent_at is None and found.channels == ""
    assert mail.outbox == []


def test_the_read_receipt_is_stamped_the_first_time_only(reg: Reg) -> None:
    push.push_policy(reg.policy, actor=reg.world.office)
    made = Push.objects.get()
    first = push.record_read(made.token).read_at
    assert first is not None
    assert push.record_read(made.token).read_at == first
    for bad in ("", "nope", "x" * 200):
        with pytest.raises(NotFound):
            push.record_read(bad)


def test_no_phone_number_in_the_audit_or_the_log(
    reg: Reg, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    caplog.set_level("DEBUG")
    with django_capture_on_commit_callbacks(execute=True):
        push.push_policy(reg.policy, actor=reg.world.office)
    push.send_pushes(reg.policy.pk)
    dumped = json.dumps([e.changes for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert "13912345678" not in dumped and "13912345678" not in caplog.text
    assert "zhang@example.com" not in caplog.text


def test_the_worker_sends_a_long_list_in_batches(
    reg: Reg, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(push, "SEND_BATCH", 1)
    reg.unknown.revenue = Decimal(900)
    reg.unknown.save()
    matches.store_matches(reg.policy)
    with django_capture_on_commit_callbacks(execute=True):
        assert push.push_policy(reg.policy, actor=reg.world.office) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert run_ready_tasks() == 2  # the first batch enqueues the second
    assert not Push.objects.filter(sent_at__isnull=True).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.com", "zhang@example.com"]
