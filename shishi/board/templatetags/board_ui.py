"""Template helpers of the battle board: every number a link to the items behind it.

A board figure carries the filter ``params`` of its items (``selectors.Figure``); the
helpers here turn them into the board's URLs, so templates, the chart data and the
exports all link the same way. The markup (figures, rate bars, table rows) is in the
templates: board/_fig.html, _rate_bar.html#vs_planned, board/_group_table.html …
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from django import template
from django.urls import reverse

register = template.Library()

# Params that choose a board (the rest filter the items of a figure).
BOARD_KEYS = ("unit", "leader", "as_of")


def _query(params: Mapping[str, Any], keys: tuple[str, ...] | None = None) -> str:
    """``?k=v&…`` without the programme (it is in the path); what ``urlencode`` gives."""
    pairs = [
        f"{quote_plus(k)}={quote_plus(str(v))}"
        for k, v in params.items()
        if k != "programme" and v not in (None, "") and (keys is None or k in keys)
    ]
    return f"?{'&'.join(pairs)}" if pairs else ""


@functools.lru_cache(maxsize=1024)
def _path(view: str, pk: int) -> str:
    """``reverse`` once per view and id: a board page links a few hundred figures."""
    return reverse(view, args=[pk])


def items_url(params: Mapping[str, Any]) -> str:
    """The board's item list behind a figure; "" when the figure spans programmes."""
    programme = params.get("programme")
    if not programme:
        return ""
    return _path("board:items", int(programme)) + _query(params)


def board_url(params: Mapping[str, Any], view: str = "board:programme") -> str:
    """A board page (or its wall, print, export) for the board params (unit, leader, as_of)."""
    programme = params.get("programme")
    if not programme:
        return ""
    return _path(view, int(programme)) + _query(params, BOARD_KEYS)


def item_url(item_id: int) -> str:
    return _path("ledger:item", item_id)


@register.filter(name="items_url")
def items_url_filter(params: Mapping[str, Any]) -> str:
    return items_url(params or {})


@register.filter(name="board_url")
def board_url_filter(params: Mapping[str, Any]) -> str:
    return board_url(params or {})


@register.simple_tag
def board_view_url(params: Mapping[str, Any], view: str) -> str:
    return board_url(params or {}, f"board:{view}")


@register.simple_tag
def with_params(params: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The params with some keys set (``None`` removes a key)."""
    out = dict(params or {})
    for key, value in extra.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


@register.filter
def light_class(light: str) -> str:
    return {"red": "light-red", "yellow": "light-yellow", "green": "light-green"}.get(light, "")
