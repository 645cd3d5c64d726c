"""What the ledger tells the apps above it (the board) when its items change.

Sent inside the writing transaction, so what a receiver writes commits (or rolls back)
with the change itself, with no second commit: a receiver must be quick (the board only
marks the items) and must not fail the write (the board's runs in a savepoint and logs its
errors). ``item_ids`` is None when a whole programme changed at once (an import).
"""

from __future__ import annotations

from django.dispatch import Signal

from shishi.ledger.models import Item

# kwargs: programme_id: int, item_ids: list[int] | None
items_changed = Signal()


def item_changed(item: Item) -> None:
    items_changed.send(sender=Item, programme_id=item.programme_id, item_ids=[item.pk])


def programme_changed(programme_id: int) -> None:
    items_changed.send(sender=Item, programme_id=programme_id, item_ids=None)
