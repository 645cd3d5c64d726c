"""WeCom and DingTalk group robots against the fake robots: the payloads they check,
DingTalk's 加签, the services' rate-limit and error codes, the stored webhook address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest

from shishi.notify.channels.base import Outcome, Outgoing
from shishi.notify.channels.robots import (
    DingtalkChannel,
    InvalidWebhook,
    WecomChannel,
    dingtalk_sign,
)
from shishi.notify.fakes import FakeGateway, FakeProxy

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
DING_SECRET = "SEC0123456789abcdef0123456789abcdef"
MARKDOWN = "### 督办提醒\n> 事项：老旧小区改造\n> 截止：6月30日\n[查看](https://shishi.example/i/7)"


def wecom(
    address: str = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}", **kw: Any
) -> Outgoing:
    fields: dict[str, Any] = {"key": "w-1", "markdown": MARKDOWN}
    fields.update(kw)
    return Outgoing(channel="wecom", address=address, **fields)


def dingtalk(
    address: str = f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}",
    secret: str | None = DING_SECRET,
    **kw: Any,
) -> Outgoing:
    fields: dict[str, Any] = {"key": "d-1", "markdown": MARKDOWN}
    fields.update(kw)
    extra = {"secret": secret} if secret else {}
    return Outgoing(channel="dingtalk", address=address, extra=extra, **fields)


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeGateway]:
    with FakeGateway(dingtalk_secrets={DING_TOKEN: DING_SECRET}, hang_seconds=1.5) as fake:
        settings.SHISHI_WECOM_URL = fake.url
        settings.SHISHI_DINGTALK_URL = fake.url
        settings.SHISHI_OUTBOUND_PROXY = ""
        settings.SHISHI_NOTIFY_CONNECT_TIMEOUT = 0.5
        settings.SHISHI_NOTIFY_READ_TIMEOUT = 0.5
        yield fake


@pytest.fixture
def wecom_channel(gateway: FakeGateway) -> Iterator[WecomChannel]:
    sender = WecomChannel()
    yield sender
    sender.close()


@pytest.fixture
def dingtalk_channel(gateway: FakeGateway) -> Iterator[DingtalkChannel]:
    sender = DingtalkChannel()
    yield sender
    sender.close()


# -- WeCom -------------------------------------------------------------------------------------


def test_wecom_markdown_is_delivered_to_the_configured_base(
    gateway: FakeGateway, wecom_channel: WecomChannel
) -> None:
    result = wecom_channel.send(wecom())

    assert result.outcome == Outcome.DELIVERED
    [record] = gateway.wecom
    assert record.token == WECOM_KEY
    assert record.payload == {"msgtype": "markdown", "markdown": {"content": MARKDOWN}}


def test_wecom_rate_limit_code_is_temporary_then_delivered(
    gateway: FakeGateway, wecom_channel: WecomChannel
) -> None:
    busy = wecom_channel.send(wecom(address="robot-key-busy"))
    again = wecom_channel.send(wecom(address="robot-key-busy"))

    assert busy.outcome == Outcome.TEMPORARY
    assert "45009" in busy.error
    assert busy.retry_after == 60.0
    assert again.outcome == Outcome.DELIVERED


def test_wecom_robot_over_20_a_minute_is_refused_by_the_service(
    gateway: FakeGateway, wecom_channel: WecomChannel
) -> None:
    outcomes = [wecom_channel.send(wecom(key=f"w-{n}")).outcome for n in range(21)]

    assert outcomes == [Outcome.DELIVERED] * 20 + [Outcome.TEMPORARY]


def test_wecom_invalid_webhook_is_permanent(
    gateway: FakeGateway, wecom_channel: WecomChannel
) -> None:
    result = wecom_channel.send(wecom(address="robot-key-invalid"))

    assert result.outcome == Outcome.PERMANENT
    assert "93000" in result.error


def test_wecom_system_busy_is_temporary(gateway: FakeGateway, wecom_channel: WecomChannel) -> None:
    gateway.fail_next("wecom", "temporary")

    assert wecom_channel.send(wecom()).outcome == Outcome.TEMPORARY
    assert wecom_channel.send(wecom()).outcome == Outcome.DELIVERED


def test_wecom_no_answer_is_unknown(gateway: FakeGateway, wecom_channel: WecomChannel) -> None:
    result = wecom_channel.send(wecom(address="robot-key-hang"))

    assert result.outcome == Outcome.UNKNOWN
    assert len(gateway.wecom) == 1  # it is in the group


def test_wecom_markdown_over_4096_bytes_is_permanent_without_a_request(
    gateway: FakeGateway, wecom_channel: WecomChannel
) -> None:
    result = wecom_channel.send(wecom(markdown="实" * 1366))  # 4098 bytes

    assert result.outcome == Outcome.PERMANENT
    assert gateway.wecom == [] and gateway.rejected == []


def test_fake_wecom_checks_the_payload_shape(gateway: FakeGateway) -> None:
    url = f"{gateway.url}/cgi-bin/webhook/send?key={WECOM_KEY}"
    answers = [
        httpx.post(url, json=payload, trust_env=False).json()["errcode"]
        for payload in (
            {"msgtype": "markdown", "markdown": {}},
            {"msgtype": "news"},
            {"markdown": {"content": "x"}},
        )
    ]
    assert answers == [44004, 40008, 40008]
    assert gateway.wecom == []


# -- DingTalk ----------------------------------------------------------------------------------


def test_dingtalk_signed_markdown_is_delivered_with_its_title(
    gateway: FakeGateway, dingtalk_channel: DingtalkChannel
) -> None:
    result = dingtalk_channel.send(dingtalk())

    assert result.outcome == Outcome.DELIVERED
    [record] = gateway.dingtalk
    assert record.payload == {
        "msgtype": "markdown",
        "markdown": {"title": "督办提醒", "text": MARKDOWN},
    }


def test_dingtalk_title_is_the_subject_when_given(
    gateway: FakeGateway, dingtalk_channel: DingtalkChannel
) -> None:
    dingtalk_channel.send(dingtalk(subject="事项到期"))

    assert gateway.dingtalk[0].payload["markdown"]["title"] == "事项到期"


@pytest.mark.parametrize("secret", ["SECwrong", None])
def test_dingtalk_wrong_or_missing_sign_is_refused_by_the_fake(
    gateway: FakeGateway, dingtalk_channel: DingtalkChannel, secret: str | None
) -> None:
    result = dingtalk_channel.send(dingtalk(secret=secret))

    assert result.outcome == Outcome.PERMANENT
    assert "310000" in result.error
    assert gateway.dingtalk == []


def test_fake_dingtalk_refuses_a_timestamp_over_an_hour_old(gateway: FakeGateway) -> None:
    stamp = str(int(time.time() * 1000) - 3_601_000)
    response = httpx.post(
        f"{gateway.url}/robot/send",
        params={
            "access_token": DING_TOKEN,
            "timestamp": stamp,
            "sign": dingtalk_sign(DING_SECRET, stamp),
        },
        json={"msgtype": "markdown", "markdown": {"title": "t", "text": "x"}},
        trust_env=False,
    )
    assert response.json() == {"errcode": 310000, "errmsg": "timestamp out of window"}


def test_dingtalk_sign_is_dingtalks_documented_computation() -> None:
    stamp = "1577262236757"
    digest = hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256)
    expected_in_url = quote_plus(base64.b64encode(digest.digest()))

    assert quote_plus(dingtalk_sign(DING_SECRET, stamp)) == expected_in_url
    request = httpx.Request(
        "POST", "http://x/robot/send", params={"sign": dingtalk_sign(DING_SECRET, stamp)}
    )
    assert request.url.query.decode() == f"sign={expected_in_url}"  # as DingTalk expects it


def test_dingtalk_too_fast_is_temporary_for_ten_minutes(
    gateway: FakeGateway, dingtalk_channel: DingtalkChannel
) -> None:
    gateway.fail_next("dingtalk", "rate_limited")

    result = dingtalk_channel.send(dingtalk())

    assert result.outcome == Outcome.TEMPORARY
    assert "130101" in result.error
    assert result.retry_after == 600.0


def test_dingtalk_unknown_token_is_permanent(
    gateway: FakeGateway, dingtalk_channel: DingtalkChannel
) -> None:
    result = dingtalk_channel.send(dingtalk(address="robot-token-invalid", secret=None))

    assert result.outcome == Outcome.PERMANENT
    assert "300001" in result.error


def test_dingtalk_no_answer_is_unknown(
    gateway: FakeGateway, dingtalk_channel: DingtalkChannel
) -> None:
    gateway.fail_next("dingtalk", "hang")

    assert dingtalk_channel.send(dingtalk()).outcome == Outcome.UNKNOWN


# -- Addresses, proxy, logs --------------------------------------------------------------------


def test_webhook_addresses_accepted_and_refused(settings: Any) -> None:
    settings.SHISHI_WECOM_URL = "http://wecom-relay.zw.local:8080"
    accepted = [
        f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        f"http://wecom-relay.zw.local:8080/cgi-bin/webhook/send?key={WECOM_KEY}",
        f"  {WECOM_KEY} ",
    ]
    refused = [
        f"https://evil.example/cgi-bin/webhook/send?key={WECOM_KEY}",
        f"http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a&key=b",
        "short",
        "has spaces in it",
    ]
    assert [WecomChannel.token_from_address(a) for a in accepted] == [WECOM_KEY] * 3
    for address in refused:
        with pytest.raises(InvalidWebhook) as caught:
            WecomChannel.token_from_address(address)
        assert WECOM_KEY not in str(caught.value)


def test_a_stored_hook_on_another_host_is_never_called(
    gateway: FakeGateway, wecom_channel: WecomChannel
) -> None:
    result = wecom_channel.send(
        wecom(address=f"http://127.0.0.1:1/cgi-bin/webhook/send?key={WECOM_KEY}")
    )

    assert result.outcome == Outcome.PERMANENT
    assert gateway.wecom == []


def test_robots_go_through_the_outbound_proxy(gateway: FakeGateway, settings: Any) -> None:
    with FakeProxy() as proxy:
        settings.SHISHI_OUTBOUND_PROXY = proxy.url
        wecom_sender, dingtalk_sender = WecomChannel(), DingtalkChannel()
        results = [wecom_sender.send(wecom()), dingtalk_sender.send(dingtalk())]
        wecom_sender.close()
        dingtalk_sender.close()

    assert [r.outcome for r in results] == [Outcome.DELIVERED, Outcome.DELIVERED]
    assert [url.split("?")[0] for _, url in proxy.seen] == [
        f"{gateway.url}/cgi-bin/webhook/send",
        f"{gateway.url}/robot/send",
    ]


def test_logs_carry_no_webhook_key_token_or_secret(
    gateway: FakeGateway,
    wecom_channel: WecomChannel,
    dingtalk_channel: DingtalkChannel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wecom_channel.send(wecom())
    wecom_channel.send(wecom(address=f"https://evil.example/cgi-bin/webhook/send?key={WECOM_KEY}"))
    dingtalk_channel.send(dingtalk())
    dingtalk_channel.send(dingtalk(secret="SECwrong"))

    assert "wecom w-1: delivered" in caplog.text
    for secret in (WECOM_KEY, DING_TOKEN, DING_SECRET, "SECwrong"):
        assert secret not in caplog.text
