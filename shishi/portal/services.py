"""Publication: the programme office decides, item by item and update by update, what the
public portal shows.

The flags live on the ledger's rows, so the ledger's services write them (permission,
validation, one transaction, the audit events ``item.publish``, ``item.update_publish``,
``item.photo_publish`` and their withdrawals, on the item so they show in its history).
The portal adds its own check before a photo is published: that it can serve it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F

from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate
from shishi.orgs.permissions import scope_for
from shishi.portal import images
from shishi.portal.images import PUBLIC_IMAGE_TYPES
from shishi.portal.models import PublicationVersion

log = logging.getLogger(__name__)

NOT_OFFICE = ledger_services.NOT_PUBLISHER


def can_publish(user: Any, jurisdiction_id: int) -> bool:
    """The programme office of the district, or the city office over it."""
    return scope_for(user).is_office_for(jurisdiction_id)


def _require_office(actor: Any, jurisdiction_id: int) -> None:
    if not can_publish(actor, jurisdiction_id):
        raise PermissionDenied(NOT_OFFICE)


# --- items ----------------------------------------------------------------------------------


def set_item_public(
    item: Item, public: bool, *, actor: Any, expected_version: int | None = None
) -> bool:
    """Publish or withdraw an item; True if its state changed (``ledger.services``)."""
    return ledger_services.set_item_publication(
        item, actor=actor, public=public, expected_version=expected_version
    )


def set_items_public(
    programme: Programme,
    item_ids: Iterable[int],
    public: bool,
    *,
    actor: Any,
    expected_versions: Mapping[int, int] | None = None,
) -> list[int]:
    """Publish or withdraw many items of one programme at once (``ledger.services``)."""
    return ledger_services.set_items_publication(
        programme, item_ids, actor=actor, public=public, expected_versions=expected_versions
    )


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
            images.public_copy(attachment)  # the copy the portal will serve
        except ValidationFailed as exc:
            raise ValidationFailed(f"“{attachment.name}”：{exc.message}") from None


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


# --- the publication version ----------------------------------------------------------------


def bump_publication_version(programme_id: int) -> None:
    """One more version of what the programme shows the public (its open data cached under
    the previous one is not served again). Not a person's act: no audit event."""
    bumped = PublicationVersion.objects.filter(pk=programme_id).update(version=F("version") + 1)
    if bumped:
        return
    try:
        with transaction.atomic():
            PublicationVersion.objects.create(programme_id=programme_id, version=1)
    except IntegrityError:  # created meanwhile by another process, or the programme is gone
        PublicationVersion.objects.filter(pk=programme_id).update(version=F("version") + 1)


def on_items_changed(sender: Any, *, programme_id: int, **kwargs: Any) -> None:
    """Receiver of the ledger's ``items_changed`` (sent inside the writing transaction): the
    version goes up once the change has committed. After the commit, not within it: the
    version row is then never locked together with the ledger's rows and the audit chain's
    head (no lock order to keep), and a reader that sees the new version sees the change.
    A process that dies between the commit and the bump leaves the old version; the cache's
    time limit (``SHISHI_PUBLIC_CACHE_SECONDS``) bounds that, as it bounds what no item
    change announces (a unit or category renamed)."""
    transaction.on_commit(functools.partial(_bump_logged, programme_id))


def _bump_logged(programme_id: int) -> None:
    try:
        bump_publication_version(programme_id)
    except DatabaseError:
        log.exception("portal: publication version of programme %s not bumped", programme_id)
