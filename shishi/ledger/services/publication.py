"""What the public portal shows, decided by the programme office: the flags live on the
ledger's rows, so the ledger writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import (
    Attachment,
    Item,
    Lifecycle,
    Programme,
    ProgressUpdate,
    PublishedItem,
    Review,
    lifecycle_for_rate,
)
from shishi.orgs.permissions import scope_for

# --- publication on the public portal -------------------------------------------------------
# The portal shows what the programme office publishes. The flags live on the ledger's rows,
# so the ledger writes them; the portal adds its own checks (can it serve the photo?) and
# calls these. Audit events name the item as their target, so they show in its history:
# ``item.update_publish`` / ``item.update_unpublish`` with the update's id and date,
# ``item.photo_publish`` / ``item.photo_unpublish`` with the attachment's id and name.

PUBLIC_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
NOT_PUBLISHER = "只有本区专班（或市专班）可以决定公开内容"
NOTE_NOT_PUBLIC = "配合单位备注仅供内部参考，不能公开"
NOT_A_PHOTO = "只有照片（JPEG、PNG、WebP格式）可以公开"


def _require_publisher(actor: Any, jurisdiction_id: int) -> None:
    """The programme office of the district, or the city office over it."""
    if not scope_for(actor).is_office_for(jurisdiction_id):
        raise PermissionDenied(NOT_PUBLISHER)


def _stale_message(numbers: Iterable[str]) -> str:
    listed = "、".join(numbers)
    return f"事项 {listed} 在您打开页面后已被修改，请刷新页面核对内容后再公开"


# --- the published state ------------------------------------------------------------------
# ``PublishedItem`` is what the portal shows. Its item part (name, deadline, units …) is
# copied when the office publishes the item and refreshed by the office's own edits; its
# progress part (rate, status, latest progress) is copied when the item is published and
# moves on only with the updates the office publishes. A unit's write never touches it.

PUBLISHED_ITEM_FIELDS = (
    "programme_id",
    "category_id",
    "lead_unit_id",
    "number",
    "seq",
    "name",
    "deadline_text",
    "due_date",
    "is_ongoing",
)
PUBLISHED_PROGRESS_FIELDS = ("completion_rate", "lifecycle", "progress_text", "progress_date")


def _published_rows(items: Iterable[Item], actor: Any) -> list[PublishedItem]:
    """What publishing these items shows: their fields as they are, and their progress as
    the office has published it — the live progress, or, while units' updates wait for
    review, the progress from before the first of them with the published ones after it
    applied (each update keeps the state it replaced)."""
    items = list(items)
    first_pending: dict[int, ProgressUpdate] = {}
    pending = ProgressUpdate.objects.filter(
        item_id__in=[i.pk for i in items], review=Review.PENDING, is_note=False
    ).order_by("-id")
    for update in pending:
        first_pending[update.item_id] = update  # the lowest id wins
    later: dict[int, list[ProgressUpdate]] = {}
    if first_pending:
        since = min(u.pk for u in first_pending.values())
        published = ProgressUpdate.objects.filter(
            item_id__in=list(first_pending), review=Review.PUBLISHED, is_note=False, pk__gt=since
        ).order_by("reported_on", "id")
        for update in published:
            if update.pk > first_pending[update.item_id].pk:
                later.setdefault(update.item_id, []).append(update)
    now, by = timezone.now(), actor if getattr(actor, "pk", None) else None
    rows = []
    for item in items:
        row = PublishedItem(
            item_id=item.pk,
            published_at=now,
            published_by=by,
            **{f: getattr(item, f) for f in (*PUBLISHED_ITEM_FIELDS, *PUBLISHED_PROGRESS_FIELDS)},
        )
        first = first_pending.get(item.pk)
        state = first.previous.get("state") if first is not None else None
        if state:
            row.completion_rate = Decimal(state["completion_rate"] or 0)
            row.lifecycle = state["lifecycle"]
            row.progress_text = state["progress_text"] or ""
            date = state["progress_date"]
            row.progress_date = dt.date.fromisoformat(date) if date else None
            for update in later.get(item.pk, []):
                _apply_update(row, update)
            if item.lifecycle == Lifecycle.CLOSED_OUT:
                row.lifecycle = item.lifecycle
        rows.append(row)
    return rows


def _model_values(row: PublishedItem) -> dict[str, Any]:
    fields = row._meta.concrete_fields
    return {f.attname: getattr(row, f.attname) for f in fields if not f.primary_key}


def refresh_published_fields(item: Item, *, with_lifecycle: bool = False) -> None:
    """The office changed the item's own fields (or, ``with_lifecycle``, closed it out or
    reopened it): a public item shows the change at once, as the office's act."""
    if not item.is_public:
        return
    fields = (*PUBLISHED_ITEM_FIELDS, "lifecycle") if with_lifecycle else PUBLISHED_ITEM_FIELDS
    PublishedItem.objects.filter(pk=item.pk).update(**{f: getattr(item, f) for f in fields})


def refresh_published_from_live(item_ids: list[int]) -> int:
    """Copy the live state of these items, where public, to what the portal shows: for the
    office's bulk writes (an imported sheet); the number of public items refreshed."""
    rows = PublishedItem.objects.in_bulk(item_ids)
    if not rows:
        return 0
    fields = (*PUBLISHED_ITEM_FIELDS, *PUBLISHED_PROGRESS_FIELDS)
    for item in Item.objects.filter(pk__in=list(rows)).only(*fields):
        row = rows[item.pk]
        for f in fields:
            setattr(row, f, getattr(item, f))
    PublishedItem.objects.bulk_update(list(rows.values()), fields, batch_size=1000)
    return len(rows)


def _apply_update(row: PublishedItem, update: ProgressUpdate) -> bool:
    """Move the published progress on to ``update`` if it is not older; True if it moved."""
    if update.is_note or (row.progress_date is not None and update.reported_on < row.progress_date):
        return False
    row.progress_text, row.progress_date = update.text, update.reported_on
    if update.rate is not None:
        row.completion_rate = update.rate
        row.lifecycle = lifecycle_for_rate(update.rate, row.lifecycle)
    elif row.lifecycle == Lifecycle.NOT_STARTED:
        row.lifecycle = Lifecycle.IN_PROGRESS
    return True


def refresh_published_progress_many(updates: list[ProgressUpdate]) -> None:
    """The published progress of every public item among the updates' items, moved on to
    the newest of its published updates; one read and one bulk write."""
    rows = PublishedItem.objects.in_bulk({u.item_id for u in updates})
    changed = []
    for update in sorted(updates, key=lambda u: (u.reported_on, u.pk)):
        row = rows.get(update.item_id)
        if row is not None and _apply_update(row, update):
            changed.append(row)
    PublishedItem.objects.bulk_update(
        list({row.pk: row for row in changed}.values()), PUBLISHED_PROGRESS_FIELDS
    )


# --- items ----------------------------------------------------------------------------------


def set_item_publication(
    item: Item, *, actor: Any, public: bool, expected_version: int | None = None
) -> bool:
    """Publish or withdraw an item; True if its state changed.

    Publishing is refused (StaleEdit) when ``expected_version`` is given and the item was
    edited since: the office publishes what it has read. Withdrawing is always allowed.
    """
    _require_publisher(actor, item.jurisdiction_id)
    with transaction.atomic():
        row = (
            Item.objects.select_for_update()
            .filter(pk=item.pk)
            .order_by("pk")  # not the default order: its category join can't be locked
            .values_list("is_public", "version")
            .first()
        )
        if row is None:
            raise NotFound("事项已不存在，请刷新页面")
        was_public, version = row
        if public and expected_version is not None and expected_version != version:
            raise StaleEdit(_stale_message([item.number]))
        item.is_public = public
        if was_public == public:
            return False
        Item.objects.filter(pk=item.pk).update(is_public=public)
        changes: dict[str, list[Any]] = {"is_public": [was_public, public]}
        if public:
            (state,) = _published_rows([Item.objects.get(pk=item.pk)], actor)
            PublishedItem.objects.update_or_create(item_id=item.pk, defaults=_model_values(state))
        else:
            PublishedItem.objects.filter(pk=item.pk).delete()
        audit.record(
            actor=actor,
            action="item.publish" if public else "item.unpublish",
            target=item,
            changes=changes,
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return True


def set_items_publication(
    programme: Programme,
    item_ids: Iterable[int],
    *,
    actor: Any,
    public: bool,
    expected_versions: Mapping[int, int] | None = None,
) -> list[int]:
    """Publish or withdraw many items of one programme at once; the ids that changed.

    All or nothing: an id outside the programme, or (when publishing) an item edited since
    its ``expected_versions`` entry, refuses the whole batch. One audit event per changed
    item.
    """
    if not permissions.can_manage_programme(actor, programme):
        raise PermissionDenied(NOT_PUBLISHER)
    wanted = set(item_ids)
    if not wanted:
        raise ValidationFailed("请先勾选事项")
    with transaction.atomic():
        rows = list(
            Item.objects.select_for_update()
            .filter(programme_id=programme.pk, pk__in=wanted)
            .order_by("pk")
            .values_list("pk", "number", "name", "is_public", "version")
        )
        missing = wanted - {row[0] for row in rows}
        if missing:
            raise NotFound(f"有 {len(missing)} 个所选事项已不存在或不属于本计划，请刷新页面")
        if public and expected_versions:
            stale = [
                number
                for pk, number, _name, _public, version in rows
                if pk in expected_versions and expected_versions[pk] != version
            ]
            if stale:
                raise StaleEdit(_stale_message(stale))
        changing = [row for row in rows if row[3] != public]
        if not changing:
            return []
        ids = [row[0] for row in changing]
        Item.objects.filter(pk__in=ids).update(is_public=public)
        if public:
            PublishedItem.objects.filter(pk__in=ids).delete()  # left by an interrupted run
            PublishedItem.objects.bulk_create(
                _published_rows(Item.objects.filter(pk__in=ids), actor)
            )
        else:
            PublishedItem.objects.filter(pk__in=ids).delete()
        action = "item.publish" if public else "item.unpublish"
        audit.record_many(
            actor=actor,
            entries=[
                audit.Entry(
                    action=action,
                    target_type=Item._meta.label_lower,
                    target_id=str(pk),
                    target_repr=f"{number} {name}"[:300],
                    changes={"is_public": [was_public, public]},
                    jurisdiction_id=programme.jurisdiction_id,
                )
                for pk, number, name, was_public, _version in changing
            ],
        )
        signals.items_changed.send(sender=Item, programme_id=programme.pk, item_ids=ids)
    return ids


# --- progress updates and their photos ------------------------------------------------------


def _locked_flag(rows: Any, pk: int, gone: str) -> bool:
    """The row's ``is_public``, the row locked until the transaction ends; NotFound if gone."""
    flag = rows.select_for_update().filter(pk=pk).values_list("is_public", flat=True).first()
    if flag is None:
        raise NotFound(gone)
    return bool(flag)


def _audit_publication(
    on: ProgressUpdate, action: str, public: bool, /, *, actor: Any, **changes: list[Any]
) -> None:
    """One audit event on the update's item: what changed, the update's date, the flag."""
    audit.record(
        actor=actor,
        action=action,
        target=on.item,
        changes={
            **changes,
            "reported_on": [None, on.reported_on],
            "is_public": [not public, public],
        },
        jurisdiction_id=on.jurisdiction_id,
    )


def _publish_photos(
    update: ProgressUpdate, attachments: Iterable[Attachment], public: bool, *, actor: Any
) -> int:
    changed = 0
    for attachment in attachments:
        if attachment.update_id != update.pk:
            raise ValidationFailed("所选照片不属于该条进展")
        if public and attachment.content_type not in PUBLIC_PHOTO_TYPES:
            raise ValidationFailed(f"“{attachment.name}”：{NOT_A_PHOTO}")
        if attachment.is_public == public:
            continue
        Attachment.objects.filter(pk=attachment.pk).update(is_public=public)
        attachment.is_public = public
        action = "item.photo_publish" if public else "item.photo_unpublish"
        name = [None, attachment.name]
        _audit_publication(
            update,
            action,
            public,
            actor=actor,
            attachment=[None, attachment.pk],
            attachment_name=name,
        )
        changed += 1
    return changed


def set_update_publication(
    update: ProgressUpdate,
    *,
    actor: Any,
    public: bool,
    attachments: Iterable[Attachment] = (),
) -> bool:
    """Publish or withdraw a progress update on the portal; True if its flag changed.

    Office only. Its photos are not published with it, except those in ``attachments``
    (the ones the office ticked), all or nothing with the update. A partner unit's note is
    never published; withdrawing anything is always allowed. Publishing moves the item's
    public rate and status on to the update (if it is the newest published); withdrawing
    hides its text and photos but leaves the published rate (republish the item to reset it).
    """
    _require_publisher(actor, update.jurisdiction_id)
    if public and update.is_note:
        raise ValidationFailed(NOTE_NOT_PUBLIC)
    chosen = list(attachments)
    with transaction.atomic():
        was_public = _locked_flag(ProgressUpdate.objects, update.pk, "该条进展已不存在，请刷新页面")
        update.is_public = public
        changed = was_public != public
        if changed:
            review = Review.PUBLISHED if public else Review.UNPUBLISHED
            update.review, update.reviewed_at = review, timezone.now()
            ProgressUpdate.objects.filter(pk=update.pk).update(
                is_public=public,
                review=review,
                reviewed_by=actor if getattr(actor, "pk", None) else None,
                reviewed_at=update.reviewed_at,
            )
            action = "item.update_publish" if public else "item.update_unpublish"
            _audit_publication(update, action, public, actor=actor, update=[None, update.pk])
            if public:
                refresh_published_progress_many([update])
        photos_changed = _publish_photos(update, chosen, True, actor=actor) if public else 0
        if changed or photos_changed:
            signals.item_changed(update.item)
    return changed


def set_attachment_publication(attachment: Attachment, *, actor: Any, public: bool) -> bool:
    """Publish or withdraw one photo of a progress update; True if its flag changed.

    Office only; JPEG, PNG and WebP images only, never a partner unit's note's. The photo
    shows on the portal only while its update and item are public too.
    """
    update = attachment.update
    _require_publisher(actor, update.jurisdiction_id)
    if public and update.is_note:
        raise ValidationFailed(NOTE_NOT_PUBLIC)
    with transaction.atomic():
        attachment.is_public = _locked_flag(
            Attachment.objects, attachment.pk, "该照片已不存在，请刷新页面"
        )
        changed = _publish_photos(update, [attachment], public, actor=actor)
        if changed:
            signals.item_changed(update.item)
    return bool(changed)
