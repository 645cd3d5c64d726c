"""The delivery engine through a scripted channel: outcomes, retries, pacing, recovery and
delivery reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shishi.conftest import World
from shishi.notify.channels.base import Outcome, SendResult
from shishi.notify.models import Contact, Delivery, Preference, RobotHook, Status
from shishi.notify.services import (
    DeliveryReport,
    apply_delivery_reports,
    deliver_batch,
    notify,
    send_digests,
    sweep,
)
from shishi.notify.services.engine import backoff
from shishi.notify.tests import factories
from shishi.notify.tests.scripted import ScriptedChannel

pytestmark = pytest.mark.django_db
CTX = {
    "number": "1-1",
    "name": "抢修一曼街",
    "comment": "请补充照片",
    "title": "周报",
    "due": "周五",
}


def _sms_to_editor_a(world: World, kind: str = "report.due") -> Delivery:
    factories.contact(world.editor_a, phone="13812341234")
    Preference.objects.update_or_create(
        user=world.editor_a, kind=kind, defaults={"channels": ["sms"]}
    )
    notice = notify([world.editor_a], kind, CTX, urgency="urgent", link="/ledger/items/1/")
    return Delivery.objects.get(channel="sms", message__notice=notice.token)


def _shift(delivery: Delivery, **values: Any) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(**values)


def test_a_sent_sms_carries_template_params_and_the_provider_id(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    d = _sms_to_editor_a(world)
    scripted.reset(SendResult(Outcome.SENT, provider_id="gw-1"))
    report = deliver_batch([d.pk])
    d.refresh_from_db()
    assert (d.status, d.attempts, d.provider_id) == (Status.SENT, 1, "gw-1")
    [out] = scripted.sent
    assert out.address == "13812341234" and out.key == d.key
    assert out.template_id == "SMS_REPORT_DUE" and out.params == {"title": "周报", "due": "周五"}
    assert out.text == f"{django_settings.SHISHI_SMS_SIGN}请于周五前报送「周报」。"
    assert report.attempted == 1 and scripted.closed == 1
    assert deliver_batch([d.pk]).attempted == 0  # done: never sent again
    assert len(scripted.sent) == 1


def test_temporary_failure_backs_off_then_succeeds(
    world: World, scripted: type[ScriptedChannel], settings: Any
) -> None:
    settings.SHISHI_NOTIFY_RETRY_SECONDS = 30
    d = _sms_to_editor_a(world)
    scripted.reset(
        SendResult(Outcome.TEMPORARY, error="网关繁忙"),
        SendResult(Outcome.TEMPORARY, error="网关繁忙", retry_after=120),
        SendResult(Outcome.SENT, provider_id="gw-9"),
    )
    before = timezone.now()
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == (Status.QUEUED, 1, "网关繁忙")
    assert d.handed_at is None
    assert d.next_attempt_at is not None
    wait = (d.next_attempt_at - before).total_seconds()
    assert 29 <= wait <= 32
    assert deliver_batch([d.pk]).attempted == 0  # not due yet
    _shift(d, next_attempt_at=before)
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert d.attempts == 2
    assert d.next_attempt_at is not None
    assert 119 <= (d.next_attempt_at - before).total_seconds() <= 125  # Retry-After wins
    _shift(d, next_attempt_at=before)
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert (d.status, d.attempts, d.provider_id, d.last_error) == (Status.SENT, 3, "gw-9", "")
    assert len(scripted.sent) == 3
    assert len({o.key for o in scripted.sent}) == 1  # the same idempotency key each time


def test_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.SHISHI_NOTIFY_RETRY_SECONDS = 30
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == 3600
    assert backoff(1, retry_after=5) == 5


def test_temporary_failures_fail_after_the_last_attempt(
    world: World, scripted: type[ScriptedChannel], settings: Any
) -> None:
    settings.SHISHI_NOTIFY_MAX_ATTEMPTS = 2
    d = _sms_to_editor_a(world)
    scripted.reset(*[SendResult(Outcome.TEMPORARY, error="超时")] * 3)
    deliver_batch([d.pk])
    _shift(d, next_attempt_at=timezone.now())
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert (d.status, d.attempts) == (Status.FAILED, 2)
    assert len(scripted.sent) == 2


def test_permanent_failure_is_failed_with_no_retry(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    d = _sms_to_editor_a(world)
    scripted.reset(SendResult(Outcome.PERMANENT, error="号码无效"))
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert (d.status, d.last_error, d.attempts) == (Status.FAILED, "号码无效", 1)
    assert d.done_at is not None
    assert sweep(timezone.now() + dt.timedelta(days=1)) == (0, 0)
    assert deliver_batch([d.pk]).attempted == 0
    assert len(scripted.sent) == 1


def test_unknown_outcome_is_never_sent_again_automatically(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    d = _sms_to_editor_a(world)
    scripted.reset(SendResult(Outcome.UNKNOWN, error="读取超时"))
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert d.status == Status.UNKNOWN
    later = timezone.now() + dt.timedelta(days=2)
    assert sweep(later) == (0, 0)
    assert deliver_batch([d.pk]).attempted == 0
    assert len(scripted.sent) == 1


def test_a_channel_that_raises_leaves_the_delivery_unknown(
    world: World, scripted: type[ScriptedChannel], monkeypatch: Any
) -> None:
    d = _sms_to_editor_a(world)

    def boom(self: Any, outgoing: Any) -> SendResult:
        raise ConnectionResetError

    monkeypatch.setattr(ScriptedChannel, "send", boom)
    deliver_batch([d.pk])
    d.refresh_from_db()
    assert d.status == Status.UNKNOWN and "ConnectionResetError" in d.last_error


def test_a_worker_that_died_mid_send_leaves_unknown_after_the_timeout(
    world: World, settings: Any
) -> None:
    settings.SHISHI_NOTIFY_SENDING_TIMEOUT = 600
    d = _sms_to_editor_a(world)
    now = timezone.now()
    claimed = now - dt.timedelta(seconds=300)
    _shift(d, status=Status.SENDING, claimed_at=claimed, claim="dead", last_attempt_at=claimed)
    assert sweep(now) == (0, 0)  # still within the timeout
    _shift(d, claimed_at=now - dt.timedelta(seconds=601))  # its send had started
    assert sweep(now) == (1, 0)
    d.refresh_from_db()
    assert d.status == Status.UNKNOWN and "中断" in d.last_error


def test_a_worker_that_died_before_a_send_started_leaves_it_queued_again(
    world: World, settings: Any
) -> None:
    settings.SHISHI_NOTIFY_SENDING_TIMEOUT = 600
    d = _sms_to_editor_a(world)
    now = timezone.now()
    claimed = now - dt.timedelta(seconds=601)
    # Claimed with its batch, then the worker died before reaching it: no stamp since.
    _shift(d, status=Status.SENDING, claimed_at=claimed, claim="dead", attempts=1)
    assert sweep(now) == (0, 1)  # queued again and handed to the worker, not unknown
    d.refresh_from_db()
    assert (d.status, d.attempts) == (Status.QUEUED, 0)


def test_the_sweep_hands_due_retries_and_quiet_sms_to_the_worker(world: World) -> None:
    d = _sms_to_editor_a(world)
    now = timezone.now()
    _shift(d, status=Status.QUEUED, handed_at=None, next_attempt_at=now + dt.timedelta(hours=1))
    assert sweep(now) == (0, 0)
    DBTaskResult.objects.all().delete()
    assert sweep(now + dt.timedelta(hours=2)) == (0, 1)
    [task] = DBTaskResult.objects.all()
    assert task.args_kwargs["args"][0] == [d.pk]
    assert sweep(now + dt.timedelta(hours=2)) == (0, 0)  # handed already: not twice


def test_robots_are_paced_at_twenty_a_minute(
    world: World, scripted: type[ScriptedChannel], settings: Any
) -> None:
    settings.SHISHI_NOTIFY_ROBOT_PER_MINUTE = 20
    hook = factories.hook(world.nangang, unit=world.unit_a, kind="dingtalk", secret="SECabc")
    ids = []
    for i in range(25):
        ids += notify([hook], "report.due", {**CTX, "i": i}).due_ids
    report = deliver_batch(ids)
    assert report.attempted == 20 and report.paced == 5
    assert len(scripted.sent) == 20
    out = scripted.sent[0]
    assert out.channel == "dingtalk" and out.extra["secret"] == "SECabc"
    assert out.address.startswith("http://127.0.0.1:9/") and "周报" in out.markdown
    waiting = Delivery.objects.filter(status=Status.QUEUED)
    assert waiting.count() == 5
    assert all(d.attempts == 0 for d in waiting)
    assert all(d.next_attempt_at and d.next_attempt_at > timezone.now() for d in waiting)
    assert deliver_batch([d.pk for d in waiting]).attempted == 0  # not before next minute


def test_email_is_rendered_in_the_recipients_language(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    factories.contact(world.editor_a, email="a@example.org", language="en")
    notice = notify([world.editor_a], "progress.rejected", CTX, link="/ledger/items/1/")
    deliver_batch(notice.due_ids)
    [out] = scripted.sent
    assert out.address == "a@example.org"
    assert out.text.endswith("http://127.0.0.1:8000/ledger/items/1/")
    assert out.subject  # rendered with the English catalogue where it has the string


def test_delivery_reports_settle_sms(world: World, scripted: type[ScriptedChannel]) -> None:
    d = _sms_to_editor_a(world)
    scripted.reset(SendResult(Outcome.SENT, provider_id="gw-1"))
    deliver_batch([d.pk])
    e = _sms_to_editor_a(world, kind="deadline.tomorrow")
    scripted.reset(SendResult(Outcome.UNKNOWN, provider_id="gw-2"))
    deliver_batch([e.pk])
    changed = apply_delivery_reports(
        [
            DeliveryReport("gw-1", delivered=True),
            DeliveryReport("gw-2", delivered=False, error="用户关机"),
            DeliveryReport("gw-404", delivered=True),
        ]
    )
    assert changed == 2
    d.refresh_from_db()
    e.refresh_from_db()
    assert d.status == Status.DELIVERED
    assert (e.status, e.last_error) == (Status.FAILED, "用户关机")
    assert apply_delivery_reports([DeliveryReport("gw-1", delivered=True)]) == 0  # repeated


def test_the_daily_digest_sends_one_email_per_person(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    factories.contact(world.editor_a, email="a@example.org", digest=Contact.Digest.DAILY)
    for i in range(3):
        notify([world.editor_a], "progress.rejected", {**CTX, "comment": f"意见{i}"}, link="/x/")
    assert Delivery.objects.filter(status=Status.DIGEST).count() == 3
    assert deliver_batch(Delivery.objects.values_list("pk", flat=True)).attempted == 0
    report = send_digests(timezone.now())
    assert (report.emails, report.deliveries) == (1, 3)
    [out] = scripted.sent
    assert out.address == "a@example.org" and out.key.startswith(f"digest:{world.editor_a.pk}:")
    assert "3" in out.subject
    assert all(f"意见{i}" in out.text for i in range(3))
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}
    assert send_digests(timezone.now()).emails == 0


def test_a_digest_that_fails_for_now_waits_for_the_next_day(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    factories.contact(world.editor_a, email="a@example.org", digest=Contact.Digest.DAILY)
    notify([world.editor_a], "progress.rejected", CTX)
    scripted.reset(SendResult(Outcome.TEMPORARY, error="421"))
    send_digests()
    assert Delivery.objects.get().status == Status.DIGEST


def test_a_robot_turned_off_before_its_turn_gets_nothing(
    world: World, scripted: type[ScriptedChannel]
) -> None:
    hook = factories.hook(world.nangang, name="区群")
    notice = notify([hook], "report.due", CTX)
    RobotHook.objects.filter(pk=hook.pk).update(active=False)
    deliver_batch(notice.due_ids)
    assert scripted.sent == []
    d = Delivery.objects.get()
    assert (d.status, d.last_error) == (Status.FAILED, "群机器人已停用")
