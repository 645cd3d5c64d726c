"""One fake for the three HTTP services the channels talk to, on one loopback port:

- the SMS gateway of docs/notifications.md (``POST /v1/sms/send``, signed), with delivery
  reports POSTed back (signed) to ``report_url`` when one is given;
- a WeCom group robot (``POST /cgi-bin/webhook/send?key=…``);
- a DingTalk custom robot (``POST /robot/send?access_token=…&timestamp=…&sign=…``).

It checks what the real services check (signatures, timestamps, payload shapes, 20 messages
a minute per robot), records what it accepted, and misbehaves on request — by the
destination (see ``SMS_BEHAVIOURS`` and ``ROBOT_BEHAVIOURS``, also in docs/notifications.md)
or through ``fail_next`` / ``POST /_fake/control``. ``GET /_fake/messages`` lists what it
received (numbers masked); ``POST /_fake/reset`` forgets it.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from shishi.notify.channels.robots import dingtalk_sign
from shishi.notify.channels.sms import (
    MOBILE,
    SEND_PATH,
    SignatureRejected,
    signed_headers,
    verify_signed_request,
)
from shishi.notify.fakes.server import JsonHandler, LoopbackServer

# The last four digits of a number choose what the fake SMS gateway does with it.
SMS_BEHAVIOURS = {
    "0001": "temporary",  # 503 + Retry-After: 1 the first time for that number, then accepted
    "0002": "invalid_number",  # 400 invalid_number, always
    "0003": "rate_limited",  # 429 + Retry-After: 2 the first time, then accepted
    "0004": "hang",  # read and recorded, the answer comes after hang_seconds (client: UNKNOWN)
    "0005": "undelivered",  # accepted; the delivery report says failed (UNDELIV)
    "0006": "template_refused",  # 422 template_refused, always
}
# A robot key or access token ending so behaves so.
ROBOT_BEHAVIOURS = {
    "-busy": "rate_limited",  # the service's rate-limit code the first time, then ok
    "-invalid": "invalid",  # WeCom 93000, DingTalk 300001, always
    "-hang": "hang",  # no answer before hang_seconds
}
SIGN_WINDOW_MS = 3_600_000  # DingTalk: the timestamp within an hour of the server's clock


def mask(number: str) -> str:
    return number[:3] + "****" + number[-4:] if len(number) == 11 else "***"


@dataclass
class SmsRecord:
    request_id: str
    to: str
    template_id: str
    params: dict[str, str]
    sign: str
    text: str
    message_id: str
    received_at: float = field(default_factory=time.time)


@dataclass
class RobotRecord:
    service: str
    token: str
    payload: dict[str, Any]
    received_at: float = field(default_factory=time.time)


@dataclass
class ReportPost:
    reports: list[dict[str, Any]]
    status: int  # our answer's HTTP status, 0 when the POST failed


class FakeGateway(LoopbackServer):
    """The fake SMS gateway and robots; a context manager (``with FakeGateway() as gw``)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sms_key: str = "fake-key",
        sms_secret: str = "fake-secret",
        templates: set[str] | None = None,
        dingtalk_secret: str | None = None,
        dingtalk_secrets: dict[str, str] | None = None,
        robot_per_minute: int | None = 20,
        report_url: str | None = None,
        report_delay: float = 0.2,
        hang_seconds: float = 5.0,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(_Handler, host=host, port=port)
        self.sms_key = sms_key
        self.sms_secret = sms_secret
        self.templates = templates
        self.dingtalk_secret = dingtalk_secret
        self.dingtalk_secrets = dict(dingtalk_secrets or {})
        self.robot_per_minute = robot_per_minute
        self.report_url = report_url
        self.report_delay = report_delay
        self.hang_seconds = hang_seconds
        self.echo = echo  # told one line per message accepted or refused (the demo prints it)
        self.lock = threading.Lock()
        self.sms: list[SmsRecord] = []
        self.wecom: list[RobotRecord] = []
        self.dingtalk: list[RobotRecord] = []
        self.report_posts: list[ReportPost] = []
        self.rejected: list[tuple[str, str]] = []  # (service, reason) of refused requests
        self._by_request_id: dict[str, str] = {}
        self._nonces: dict[str, float] = {}
        self._attempts: defaultdict[str, int] = defaultdict(int)
        self._robot_sends: defaultdict[str, deque[float]] = defaultdict(deque)
        self._scripted: defaultdict[str, deque[str]] = defaultdict(deque)
        self._reports: queue.Queue[tuple[float, dict[str, Any]] | None] = queue.Queue()
        self._reporter: threading.Thread | None = None

    # -- Control ----------------------------------------------------------------------------

    def fail_next(self, service: str, mode: str, times: int = 1) -> None:
        """The next ``times`` requests to ``service`` (sms, wecom, dingtalk) answer ``mode``:
        temporary, permanent, rate_limited, hang (and for sms: invalid_number,
        template_refused)."""
        with self.lock:
            self._scripted[service].extend([mode] * times)

    def reset(self) -> None:
        with self.lock:
            self.sms.clear()
            self.wecom.clear()
            self.dingtalk.clear()
            self.report_posts.clear()
            self.rejected.clear()
            self._by_request_id.clear()
            self._attempts.clear()
            self._robot_sends.clear()
            self._scripted.clear()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "sms": [{**asdict(r), "to": mask(r.to)} for r in self.sms],
                "wecom": [{**asdict(r), "token": "***"} for r in self.wecom],
                "dingtalk": [{**asdict(r), "token": "***"} for r in self.dingtalk],
                "rejected": [list(r) for r in self.rejected],
            }

    def _scripted_mode(self, service: str) -> str | None:
        with self.lock:
            script = self._scripted[service]
            return script.popleft() if script else None

    # -- Lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeGateway:
        super().start()
        if self.report_url:
            self._reporter = threading.Thread(target=self._report_loop, daemon=True)
            self._reporter.start()
        return self

    def stop(self) -> None:
        if self._reporter is not None:
            self._reports.put(None)
            self._reporter.join(timeout=5)
            self._reporter = None
        super().stop()

    # -- Delivery reports --------------------------------------------------------------------

    def _queue_report(self, message_id: str, delivered: bool) -> None:
        if self.report_url:
            report = {
                "message_id": message_id,
                "status": "delivered" if delivered else "failed",
                "error": "" if delivered else "UNDELIV",
            }
            self._reports.put((time.monotonic() + self.report_delay, report))

    def _report_loop(self) -> None:
        assert self.report_url
        path = urlsplit(self.report_url).path
        with httpx.Client(trust_env=False, timeout=5) as client:
            stop = False
            while not stop:
                item = self._reports.get()
                if item is None:
                    break
                batch = [item[1]]
                time.sleep(max(0.0, item[0] - time.monotonic()))
                while len(batch) < 100:  # whatever else is due goes in the same POST
                    try:
                        more = self._reports.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    batch.append(more[1])
                body = json.dumps({"reports": batch}).encode()
                headers = signed_headers(
                    key=self.sms_key, secret=self.sms_secret, method="POST", path=path, body=body
                )
                try:
                    status = client.post(self.report_url, content=body, headers=headers).status_code
                except httpx.HTTPError:
                    status = 0
                with self.lock:
                    self.report_posts.append(ReportPost(batch, status))

    # -- SMS ---------------------------------------------------------------------------------

    def handle_sms(self, handler: _Handler, path: str, body: bytes) -> None:
        try:
            verify_signed_request(
                key=self.sms_key,
                secret=self.sms_secret,
                method="POST",
                path=path,
                body=body,
                headers=dict(handler.headers.items()),
            )
        except SignatureRejected as exc:
            code = "stale_request" if "stale" in str(exc) else "bad_signature"
            if "api key" in str(exc):
                code = "bad_key"
            return self._refuse(handler, "sms", 401, code, str(exc))
        nonce = handler.headers.get("X-Nonce", "")
        now = time.time()
        with self.lock:
            if nonce in self._nonces:
                replay = True
            else:
                replay = False
                self._nonces[nonce] = now
                if len(self._nonces) > 100_000:
                    self._nonces = {n: t for n, t in self._nonces.items() if now - t < 600}
        if replay:
            return self._refuse(handler, "sms", 401, "replayed_nonce", "nonce seen before")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._refuse(handler, "sms", 400, "bad_json", "body is not JSON")
        if not isinstance(data, dict):
            return self._refuse(handler, "sms", 400, "bad_json", "body is not an object")
        to = data.get("to")
        template_id = data.get("template_id")
        params = data.get("params", {})
        sign = data.get("sign")
        if not isinstance(to, str) or not MOBILE.fullmatch(to):
            return self._refuse(handler, "sms", 400, "invalid_number", "to")
        if not isinstance(template_id, str) or not template_id:
            return self._refuse(handler, "sms", 400, "template_refused", "template_id")
        if not isinstance(params, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in params.items()
        ):
            return self._refuse(handler, "sms", 400, "template_params", "params")
        if not isinstance(sign, str) or not (sign.startswith("【") and sign.endswith("】")):
            return self._refuse(handler, "sms", 422, "sign_refused", "sign")
        if self.templates is not None and template_id not in self.templates:
            return self._refuse(handler, "sms", 422, "template_refused", "template_id")

        request_id = handler.headers.get("X-Request-Id", "")
        with self.lock:
            first_id = self._by_request_id.get(request_id) if request_id else None
        if first_id:  # the contract's de-duplication: the same request id, the same message
            return handler.answer(200, {"message_id": first_id, "duplicate": True})

        mode = self._scripted_mode("sms")
        if mode is None:
            behaviour = SMS_BEHAVIOURS.get(to[-4:], "")
            with self.lock:
                self._attempts[to] += 1
                first = self._attempts[to] == 1
            once = behaviour in ("temporary", "rate_limited")
            if (once and first) or behaviour in ("invalid_number", "template_refused", "hang"):
                mode = behaviour
        if mode and mode != "hang":
            self._say(f"SMS {mask(to)} answered as told: {mode}")
        if mode == "temporary":
            return handler.answer(
                503, {"code": "carrier_unavailable", "message": "try later"}, {"Retry-After": "1"}
            )
        if mode == "rate_limited":
            return handler.answer(
                429, {"code": "rate_limited", "message": "slow down"}, {"Retry-After": "2"}
            )
        if mode in ("permanent", "invalid_number"):
            return handler.answer(400, {"code": "invalid_number", "message": "no such number"})
        if mode == "template_refused":
            return handler.answer(422, {"code": "template_refused", "message": "not approved"})

        message_id = "fake-" + secrets.token_hex(8)
        text = data.get("text") if isinstance(data.get("text"), str) else ""
        record = SmsRecord(request_id, to, template_id, params, sign, str(text), message_id)
        with self.lock:
            self.sms.append(record)
            if request_id:
                self._by_request_id[request_id] = message_id
        self._queue_report(message_id, SMS_BEHAVIOURS.get(to[-4:]) != "undelivered")
        self._say(f"SMS {mask(to)} {template_id} {params} -> {message_id}")
        if mode == "hang":
            time.sleep(self.hang_seconds)
        handler.answer(200, {"message_id": message_id, "status": "accepted"})

    def _say(self, line: str) -> None:
        if self.echo is not None:
            self.echo(line)

    def _refuse(self, handler: _Handler, service: str, status: int, code: str, why: str) -> None:
        self._say(f"SMS refused: {code} ({why})")
        with self.lock:
            self.rejected.append((service, f"{code}: {why}"))
        handler.answer(status, {"code": code, "message": why})

    # -- Robots ------------------------------------------------------------------------------

    def _robot_mode(self, service: str, token: str) -> str | None:
        mode = self._scripted_mode(service)
        if mode is not None:
            return mode
        for suffix, behaviour in ROBOT_BEHAVIOURS.items():
            if token.endswith(suffix):
                if behaviour == "rate_limited":
                    with self.lock:
                        self._attempts[f"{service}:{token}"] += 1
                        if self._attempts[f"{service}:{token}"] > 1:
                            return None
                return behaviour
        if self.robot_per_minute is not None:
            now = time.monotonic()
            with self.lock:
                sends = self._robot_sends[f"{service}:{token}"]
                while sends and now - sends[0] > 60:
                    sends.popleft()
                if len(sends) >= self.robot_per_minute:
                    return "rate_limited"
                sends.append(now)
        return None

    def _robot_error(self, handler: _Handler, service: str, errcode: int, errmsg: str) -> None:
        self._say(f"{service} refused: {errcode} {errmsg}")
        with self.lock:
            self.rejected.append((service, f"{errcode}: {errmsg}"))
        handler.answer(200, {"errcode": errcode, "errmsg": errmsg})

    def handle_wecom(self, handler: _Handler, query: dict[str, list[str]], body: bytes) -> None:
        token = (query.get("key") or [""])[0]
        if not token:
            return self._robot_error(handler, "wecom", 93000, "invalid webhook url")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._robot_error(handler, "wecom", 40058, "invalid json")
        if not isinstance(data, dict) or data.get("msgtype") not in ("text", "markdown"):
            return self._robot_error(handler, "wecom", 40008, "invalid message type")
        part = data.get(data["msgtype"])
        content = part.get("content") if isinstance(part, dict) else None
        if not isinstance(content, str) or not content.strip():
            return self._robot_error(handler, "wecom", 44004, "empty content")
        if data["msgtype"] == "markdown" and len(content.encode()) > 4096:
            return self._robot_error(handler, "wecom", 40058, "markdown.content exceed max length")
        mode = self._robot_mode("wecom", token)
        if mode == "invalid" or mode == "permanent":
            return self._robot_error(handler, "wecom", 93000, "invalid webhook url")
        if mode == "rate_limited":
            return self._robot_error(handler, "wecom", 45009, "api freq out of limit")
        if mode == "temporary":
            return self._robot_error(handler, "wecom", -1, "system busy")
        with self.lock:
            self.wecom.append(RobotRecord("wecom", token, data))
        self._say(f"wecom <- {content[:60]!r}")
        if mode == "hang":
            time.sleep(self.hang_seconds)
        handler.answer(200, {"errcode": 0, "errmsg": "ok"})

    def handle_dingtalk(self, handler: _Handler, query: dict[str, list[str]], body: bytes) -> None:
        token = (query.get("access_token") or [""])[0]
        if not token:
            return self._robot_error(handler, "dingtalk", 300001, "token is not exist")
        secret = self.dingtalk_secrets.get(token, self.dingtalk_secret)
        timestamp = (query.get("timestamp") or [""])[0]
        sign = (query.get("sign") or [""])[0]
        if secret is not None:
            if not timestamp.isdigit():
                return self._robot_error(handler, "dingtalk", 310000, "timestamp missing")
            if abs(time.time() * 1000 - int(timestamp)) > SIGN_WINDOW_MS:
                return self._robot_error(handler, "dingtalk", 310000, "timestamp out of window")
            if sign != dingtalk_sign(secret, timestamp):
                return self._robot_error(handler, "dingtalk", 310000, "sign not match")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._robot_error(handler, "dingtalk", 40035, "invalid json")
        msgtype = data.get("msgtype") if isinstance(data, dict) else None
        part = data.get(msgtype) if isinstance(data, dict) and isinstance(msgtype, str) else None
        if msgtype == "markdown":
            ok = isinstance(part, dict) and all(
                isinstance(part.get(k), str) and part[k].strip() for k in ("title", "text")
            )
        elif msgtype == "text":
            ok = isinstance(part, dict) and isinstance(part.get("content"), str)
        else:
            ok = False
        if not ok:
            return self._robot_error(handler, "dingtalk", 40035, "invalid parameter")
        mode = self._robot_mode("dingtalk", token)
        if mode == "invalid" or mode == "permanent":
            return self._robot_error(handler, "dingtalk", 300001, "token is not exist")
        if mode == "rate_limited":
            return self._robot_error(
                handler, "dingtalk", 130101, "send too fast, exceed 20 times per minute"
            )
        if mode == "temporary":
            return self._robot_error(handler, "dingtalk", -1, "system busy")
        with self.lock:
            self.dingtalk.append(RobotRecord("dingtalk", token, data))
        self._say(f"dingtalk <- {json.dumps(part, ensure_ascii=False)[:60]}")
        if mode == "hang":
            time.sleep(self.hang_seconds)
        handler.answer(200, {"errcode": 0, "errmsg": "ok"})


class _Handler(JsonHandler):
    @property
    def gateway(self) -> FakeGateway:
        owner: FakeGateway = self.server.owner  # type: ignore[attr-defined]
        return owner

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.read_body()
        query = parse_qs(url.query)
        if url.path == SEND_PATH:
            self.gateway.handle_sms(self, url.path, body)
        elif url.path == "/cgi-bin/webhook/send":
            self.gateway.handle_wecom(self, query, body)
        elif url.path == "/robot/send":
            self.gateway.handle_dingtalk(self, query, body)
        elif url.path == "/_fake/control":
            self._control(body)
        elif url.path == "/_fake/reset":
            self.gateway.reset()
            self.answer(200, {"ok": True})
        else:
            self.answer(404, {"code": "not_found"})

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/_fake/messages":
            self.answer(200, self.gateway.snapshot())
        else:
            self.answer(404, {"code": "not_found"})

    def _control(self, body: bytes) -> None:
        try:
            data = json.loads(body)
            service, mode = str(data["service"]), str(data["mode"])
            times = int(data.get("times", 1))
        except (ValueError, KeyError, TypeError):
            self.answer(400, {"code": "bad_control", "message": "{service, mode, times}"})
            return
        if service not in ("sms", "wecom", "dingtalk"):
            self.answer(400, {"code": "bad_control", "message": "service"})
            return
        self.gateway.fail_next(service, mode, times)
        self.answer(200, {"ok": True})


__all__ = ["ROBOT_BEHAVIOURS", "SMS_BEHAVIOURS", "FakeGateway"]
