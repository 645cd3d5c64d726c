"""What statuses and snapshots share: an item's facts as the schedule rules read them, and
the assessed columns written for it. A read of the warning rules, too."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shishi.board.aggregates import cell_of
from shishi.board.models import WarningThresholds
from shishi.board.schedule import DEFAULT_THRESHOLDS, Assessment, ItemFacts, Thresholds
from shishi.ledger.models import Milestone, Programme

# Columns shared by statuses and snapshots, in the order ``assessed_values`` yields them.
ASSESSED_COLUMNS = (
    "jurisdiction_id",
    "programme_id",
    "category_id",
    "lead_unit_id",
    "lifecycle",
    "completion_rate",
    "planned_rate",
    "gap",
    "status",
    "light",
    "urgency",
    "cell",
    "reason_code",
    "reasons",
    "days_since_update",
    "update_late",
    "forecast_date",
    "will_miss",
    "planned_investment",
    "done_investment",
)


ITEM_FIELDS = (
    "id",
    "jurisdiction_id",
    "programme_id",
    "category_id",
    "lead_unit_id",
    "start_date",
    "due_date",
    "is_ongoing",
    "completion_rate",
    "lifecycle",
    "progress_date",
    "planned_investment",
    "done_investment",
    "created_at",
)


def thresholds_for(programme_id: int) -> Thresholds:
    row = WarningThresholds.objects.filter(programme_id=programme_id).first()
    return row.as_thresholds() if row else DEFAULT_THRESHOLDS


def assessed_values(item: dict[str, Any], a: Assessment) -> tuple[Any, ...]:
    fc = a.forecast
    return (
        item["jurisdiction_id"],
        item["programme_id"],
        item["category_id"],
        item["lead_unit_id"],
        item["lifecycle"],
        a.rate,
        a.planned_rate,
        a.gap,
        a.status,
        a.light,
        a.urgency,
        cell_of(a.status, a.light, item["lifecycle"], a.forecast.will_miss, a.update_late),
        a.reason.code,
        [r.as_json() for r in a.reasons],
        a.days_since_update,
        a.update_late,
        fc.projected_date,
        fc.will_miss,
        item["planned_investment"],
        item["done_investment"],
    )


def programme_meta(programme_id: int) -> tuple[int, int] | None:
    row = Programme.objects.filter(pk=programme_id).values_list("year", "jurisdiction_id").first()
    return (row[0], row[1]) if row else None


def milestone_rates(
    programme_id: int, item_ids: Sequence[int] | None
) -> dict[int, tuple[tuple[dt.date, Decimal], ...]]:
    qs = Milestone.objects.filter(item__programme_id=programme_id, planned_rate__isnull=False)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    found: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for item_id, due, rate in qs.order_by().values_list("item_id", "due_date", "planned_rate"):
        if rate is not None:
            found[item_id].append((due, rate))
    return {k: tuple(sorted(v)) for k, v in found.items()}


def item_facts(
    item: dict[str, Any],
    year_start: dt.date,
    milestones: tuple[tuple[dt.date, Decimal], ...],
    history: tuple[tuple[dt.date, Decimal], ...],
) -> ItemFacts:
    return ItemFacts(
        lifecycle=item["lifecycle"],
        completion_rate=Decimal(item["completion_rate"]),
        start_date=item["start_date"],
        due_date=item["due_date"],
        is_ongoing=item["is_ongoing"],
        progress_date=item["progress_date"],
        year_start=year_start,
        milestones=milestones,
        history=history,
        listed_on=item["listed_on"],
    )


def add_local_dates(items: list[dict[str, Any]]) -> None:
    """``listed_on`` (and ``closed_on`` where read): local dates of the item's timestamps."""
    tz = timezone.get_current_timezone()
    for item in items:
        item["listed_on"] = item.pop("created_at").astimezone(tz).date()
        if "closed_out_at" in item:
            closed = item.pop("closed_out_at")
            item["closed_on"] = closed.astimezone(tz).date() if closed else None
