"""A channel for the engine's tests: it answers what the test scripted and keeps what it was
handed. It stands in for the channel contract only (``channels.base``); the real channels
are tested against their fake servers."""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from shishi.notify.channels.base import Outcome, Outgoing, SendResult

PATH = "shishi.notify.tests.scripted.ScriptedChannel"
CHANNELS = {name: PATH for name in ("email", "sms", "wecom", "dingtalk")}


class ScriptedChannel:
    name = "scripted"
    script: ClassVar[deque[SendResult]] = deque()
    sent: ClassVar[list[Outgoing]] = []
    closed: ClassVar[int] = 0

    @classmethod
    def reset(cls, *results: SendResult) -> None:
        cls.script = deque(results)
        cls.sent = []
        cls.closed = 0

    def send(self, outgoing: Outgoing) -> SendResult:
        type(self).sent.append(outgoing)
        if self.script:
            return self.script.popleft()
        return SendResult(Outcome.SENT, provider_id=f"p-{len(self.sent)}")

    def close(self) -> None:
        type(self).closed += 1
