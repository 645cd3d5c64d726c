"""Display filters used across the UI: Chinese dates, 万元/亿元 amounts, rates as 70%."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_WAN = Decimal(10_000)
_YI = Decimal(100_000_000)
EMPTY = "—"


def is_english() -> bool:
    """Whether dates and numbers are written the English way in this request."""
    return (get_language() or "").startswith("en")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return _as_date(parsed)
    return None


@register.filter
def cn_date(value: Any, english: bool | None = None) -> str:
    """2021年6月30日 (2021-06-30 in English); accepts dates, datetimes and ISO strings.

    Code that formats many dates passes ``english`` (``is_english()``, asked once): the
    language lookup costs more than the formatting.
    """
    day = _as_date(value)
    if day is None:
        return EMPTY if value in (None, "") else str(value)
    if is_english() if english is None else english:
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"


@register.filter
def cn_datetime(value: Any, english: bool | None = None) -> str:
    """2021年6月30日 14:05 for an event time (``english`` as for ``cn_date``)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return cn_date(value, english)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{cn_date(value, english)} {value:%H:%M}"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal, places: str = "0.01") -> str:
    """A decimal without trailing zeros and with thousands separators: 3,200 / 4.85."""
    text = plain_decimal(number.quantize(Decimal(places)))
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


@register.filter
def cn_money(value: Any) -> str:
    """Yuan as 万元 (or 亿元 from one hundred million up): 32000000 → 3,200万元."""
    amount = _decimal(value)
    if amount is None:
        return EMPTY
    if is_english():
        if abs(amount) >= 1_000_000:
            return f"¥{_plain(amount / 1_000_000)} million"
        return f"¥{_plain(amount)}"
    if abs(amount) >= _YI:
        return f"{_plain(amount / _YI, '0.0001')}亿元"
    return f"{_plain(amount / _WAN, '0.0001')}万元"


def plain_decimal(value: Decimal) -> str:
    """A decimal as a plain string without exponent or trailing zeros: 20.00 → 20."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@register.filter
def num(value: Any) -> str:
    """A quantity with thousands separators and no trailing zeros: 7,823 / 18.5."""
    number = _decimal(value)
    return EMPTY if number is None else _plain(number)


@register.filter
def to_wan(value: Any) -> str:
    """Yuan as a plain number of 万元 for a form field (no separators)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return plain_decimal((amount / _WAN).quantize(Decimal("0.0001")))


@register.filter
def pct(value: Any) -> str:
    """A 0–100 rate as 70% (66.7% when not whole)."""
    rate = _decimal(value)
    if rate is None:
        return EMPTY
    return f"{_plain(rate, '0.1').replace(',', '')}%"


@register.filter
def bar_width(value: Any) -> str:
    """A rate clamped to 0–100 and rounded to a whole percent: the step of the stylesheet's
    width classes (``pw-0`` … ``pw-100``, ``pl-…`` for a tick's position). A bar is drawn by
    a class, not a ``style`` attribute, so the pages hold under CSP ``style-src 'self'``; a
    rate above 0 keeps at least 1% of bar."""
    rate = _decimal(value)
    if rate is None or rate <= 0:
        return "0"
    step = int(min(Decimal(100), rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return str(max(step, 1))


@register.filter
def gap_class(rate: Decimal | None, planned: Decimal | None) -> str:
    """How far a rate trails its plan (序时进度), for colouring: '', 'gap-behind', 'gap-far'."""
    if rate is None or planned is None:
        return ""
    gap = planned - rate
    if gap > 30:
        return "gap-far"
    if gap > 10:
        return "gap-behind"
    return ""


@register.filter
def filesize(value: Any) -> str:
    size = _decimal(value) or Decimal(0)
    if size >= 1024 * 1024:
        return f"{(size / 1024 / 1024).quantize(Decimal('0.1'))} MB"
    if size >= 1024:
        return f"{(size / 1024).quantize(Decimal('1'))} KB"
    return f"{size:.0f} B"


@register.simple_tag
def demo_mode() -> bool:
    """Whether the demo hints (sample logins) may be shown: DEBUG or SHISHI_DEMO."""
    return bool(settings.DEBUG or getattr(settings, "SHISHI_DEMO", False))


@register.simple_tag(takes_context=True)
def query_link(context: template.Context, **changes: Any) -> str:
    """The request's query string with some keys set (``None`` drops one): ``?q=x&page=2``.

    What Django's ``querystring`` tag returns, without its copy of the whole QueryDict per
    link: a ledger page carries some twenty chip and page links.
    """
    params = dict(context["request"].GET.lists())
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = [str(value)]
    return "?" + urlencode([(k, v) for k, vs in params.items() for v in vs])


@register.simple_tag
def options(choices: Iterable[tuple[Any, Any]], chosen: Any) -> SafeString:
    """The ``<option>``s of a filter's ``<select>``, ``chosen`` selected.

    Markup from Python, built with ``format_html_join`` (every value escaped): a district's
    filter lists run to a hundred options or more, and drawn as a template loop they took
    2–3 ms of each ledger page (measured on the bench data), more than the rest of the form.
    """
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == chosen else "", label) for value, label in choices),
    )
