"""E-mail over SMTP with Django's mail backend, one connection kept open for a batch.

With Django's SMTP backend the channel walks the SMTP exchange itself (MAIL, RCPT, DATA, the
message) so that it knows where a failure happened: before the message was handed over
nothing was delivered (TEMPORARY, or PERMANENT for a 5xx refusal); once the message's bytes
went out, a dropped connection leaves it UNKNOWN. Any other backend (locmem in tests, the
console or file backends on a laptop) is simply handed the message.

The ``Message-ID`` comes from the delivery's key, so a re-sent message carries the same id
and mail clients and relays can recognise it.

A relay inside the government network is reached directly (Django's SMTP backend). One that
is only reachable through the outbound proxy takes ``EMAIL_BACKEND =
"shishi.notify.channels.email.ProxiedEmailBackend"``: the same backend, its connection
tunnelled through ``SHISHI_OUTBOUND_PROXY`` with HTTP ``CONNECT``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import logging
import re
import smtplib
import socket
from email.utils import parseaddr
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email

from shishi.notify.channels.base import Outcome, Outgoing, SendResult

logger = logging.getLogger("shishi.notify.channels")

_READABLE_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def message_id_for(key: str, from_email: str | None = None) -> str:
    """The ``Message-ID`` of the delivery ``key``: the key itself when it is plain, else its
    hash; the domain is the sender's."""
    address = parseaddr(from_email or settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2] or "localhost"
    local = key if _READABLE_KEY.fullmatch(key) else hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{local}.notify@{domain}>"


def _by_code(code: int, what: str) -> SendResult:
    if 400 <= code < 500:
        return SendResult(Outcome.TEMPORARY, error=f"邮件服务器暂时拒绝：{what}（{code}）")
    return SendResult(Outcome.PERMANENT, error=f"邮件服务器拒收：{what}（{code}）")


def _quoted(data: bytes) -> bytes:
    """The message as the DATA command carries it: leading dots doubled, ended by a lone dot."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def open_tunnel(proxy: str, host: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to ``host:port`` through the HTTP proxy ``proxy`` (``CONNECT``)."""
    url = urlsplit(proxy)
    if not url.hostname:
        raise ConnectionRefusedError("no outbound proxy configured")
    sock = socket.create_connection((url.hostname, url.port or 80), timeout)
    request = f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    if url.username:
        credentials = f"{unquote(url.username)}:{unquote(url.password or '')}".encode()
        request += f"Proxy-Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"
    try:
        sock.sendall((request + "\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            # One byte at a time: the server's greeting may follow in the same packet.
            byte = sock.recv(1)
            if not byte or len(head) > 8192:
                raise ConnectionError("the proxy closed the tunnel")
            head += byte
        status = head.split(b"\r\n", 1)[0].split()
        if len(status) < 2 or status[1] != b"200":
            code = status[1].decode(errors="replace") if len(status) > 1 else "?"
            raise ConnectionRefusedError(f"the proxy refused the tunnel ({code})")
    except BaseException:
        sock.close()
        raise
    return sock


class _TunnelSMTP(smtplib.SMTP):
    def __init__(self, *args: Any, proxy: str, **kwargs: Any) -> None:
        self.proxy = proxy  # before SMTP.__init__, which connects
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # smtplib's hook for how the socket is made (SMTP_SSL wraps what it returns).
        return open_tunnel(self.proxy, host, port, timeout)


class _TunnelSMTP_SSL(smtplib.SMTP_SSL, _TunnelSMTP):
    def __init__(self, *args: Any, proxy: str, **kwargs: Any) -> None:
        self.proxy = proxy
        smtplib.SMTP_SSL.__init__(self, *args, **kwargs)


class ProxiedEmailBackend(SmtpBackend):
    """Django's SMTP backend, its connection tunnelled through ``SHISHI_OUTBOUND_PROXY``."""

    def __init__(self, *args: Any, proxy: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proxy = settings.SHISHI_OUTBOUND_PROXY if proxy is None else proxy

    @property
    def connection_class(self) -> Any:
        smtp_class = _TunnelSMTP_SSL if self.use_ssl else _TunnelSMTP
        return functools.partial(smtp_class, proxy=self.proxy)


class EmailChannel:
    """Sends one e-mail per ``send``; the SMTP connection stays open until ``close``."""

    name = "email"

    def __init__(self, *, backend: str | None = None, **backend_options: Any) -> None:
        self._backend_path = backend
        self._backend_options = backend_options
        self._connection: BaseEmailBackend | None = None

    def _backend(self) -> BaseEmailBackend:
        if self._connection is None:
            self._connection = get_connection(
                self._backend_path, fail_silently=False, **self._backend_options
            )
        return self._connection

    def send(self, outgoing: Outgoing) -> SendResult:
        result = self._send(outgoing)
        logger.info("email %s: %s %s", outgoing.key, result.outcome, result.error)
        return result

    def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(OSError):  # the connection was gone already
                connection.close()

    def message(self, outgoing: Outgoing) -> EmailMultiAlternatives:
        from_email = outgoing.extra.get("from_email") or settings.DEFAULT_FROM_EMAIL
        message = EmailMultiAlternatives(
            # A subject rendered from a template may end in a newline: one line, always.
            subject=" ".join(outgoing.subject.split()),
            body=outgoing.text,
            from_email=from_email,
            to=[outgoing.address],
            headers={
                "Message-ID": message_id_for(outgoing.key, from_email),
                "Auto-Submitted": "auto-generated",
            },
        )
        if outgoing.extra.get("html"):
            message.attach_alternative(outgoing.extra["html"], "text/html")
        return message

    def _send(self, outgoing: Outgoing) -> SendResult:
        try:
            validate_email(parseaddr(outgoing.address)[1])  # "姓名 <addr>" is fine too
        except ValidationError:
            return SendResult(Outcome.PERMANENT, error="邮箱地址格式不正确")
        message = self.message(outgoing)
        backend = self._backend()
        if isinstance(backend, SmtpBackend):
            return self._send_smtp(backend, message)
        try:
            sent = backend.send_messages([message])
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(Outcome.TEMPORARY, error=f"邮件发送失败（{type(exc).__name__}）")
        if sent:
            return SendResult(Outcome.SENT)
        return SendResult(Outcome.TEMPORARY, error="邮件后端未发送")

    def _drop(self, backend: SmtpBackend) -> None:
        """Forget a connection that failed mid-exchange (the next send opens a new one)."""
        connection, backend.connection = backend.connection, None
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()

    def _send_smtp(self, backend: SmtpBackend, message: EmailMultiAlternatives) -> SendResult:
        try:
            backend.open()
        except smtplib.SMTPResponseException as exc:  # a refused greeting, STARTTLS or login
            self._drop(backend)
            return _by_code(exc.smtp_code, "连接或登录")
        except OSError as exc:  # refused, timed out, TLS failed, closed
            self._drop(backend)
            return SendResult(
                Outcome.TEMPORARY, error=f"无法连接邮件服务器（{type(exc).__name__}）"
            )
        connection = backend.connection
        assert connection is not None
        encoding = message.encoding or settings.DEFAULT_CHARSET
        try:
            sender = sanitize_address(message.from_email, encoding)
            recipient = sanitize_address(message.to[0], encoding)
            data = _quoted(message.message().as_bytes(linesep="\r\n"))
        except ValueError as exc:  # an address or header that cannot be encoded
            return SendResult(Outcome.PERMANENT, error=f"邮件无法编码（{type(exc).__name__}）")

        # Before the message's bytes go out: whatever fails, nothing was delivered.
        try:
            connection.ehlo_or_helo_if_needed()
            code, _ = connection.mail(sender)
            if code != 250:
                return self._refused(backend, code, "发件人")
            code, _ = connection.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(backend, code, "收件人")
            connection.putcmd("data")
            code, _ = connection.getreply()
            if code != 354:
                return self._refused(backend, code, "DATA")
        except smtplib.SMTPResponseException as exc:
            self._drop(backend)
            return _by_code(exc.smtp_code, "会话")
        except OSError as exc:
            self._drop(backend)
            return SendResult(
                Outcome.TEMPORARY, error=f"邮件服务器连接中断（{type(exc).__name__}）"
            )

        # The message went out: a lost answer leaves its fate unknown.
        try:
            connection.send(data)
            code, _ = connection.getreply()
        except OSError as exc:
            self._drop(backend)
            return SendResult(
                Outcome.UNKNOWN, error=f"正文已发出，邮件服务器未应答（{type(exc).__name__}）"
            )
        if code == 250:
            return SendResult(Outcome.SENT)
        if code == 421:
            self._drop(backend)
        return _by_code(code, "正文")

    def _refused(self, backend: SmtpBackend, code: int, what: str) -> SendResult:
        """A refusal before the message: reset the transaction, keep the connection if it lives."""
        connection = backend.connection
        if code == 421 or connection is None:
            self._drop(backend)
        else:
            try:
                connection.rset()
            except OSError:
                self._drop(backend)
        return _by_code(code, what)
