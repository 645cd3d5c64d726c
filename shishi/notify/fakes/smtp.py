"""A real SMTP server on loopback (aiosmtpd, a development dependency) that records what it
accepts and answers what a test scripts: a reply for the next RCPT or DATA
(``"451 4.3.0 Try again later"``), a stall longer than the client's timeout, or a
connection dropped once the message has been read."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import socket
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Self

from aiosmtpd.controller import Controller

from shishi.notify.fakes.server import Served


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    data: bytes
    peer: tuple[str, int]  # the client's address: one per SMTP connection

    @property
    def message(self) -> email.message.EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        return parsed


STALL = "stall"  # a scripted step: say nothing for stall_seconds
DROP = "drop"  # a scripted step (DATA only): close the connection without an answer


class _Handler:
    def __init__(self, owner: FakeSmtp) -> None:
        self.owner = owner

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        step = self.owner.next_step(self.owner.rcpt_script)
        if step == STALL:
            await asyncio.sleep(self.owner.stall_seconds)
        elif step:
            return step
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        step = self.owner.next_step(self.owner.data_script)
        if step == STALL:
            await asyncio.sleep(self.owner.stall_seconds)
        elif step == DROP:
            server.transport.close()
            return "250 OK"  # never reaches the client
        elif step:
            return step
        with self.owner.lock:
            self.owner.received.append(
                ReceivedMail(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.content),
                    tuple(session.peer[:2]),
                )
            )
        return "250 OK queued"


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class FakeSmtp(Served):
    """``with FakeSmtp() as smtp:`` serves on ``smtp.host:smtp.port``; ``smtp.received``."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, stall_seconds: float = 3.0):
        self.host = host
        self.port = port or _free_port(host)
        self.stall_seconds = stall_seconds
        self.lock = threading.Lock()
        self.received: list[ReceivedMail] = []
        self.rcpt_script: deque[str] = deque()
        self.data_script: deque[str] = deque()
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    def next_step(self, script: deque[str]) -> str:
        with self.lock:
            return script.popleft() if script else ""

    def start(self) -> Self:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
