"""Clusters of similar demands (``demands.similarity``) and their link to the ledger.

The office looks at the district's recent demands grouped by problem — the same category,
alike in words and place — and links a cluster to a ledger item (or creates an item from
it): the demands then carry ``item``, and the item page says how many demands and people it
answers ("已回应群众诉求N件（N人次）").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import ValidationFailed
from shishi.demands import permissions, similarity
from shishi.demands.models import Demand
from shishi.ledger.item_panels import ItemPanel
from shishi.ledger.models import Item

MAX_DEMANDS = 5000  # the recent demands one clustering looks at


@dataclass
class Cluster:
    category_id: int
    demand_ids: list[int]

    @property
    def size(self) -> int:
        return len(self.demand_ids)


def clusters(
    jurisdiction_id: int, *, days: int = 90, min_size: int = 3, now: dt.datetime | None = None
) -> list[Cluster]:
    """The district's demands of the last ``days`` grouped by problem (connected components
    of "similar"), the largest first; only groups of ``min_size`` or more."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    rows = (
        Demand.objects.filter(jurisdiction_id=jurisdiction_id, created_at__gte=since)
        .order_by("-created_at")
        .values_list("pk", "category_id", "street_id", "lat", "lon", "description", "address")[
            :MAX_DEMANDS
        ]
    )
    by_category: dict[int, list[similarity.Sketch]] = {}
    for row in rows:
        by_category.setdefault(row[1], []).append(similarity.sketch(*row))
    found = []
    for category_id, sketches in by_category.items():
        found += [
            Cluster(category_id, sorted(ids))
            for ids in _components(sketches)
            if len(ids) >= min_size
        ]
    return sorted(found, key=lambda c: (-c.size, c.demand_ids[0]))


def _components(sketches: Sequence[similarity.Sketch]) -> list[list[int]]:
    """Connected components of "similar" (union-find over the pairs)."""
    parent = {s.pk: s.pk for s in sketches}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for i, a in enumerate(sketches):
        for b in sketches[i + 1 :]:
            if similarity.similar(a, b):
                parent[root(a.pk)] = root(b.pk)
    groups: dict[int, list[int]] = {}
    for s in sketches:
        groups.setdefault(root(s.pk), []).append(s.pk)
    return list(groups.values())


def link_to_item(demand_ids: Sequence[int], item: Item, *, actor: Any) -> int:
    """The office links demands to a ledger item of the same district; returns how many."""
    jurisdiction_id = item.programme.jurisdiction_id
    permissions.require_office(actor, jurisdiction_id)
    ids = sorted(set(demand_ids))
    if not ids:
        raise ValidationFailed("请选择诉求", {"demands": "请选择诉求"})
    with transaction.atomic():
        demands = Demand.objects.select_for_update().filter(
            pk__in=ids, jurisdiction_id=jurisdiction_id
        )
        if demands.count() != len(ids):
            raise ValidationFailed("只能关联本区的诉求", {"demands": "只能关联本区的诉求"})
        demands.update(item=item, updated_at=timezone.now())
        audit.record(
            actor=actor,
            action="demands.link_to_item",
            target=item,
            changes={"demands": [None, ids]},
            jurisdiction_id=jurisdiction_id,
        )
    return len(ids)


@dataclass(frozen=True)
class Answered:
    demands: int
    # Distinct callers, by their numbers' lookup hashes (a mobile and a landline of one
    # person count twice); a demand with no number counts as one person.
    people: int


def answered(item: Item) -> Answered:
    """How many demands, and how many people, the item answers."""
    counts = Demand.objects.filter(item=item).aggregate(
        n=Count("pk"),
        phones=Count("phone_hash", distinct=True, filter=~Q(phone_hash="")),
        landlines=Count("landline_hash", distinct=True, filter=~Q(landline_hash="")),
    )
    anonymous = Demand.objects.filter(item=item, phone_hash="", landline_hash="").count()
    return Answered(demands=counts["n"], people=counts["phones"] + counts["landlines"] + anonymous)


def item_panel(user: Any, item: Item) -> ItemPanel | None:
    """On the item page: the demands it answers (nothing when it answers none)."""
    got = answered(item)
    if got.demands == 0:
        return None
    return ItemPanel("demands/_item_panel.html", {"answered": got})
