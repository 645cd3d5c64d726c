"""Demo publication: what an office would publish of a seeded programme.

``seed_demo`` calls ``publish_demo`` after the ledgers are loaded. Everything goes through
the publication services, like the office's own clicks: the items, then every update
waiting for review, with its photos, in one bulk publish (as from the review queue).
"""

from __future__ import annotations

from typing import Any

from shishi.ledger import services as ledger_services
from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate
from shishi.ledger.services.review import PUBLISHABLE
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
    waiting = list(
        ProgressUpdate.objects.filter(
            item__programme=programme, is_note=False, review__in=PUBLISHABLE
        ).values_list("pk", flat=True)
    )
    photos = Attachment.objects.filter(
        update_id__in=waiting, is_public=False, content_type__in=PUBLIC_IMAGE_TYPES
    ).count()
    updates = len(ledger_services.publish_updates(waiting, actor=actor)) if waiting else 0
    return {"items": items, "updates": updates, "photos": photos if updates else 0}
