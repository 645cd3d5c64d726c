"""The office's review of units' progress updates (待审核): publish them, many at once, or
send one back to its unit with a comment.

A unit's update applies to the ledger at once (the boards count it) but reaches the
public portal only when the office publishes it (``publication.refresh_published_progress_many``
moves the item's published rate and status on). A rejected update that is still the last
one applied is rolled back: the item's progress returns to what it was before it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import Attachment, Item, Lifecycle, ProgressUpdate, Review, Target
from shishi.ledger.services import notices
from shishi.ledger.services.items import PROGRESS_LOCK, bump_version
from shishi.ledger.services.publication import (
    NOT_PUBLISHER,
    NOTE_NOT_PUBLIC,
    PUBLIC_PHOTO_TYPES,
    refresh_published_progress_many,
)

# Reviews an update may be published from (a rejected one is the unit's to post again).
PUBLISHABLE = (Review.PENDING, Review.UNPUBLISHED)
MAX_BATCH = 5000


def publish_updates(
    update_ids: Iterable[int], *, actor: Any, with_photos: bool = True
) -> list[int]:
    """Publish these updates on the portal; the ids that changed (already public: skipped).

    All or nothing: an id that is gone, an update of a district the actor is not the office
    of, a partner's note or a rejected update refuses the whole batch. ``with_photos`` also
    publishes their photos (JPEG, PNG, WebP). One audit event per update, on its item.
    """
    wanted = set(update_ids)
    if not wanted:
        raise ValidationFailed("请先勾选要公开的进展")
    if len(wanted) > MAX_BATCH:
        raise ValidationFailed(f"一次最多公开{MAX_BATCH}条进展")
    now = timezone.now()
    reviewer = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        updates = list(
            ProgressUpdate.objects.select_for_update()
            .filter(pk__in=wanted)
            .order_by("pk")
            .only(
                "id",
                "jurisdiction_id",
                "item_id",
                "reported_on",
                "rate",
                "text",
                "is_note",
                "review",
            )
        )
        if len(updates) != len(wanted):
            missing = len(wanted) - len(updates)
            raise NotFound(f"有{missing}条所选进展已不存在，请刷新页面")
        for jurisdiction_id in {u.jurisdiction_id for u in updates}:
            if not permissions.can_review(actor, jurisdiction_id):
                raise PermissionDenied(NOT_PUBLISHER)
        if any(u.is_note for u in updates):
            raise ValidationFailed(NOTE_NOT_PUBLIC)
        if any(u.review == Review.REJECTED for u in updates):
            raise ValidationFailed("已退回的进展不能公开，请等待单位重新填报")
        changing = [u for u in updates if u.review in PUBLISHABLE]
        if not changing:
            return []
        ids = [u.pk for u in changing]
        ProgressUpdate.objects.filter(pk__in=ids).update(
            review=Review.PUBLISHED, is_public=True, reviewed_by=reviewer, reviewed_at=now
        )
        photos = 0
        if with_photos:
            photos = Attachment.objects.filter(
                update_id__in=ids, content_type__in=PUBLIC_PHOTO_TYPES, is_public=False
            ).update(is_public=True)
        refresh_published_progress_many(changing)
        items = {
            pk: (number, name, programme_id)
            for pk, number, name, programme_id in Item.objects.filter(
                pk__in={u.item_id for u in changing}
            ).values_list("pk", "number", "name", "programme_id")
        }
        audit.record_many(
            actor=actor,
            entries=[
                audit.Entry(
                    action="item.update_publish",
                    target_type=Item._meta.label_lower,
                    target_id=str(u.item_id),
                    target_repr=f"{items[u.item_id][0]} {items[u.item_id][1]}"[:300],
                    changes={
                        "update": [None, u.pk],
                        "reported_on": [None, u.reported_on.isoformat()],
                        "review": [u.review, Review.PUBLISHED],
                        "is_public": [False, True],
                        **({"photos": [None, "published"]} if with_photos and photos else {}),
                    },
                    jurisdiction_id=u.jurisdiction_id,
                )
                for u in changing
            ],
        )
        by_programme: dict[int, list[int]] = defaultdict(list)
        for pk, (_number, _name, programme_id) in items.items():
            by_programme[programme_id].append(pk)
        for programme_id, item_ids in by_programme.items():
            signals.items_changed.send(sender=Item, programme_id=programme_id, item_ids=item_ids)
    return ids


def _is_last_applied(update: ProgressUpdate, item: Item) -> bool:
    """No progress was posted on the item since ``update`` (its rollback would apply)."""
    previous = update.previous or {}
    return not update.is_note and previous.get("version") == item.progress_version


def _rollback(update: ProgressUpdate, item: Item) -> dict[str, list[Any]]:
    """Return the item's progress to its state before ``update``, if no progress was
    posted since; the changes made (none if a later update superseded it)."""
    if not _is_last_applied(update, item):
        return {}
    previous = update.previous or {}
    state = previous.get("state") or {}
    before = {f: getattr(item, f) for f in state}
    for field, value in state.items():
        if value is None:
            setattr(item, field, None)
        elif field in ("completion_rate", "done_investment"):
            setattr(item, field, Decimal(value))
        elif field == "progress_date":
            setattr(item, field, dt.date.fromisoformat(value))
        else:
            setattr(item, field, value)
    bump_version(item, None, list(state), PROGRESS_LOCK)
    changes = audit.diff(before, {f: getattr(item, f) for f in state})
    actuals = previous.get("actuals") or {}
    targets = list(Target.all_objects.filter(pk__in=[int(pk) for pk in actuals], item_id=item.pk))
    for target in targets:
        old = actuals[str(target.pk)]
        value = None if old is None else Decimal(old)
        changes[f"target:{target.name}"] = [target.actual, value]  # as the history shows it
        target.actual = value
    Target.all_objects.bulk_update(targets, ["actual"])
    return changes


def reject_update(update: ProgressUpdate, *, actor: Any, comment: str) -> ProgressUpdate:
    """Send a pending update back to its unit with a comment the unit sees on the item.

    If it is still the last progress applied to the item, the item's rate, text and
    figures return to what they were before it (the boards stop counting it); on a
    closed-out item that is refused (the office reopens the item first).
    """
    if not permissions.can_review(actor, update.jurisdiction_id):
        raise PermissionDenied(NOT_PUBLISHER)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("请填写退回意见，单位将看到它", {"comment": "请填写退回意见"})
    with transaction.atomic():
        review = (
            ProgressUpdate.objects.select_for_update()
            .filter(pk=update.pk)
            .values_list("review", flat=True)
            .first()
        )
        if review is None:
            raise NotFound("该条进展已不存在，请刷新页面")
        if review != Review.PENDING:
            label = Review(review).label
            raise ValidationFailed(f"只有待审核的进展可以退回（这条进展{label}）")
        item = Item.objects.get(pk=update.item_id)
        # Rolling a closed-out item's progress back would reopen it behind the office's back.
        if item.lifecycle == Lifecycle.CLOSED_OUT and _is_last_applied(update, item):
            raise ValidationFailed("事项已销号，如需退回这条进展，请先重新打开事项")
        update.review, update.is_public = Review.REJECTED, False
        update.review_comment, update.reviewed_at = comment, timezone.now()
        update.reviewed_by = actor if getattr(actor, "pk", None) else None
        update.save(
            update_fields=["review", "is_public", "review_comment", "reviewed_at", "reviewed_by"]
        )
        rolled_back = _rollback(update, item)
        audit.record(
            actor=actor,
            action="item.update_reject",
            target=item,
            changes={
                "update": [None, update.pk],
                "reported_on": [None, update.reported_on],
                "review": [review, Review.REJECTED],
                "comment": [None, comment],
                **rolled_back,
            },
            jurisdiction_id=item.jurisdiction_id,
        )
        notices.update_rejected(update, item, comment)
        signals.item_changed(item)
    return update
