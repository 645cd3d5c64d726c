"""Reads for editing an item's plan by hand: one target or milestone of an item, and what
the new-item page offers (the next free number, the district's choices)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from shishi.core.errors import NotFound
from shishi.ledger.models import FINISHED_LIFECYCLES, Item, Milestone, Programme, Target
from shishi.ledger.selectors.scope import visible_categories, visible_people, visible_units


def item_target(item: Item, target_id: int) -> Target:
    """A target of the item that is not removed, or NotFound."""
    target = Target.objects.filter(item_id=item.pk, pk=target_id).first()
    if target is None:
        raise NotFound("工作目标不存在或已删除")
    target.item = item
    return target


def item_milestone(item: Item, milestone_id: int) -> Milestone:
    """A milestone of the item that is not removed, or NotFound."""
    milestone = Milestone.objects.filter(item_id=item.pk, pk=milestone_id).first()
    if milestone is None:
        raise NotFound("时间节点不存在或已删除")
    milestone.item = item
    return milestone


_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


def next_item_number(programme: Programme) -> str:
    """A number no item of the programme has: the last number with its last figure
    counted on (3-12 → 3-13, 15 → 16), or the count of items plus one."""
    numbers = set(Item.objects.filter(programme=programme).values_list("number", flat=True))
    last = (
        Item.objects.filter(programme=programme)
        .order_by("-id")
        .values_list("number", flat=True)
        .first()
    )
    plain = [int(n) for n in numbers if n.isdigit()]
    if plain and len(plain) == len(numbers):
        return str(max(plain) + 1)
    if last and (m := _LAST_NUMBER.match(last)):
        head, figure, tail = m.groups()
        n = int(figure) + 1
        while f"{head}{n}{tail}" in numbers:
            n += 1
        return f"{head}{n}{tail}"
    n = len(numbers) + 1
    while str(n) in numbers:
        n += 1
    return str(n)


def new_item_choices(user: Any, programme: Programme) -> dict[str, QuerySet[Any]]:
    """What the new-item form chooses from: the programme's categories, the district's
    units and leaders."""
    jurisdiction_id = programme.jurisdiction_id
    return {
        "categories": visible_categories(user).filter(programme_id=programme.pk),
        "units": visible_units(user).filter(jurisdiction_id=jurisdiction_id).order_by("name"),
        "people": visible_people(user).filter(jurisdiction_id=jurisdiction_id).order_by("name"),
    }


def items_due_on(days: Iterable[dt.date]) -> QuerySet[Item]:
    """Unfinished items whose deadline falls on one of ``days``, with their lead unit (for
    the deadline reminders; every district's, as the worker runs for all)."""
    return (
        Item.objects.filter(due_date__in=list(days))
        .exclude(lifecycle__in=FINISHED_LIFECYCLES)
        .select_related("lead_unit")
        .order_by("id")
    )
