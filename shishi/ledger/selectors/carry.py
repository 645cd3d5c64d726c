"""Reads for carrying items over (结转): the candidates, the chosen items, the links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
class CarryLinks:
    """Where an item came from and where it went (结转), for its page."""

    origin: Item | None  # the item of an earlier year it continues
    successor: Item | None  # the item of a later year that continues it


def carry_links(item: Item) -> CarryLinks:
    origin = None
    if item.continues_id is not None:
        origin = Item.objects.select_related("programme").filter(pk=item.continues_id).first()
    successor = (
        Item.objects.select_related("programme").filter(continues_id=item.pk).order_by("id").first()
    )
    return CarryLinks(origin, successor)


def carried_in_count(programme: Programme) -> int:
    """How many items of the programme were carried in from an earlier year."""
    return Item.objects.filter(programme=programme, continues__isnull=False).count()
