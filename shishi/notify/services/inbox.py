"""A person reads their messages (no audit: reading one's own inbox changes nothing of
anyone else's)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shishi.notify.models import Message
from shishi.notify.permissions import access_message


def mark_read(user: Any, pk: int) -> Message:
    """Mark one of the user's messages read (again: nothing changes)."""
    message = access_message(user, pk)
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def mark_all_read(user: Any) -> int:
    """Mark all the user's unread messages read; how many."""
    return Message.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
