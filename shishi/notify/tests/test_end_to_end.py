"""From ``notify()`` to the far end: the worker's task sends through the real channels to the
local fake gateway (SMS, WeCom, DingTalk) and a real SMTP server on loopback, and the office's
log shows what happened. No scripted channel here: these are the parts the demo runs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from shishi.conftest import World, client_for
from shishi.jobs.worker import run_ready_tasks
from shishi.notify.channels.sms import REPORT_PATH, signed_headers
from shishi.notify.fakes import FakeGateway
from shishi.notify.fakes.smtp import FakeSmtp
from shishi.notify.models import Delivery, Status
from shishi.notify.services import notify, sweep
from shishi.notify.services.hooks import add_robot_hook
from shishi.notify.tests import factories

pytestmark = pytest.mark.django_db

KEY, SECRET = "e2e-key", "e2e-secret"
CONTEXT = {"number": "1-1", "name": "老旧小区改造", "due": "2021年6月底前"}


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeGateway]:
    with FakeGateway(sms_key=KEY, sms_secret=SECRET, hang_seconds=1.5) as fake:
        settings.SHISHI_SMS_URL = fake.url
        settings.SHISHI_SMS_KEY, settings.SHISHI_SMS_SECRET = KEY, SECRET
        settings.SHISHI_WECOM_URL = settings.SHISHI_DINGTALK_URL = fake.url
        settings.SHISHI_OUTBOUND_PROXY = ""
        settings.SHISHI_NOTIFY_READ_TIMEOUT = 0.5
        settings.SHISHI_NOTIFY_RETRY_SECONDS = 0  # a retry is due at once: the test runs it
        yield fake


@pytest.fixture
def smtp(settings: Any) -> Iterator[FakeSmtp]:
    with FakeSmtp() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        yield server


def _urgent_sms_to(world: World, phone: str, capture: Any) -> Delivery:
    factories.contact(world.editor_a, phone=phone)
    with capture(execute=True):
        notify(
            [world.editor_a],
            "deadline.tomorrow",
            CONTEXT,
            link="/ledger/items/1/",
            jurisdiction=world.nangang.pk,
        )
    return Delivery.objects.get(channel="sms")


def test_an_sms_is_sent_then_reported_delivered(
    world: World, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = _urgent_sms_to(world, "13812345678", django_capture_on_commit_callbacks)
    assert run_ready_tasks() >= 1
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 1
    [record] = gateway.sms
    assert record.to == "13812345678" and record.request_id == delivery.key
    assert record.message_id == delivery.provider_id
    # The gateway's delivery report, signed as the contract says, reaches the endpoint.
    body = json.dumps(
        {"reports": [{"message_id": record.message_id, "status": "delivered"}]}
    ).encode()
    headers = signed_headers(key=KEY, secret=SECRET, method="POST", path=REPORT_PATH, body=body)
    response = client_for(world.office).post(
        REPORT_PATH,
        body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k.lower() != "content-type"},
    )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED


def test_a_temporary_failure_is_retried_and_then_sent_once(
    world: World, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = _urgent_sms_to(world, "13812340001", django_capture_on_commit_callbacks)
    run_ready_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.QUEUED, 1)
    assert delivery.last_error and delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > timezone.now()  # backing off
    # The back-off has passed: the minute's sweep hands the due retry to the worker.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert sweep(timezone.now() + dt.timedelta(seconds=1))[1] == 1
    run_ready_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)
    assert len(gateway.sms) == 1  # accepted once


def test_a_permanent_failure_is_logged_and_never_retried(
    world: World, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = _urgent_sms_to(world, "13812340002", django_capture_on_commit_callbacks)
    run_ready_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert delivery.last_error
    assert sweep(timezone.now() + dt.timedelta(hours=1))[1] == 0
    assert run_ready_tasks() == 0
    log = client_for(world.office).get("/notify/log/?status=failed").content.decode()
    assert "138****0002" in log and "13812340002" not in log  # masked for the office


def test_an_sms_without_an_answer_is_unknown_and_not_sent_again(
    world: World, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    delivery = _urgent_sms_to(world, "13812340004", django_capture_on_commit_callbacks)
    run_ready_tasks()
    delivery.refresh_from_db()
    assert delivery.status == Status.UNKNOWN
    sweep(timezone.now() + dt.timedelta(hours=1))
    assert run_ready_tasks() == 0
    delivery.refresh_from_db()
    assert delivery.status == Status.UNKNOWN and delivery.attempts == 1


def test_an_email_reaches_the_smtp_server(
    world: World, smtp: FakeSmtp, django_capture_on_commit_callbacks: Any
) -> None:
    factories.contact(world.editor_a, email="editor-a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.editor_a], "progress.rejected", {**CONTEXT, "comment": "请补充照片"})
    run_ready_tasks()
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == Status.SENT
    [mail] = smtp.received
    message = mail.message
    assert "editor-a@example.org" in mail.recipients
    assert "请补充照片" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_group_robots_receive_the_units_message(
    world: World, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    gateway.dingtalk_secrets["ding-token"] = "SECdingsecret"
    add_robot_hook(
        actor=world.office,
        jurisdiction=world.nangang,
        unit=world.unit_a,
        kind="wecom",
        name="城管局工作群",
        url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key",
    )
    add_robot_hook(
        actor=world.office,
        jurisdiction=world.nangang,
        unit=world.unit_a,
        kind="dingtalk",
        name="城管局钉钉群",
        url="https://oapi.dingtalk.com/robot/send?access_token=ding-token",
        secret="SECdingsecret",
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.unit_a], "deadline.overdue", CONTEXT)
    run_ready_tasks()
    robots = Delivery.objects.filter(channel__in=["wecom", "dingtalk"])
    assert sorted(d.status for d in robots) == [Status.DELIVERED, Status.DELIVERED]
    assert len(gateway.wecom) == 1 and "老旧小区改造" in json.dumps(
        gateway.wecom[0].payload, ensure_ascii=False
    )
    assert len(gateway.dingtalk) == 1  # its signature checked by the fake
    assert not gateway.rejected
