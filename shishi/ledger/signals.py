"""What the ledger tells the apps above it (the board) when its items change.

Sent after the transaction commits, so a receiver reads the committed rows. ``item_ids`` is
None when a whole programme changed at once (an import).
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

from shishi.ledger.models import Item

# kwargs: programme_id: int, item_ids: list[int] | None
items_changed = Signal()


def item_changed(item: Item) -> None:
    programme_id, item_ids = item.programme_id, [item.pk]
    transaction.on_commit(
        lambda: items_changed.send(sender=Item, programme_id=programme_id, item_ids=item_ids)
    )


def programme_changed(programme_id: int) -> None:
    transaction.on_commit(
        lambda: items_changed.send(sender=Item, programme_id=programme_id, item_ids=None)
    )
