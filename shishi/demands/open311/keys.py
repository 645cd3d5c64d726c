"""Open311 API keys: only the SHA-256 of a key is stored; the key is shown once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.inputs import has_control
from shishi.demands.models import Demand, Open311Key
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

PREFIX = "o311_"
MAX_KEY_LENGTH = 200
# One write per request would be too many; a minute tells a live key from a forgotten one.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    jurisdiction: Jurisdiction, *, name: str, actor: Any = None
) -> tuple[Open311Key, str]:
    """A new active key of ``jurisdiction`` (a district); returns the row and the key, which
    is never stored and cannot be shown again."""
    name = (name or "").strip()
    max_name = Open311Key._meta.get_field("name").max_length or 100
    if not name:
        raise ValidationFailed("请填写密钥名称", {"name": "请填写密钥名称"})
    if len(name) > max_name or has_control(name):
        message = f"密钥名称最多{max_name}个字符，不能含控制字符"
        raise ValidationFailed(message, {"name": message})
    if jurisdiction.level != Jurisdiction.Level.DISTRICT:
        message = "Open311密钥须属于一个区"
        raise ValidationFailed(message, {"jurisdiction": message})
    key = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = Open311Key.objects.create(
            name=name,
            key_hash=hash_key(key),
            jurisdiction=jurisdiction,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="demands.open311_key.create",
            target=row,
            changes={"name": [None, name], "jurisdiction": [None, jurisdiction.code]},
            jurisdiction_id=jurisdiction.pk,
        )
    return row, key


def issue_key(jurisdiction: Jurisdiction, *, name: str, actor: Any) -> tuple[Open311Key, str]:
    """``create_key`` from the office's page: the actor must be the district's office."""
    if not scope_for(actor).is_office_for(jurisdiction.pk):
        raise PermissionDenied("只有专班可以创建Open311密钥")
    return create_key(jurisdiction, name=name, actor=actor)


def deactivate_key(row: Open311Key, *, actor: Any = None) -> Open311Key:
    """Stop a key (a partner leaves, a key leaked); kept for the record. From a page the
    actor must be the office of the key's district (a shell passes no actor)."""
    if actor is not None and not scope_for(actor).is_office_for(row.jurisdiction_id):
        raise PermissionDenied("只有专班可以停用Open311密钥")
    with transaction.atomic():
        updated = Open311Key.objects.filter(pk=row.pk, is_active=True).update(
            is_active=False, updated_at=timezone.now()
        )
        row.is_active = False
        if not updated:  # stopped already: nothing to record
            return row
        audit.record(
            actor=actor,
            action="demands.open311_key.deactivate",
            target=row,
            changes={"is_active": [True, False]},
            jurisdiction_id=row.jurisdiction_id,
        )
    return row


def key_for(key: str) -> Open311Key | None:
    """The active key ``key`` is, noting its use (at most once a minute); None if none."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    row = (
        Open311Key.objects.select_related("jurisdiction")
        .filter(key_hash=hash_key(key), is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        # Usage bookkeeping, not a domain change: no audit event, no ``updated_at`` bump.
        Open311Key.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def record_intake(row: Open311Key, demand: Demand) -> None:
    """Which partner's key brought a demand in (inside the intake's transaction)."""
    audit.record(
        actor=None,
        action="demands.open311_intake",
        target=demand,
        changes={"open311_key": [None, f"{row.pk}:{row.name}"]},
        jurisdiction_id=demand.jurisdiction_id,
    )
