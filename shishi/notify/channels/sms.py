"""SMS through shishi's HTTP gateway contract (docs/notifications.md, "SMS gateway contract").

A send is one signed ``POST {SHISHI_SMS_URL}/v1/sms/send`` with a JSON body
``{to, template_id, params, sign, text}``; the gateway answers ``{"message_id": …}`` and later
POSTs signed delivery reports to ``/notify/sms/reports/``. Requests both ways are signed the
same way: hex HMAC-SHA256, with the shared secret, over ::

    METHOD \\n PATH \\n X-Timestamp \\n X-Nonce \\n sha256-hex(body)

A carrier or a cloud provider (Aliyun, Tencent Cloud, China Mobile 云MAS…) is reached through a
small adapter speaking this contract; the document says how.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from shishi.notify.channels.base import Outcome, Outgoing, SendResult
from shishi.notify.channels.http import HttpChannel, retry_after, transport_failure

SEND_PATH = "/v1/sms/send"
REPORT_PATH = "/notify/sms/reports/"
MAX_AGE_SECONDS = 300  # how far a signed request's timestamp may be from our clock
MOBILE = re.compile(r"1[3-9]\d{9}")
# Error codes a gateway answers with that mean "later" whatever the HTTP status (the
# carrier's flow control, e.g. Aliyun's isv.BUSINESS_LIMIT_CONTROL, maps to "busy").
TEMPORARY_CODES = frozenset({"busy", "rate_limited", "carrier_unavailable"})
REASONS = {
    "invalid_number": "号码无效",
    "blacklisted": "号码在黑名单中",
    "template_refused": "模板未通过或不存在",
    "template_params": "模板参数不符",
    "sign_refused": "签名未报备",
    "bad_key": "网关密钥错误",
    "bad_signature": "请求签名错误",
    "stale_request": "请求时间戳过期（检查服务器时钟）",
    "busy": "运营商繁忙",
    "rate_limited": "发送过于频繁",
    "carrier_unavailable": "运营商通道不可用",
}

# -- Signing (both directions) --------------------------------------------------------------


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode()


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    *,
    key: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    request_id: str = "",
    now: float | None = None,
) -> dict[str, str]:
    """The headers of a signed request (the gateway's reports carry the same ones)."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Api-Key": key,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": signature(secret, method, path, timestamp, nonce, body),
    }
    if request_id:
        headers["X-Request-Id"] = request_id
    return headers


class SignatureRejected(ValueError):
    """A signed request that must be refused; the message says why (no secret in it)."""


def verify_signed_request(
    *,
    key: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    now: float | None = None,
    max_age: int = MAX_AGE_SECONDS,
) -> None:
    """Raise ``SignatureRejected`` unless the request carries ``key`` and a fresh, valid
    signature by ``secret``. ``headers`` may be any case (a dict, Django's ``request.headers``)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if not key or not secret:
        raise SignatureRejected("no key or secret configured")
    if not hmac.compare_digest(lowered.get("x-api-key", "").encode(), key.encode()):
        raise SignatureRejected("wrong api key")
    timestamp = lowered.get("x-timestamp", "")
    nonce = lowered.get("x-nonce", "")
    if not timestamp.isdigit() or not nonce:
        raise SignatureRejected("missing timestamp or nonce")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > max_age:
        raise SignatureRejected("stale timestamp")
    expected = signature(secret, method, path, timestamp, nonce, body)
    if not hmac.compare_digest(lowered.get("x-signature", "").lower().encode(), expected.encode()):
        raise SignatureRejected("bad signature")


# -- Delivery reports (gateway -> us) --------------------------------------------------------


@dataclass(frozen=True)
class SmsReport:
    """One delivery report, with the fields of ``shishi.notify.services.DeliveryReport``."""

    provider_id: str
    delivered: bool
    error: str = ""


def verify_report_request(
    body: bytes, headers: Mapping[str, str], *, path: str = REPORT_PATH, now: float | None = None
) -> None:
    """Raise ``SignatureRejected`` unless a report POST is signed by our gateway account."""
    verify_signed_request(
        key=settings.SHISHI_SMS_KEY,
        secret=settings.SHISHI_SMS_SECRET,
        method="POST",
        path=path,
        body=body,
        headers=headers,
        now=now,
    )


def parse_reports(body: bytes) -> list[SmsReport]:
    """``{"reports": [{"message_id", "status": "delivered"|"failed", "error"}]}`` to reports.

    Raises ``ValueError`` (with a message naming the field) for anything else.
    """
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("body is not JSON") from exc
    items = data.get("reports") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("reports: a list is required")
    reports = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"reports[{n}]: an object is required")
        message_id = item.get("message_id")
        status = item.get("status")
        if not isinstance(message_id, str) or not message_id or len(message_id) > 100:
            raise ValueError(f"reports[{n}].message_id: a string of 1-100 characters is required")
        if status not in ("delivered", "failed"):
            raise ValueError(f"reports[{n}].status: 'delivered' or 'failed' is required")
        error = item.get("error") or ""
        if not isinstance(error, str):
            raise ValueError(f"reports[{n}].error: a string is required")
        reports.append(SmsReport(message_id, status == "delivered", error[:200]))
    return reports


# -- Sending ---------------------------------------------------------------------------------


class SmsChannel(HttpChannel):
    """Sends one SMS per ``send`` through the gateway; keeps its connection for a batch."""

    name = "sms"

    def __init__(
        self,
        *,
        base_url: str | None = None,
        key: str | None = None,
        secret: str | None = None,
        sign: str | None = None,
        proxy: str | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        base = settings.SHISHI_SMS_URL if base_url is None else base_url
        self.url = base.rstrip("/") + SEND_PATH if base else ""
        self.path = urlsplit(self.url).path
        self.key = settings.SHISHI_SMS_KEY if key is None else key
        self.secret = settings.SHISHI_SMS_SECRET if secret is None else secret
        self.sign = settings.SHISHI_SMS_SIGN if sign is None else sign
        super().__init__(proxy=proxy, timeout=timeout)

    def _send(self, outgoing: Outgoing) -> SendResult:
        if not (self.url and self.key and self.secret):
            return SendResult(
                Outcome.PERMANENT, error="短信网关未配置（SHISHI_SMS_URL、KEY、SECRET）"
            )
        if not MOBILE.fullmatch(outgoing.address):
            return SendResult(Outcome.PERMANENT, error="手机号码格式不正确")
        if not outgoing.template_id:
            return SendResult(Outcome.PERMANENT, error="缺少短信模板编号")
        body = json.dumps(
            {
                "to": outgoing.address,
                "template_id": outgoing.template_id,
                "params": outgoing.params,
                "sign": self.sign,
                "text": outgoing.text,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = signed_headers(
            key=self.key,
            secret=self.secret,
            method="POST",
            path=self.path,
            body=body,
            request_id=outgoing.key,
        )
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.TransportError as exc:
            return transport_failure(exc, "短信网关")
        return classify_answer(response)


def classify_answer(response: httpx.Response) -> SendResult:
    """The gateway's answer as a ``SendResult`` (docs/notifications.md, "Answers")."""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        data = {}
    code = str(data.get("code") or "")
    status = response.status_code
    if 200 <= status < 300 and isinstance(data.get("message_id"), str) and data["message_id"]:
        return SendResult(Outcome.SENT, provider_id=data["message_id"][:100])
    reason = REASONS.get(code, code[:40] or f"HTTP {status}")
    wait = retry_after(response)
    if status == 504:
        # A gateway timeout from the proxy in between: the gateway may have sent it.
        return SendResult(Outcome.UNKNOWN, error=f"短信网关超时：{reason}")
    if code in TEMPORARY_CODES or status == 429 or status >= 500:
        return SendResult(Outcome.TEMPORARY, error=f"短信网关暂时拒绝：{reason}", retry_after=wait)
    if 200 <= status < 300:
        # Accepted without a message id: the contract was not kept; it may still go out.
        return SendResult(Outcome.UNKNOWN, error="短信网关应答缺少 message_id")
    return SendResult(Outcome.PERMANENT, error=f"短信网关拒收：{reason}")
