"""Panels other apps add to the programme board, without the board importing them.

An app registers a provider once (in its ``AppConfig.ready()``)::

    register_panel("reports.indicators", provider)

and the programme board page calls every provider with ``(user, programme, as_of)`` — ``as_of``
None for today's live board, else the date asked for — and renders the panels of those that
return one (``Panel(template, context)``; ``None`` for no panel). The same page draws a lead
unit's and a sponsor leader's board: a provider registered with ``with_page=True`` is also
given ``page=BoardPage(unit_id, leader_id)`` (both None on the programme's own board) to
show what is that unit's or leader's. A provider must be cheap: it
runs on every view of the board (one query at most; heavy figures belong in a fragment the
panel's template loads). Its template is included with ``panel`` as its context, plus the
board's ``programme``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shishi.ledger.models import Programme


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BoardPage:
    """Which board of the programme is drawn: its own, a lead unit's or a sponsor leader's
    (``Person`` id)."""

    unit_id: int | None = None
    leader_id: int | None = None


Provider = Callable[..., Panel | None]  # (user, programme, as_of[, *, page])

_providers: dict[str, tuple[Provider, bool]] = {}


def register_panel(name: str, provider: Provider, *, with_page: bool = False) -> None:
    """Add (or replace, by ``name``) a provider; the board shows panels in this order.
    ``with_page``: call it with the keyword ``page`` (a ``BoardPage``) too."""
    _providers[name] = (provider, with_page)


def unregister_panel(name: str) -> None:
    _providers.pop(name, None)


def board_panels(
    user: Any, programme: Programme, as_of: dt.date | None, page: BoardPage | None = None
) -> list[Panel]:
    """The registered providers' panels for this board, in registration order."""
    page = page or BoardPage()
    panels = []
    for provider, with_page in list(_providers.values()):
        if with_page:
            panel = provider(user, programme, as_of, page=page)
        else:
            panel = provider(user, programme, as_of)
        if panel is not None:
            panels.append(panel)
    return panels
