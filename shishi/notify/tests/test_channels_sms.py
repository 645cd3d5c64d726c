"""SMS against the fake gateway of the HTTP contract: what the gateway receives, each kind of
answer, the outbound proxy, the signed delivery reports coming back, and the logs."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.test import Client

from shishi.notify import callback_views
from shishi.notify.channels.base import Outcome, Outgoing
from shishi.notify.channels.sms import (
    REPORT_PATH,
    SignatureRejected,
    SmsChannel,
    SmsReport,
    parse_reports,
    signed_headers,
    verify_signed_request,
)
from shishi.notify.fakes import FakeGateway, FakeProxy

KEY, SECRET = "test-key", "test-secret-0123456789"
NUMBER = "13912345678"


def sms(address: str = NUMBER, key: str = "delivery-1", **kw: Any) -> Outgoing:
    fields: dict[str, Any] = {
        "template_id": "SMS_DEADLINE_1",
        "params": {"item": "老旧小区改造", "date": "6月30日"},
        "text": "【为民办实事】您负责的老旧小区改造将于6月30日到期。",
    }
    fields.update(kw)
    return Outgoing(channel="sms", address=address, key=key, **fields)


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway(sms_key=KEY, sms_secret=SECRET, hang_seconds=1.5) as fake:
        yield fake


@pytest.fixture
def sms_settings(settings: Any, gateway: FakeGateway) -> Any:
    settings.SHISHI_SMS_URL = gateway.url
    settings.SHISHI_SMS_KEY = KEY
    settings.SHISHI_SMS_SECRET = SECRET
    settings.SHISHI_SMS_SIGN = "【南岗区为民办实事】"
    settings.SHISHI_NOTIFY_CONNECT_TIMEOUT = 0.5
    settings.SHISHI_NOTIFY_READ_TIMEOUT = 0.5
    settings.SHISHI_OUTBOUND_PROXY = ""
    return settings


@pytest.fixture
def channel(sms_settings: Any) -> Iterator[SmsChannel]:
    sender = SmsChannel()
    yield sender
    sender.close()


def test_accepted_message_reaches_the_gateway_as_the_contract_says(
    gateway: FakeGateway, channel: SmsChannel
) -> None:
    result = channel.send(sms())

    assert result.outcome == Outcome.SENT
    [record] = gateway.sms
    assert result.provider_id == record.message_id
    assert record.to == NUMBER
    assert record.template_id == "SMS_DEADLINE_1"
    assert record.params == {"item": "老旧小区改造", "date": "6月30日"}
    assert record.sign == "【南岗区为民办实事】"
    assert record.request_id == "delivery-1"
    assert gateway.rejected == []


def test_the_same_delivery_key_gets_the_first_message_id(
    gateway: FakeGateway, channel: SmsChannel
) -> None:
    first = channel.send(sms(key="delivery-9"))
    again = channel.send(sms(key="delivery-9"))

    assert again.outcome == Outcome.SENT
    assert again.provider_id == first.provider_id
    assert len(gateway.sms) == 1


def test_temporary_failure_then_success_honours_retry_after(
    gateway: FakeGateway, channel: SmsChannel
) -> None:
    first = channel.send(sms(address="13900000001"))  # 0001: temporary once
    second = channel.send(sms(address="13900000001"))

    assert first.outcome == Outcome.TEMPORARY
    assert first.retry_after == 1.0
    assert second.outcome == Outcome.SENT
    assert len(gateway.sms) == 1


def test_rate_limited_is_temporary_with_the_gateways_wait(channel: SmsChannel) -> None:
    result = channel.send(sms(address="13900000003"))

    assert result.outcome == Outcome.TEMPORARY
    assert result.retry_after == 2.0


@pytest.mark.parametrize(
    ("number", "words"), [("13900000002", "号码无效"), ("13900000006", "模板未通过")]
)
def test_refused_number_or_template_is_permanent(
    gateway: FakeGateway, channel: SmsChannel, number: str, words: str
) -> None:
    result = channel.send(sms(address=number))

    assert result.outcome == Outcome.PERMANENT
    assert words in result.error
    assert gateway.sms == []


def test_server_errors_and_the_busy_code_are_temporary(
    gateway: FakeGateway, channel: SmsChannel
) -> None:
    gateway.fail_next("sms", "temporary")

    assert channel.send(sms(key="a")).outcome == Outcome.TEMPORARY
    assert channel.send(sms(key="a")).outcome == Outcome.SENT


def test_no_answer_after_sending_is_unknown(gateway: FakeGateway, channel: SmsChannel) -> None:
    started = time.monotonic()
    result = channel.send(sms(address="13900000004"))  # 0004: the gateway hangs

    assert result.outcome == Outcome.UNKNOWN
    assert time.monotonic() - started < 1.4  # the read timeout fired, not the gateway's answer
    assert [r.to for r in gateway.sms] == ["13900000004"]  # it did reach the gateway
    assert channel.send(sms(key="next")).outcome == Outcome.SENT  # a fresh connection


def test_gateway_down_is_temporary(sms_settings: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sender = SmsChannel(base_url=f"http://127.0.0.1:{probe.getsockname()[1]}")
        result = sender.send(sms())
    sender.close()
    assert result.outcome == Outcome.TEMPORARY


def test_wrong_secret_is_permanent_and_the_gateway_says_why(
    gateway: FakeGateway, sms_settings: Any
) -> None:
    sender = SmsChannel(secret="not-the-secret")
    result = sender.send(sms())
    sender.close()

    assert result.outcome == Outcome.PERMANENT
    assert "签名" in result.error
    assert gateway.rejected == [("sms", "bad_signature: bad signature")]


def test_bad_number_missing_template_or_settings_never_reach_the_gateway(
    gateway: FakeGateway, channel: SmsChannel, sms_settings: Any
) -> None:
    assert channel.send(sms(address="1391234567")).outcome == Outcome.PERMANENT
    assert channel.send(sms(template_id="")).outcome == Outcome.PERMANENT
    sms_settings.SHISHI_SMS_URL = ""
    unconfigured = SmsChannel()
    assert unconfigured.send(sms()).outcome == Outcome.PERMANENT
    assert gateway.sms == [] and gateway.rejected == []


def test_requests_go_through_the_outbound_proxy(gateway: FakeGateway, sms_settings: Any) -> None:
    with FakeProxy() as proxy:
        sms_settings.SHISHI_OUTBOUND_PROXY = proxy.url
        sender = SmsChannel()
        result = sender.send(sms())
        sender.close()

    assert result.outcome == Outcome.SENT
    assert proxy.seen == [("POST", f"{gateway.url}/v1/sms/send")]
    assert len(gateway.sms) == 1


def test_logs_name_neither_the_number_nor_the_key_or_secret(
    gateway: FakeGateway, channel: SmsChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for number in (NUMBER, "13900000001", "13900000002", "13900000004"):
        channel.send(sms(address=number, key=f"k-{number[-4:]}"))

    assert "sms k-5678: sent" in caplog.text
    for secret in (NUMBER, "13900000001", "13900000002", "13900000004", KEY, SECRET):
        assert secret not in caplog.text


# -- Signing -----------------------------------------------------------------------------------


def test_signature_covers_method_path_time_nonce_and_body() -> None:
    body = b'{"to":"13912345678"}'
    headers = signed_headers(key=KEY, secret=SECRET, method="POST", path="/v1/sms/send", body=body)

    verify_signed_request(
        key=KEY,
        secret=SECRET,
        method="POST",
        path="/v1/sms/send",
        body=body,
        headers={k.lower(): v for k, v in headers.items()},
    )
    for changed in (
        {"body": b'{"to":"13912345679"}'},
        {"path": "/v1/sms/other"},
        {"method": "PUT"},
        {"secret": "other"},
        {"key": "other"},
    ):
        args: dict[str, Any] = {
            "key": KEY,
            "secret": SECRET,
            "method": "POST",
            "path": "/v1/sms/send",
            "body": body,
        }
        args.update(changed)
        with pytest.raises(SignatureRejected):
            verify_signed_request(headers=headers, **args)


def test_stale_timestamp_is_rejected() -> None:
    body = b"{}"
    old = signed_headers(
        key=KEY, secret=SECRET, method="POST", path="/p", body=body, now=time.time() - 301
    )
    with pytest.raises(SignatureRejected, match="stale"):
        verify_signed_request(
            key=KEY, secret=SECRET, method="POST", path="/p", body=body, headers=old
        )


# -- Delivery reports --------------------------------------------------------------------------


def report_body(*items: dict[str, Any]) -> bytes:
    return json.dumps({"reports": list(items)}).encode()


def post_reports(body: bytes, headers: dict[str, str]) -> Any:
    return Client().post(REPORT_PATH, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> list[SmsReport]:
    """What the view hands to the engine (shishi.notify.services.apply_delivery_reports)."""
    seen: list[SmsReport] = []

    def apply(reports: list[SmsReport]) -> int:
        seen.extend(reports)
        return len(reports)

    monkeypatch.setattr(callback_views, "apply_reports", apply)
    return seen


def test_signed_reports_are_parsed_and_applied(sms_settings: Any, applied: list[SmsReport]) -> None:
    body = report_body(
        {"message_id": "m-1", "status": "delivered"},
        {"message_id": "m-2", "status": "failed", "error": "UNDELIV"},
    )
    headers = signed_headers(key=KEY, secret=SECRET, method="POST", path=REPORT_PATH, body=body)

    response = post_reports(body, headers)

    assert response.status_code == 200
    assert response.json() == {"received": 2, "applied": 2}
    assert applied == [SmsReport("m-1", True, ""), SmsReport("m-2", False, "UNDELIV")]


@pytest.mark.parametrize("fault", ["signature", "key", "stale", "unsigned"])
def test_reports_with_a_bad_signature_or_old_timestamp_are_refused(
    sms_settings: Any, applied: list[SmsReport], fault: str
) -> None:
    body = report_body({"message_id": "m-1", "status": "delivered"})
    now = time.time() - 3600 if fault == "stale" else None
    headers = signed_headers(
        key="other" if fault == "key" else KEY,
        secret="other" if fault == "signature" else SECRET,
        method="POST",
        path=REPORT_PATH,
        body=body,
        now=now,
    )
    if fault == "unsigned":
        headers = {}

    response = post_reports(body, headers)

    assert response.status_code == 403
    assert applied == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "JSON"),
        (b'{"reports": {}}', "reports"),
        (b'{"reports": [{"message_id": "m", "status": "lost"}]}', "reports[0].status"),
        (b'{"reports": [{"status": "delivered"}]}', "reports[0].message_id"),
    ],
)
def test_reports_that_are_not_the_contracts_json_are_a_400_naming_the_field(
    sms_settings: Any, applied: list[SmsReport], body: bytes, field: str
) -> None:
    headers = signed_headers(key=KEY, secret=SECRET, method="POST", path=REPORT_PATH, body=body)

    response = post_reports(body, headers)

    assert response.status_code == 400
    assert field in response.json()["error"]
    assert applied == []


def test_report_endpoint_takes_post_only(sms_settings: Any) -> None:
    assert Client().get(REPORT_PATH).status_code == 405


def test_reports_that_cannot_be_recorded_are_a_503_not_a_500(
    sms_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(reports: list[SmsReport]) -> int:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(callback_views, "apply_reports", broken)
    body = report_body({"message_id": "m-1", "status": "delivered"})
    headers = signed_headers(key=KEY, secret=SECRET, method="POST", path=REPORT_PATH, body=body)

    response = post_reports(body, headers)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_parse_reports_keeps_errors_short() -> None:
    [report] = parse_reports(
        report_body({"message_id": "m", "status": "failed", "error": "E" * 999})
    )
    assert report == SmsReport("m", False, "E" * 200)


def test_the_gateway_posts_signed_reports_back_to_the_site(
    live_server: Any, settings: Any, applied: list[SmsReport]
) -> None:
    settings.SHISHI_SMS_KEY, settings.SHISHI_SMS_SECRET = KEY, SECRET
    with FakeGateway(
        sms_key=KEY, sms_secret=SECRET, report_url=live_server.url + REPORT_PATH, report_delay=0
    ) as fake:
        sender = SmsChannel(base_url=fake.url, key=KEY, secret=SECRET, timeout=httpx.Timeout(2.0))
        ok = sender.send(sms(key="r-1"))
        undelivered = sender.send(sms(address="13900000005", key="r-2"))  # 0005: UNDELIV
        sender.close()
        deadline = time.monotonic() + 5
        while len(applied) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)

    assert sorted(applied, key=lambda r: r.delivered) == [
        SmsReport(undelivered.provider_id, False, "UNDELIV"),
        SmsReport(ok.provider_id, True, ""),
    ]
    assert all(post.status == 200 for post in fake.report_posts)
