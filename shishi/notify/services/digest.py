"""The daily e-mail digest: one e-mail per person gathers their messages that waited.

A person who chose the daily digest gets their e-mail deliveries written as ``digest``
(urgent ones go at once). The daily job claims each person's waiting deliveries (``sending``,
committed), sends one e-mail listing them and gives all of them that e-mail's outcome:
sent; failed; unknown (never re-sent by itself, as any e-mail); or, on a temporary
failure, back to ``digest`` for the next day's e-mail (``failed`` after the last attempt).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from shishi.core import pii
from shishi.notify import conf
from shishi.notify.channels.base import Outcome, Outgoing, SendResult
from shishi.notify.channels.registry import get_channel
from shishi.notify.kinds import DIGEST, base_context, render
from shishi.notify.models import Channel, Contact, Delivery, Status
from shishi.notify.services.engine import MAX_ERROR, _send

USERS_PER_CHUNK = 200  # people whose languages are read in one query


@dataclass
class DigestReport:
    emails: int = 0
    deliveries: int = 0


def waiting_users() -> list[int]:
    return sorted(
        set(
            Delivery.objects.filter(status=Status.DIGEST, channel=Channel.EMAIL).values_list(
                "recipient_id", flat=True
            )
        )
        - {None}
    )


def send_digests(slot: dt.datetime | None = None) -> DigestReport:
    """Send each waiting person their digest for ``slot``'s day (the e-mail's key, so a rerun
    of the same slot hands the SMTP server the same Message-ID)."""
    slot = slot or timezone.now()
    day = timezone.localtime(slot).date().isoformat()
    report = DigestReport()
    users = waiting_users()
    if not users:
        return report
    sender = get_channel(Channel.EMAIL)
    try:
        for start in range(0, len(users), USERS_PER_CHUNK):
            chunk = users[start : start + USERS_PER_CHUNK]
            languages = dict(
                Contact.objects.filter(user_id__in=chunk).values_list("user_id", "language")
            )
            for user_id in chunk:
                language = languages.get(user_id) or settings.LANGUAGE_CODE
                report.deliveries += _digest_one(sender, user_id, day, language)
                report.emails += 1
    finally:
        sender.close()
    return report


def _digest_one(sender: object, user_id: int, day: str, language: str) -> int:
    now = timezone.now()
    token = uuid.uuid4().hex
    Delivery.objects.filter(
        recipient_id=user_id, channel=Channel.EMAIL, status=Status.DIGEST
    ).update(status=Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
    rows = list(
        Delivery.objects.filter(claim=token).select_related("message").order_by("created_at", "pk")
    )
    if not rows:
        return 0
    entries = []
    for d in rows:
        m = d.message
        text = m.text or render(m.kind, "inbox.txt", m.context, language=language, link=m.link)
        entries.append({"text": text, "url": base_context({}, m.link)["url"] if m.link else ""})
    context = {"count": len(rows), "entries": entries}
    link = reverse("notify:inbox")
    try:
        address = pii.decrypt(rows[-1].address_encrypted, purpose="email")
    except pii.DecryptionFailed:
        result = SendResult(Outcome.PERMANENT, error="地址无法解密（密钥已更换？）")
    else:
        outgoing = Outgoing(
            channel=Channel.EMAIL,
            address=address,
            key=f"digest:{user_id}:{day}",
            subject=render(DIGEST, "email_subject.txt", context, language=language, link=link),
            text=render(DIGEST, "email.txt", context, language=language, link=link),
        )
        result = _send(sender, outgoing)  # type: ignore[arg-type]
    _store_all(token, rows, result)
    return len(rows)


def _store_all(token: str, rows: list[Delivery], result: SendResult) -> None:
    now = timezone.now()
    values: dict[str, object] = {"last_attempt_at": now, "last_error": result.error[:MAX_ERROR]}
    if result.provider_id:
        values["provider_id"] = result.provider_id[:100]
    mine = Delivery.objects.filter(claim=token)
    if result.outcome in (Outcome.SENT, Outcome.DELIVERED):
        status = Status.SENT if result.outcome == Outcome.SENT else Status.DELIVERED
        mine.update(status=status, done_at=now, **values)
    elif result.outcome == Outcome.TEMPORARY:
        last = conf.max_attempts()
        mine.filter(attempts__lt=last).update(status=Status.DIGEST, **values)
        mine.filter(attempts__gte=last).update(status=Status.FAILED, done_at=now, **values)
    elif result.outcome == Outcome.PERMANENT:
        mine.update(status=Status.FAILED, done_at=now, **values)
    else:
        mine.update(status=Status.UNKNOWN, **values)
