"""Expiry reminders of health certificates by SMS, 30 and 7 days before ``valid_until``,
each sent once (``reminded_30_at``, ``reminded_7_at``, claimed by a conditional UPDATE so
two runs never send twice). A certificate issued with fewer than 30 days left gets only the
7-day reminder; a revoked one none; a holder without a mobile none (nothing to send to). The
job (``certificate_tasks.remind_expiring``) runs daily; a day missed is caught up the next
day, as long as the certificate has not expired."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shishi.appointments import texts
from shishi.appointments.certificates import verification_url
from shishi.appointments.models import HealthCertificate


@dataclass
class Sent:
    thirty: int = 0
    seven: int = 0


def _text(c: HealthCertificate, days: int) -> str:
    return (
        f"{c.holder_name}您好，您的健康证（证号{c.number}）将于{c.valid_until:%Y年%m月%d日}到期"
        f"（还有{days}天），请及时预约复检换证。查验：{verification_url(c.number)}"
    )


def remind(*, today: dt.date, now: dt.datetime | None = None) -> Sent:
    """Send the reminders due ``today``; how many of each."""
    now = now or timezone.now()
    sent = Sent()
    live = HealthCertificate.objects.filter(revoked_at__isnull=True, valid_until__gte=today)
    due_7 = live.filter(reminded_7_at__isnull=True, valid_until__lte=today + dt.timedelta(days=7))
    due_30 = live.filter(
        reminded_30_at__isnull=True,
        valid_until__gt=today + dt.timedelta(days=7),
        valid_until__lte=today + dt.timedelta(days=30),
    )
    for field, due in (("reminded_7_at", due_7), ("reminded_30_at", due_30)):
        for c in list(due.select_related("resident").order_by("valid_until", "pk")):
            if field == "reminded_30_at" and (c.valid_until - c.valid_from).days < 30:
                continue  # issued with fewer than 30 days left: the 7-day one only
            with transaction.atomic():
                claimed = HealthCertificate.objects.filter(
                    pk=c.pk, revoked_at__isnull=True, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue  # another run took it
                phone = c.resident.phone
                if phone:
                    texts.send(
                        jurisdiction_id=c.jurisdiction_id,
                        phone=phone.reveal(),
                        purpose="cert_expiry",
                        text=_text(c, (c.valid_until - today).days),
                    )
            if field == "reminded_7_at":
                sent.seven += 1
            else:
                sent.thirty += 1
    return sent
