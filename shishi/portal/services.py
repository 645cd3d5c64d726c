"""Publication: the programme office decides, item by item and update by update, what the
public portal shows. Every change is checked, atomic, audited and signalled like the ledger's.

Audit events name the item as their target (so they show in the item's history):
``item.publish`` / ``item.unpublish`` with ``{"is_public": [old, new]}``. Updates and
photos are published by the ledger's services (``item.update_publish``, ``item.photo_publish``
and their withdrawals), after the portal has checked it can serve each photo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from shishi.core import audit
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger import permissions as ledger_permissions
from shishi.ledger import services as ledger_services
from shishi.ledger import signals
from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate
from shishi.orgs.permissions import scope_for
from shishi.portal import images
from shishi.portal.images import PUBLIC_IMAGE_TYPES

NOT_OFFICE = ledger_services.NOT_PUBLISHER


def can_publish(user: Any, jurisdiction_id: int) -> bool:
    """The programme office of the district, or the city office over it."""
    return scope_for(user).is_office_for(jurisdiction_id)


def _require_office(actor: Any, jurisdiction_id: int) -> None:
    if not can_publish(actor, jurisdiction_id):
        raise PermissionDenied(NOT_OFFICE)


def _items_changed(programme_id: int, item_ids: list[int]) -> None:
    """Tell the apps above the ledger (the board) once the transaction commits."""
    transaction.on_commit(
        lambda: signals.items_changed.send(
            sender=Item, programme_id=programme_id, item_ids=item_ids
        )
    )


def _stale_message(numbers: Iterable[str]) -> str:
    listed = "、".join(numbers)
    return f"事项 {listed} 在您打开页面后已被修改,请刷新页面核对内容后再公开"


# --- items ----------------------------------------------------------------------------------


def set_item_public(
    item: Item, public: bool, *, actor: Any, expected_version: int | None = None
) -> bool:
    """Publish or withdraw an item; True if its state changed.

    Publishing is refused (StaleEdit) when ``expected_version`` is given and the item was
    edited since: the office publishes what it has read. Withdrawing is always allowed.
    """
    _require_office(actor, item.jurisdiction_id)
    with transaction.atomic():
        row = (
            Item.objects.select_for_update()
            .filter(pk=item.pk)
            .order_by("pk")  # not the default order: its category join can't be locked
            .values_list("is_public", "version")
            .first()
        )
        if row is None:
            raise NotFound("事项已不存在,请刷新页面")
        was_public, version = row
        if public and expected_version is not None and expected_version != version:
            raise StaleEdit(_stale_message([item.number]))
        item.is_public = public
        if was_public == public:
            return False
        Item.objects.filter(pk=item.pk).update(is_public=public)
        audit.record(
            actor=actor,
            action="item.publish" if public else "item.unpublish",
            target=item,
            changes={"is_public": [was_public, public]},
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return True


def set_items_public(
    programme: Programme,
    item_ids: Iterable[int],
    public: bool,
    *,
    actor: Any,
    expected_versions: Mapping[int, int] | None = None,
) -> list[int]:
    """Publish or withdraw many items of one programme at once; the ids that changed.

    All or nothing: an id outside the programme, or (when publishing) an item edited since
    its ``expected_versions`` entry, refuses the whole batch. One audit event per changed
    item.
    """
    if not ledger_permissions.can_manage_programme(actor, programme):
        raise PermissionDenied(NOT_OFFICE)
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
            raise NotFound(f"有 {len(missing)} 个所选事项已不存在或不属于本计划,请刷新页面")
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
        _items_changed(programme.pk, ids)
    return ids


# --- progress updates and their photos ------------------------------------------------------
# The flags are the ledger's (``ledger.services.set_*_publication``: permission, validation,
# transaction, audit); the portal first makes sure it can serve each photo it is asked to.


def _require_servable(attachments: Iterable[Attachment]) -> None:
    """Every photo decodes as the image it claims to be, else a message naming the file.

    Other types pass through to the ledger, which refuses them as not photos.
    """
    for attachment in attachments:
        if attachment.content_type not in PUBLIC_IMAGE_TYPES:
            continue
        try:
            images.clean_attachment(attachment.file)
        except ValidationFailed as exc:
            raise ValidationFailed(f"“{attachment.name}”:{exc.message}") from None


def set_update_public(
    update: ProgressUpdate,
    public: bool,
    *,
    actor: Any,
    attachments: Iterable[Attachment] = (),
) -> bool:
    """Publish or withdraw a progress update; True if its state changed.

    Its photos are not published with it, except those passed in ``attachments`` (the ones
    the office ticked), and only if the portal can serve them. A partner unit's note is
    never published.
    """
    chosen = list(attachments)
    if public:
        _require_office(actor, update.jurisdiction_id)
        _require_servable(chosen)
    return ledger_services.set_update_publication(
        update, actor=actor, public=public, attachments=chosen
    )


def set_attachment_public(attachment: Attachment, public: bool, *, actor: Any) -> bool:
    """Publish or withdraw one photo of an update; True if its state changed.

    Only images the portal can serve without their metadata are published, never a
    partner unit's note's. The photo shows only while its update and item are public too.
    """
    if public:
        _require_office(actor, attachment.update.jurisdiction_id)
        _require_servable([attachment])
    return ledger_services.set_attachment_publication(attachment, actor=actor, public=public)
