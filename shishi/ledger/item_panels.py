"""Panels other apps add to the item page, without the ledger importing them.

An app registers a provider once (in its ``AppConfig.ready()``)::

    register_item_panel("supervision.item", provider)

and the item page calls every provider with ``(user, item)`` — an item the user may read —
and renders the panels of those that return one (``ItemPanel(template, context)``; ``None``
for no panel), in registration order, in the page's main column. A provider must be cheap
(it runs on every view of the item: a query or two, on indexed columns) and show only what
the user may see. Its template is included with ``panel`` as its context, plus ``item``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shishi.ledger.models import Item


@dataclass(frozen=True)
class ItemPanel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


ItemPanelProvider = Callable[[Any, Item], ItemPanel | None]

_providers: dict[str, ItemPanelProvider] = {}


def register_item_panel(name: str, provider: ItemPanelProvider) -> None:
    """Add (or replace, by ``name``) a provider; the page shows panels in this order."""
    _providers[name] = provider


def unregister_item_panel(name: str) -> None:
    _providers.pop(name, None)


def item_panels(user: Any, item: Item) -> list[ItemPanel]:
    """The registered providers' panels for this item page."""
    panels = []
    for provider in list(_providers.values()):
        panel = provider(user, item)
        if panel is not None:
            panels.append(panel)
    return panels
