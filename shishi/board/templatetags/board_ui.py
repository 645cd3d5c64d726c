"""Template helpers of the battle board: every number a link to the items behind it.

A board figure carries the filter ``params`` of its items (``selectors.Figure``); the
helpers here turn them into the board's URLs, so templates, the chart data and the
exports all link the same way.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from shishi.core.templatetags.shishi_format import bar_width, pct

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


def _value(figure: Any) -> tuple[Any, Mapping[str, Any]]:
    return getattr(figure, "value", figure), getattr(figure, "params", None) or {}


@register.simple_tag
def fig(figure: Any, css: str = "", label: str = "") -> SafeString:
    """A figure's value as a link to its items (a plain number when it has none)."""
    value, params = _value(figure)
    href = items_url(params)
    classes = html.escape(f"fig {css}".strip() + (" fig-zero" if value == 0 else ""))
    text = html.escape(str(value))
    if not href:
        return mark_safe(f'<span class="{classes}">{text}</span>')
    title = f' title="{html.escape(str(label))}"' if label else ""
    return mark_safe(f'<a class="{classes}" href="{html.escape(href)}"{title}>{text}</a>')


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
    width = bar_width(rate)
    done = html.escape(pct(rate))
    if planned is None:
        return mark_safe(
            f'<span class="rvp"><span class="rvp-bar"><span style="width:{width}%"></span></span>'
            f'<span class="rvp-num">{done}</span></span>'
        )
    return mark_safe(
        f'<span class="rvp {gap_class(rate, planned)}"><span class="rvp-bar">'
        f'<span style="width:{width}%"></span><i style="left:{bar_width(planned)}%"></i></span>'
        f'<span class="rvp-num">{done}<small> / {html.escape(pct(planned))}</small></span></span>'
    )


# --- table rows ---------------------------------------------------------------------------
# The rankings and the red/yellow list hold up to a few hundred rows; through template loops
# they cost more than the board's queries. Built here, every value escaped.


@register.simple_tag
def group_rows(rows: list[Any], link: str) -> SafeString:
    """The ``<tr>`` of a ranking table (categories, lead units, sponsor leaders)."""
    esc = html.escape
    labels = {
        k: esc(v)
        for k, v in (
            ("items", gettext("事项")),
            ("done", gettext("已完成")),
            ("behind", gettext("滞后")),
            ("red", gettext("红灯")),
            ("yellow", gettext("黄灯")),
            ("late", gettext("未更新")),
        )
    }
    if not rows:
        return mark_safe(f'<tr><td colspan="9" class="empty">{esc(gettext("暂无数据"))}</td></tr>')
    out = []
    for row in rows:
        name = esc(row.name or "—")
        if link == "board":
            name = f'<a href="{esc(board_url(row.params or {}))}">{name}</a>'
        out.append(
            f'<tr><td class="col-rank">{row.rank}</td>'
            f'<th scope="row" class="col-group">{name}</th>'
            f'<td class="num" data-label="{labels["items"]}">{fig(row.items)}</td>'
            f'<td class="num" data-label="{labels["done"]}">{fig(row.done)}</td>'
            f'<td class="num" data-label="{labels["behind"]}">{fig(row.behind, "fig-behind")}</td>'
            f'<td class="num" data-label="{labels["red"]}">{fig(row.red, "fig-red")}</td>'
            f'<td class="num" data-label="{labels["yellow"]}">{fig(row.yellow, "fig-yellow")}</td>'
            f'<td class="num" data-label="{labels["late"]}">{fig(row.update_late)}</td>'
            f'<td class="col-rvp">{rate_vs_planned(row.completion_rate, row.planned_rate)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(out))


@register.simple_tag
def alert_rows(alerts: list[Any]) -> SafeString:
    """The ``<tr>`` of the red and yellow list, each with its reasons."""
    esc = html.escape
    if not alerts:
        empty = esc(gettext("没有红灯、黄灯事项"))
        return mark_safe(f'<tr><td colspan="6" class="empty">{empty}</td></tr>')
    unit_label, rate_label, reason_label = (
        esc(gettext("牵头单位")),
        esc(gettext("完成率")),
        esc(gettext("原因")),
    )
    out = []
    for a in alerts:
        light = esc(str(a.light_label))
        more = ";".join(str(r) for r in a.reasons[1:])
        sub = f'<span class="sub">{esc(more)}</span>' if more else ""
        out.append(
            f'<tr class="row-{esc(a.light)}">'
            f'<td class="col-light"><span class="dot {light_class(a.light)}" title="{light}">'
            f'</span><span class="sr-only">{light}</span></td>'
            f'<td class="col-num">{esc(a.number)}</td>'
            f'<td class="col-name"><a href="{item_url(a.item_id)}">{esc(a.name)}</a></td>'
            f'<td class="col-unit" data-label="{unit_label}">{esc(a.lead_unit_name)}</td>'
            f'<td class="col-rvp" data-label="{rate_label}">'
            f"{rate_vs_planned(a.completion_rate, a.planned_rate)}</td>"
            f'<td class="col-reason" data-label="{reason_label}"><span>{esc(str(a.reason))}'
            f"{sub}</span></td></tr>"
        )
    return mark_safe("\n".join(out))
