"""The delivery engine: the worker's side of the delivery log.

``deliver_batch`` sends the due deliveries it is handed. Each is first marked ``sending``
(committed: the claim is its own statement, outside any transaction), then sent through its
channel (``channels.base``: one channel instance per batch, closed at the end), then its
outcome stored at once:

- SENT / DELIVERED: done;
- TEMPORARY: back to ``queued`` after an exponential back-off (the service's ``retry_after``
  wins), until ``SHISHI_NOTIFY_MAX_ATTEMPTS``, then ``failed``;
- PERMANENT: ``failed``, never retried;
- UNKNOWN: ``unknown``, never re-sent by the engine: the request may have reached the
  service, and SMS providers take no idempotency key. The office decides in the log.

Just before each send its ``last_attempt_at`` is stamped (committed). A worker that dies
between the claim and the outcome leaves its deliveries ``sending``; after
``SHISHI_NOTIFY_SENDING_TIMEOUT`` the sweep (``tasks.sweep``) queues again those whose send
never started (no stamp since the claim: nothing went out) and marks the one whose send had
started ``unknown``, for the same reason as above. Group robots take about 20 messages a
minute: a robot's deliveries past ``SHISHI_NOTIFY_ROBOT_PER_MINUTE`` in the last minute wait
(queued) for the next minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from shishi.core import pii
from shishi.notify import conf
from shishi.notify.channels.base import Channel as Sender
from shishi.notify.channels.base import Outcome, Outgoing, SendResult
from shishi.notify.channels.registry import get_channel
from shishi.notify.kinds import get_kind, render, sms_params
from shishi.notify.models import ROBOT_CHANNELS, Channel, Delivery, Status
from shishi.notify.services.notices import hand_over

log = logging.getLogger(__name__)

CLAIM_CHUNK = 50  # deliveries marked sending at a time (a dead worker strands no more)
MAX_BACKOFF = 3600.0
MAX_ERROR = 500


@dataclass
class BatchReport:
    attempted: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    paced: int = 0  # robot deliveries put off to the next minute


@dataclass(frozen=True)
class DeliveryReport:
    """An SMS provider's word on one message: delivered to the phone, or not (and why)."""

    provider_id: str
    delivered: bool
    error: str = ""


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failed try."""
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), MAX_BACKOFF)
    return min(conf.retry_seconds() * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _claim(ids: Sequence[int], now: dt.datetime) -> tuple[str, list[Delivery]]:
    token = uuid.uuid4().hex
    Delivery.objects.filter(pk__in=ids, status=Status.QUEUED, next_attempt_at__lte=now).update(
        status=Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1
    )
    rows = list(
        Delivery.objects.filter(claim=token, status=Status.SENDING)
        .select_related("message", "hook")
        .order_by("pk")
    )
    return token, rows


class Renderer:
    """Renders each (notice, part, language) once per batch."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str, str], str] = {}

    def __call__(self, delivery: Delivery, part: str) -> str:
        m = delivery.message
        key = (m.notice, part, m.language)
        if key not in self.cache:
            self.cache[key] = render(m.kind, part, m.context, language=m.language, link=m.link)
        return self.cache[key]


def build_outgoing(delivery: Delivery, renderer: Renderer) -> Outgoing:
    """The rendered, addressed message for the channel (``DecryptionFailed`` if the stored
    address no longer decrypts)."""
    channel = delivery.channel
    if channel == Channel.EMAIL:
        return Outgoing(
            channel=channel,
            address=pii.decrypt(delivery.address_encrypted, purpose="email"),
            key=delivery.key,
            subject=renderer(delivery, "email_subject.txt"),
            text=renderer(delivery, "email.txt"),
        )
    if channel == Channel.SMS:
        kind = get_kind(delivery.kind)
        return Outgoing(
            channel=channel,
            address=pii.decrypt(delivery.address_encrypted, purpose="phone"),
            key=delivery.key,
            text=renderer(delivery, "sms.txt"),
            template_id=kind.sms_template,
            params=sms_params(kind, delivery.message.context),
        )
    hook = delivery.hook
    assert hook is not None
    extra: dict[str, Any] = {}
    if hook.secret_encrypted:
        extra["secret"] = pii.decrypt(hook.secret_encrypted, purpose="robot")
    title = renderer(delivery, "email_subject.txt")
    extra["title"] = title
    return Outgoing(
        channel=channel,
        address=pii.decrypt(hook.url_encrypted, purpose="robot"),
        key=delivery.key,
        subject=title,
        markdown=renderer(delivery, "robot.md"),
        extra=extra,
    )


def _store(delivery: Delivery, token: str, result: SendResult, now: dt.datetime) -> str:
    """Write the outcome of one send; the status it left."""
    values: dict[str, Any] = {
        "last_attempt_at": now,
        "last_error": (result.error or "")[:MAX_ERROR],
    }
    if result.provider_id:
        values["provider_id"] = result.provider_id[:100]
    outcome = result.outcome
    if outcome in (Outcome.SENT, Outcome.DELIVERED):
        status = Status.SENT if outcome == Outcome.SENT else Status.DELIVERED
        values.update(status=status, done_at=now, last_error="")
    elif outcome == Outcome.TEMPORARY and delivery.attempts < conf.max_attempts():
        wait = backoff(delivery.attempts, result.retry_after)
        status = Status.QUEUED
        values.update(
            status=status, next_attempt_at=now + dt.timedelta(seconds=wait), handed_at=None
        )
    elif outcome in (Outcome.TEMPORARY, Outcome.PERMANENT):
        status = Status.FAILED
        values.update(status=status, done_at=now)
    else:
        status = Status.UNKNOWN
        values.update(status=status)
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(**values)
    return status


def _send(sender: Sender, outgoing: Outgoing) -> SendResult:
    try:
        return sender.send(outgoing)
    except Exception as exc:  # a channel breaking its contract: the send may have happened
        log.exception("channel %s raised on delivery %s", outgoing.channel, outgoing.key)
        return SendResult(Outcome.UNKNOWN, error=f"发送程序出错：{type(exc).__name__}")


def _pace(
    rows: list[Delivery], token: str, now: dt.datetime, report: BatchReport
) -> list[Delivery]:
    """Keep at most ``robot_per_minute`` sends a minute per robot; put off the rest."""
    hook_ids = {d.hook_id for d in rows if d.channel in ROBOT_CHANNELS and d.hook_id}
    if not hook_ids:
        return rows
    per_minute = conf.robot_per_minute()
    minute_ago = now - dt.timedelta(minutes=1)
    used: dict[int, int] = defaultdict(int)
    used.update(
        Delivery.objects.filter(hook_id__in=hook_ids, last_attempt_at__gt=minute_ago)
        .exclude(claim=token)
        .values("hook_id")
        .annotate(n=Count("id"))
        .values_list("hook_id", "n")
    )
    keep: list[Delivery] = []
    later: dict[int, list[int]] = defaultdict(list)  # minutes to wait → delivery ids
    for d in rows:
        if d.hook_id in hook_ids:
            assert d.hook_id is not None
            n = used[d.hook_id]
            used[d.hook_id] += 1
            if n >= per_minute:
                later[n // per_minute].append(d.pk)
                continue
        keep.append(d)
    for minutes, pks in later.items():
        Delivery.objects.filter(pk__in=pks, claim=token).update(
            status=Status.QUEUED,
            attempts=F("attempts") - 1,
            next_attempt_at=now + dt.timedelta(minutes=minutes),
            handed_at=None,
        )
    report.paced += len(rows) - len(keep)
    return keep


def _send_one(d: Delivery, renderer: Renderer, senders: dict[str, Sender]) -> SendResult:
    """Build and send one claimed delivery (its channel's sender made once per batch)."""
    if d.hook is not None and not d.hook.active:
        return SendResult(Outcome.PERMANENT, error="群机器人已停用")
    try:
        outgoing = build_outgoing(d, renderer)
    except pii.DecryptionFailed:
        return SendResult(Outcome.PERMANENT, error="地址无法解密（密钥已更换？）")
    if d.channel not in senders:
        senders[d.channel] = get_channel(d.channel)
    return _send(senders[d.channel], outgoing)


def deliver_batch(delivery_ids: Iterable[int]) -> BatchReport:
    """Send these deliveries, those still queued and due; see the module's docstring."""
    report = BatchReport()
    ids = sorted(set(delivery_ids))
    senders: dict[str, Sender] = {}
    renderer = Renderer()
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            token, rows = _claim(ids[start : start + CLAIM_CHUNK], timezone.now())
            rows = _pace(rows, token, timezone.now(), report)
            for d in rows:
                # Committed before the send: after a crash, this row may have gone out.
                Delivery.objects.filter(pk=d.pk, claim=token).update(last_attempt_at=timezone.now())
                result = _send_one(d, renderer, senders)
                status = _store(d, token, result, timezone.now())
                report.attempted += 1
                report.outcomes[status] += 1
    finally:
        for sender in senders.values():
            try:
                sender.close()
            except Exception:  # closing must not hide the batch's outcome
                log.exception("closing a channel failed")
    return report


def apply_delivery_reports(reports: Iterable[DeliveryReport]) -> int:
    """Apply an SMS provider's delivery reports; how many deliveries they changed.

    A report settles a sent (or unknown, or still sending) SMS as delivered or failed;
    reports for ids we do not know, or for deliveries already settled the same way, change
    nothing (providers repeat their reports).
    """
    now = timezone.now()
    open_states = (Status.SENT, Status.UNKNOWN, Status.SENDING, Status.QUEUED)
    delivered: list[str] = []
    changed = 0
    for r in reports:
        if not r.provider_id:
            continue
        if r.delivered:
            delivered.append(r.provider_id[:100])
            continue
        changed += Delivery.objects.filter(
            provider_id=r.provider_id[:100], channel=Channel.SMS, status__in=open_states
        ).update(
            status=Status.FAILED,
            done_at=now,
            last_error=(r.error or "运营商回执：未送达")[:MAX_ERROR],
        )
    for start in range(0, len(delivered), 1000):
        changed += Delivery.objects.filter(
            provider_id__in=delivered[start : start + 1000],
            channel=Channel.SMS,
            status__in=open_states,
        ).update(status=Status.DELIVERED, done_at=now, last_error="")
    return changed


def recover_stuck(now: dt.datetime | None = None) -> int:
    """Deliveries left ``sending`` past the timeout (their worker died): those whose send
    never started are queued again (nothing went out); the ones whose send had started are
    marked unknown. Returns how many were marked unknown."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=conf.sending_timeout())
    stuck = Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    stuck.filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=F("claimed_at"))).update(
        status=Status.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_at=now,
        handed_at=None,
        claim="",
    )
    return stuck.update(status=Status.UNKNOWN, last_error="发送过程中断（工作进程中止），结果未知")


HAND_OVER_AGAIN = dt.timedelta(minutes=10)  # a task lost before it ran


def due_ids(now: dt.datetime, limit: int = 50_000) -> list[int]:
    """Queued deliveries due now that no task holds (never handed, or handed long ago)."""
    stale = now - HAND_OVER_AGAIN
    return list(
        Delivery.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .filter(Q(handed_at__isnull=True) | Q(handed_at__lt=stale))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """The minute job: stuck sends → unknown; due retries and deferred sends → the worker.
    Returns (marked unknown, handed over)."""
    now = now or timezone.now()
    stuck = recover_stuck(now)
    ids = due_ids(now)
    for start in range(0, len(ids), 1000):
        Delivery.objects.filter(pk__in=ids[start : start + 1000]).update(handed_at=now)
    if ids:
        hand_over(ids)
    return stuck, len(ids)
