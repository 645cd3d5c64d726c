"""Parts other apps add to a compiled report, without the reports app importing them.

An app registers a provider once (in its ``AppConfig.ready()``)::

    register_report_part("supervision", provider)

and ``compiling.gather_report`` calls every provider with ``(cycle, period, today)``; those
that return an ``ExtraPart`` (``None`` for nothing to say) add it to the report's data
(``ReportData.extra``), in registration order: JSON like the rest of the data, so a compiled
version keeps it, and the .docx writes each as one more part after the indicators. A
provider reads what was so in the period (its figures as of the period's end where it can)
and runs once per compilation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from shishi.reports.documents.data import ExtraPart
from shishi.reports.models import Cycle, Period

PartProvider = Callable[[Cycle, Period, dt.date], ExtraPart | None]

_providers: dict[str, PartProvider] = {}


def register_report_part(name: str, provider: PartProvider) -> None:
    """Add (or replace, by ``name``) a provider; the report has its parts in this order."""
    _providers[name] = provider


def unregister_report_part(name: str) -> None:
    _providers.pop(name, None)


def report_parts(cycle: Cycle, period: Period, today: dt.date) -> list[ExtraPart]:
    parts = []
    for provider in list(_providers.values()):
        part = provider(cycle, period, today)
        if part is not None:
            parts.append(part)
    return parts
