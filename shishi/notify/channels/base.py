"""The contract between the delivery engine and the channels.

The engine hands a channel one ``Outgoing`` (already rendered for that channel, addressed,
with its idempotency key) and gets back one ``SendResult``. A channel never touches the
database, never retries and never sleeps for pacing: retries, back-off, pacing per robot,
rate limits and quiet hours are the engine's. A channel raises nothing for a failed send;
it classifies the failure:

- ``SENT``: the service accepted it (``provider_id`` when the service gives one);
- ``DELIVERED``: the service confirmed delivery in its answer (e-mail handed to the SMTP
  server counts as ``SENT``; a robot's ``errcode: 0`` counts as ``DELIVERED``);
- ``TEMPORARY``: try again later (timeouts before the request was sent, HTTP 429/5xx,
  the provider's own "busy" or rate-limit codes, SMTP 4xx);
- ``PERMANENT``: never retry (bad number, template refused, bad signature or key, SMTP 5xx);
- ``UNKNOWN``: the request may have reached the service but no answer came (a read timeout
  or a dropped connection after sending). SMS providers take no idempotency key, so the
  engine never re-sends an UNKNOWN SMS by itself: the office decides.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol


class Outcome(enum.StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str = ""  # the service's message id (SMS), for delivery reports
    error: str = ""  # why, in words an office reads (no phone numbers, no keys)
    retry_after: float | None = None  # seconds, when the service says (HTTP Retry-After)


@dataclass(frozen=True)
class Outgoing:
    """One message for one channel, rendered and addressed.

    ``address``: an e-mail address (email), a mainland mobile number in 11 digits (sms),
    or the robot's webhook URL (wecom, dingtalk; DingTalk's ``secret`` in ``extra``).
    ``key``: the idempotency key of this delivery (stable across retries); channels whose
    service takes one pass it on (e-mail: the Message-ID; the SMS contract's ``X-Request-Id``).
    """

    channel: str
    address: str
    key: str
    subject: str = ""  # e-mail
    text: str = ""  # e-mail body, SMS text as it will read, inbox text
    markdown: str = ""  # robots
    template_id: str = ""  # SMS: the provider's pre-approved template
    params: dict[str, str] = field(default_factory=dict)  # SMS template parameters
    extra: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> SendResult: ...

    def close(self) -> None:
        """Release connections kept between sends (a worker sends batches on one)."""
