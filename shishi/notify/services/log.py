"""The office acts on the delivery log: re-send a delivery whose outcome is unknown (or that
failed), or settle an unknown one as failed. Both are audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import ValidationFailed
from shishi.notify import permissions
from shishi.notify.models import Delivery, Status
from shishi.notify.services.notices import hand_over

RESENDABLE = (Status.UNKNOWN, Status.FAILED)


def _lock(delivery: Delivery) -> str:
    status = (
        Delivery.objects.select_for_update()
        .filter(pk=delivery.pk)
        .values_list("status", flat=True)
        .first()
    )
    return str(status or "")


def resend_delivery(delivery: Delivery, *, actor: Any) -> Delivery:
    """Queue it again now (attempts start over). The office's decision: the recipient may
    get it twice if the first send did arrive."""
    permissions.access_delivery(actor, delivery.pk)
    with transaction.atomic():
        status = _lock(delivery)
        if status not in RESENDABLE:
            raise ValidationFailed("只有结果未知或失败的投递可以重发")
        now = timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=now, handed_at=now, done_at=None
        )
        audit.record(
            actor=actor,
            action="notify.delivery_resend",
            target=delivery,
            changes={"status": [status, Status.QUEUED], "attempts": [delivery.attempts, 0]},
            jurisdiction_id=delivery.jurisdiction_id,
        )
        transaction.on_commit(lambda: hand_over([delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def mark_delivery_failed(delivery: Delivery, *, actor: Any) -> Delivery:
    """Settle an unknown delivery as failed (the office checked: it did not arrive)."""
    permissions.access_delivery(actor, delivery.pk)
    with transaction.atomic():
        status = _lock(delivery)
        if status != Status.UNKNOWN:
            raise ValidationFailed("只有结果未知的投递可以标记为失败")
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Status.FAILED, done_at=timezone.now(), last_error="专班确认未送达"
        )
        audit.record(
            actor=actor,
            action="notify.delivery_mark_failed",
            target=delivery,
            changes={"status": [status, Status.FAILED]},
            jurisdiction_id=delivery.jurisdiction_id,
        )
    delivery.refresh_from_db()
    return delivery
