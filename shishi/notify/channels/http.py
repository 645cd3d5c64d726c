"""What the HTTP channels (SMS gateway, WeCom and DingTalk robots) share: one keep-alive client
per sender through the outbound proxy, and how a failed exchange is classified.

The line that matters is whether the request may have reached the service. Failing to
connect (or to reach the proxy), a full pool, or a write that never finished leave nothing
on the other side: TEMPORARY. A read timeout or a connection dropped while waiting for the
answer may follow a request the service acted on: UNKNOWN.
"""

from __future__ import annotations

import email.utils
import logging
import time

import httpx
from django.conf import settings

from shishi.notify.channels.base import Outcome, Outgoing, SendResult

logger = logging.getLogger("shishi.notify.channels")


def timeouts(connect: float | None = None, read: float | None = None) -> httpx.Timeout:
    connect = float(settings.SHISHI_NOTIFY_CONNECT_TIMEOUT if connect is None else connect)
    read = float(settings.SHISHI_NOTIFY_READ_TIMEOUT if read is None else read)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def outbound_client(
    *, proxy: str | None = None, timeout: httpx.Timeout | None = None
) -> httpx.Client:
    """A client kept for a batch: keep-alive connections, the outbound proxy when set.

    ``trust_env=False``: the proxy is the setting's, not whatever HTTP_PROXY the worker's
    environment happens to carry (a deployment says it once, in SHISHI_OUTBOUND_PROXY).
    """
    proxy = settings.SHISHI_OUTBOUND_PROXY if proxy is None else proxy
    return httpx.Client(
        proxy=proxy or None,
        timeout=timeout or timeouts(),
        trust_env=False,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=30),
    )


def transport_failure(exc: httpx.TransportError, service: str) -> SendResult:
    """Classify an exchange that ended without an answer (``service`` names it for the log)."""
    if isinstance(exc, httpx.ProxyError):
        return SendResult(Outcome.TEMPORARY, error=f"{service}：出口代理拒绝或不可达")
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return SendResult(Outcome.TEMPORARY, error=f"{service}：连接超时")
    if isinstance(exc, httpx.ConnectError):
        return SendResult(Outcome.TEMPORARY, error=f"{service}：无法连接")
    if isinstance(exc, httpx.WriteTimeout | httpx.WriteError):
        # The request was not sent whole; a service acts only on a complete request.
        return SendResult(Outcome.TEMPORARY, error=f"{service}：请求未发送完整")
    if isinstance(exc, httpx.ReadTimeout):
        return SendResult(Outcome.UNKNOWN, error=f"{service}：已发送，等待应答超时")
    # ReadError, RemoteProtocolError (closed without an answer) and the rest.
    return SendResult(Outcome.UNKNOWN, error=f"{service}：已发送，连接中断（{type(exc).__name__}）")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from the answer's ``Retry-After`` (a number or an HTTP date), if any."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HttpChannel:
    """What the HTTP senders share: one outbound client kept from the first send until
    ``close``, and a log line per send. A subclass writes ``_send``."""

    name: str

    def __init__(self, *, proxy: str | None = None, timeout: httpx.Timeout | None = None) -> None:
        self.proxy = proxy
        self.timeout = timeout or timeouts()
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = outbound_client(proxy=self.proxy, timeout=self.timeout)
        return self._client

    def send(self, outgoing: Outgoing) -> SendResult:
        result = self._send(outgoing)
        logger.info("%s %s: %s %s", self.name, outgoing.key, result.outcome, result.error)
        return result

    def _send(self, outgoing: Outgoing) -> SendResult:
        raise NotImplementedError

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
