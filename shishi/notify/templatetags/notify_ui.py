"""The bell's count for the top bar (one capped COUNT on the unread index)."""

from __future__ import annotations

from django import template

from shishi.notify import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: template.Context) -> int:
    request = context.get("request")
    return selectors.unread_count(getattr(request, "user", None))


@register.filter
def bell_label(count: int) -> str:
    return selectors.bell_label(count)
