"""Demo publication: what an office would publish of a seeded programme.

``seed_demo`` calls ``publish_demo`` after the ledgers are loaded. Everything goes through
the publication services, like the office's own clicks.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate
from shishi.portal import services
from shishi.portal.images import PUBLIC_IMAGE_TYPES


def publish_demo(programme: Programme, actor: Any) -> dict[str, int]:
    """Publish every item of the programme, its progress updates (never partner notes) and
    the photos of those updates. Idempotent: a second run changes nothing.

    Returns how many items, updates and photos were newly published.
    """
    item_ids = list(
        Item.objects.filter(programme=programme, is_public=False).values_list("pk", flat=True)
    )
    items = (
        len(services.set_items_public(programme, item_ids, True, actor=actor)) if item_ids else 0
    )
    updates = photos = 0
    candidates = (
        ProgressUpdate.objects.filter(item__programme=programme, is_note=False)
        .select_related("item")
        .prefetch_related(
            Prefetch(
                "attachments",
                Attachment.objects.filter(is_public=False, content_type__in=PUBLIC_IMAGE_TYPES),
                to_attr="unpublished_photos",
            )
        )
        .order_by("item_id", "reported_on", "id")
    )
    for update in candidates:
        chosen = list(update.unpublished_photos)
        if update.is_public and not chosen:
            continue
        updates += services.set_update_public(update, True, actor=actor, attachments=chosen)
        photos += len(chosen)
    return {"items": items, "updates": updates, "photos": photos}
