"""Group robots: WeCom (企业微信群机器人) and DingTalk (钉钉自定义机器人) webhooks, markdown.

A unit registers its group's webhook as the app shows it
(``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``,
``https://oapi.dingtalk.com/robot/send?access_token=…``) or just its key/token; DingTalk's
加签 secret (``SEC…``) comes in ``Outgoing.extra["secret"]``. Only the key or token is taken
from the stored address: the request always goes to the setting's base URL
(``SHISHI_WECOM_URL``, ``SHISHI_DINGTALK_URL``), so a deployment behind a relay or mirror
changes one setting, and a stored address can never point the worker at another host.

Both services answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; a robot's
``errcode: 0`` is DELIVERED (the message is in the group). Both take about 20 messages a
minute per robot; pacing is the engine's, the codes for "too fast" are TEMPORARY here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
from django.conf import settings

from shishi.notify.channels.base import Outcome, Outgoing, SendResult
from shishi.notify.channels.http import HttpChannel, retry_after, transport_failure

_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,200}")
WECOM_MARKDOWN_MAX_BYTES = 4096


class InvalidWebhook(ValueError):
    """A webhook address the channel will not send to (the message says why, without the key)."""


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's 加签: base64 of HMAC-SHA256(secret, "{timestamp}\\n{secret}").

    The URL carries it URL-encoded (``quote_plus``); httpx encodes query values itself, so
    the channel passes it as is."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class _RobotChannel(HttpChannel):
    label: ClassVar[str]  # the service's name in an office's words
    public_base: ClassVar[str]
    setting: ClassVar[str]
    path: ClassVar[str]
    token_param: ClassVar[str]
    # errcode -> (outcome, words, retry after seconds)
    codes: ClassVar[dict[int, tuple[Outcome, str, float | None]]]

    def __init__(
        self,
        *,
        base_url: str | None = None,
        proxy: str | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> None:
        self.base_url = (base_url or getattr(settings, self.setting)).rstrip("/")
        super().__init__(proxy=proxy, timeout=timeout)

    @classmethod
    def token_from_address(cls, address: str, *, base_url: str | None = None) -> str:
        """The robot's key or token in a stored webhook address (or the bare key itself).

        Accepts the public webhook URL or one at the configured base; raises
        ``InvalidWebhook`` for anything else (a form validating a webhook calls this).
        """
        address = address.strip()
        if "://" not in address:
            if _TOKEN.fullmatch(address):
                return address
            raise InvalidWebhook(f"{cls.label}机器人地址不正确")
        base = (base_url or getattr(settings, cls.setting)).rstrip("/")
        url = urlsplit(address)
        allowed = {cls.public_base, base}
        origin_and_path = f"{url.scheme}://{url.netloc}{url.path}".rstrip("/")
        if not any(origin_and_path == f"{b}{cls.path}" for b in allowed):
            raise InvalidWebhook(f"{cls.label}机器人地址不是 {cls.public_base}{cls.path}")
        values = parse_qs(url.query).get(cls.token_param, [])
        if len(values) != 1 or not _TOKEN.fullmatch(values[0]):
            raise InvalidWebhook(f"{cls.label}机器人地址缺少 {cls.token_param}")
        return values[0]

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        raise NotImplementedError

    def refuse(self, outgoing: Outgoing) -> SendResult | None:
        """A reason not to send at all (the service would refuse it), else None."""
        return None

    def params(self, token: str, outgoing: Outgoing) -> dict[str, str]:
        return {self.token_param: token}

    def _send(self, outgoing: Outgoing) -> SendResult:
        try:
            token = self.token_from_address(outgoing.address, base_url=self.base_url)
        except InvalidWebhook as exc:
            return SendResult(Outcome.PERMANENT, error=str(exc))
        if not outgoing.markdown.strip():
            return SendResult(Outcome.PERMANENT, error="消息内容为空")
        refusal = self.refuse(outgoing)
        if refusal is not None:
            return refusal
        params = self.params(token, outgoing)
        body = json.dumps(
            self.payload(outgoing), ensure_ascii=False, separators=(",", ":")
        ).encode()
        try:
            response = self.client.post(
                self.base_url + self.path,
                params=params,
                content=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        except httpx.TransportError as exc:
            return transport_failure(exc, f"{self.label}机器人")
        return self.classify(response)

    def classify(self, response: httpx.Response) -> SendResult:
        status = response.status_code
        if status == 429 or status >= 500:
            return SendResult(
                Outcome.UNKNOWN if status == 504 else Outcome.TEMPORARY,
                error=f"{self.label}服务暂不可用（HTTP {status}）",
                retry_after=retry_after(response),
            )
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError):
            data = None
        if status != 200 or not isinstance(data, dict) or "errcode" not in data:
            return SendResult(Outcome.PERMANENT, error=f"{self.label}应答不正确（HTTP {status}）")
        try:
            errcode = int(data["errcode"])
        except (TypeError, ValueError):
            return SendResult(Outcome.PERMANENT, error=f"{self.label}应答不正确（errcode）")
        if errcode == 0:
            return SendResult(Outcome.DELIVERED)
        outcome, words, wait = self.codes.get(
            errcode, (Outcome.PERMANENT, str(data.get("errmsg", ""))[:80], None)
        )
        return SendResult(
            outcome,
            error=f"{self.label}：{words}（{errcode}）",
            retry_after=retry_after(response) or wait,
        )


class WecomChannel(_RobotChannel):
    """企业微信群机器人: ``POST {base}/cgi-bin/webhook/send?key=KEY``, a markdown message."""

    name = "wecom"
    label = "企业微信"
    public_base = "https://qyapi.weixin.qq.com"
    setting = "SHISHI_WECOM_URL"
    path = "/cgi-bin/webhook/send"
    token_param = "key"
    codes: ClassVar[dict[int, tuple[Outcome, str, float | None]]] = {
        -1: (Outcome.TEMPORARY, "系统繁忙", None),
        45009: (Outcome.TEMPORARY, "发送过于频繁", 60.0),
        45033: (Outcome.TEMPORARY, "并发过多", 5.0),
        93000: (Outcome.PERMANENT, "机器人地址无效（已删除或密钥错误）", None),
        93004: (Outcome.PERMANENT, "机器人已被停用", None),
        40008: (Outcome.PERMANENT, "消息类型不正确", None),
        40058: (Outcome.PERMANENT, "消息内容不合规（过长或缺少字段）", None),
        44004: (Outcome.PERMANENT, "消息内容为空", None),
    }

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": outgoing.markdown}}

    def refuse(self, outgoing: Outgoing) -> SendResult | None:
        if len(outgoing.markdown.encode()) > WECOM_MARKDOWN_MAX_BYTES:
            return SendResult(
                Outcome.PERMANENT, error=f"企业微信：消息超过 {WECOM_MARKDOWN_MAX_BYTES} 字节"
            )
        return None


class DingtalkChannel(_RobotChannel):
    """钉钉自定义机器人: ``POST {base}/robot/send?access_token=…&timestamp=…&sign=…``.

    The sign is added when ``Outgoing.extra["secret"]`` holds the robot's 加签 secret (robots
    secured by keywords or an IP allow-list have none); the title is ``Outgoing.subject`` or
    the markdown's first line.
    """

    name = "dingtalk"
    label = "钉钉"
    public_base = "https://oapi.dingtalk.com"
    setting = "SHISHI_DINGTALK_URL"
    path = "/robot/send"
    token_param = "access_token"
    codes: ClassVar[dict[int, tuple[Outcome, str, float | None]]] = {
        -1: (Outcome.TEMPORARY, "系统繁忙", None),
        # Over 20 a minute, DingTalk refuses the robot's messages for 10 minutes.
        130101: (Outcome.TEMPORARY, "发送过于频繁", 600.0),
        410100: (Outcome.TEMPORARY, "发送过于频繁", 600.0),
        300001: (Outcome.PERMANENT, "机器人地址无效（access_token 不存在）", None),
        310000: (Outcome.PERMANENT, "安全设置校验失败（签名、关键词或 IP）", None),
        400013: (Outcome.PERMANENT, "群已解散", None),
        400101: (Outcome.PERMANENT, "机器人已停用", None),
    }

    def params(self, token: str, outgoing: Outgoing) -> dict[str, str]:
        secret = str(outgoing.extra.get("secret") or "")
        if not secret:
            return {self.token_param: token}
        timestamp = str(int(time.time() * 1000))
        return {
            self.token_param: token,
            "timestamp": timestamp,
            "sign": dingtalk_sign(secret, timestamp),
        }

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        title = outgoing.subject.strip()
        if not title:
            first = next((line for line in outgoing.markdown.splitlines() if line.strip()), "")
            title = first.strip().lstrip("#>*- ").strip() or "通知"
        return {"msgtype": "markdown", "markdown": {"title": title[:64], "text": outgoing.markdown}}
