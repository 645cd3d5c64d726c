"""Panels other apps add to the programme board, without the board importing them.

An app registers a provider once (in its ``AppConfig.ready()``)::

    register_panel("reports.indicators", provider)

and the programme board page calls every provider with ``(user, programme, as_of)`` — ``as_of``
None for today's live board, else the date asked for — and renders the panels of those that
return one (``Panel(template, context)``; ``None`` for no panel). A provider must be cheap: it
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


Provider = Callable[[Any, Programme, dt.date | None], Panel | None]

_providers: dict[str, Provider] = {}


def register_panel(name: str, provider: Provider) -> None:
    """Add (or replace, by ``name``) a provider; the board shows panels in this order."""
    _providers[name] = provider


def unregister_panel(name: str) -> None:
    _providers.pop(name, None)


def board_panels(user: Any, programme: Programme, as_of: dt.date | None) -> list[Panel]:
    """The registered providers' panels for this board, in registration order."""
    panels = []
    for provider in list(_providers.values()):
        panel = provider(user, programme, as_of)
        if panel is not None:
            panels.append(panel)
    return panels
