"""``{% workdays_notice years jurisdiction %}``: the notice every page that counts working
days shows while a year it counts in is known by weekends only (``workdays/_notice.html``).

``years`` is a year, a date, or several of them (the years a page's deadlines fall in);
``jurisdiction`` the district whose calendar the page counts with (or None). The notice
links to the year's entry page for a viewer who may enter it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template

from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for
from shishi.workdays.selectors import unknown_years_for

register = template.Library()


def _years(value: Any) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, dt.date):
        return [value.year]
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        return [int(value)] if value.strip().isdigit() else []
    if isinstance(value, Iterable):
        return [y for v in value for y in _years(v)]
    return []


@register.inclusion_tag("workdays/_notice.html", takes_context=True)
def workdays_notice(
    context: template.Context, years: Any, jurisdiction: Jurisdiction | None = None
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    unknown = unknown_years_for(user, _years(years), jurisdiction)
    return {
        "unknown": unknown,
        "is_office": scope_for(user).is_any_office() if unknown else False,
    }
