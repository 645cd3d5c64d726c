"""Reads for carrying items over (结转): the candidates, the chosen items, the links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from shishi.core.errors import NotFound
from shishi.ledger.models import FINISHED_LIFECYCLES, Item, Programme
from shishi.ledger.selectors.scope import visible_items

MAX_CHOSEN = 2000


def carry_candidates(programme: Programme) -> list[Item]:
    """The programme's unfinished items not carried over yet, in ledger order (the caller
    has checked the user is its office)."""
    return list(
        Item.objects.filter(programme=programme, continued_by__isnull=True)
        .exclude(lifecycle__in=FINISHED_LIFECYCLES)
        .select_related("category", "lead_unit")
        .order_by("category__order", "seq", "id")
    )


def chosen_items(user: Any, programme: Programme, ids: Sequence[int]) -> list[Item]:
    """The items ``ids`` of ``programme`` the user may read, in ledger order; an id that
    is not one of them is refused (404) rather than silently dropped."""
    wanted = set(ids)
    if len(wanted) > MAX_CHOSEN:
        raise NotFound(f"一次最多选择{MAX_CHOSEN}项")
    found = list(
        visible_items(user)
        .filter(programme=programme, pk__in=wanted)
        .select_related("programme", "category", "lead_unit")
        .order_by("category__order", "seq", "id")
    )
    if len(found) != len(wanted):
        raise NotFound("所选事项不存在或不属于该年度计划")
    return found


@dataclass(frozen=True)
class CarryLink:
    """One end of a carry-over: the item, its number and its programme's year."""

    pk: int
    number: str
    year: int


@dataclass(frozen=True)
class CarryLinks:
    """Where an item came from and where it went (结转), for its page."""

    origin: CarryLink | None  # the item of an earlier year it continues
    successor: CarryLink | None  # the item of a later year that continues it


def carry_links(item: Item) -> CarryLinks:
    """Both ends in one small query (the item page's; most items have neither)."""
    ends = Q(continues_id=item.pk)
    if item.continues_id is not None:
        ends |= Q(pk=item.continues_id)
    rows = (
        Item.objects.filter(ends)
        .order_by("id")
        .values_list("pk", "number", "programme__year", "continues_id")
    )
    origin = successor = None
    for pk, number, year, continues in rows:
        if pk == item.continues_id:
            origin = CarryLink(pk, number, year)
        elif continues == item.pk and successor is None:
            successor = CarryLink(pk, number, year)
    return CarryLinks(origin, successor)


def carried_in_count(programme: Programme) -> int:
    """How many items of the programme were carried in from an earlier year."""
    return Item.objects.filter(programme=programme, continues__isnull=False).count()
