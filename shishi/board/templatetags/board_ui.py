"""Template helpers of the battle board: every number a link to the items behind it.

A board figure carries the filter ``params`` of its items (``selectors.Figure``); the
helpers here turn them into the board's URLs, so templates, the chart data and the
exports all link the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from shishi.core.templatetags.shishi_format import pct

register = template.Library()

# Params that choose a board (the rest filter the items of a figure).
BOARD_KEYS = ("unit", "leader", "as_of")


def _query(params: Mapping[str, Any], keys: tuple[str, ...] | None = None) -> str:
    pairs = [
        (k, str(v))
        for k, v in params.items()
        if k != "programme" and v not in (None, "") and (keys is None or k in keys)
    ]
    return f"?{urlencode(pairs)}" if pairs else ""


def items_url(params: Mapping[str, Any]) -> str:
    """The board's item list behind a figure; "" when the figure spans programmes."""
    programme = params.get("programme")
    if not programme:
        return ""
    return reverse("board:items", args=[int(programme)]) + _query(params)


def board_url(params: Mapping[str, Any], view: str = "board:programme") -> str:
    """A board page (or its wall, print, export) for the board params (unit, leader, as_of)."""
    programme = params.get("programme")
    if not programme:
        return ""
    return reverse(view, args=[int(programme)]) + _query(params, BOARD_KEYS)


def item_url(item_id: int) -> str:
    return reverse("ledger:item", args=[item_id])


def _value(figure: Any) -> tuple[Any, Mapping[str, Any]]:
    return getattr(figure, "value", figure), getattr(figure, "params", None) or {}


@register.simple_tag
def fig(figure: Any, css: str = "", label: str = "") -> SafeString:
    """A figure's value as a link to its items (a plain number when it has none)."""
    value, params = _value(figure)
    href = items_url(params)
    classes = f"fig {css}".strip() + (" fig-zero" if value == 0 else "")
    if not href:
        return format_html('<span class="{}">{}</span>', classes, value)
    if label:
        return format_html('<a class="{}" href="{}" title="{}">{}</a>', classes, href, label, value)
    return format_html('<a class="{}" href="{}">{}</a>', classes, href, value)


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


@register.filter
def gap_class(rate: Decimal | None, planned: Decimal | None) -> str:
    """How far a rate trails its plan, for colouring: '', 'gap-behind', 'gap-far'."""
    if rate is None or planned is None:
        return ""
    gap = planned - rate
    if gap > 30:
        return "gap-far"
    if gap > 10:
        return "gap-behind"
    return ""


@register.simple_tag
def rate_vs_planned(rate: Decimal | None, planned: Decimal | None) -> SafeString:
    """完成率 against 序时进度: "40% / 46.7%" with a bar and the plan's tick."""
    width = _clamp(rate)
    tick = _clamp(planned)
    if planned is None:
        return format_html(
            '<span class="rvp"><span class="rvp-bar"><span style="width:{}%"></span></span>'
            '<span class="rvp-num">{}</span></span>',
            width,
            pct(rate),
        )
    return format_html(
        '<span class="rvp {}"><span class="rvp-bar"><span style="width:{}%"></span>'
        '<i style="left:{}%"></i></span><span class="rvp-num">{}<small> / {}</small></span></span>',
        gap_class(rate, planned),
        width,
        tick,
        pct(rate),
        pct(planned),
    )


def _clamp(value: Decimal | None) -> str:
    if value is None:
        return "0"
    clamped = max(Decimal(0), min(Decimal(100), Decimal(value)))
    return format(clamped.quantize(Decimal("0.1")), "f")
