"""Small builders for the notify tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shishi.core import pii
from shishi.notify.models import Contact, RobotHook
from shishi.orgs.models import Jurisdiction, Unit, User


def contact(
    user: User,
    *,
    phone: str = "",
    email: str = "",
    quiet: tuple[dt.time, dt.time] | None = None,
    digest: str = Contact.Digest.IMMEDIATE,
    language: str = "zh-hans",
) -> Contact:
    if email:
        User.objects.filter(pk=user.pk).update(email=email)
        user.email = email
    start, end = quiet if quiet else (None, None)
    values: dict[str, Any] = {
        "quiet_start": start,
        "quiet_end": end,
        "email_digest": digest,
        "language": language,
    }
    if phone:
        values.update(
            phone_encrypted=pii.encrypt(phone, purpose="phone"),
            phone_hash=pii.lookup_hash(phone, purpose="phone"),
            phone_masked=pii.mask_phone(phone),
        )
    row, _ = Contact.objects.update_or_create(user=user, defaults=values)
    return row


def hook(
    jurisdiction: Jurisdiction,
    *,
    unit: Unit | None = None,
    kind: str = "wecom",
    name: str = "群机器人",
    url: str = "http://127.0.0.1:9/cgi-bin/webhook/send?key=abcdefgh-1234-5678",
    secret: str = "",
    active: bool = True,
) -> RobotHook:
    return RobotHook.objects.create(
        jurisdiction=jurisdiction,
        unit=unit,
        kind=kind,
        name=name,
        url_encrypted=pii.encrypt(url, purpose="robot"),
        url_masked="masked",
        secret_encrypted=pii.encrypt(secret, purpose="robot") if secret else "",
        active=active,
    )


def many_users(n: int, prefix: str = "u") -> list[User]:
    User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org") for i in range(n)],
        batch_size=2000,
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))
