"""The items behind a board figure, worst first, one page at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from shishi.board import permissions
from shishi.board.schedule import (
    Light,
    ScheduleStatus,
    reasons_from_json,
)
from shishi.board.selectors.common import (
    BoardFilter,
    apply_filter,
    board_rows,
    today_or,
)
from shishi.ledger.models import Lifecycle, Programme
from shishi.ledger.selectors import visible_categories, visible_people, visible_units

PAGE_LIMIT = 200


@dataclass(frozen=True)
class BoardItemRow:
    """An item on a board list (red and yellow first), with its reasons as text."""

    item_id: int
    number: str
    name: str
    lead_unit_id: int
    lead_unit_name: str
    category_id: int | None
    lifecycle: str
    lifecycle_label: str
    completion_rate: Decimal
    planned_rate: Decimal | None
    status: str
    status_label: str
    light: str
    light_label: str
    reason: str  # the headline
    reasons: list[str]
    days_since_update: int | None
    due_date: dt.date | None
    forecast_date: dt.date | None
    will_miss: bool
    planned_investment: Decimal | None = None  # yuan
    done_investment: Decimal | None = None  # as last reported with progress


WORST_FIRST = ("-urgency", "item_id")
ROW_FIELDS = (
    "item_id",
    "item__number",
    "item__name",
    "item__start_date",
    "item__due_date",
    "lead_unit_id",
    "lead_unit__name",
    "category_id",
    "lifecycle",
    "completion_rate",
    "planned_rate",
    "status",
    "light",
    "reasons",
    "days_since_update",
    "forecast_date",
    "will_miss",
    "planned_investment",
    "done_investment",
)


def worst_first(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.order_by(*WORST_FIRST)


class Labels:
    """The enum labels in the active language, translated once per board, not per row."""

    def __init__(self) -> None:
        self.lifecycle = {k: str(v) for k, v in Lifecycle.choices}
        self.status = {k: str(v) for k, v in ScheduleStatus.choices}
        self.light = {k: str(v) for k, v in Light.choices}


def board_item_row(r: dict[str, Any], labels: Labels) -> BoardItemRow:
    reasons = [reason.text for reason in reasons_from_json(r["reasons"])]
    return BoardItemRow(
        item_id=r["item_id"],
        number=r["item__number"],
        name=r["item__name"],
        lead_unit_id=r["lead_unit_id"],
        lead_unit_name=r["lead_unit__name"],
        category_id=r["category_id"],
        lifecycle=r["lifecycle"],
        lifecycle_label=labels.lifecycle.get(r["lifecycle"], r["lifecycle"]),
        completion_rate=r["completion_rate"],
        planned_rate=r["planned_rate"],
        status=r["status"],
        status_label=labels.status.get(r["status"], r["status"]),
        light=r["light"],
        light_label=labels.light.get(r["light"], r["light"]),
        reason=reasons[0] if reasons else "",
        reasons=reasons,
        days_since_update=r["days_since_update"],
        due_date=r["item__due_date"],
        forecast_date=r["forecast_date"],
        will_miss=r["will_miss"],
        planned_investment=r["planned_investment"],
        done_investment=r["done_investment"],
    )


@dataclass(frozen=True)
class ItemPage:
    rows: list[BoardItemRow]
    total: int
    offset: int
    limit: int
    as_of: dt.date
    is_live: bool
    params: dict[str, str]


def board_items(
    user: Any,
    programme: Programme,
    filters: BoardFilter,
    *,
    as_of: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
    today: dt.date | None = None,
) -> ItemPage:
    """The items behind a board figure, worst first, one page at a time.

    Someone who may not see the whole programme must give their unit or leader filter
    (the links of their board carry it).
    """
    permissions.access_board(user, programme, unit_id=filters.unit, leader_id=filters.leader)
    today = today_or(today)
    offset = max(0, offset)
    limit = min(max(1, limit), PAGE_LIMIT)
    src = board_rows(programme, as_of, today)
    qs = apply_filter(src.qs, filters)
    total = qs.count()
    labels = Labels()
    rows = [
        board_item_row(r, labels)
        for r in worst_first(qs).values(*ROW_FIELDS)[offset : offset + limit]
    ]
    params = {"programme": str(programme.pk), **filters.to_params()}
    if not src.is_live:
        params["as_of"] = src.on.isoformat()
    return ItemPage(rows, total, offset, limit, src.on, src.is_live, params)


def filter_words(user: Any, programme: Programme, f: BoardFilter) -> list[str]:
    """The filter in words, for the list's heading: 区城管局 · 红灯 · 滞后…"""
    chips: list[str] = []
    if f.unit is not None:
        name = visible_units(user).filter(pk=f.unit).values_list("name", flat=True).first()
        chips.append(_("牵头单位：%(name)s") % {"name": name or f.unit})
    if f.leader is not None:
        name = visible_people(user).filter(pk=f.leader).values_list("name", flat=True).first()
        chips.append(_("包保领导：%(name)s") % {"name": name or f.leader})
    if f.no_category:
        chips.append(_("未分类"))
    elif f.category is not None:
        name = (
            visible_categories(user)
            .filter(pk=f.category, programme_id=programme.pk)
            .values_list("name", flat=True)
            .first()
        )
        chips.append(_("类别：%(name)s") % {"name": name or f.category})
    lifecycle = dict(Lifecycle.choices)
    status = dict(ScheduleStatus.choices)
    light = dict(Light.choices)
    if f.lifecycle:
        chips.append("、".join(str(lifecycle.get(v, v)) for v in f.lifecycle))
    if f.status:
        chips.append("、".join(str(status.get(v, v)) for v in f.status))
    if f.light:
        chips.append("、".join(str(light.get(v, v)) for v in f.light))
    if f.will_miss:
        chips.append(_("预计逾期"))
    if f.update_late:
        chips.append(_("进展未按时更新"))
    return chips
