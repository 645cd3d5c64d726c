"""Clusters of similar demands (``demands.similarity``) and their link to the ledger.

The office looks at the district's recent demands grouped by problem — the same category,
alike in words and place — and links a cluster to a ledger item (or creates an item from
it): the demands then carry ``item``, and the item page says how many demands and people it
answers ("已回应群众诉求N件（N人次）").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import ValidationFailed
from shishi.demands import permissions, similarity
from shishi.demands.models import Demand
from shishi.ledger import selectors as ledger_selectors
from shishi.ledger import services as ledger_services
from shishi.ledger.item_panels import ItemPanel
from shishi.ledger.models import Item, Programme
from shishi.ledger.selectors import plans as ledger_plans

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
    return _answered(Demand.objects.filter(item=item))


def _answered(demands: QuerySet[Demand]) -> Answered:
    counts = demands.aggregate(
        n=Count("pk"),
        phones=Count("phone_hash", distinct=True, filter=~Q(phone_hash="")),
        landlines=Count("landline_hash", distinct=True, filter=~Q(landline_hash="")),
    )
    anonymous = demands.filter(phone_hash="", landline_hash="").count()
    return Answered(demands=counts["n"], people=counts["phones"] + counts["landlines"] + anonymous)


def item_panel(user: Any, item: Item) -> ItemPanel | None:
    """On the item page: the demands it answers (nothing when it answers none)."""
    got = answered(item)
    if got.demands == 0:
        return None
    return ItemPanel("demands/_item_panel.html", {"answered": got})


# --- a new ledger item from a cluster -------------------------------------------------------


@dataclass(frozen=True)
class NewItemInput:
    """What the office typed to create an item from a cluster (``ledger.services.add_item``
    checks each field and names it: number, name, lead_unit_id, category_id,
    sponsor_leader_ids, deadline_text)."""

    number: str
    name: str
    lead_unit_id: int | None
    sponsor_leader_ids: Sequence[int] = ()
    category_id: int | None = None
    deadline_text: str = ""
    content: str = ""


def latest_programme(user: Any, jurisdiction_id: int) -> Programme | None:
    """The district's latest programme (the one the clusters page links items of)."""
    return (
        ledger_selectors.visible_programmes(user)
        .filter(jurisdiction_id=jurisdiction_id)
        .order_by("-year")
        .first()
    )


def answered_by(jurisdiction_id: int, demand_ids: Sequence[int]) -> Answered:
    """How many demands, and people, a group of the district's demands is (as ``answered``
    counts an item's)."""
    return _answered(
        Demand.objects.filter(pk__in=list(demand_ids), jurisdiction_id=jurisdiction_id)
    )


def answer_line(got: Answered) -> str:
    """The sentence an item made from a cluster opens its content with."""
    return f"回应群众诉求{got.demands}件，涉及{got.people}人。"


def create_item_from_cluster(
    jurisdiction_id: int, demand_ids: Sequence[int], data: NewItemInput, *, actor: Any
) -> tuple[Item, int]:
    """The office makes a new item of the district's latest programme from a group of
    demands and links the demands to it, all in one transaction: the item is created by
    the ledger's own service (its permission check, validation, audit event and review:
    the item is not public until the office publishes it), its content opening with how
    many demands and people it answers; then ``link_to_item``. Any refusal leaves nothing
    written. Returns the item and how many demands were linked."""
    # The demands' rule first (link_to_item applies it too), so that a unit or another
    # district is refused before anything is read; the ledger's own rule is add_item's.
    permissions.require_office(actor, jurisdiction_id)
    ids = sorted(set(demand_ids))
    if not ids:
        raise ValidationFailed("请选择诉求", {"demands": "请选择诉求"})
    if data.lead_unit_id is None:
        raise ValidationFailed("请选择责任单位", {"lead_unit_id": "请选择责任单位"})
    programme = latest_programme(actor, jurisdiction_id)
    if programme is None:
        message = "本区还没有实事计划，请先在台账中建立年度计划"
        raise ValidationFailed(message, {"number": message})
    with transaction.atomic():
        got = answered_by(jurisdiction_id, ids)
        if got.demands != len(ids):
            raise ValidationFailed("只能关联本区的诉求", {"demands": "只能关联本区的诉求"})
        content = answer_line(got)
        if data.content.strip():
            content += "\n" + data.content.strip()
        item = ledger_services.add_item(
            programme,
            actor=actor,
            number=data.number,
            name=data.name,
            lead_unit_id=data.lead_unit_id,
            category_id=data.category_id,
            sponsor_leader_ids=list(data.sponsor_leader_ids),
            content=content,
            deadline_text=data.deadline_text,
        )
        linked = link_to_item(ids, item, actor=actor)
    return item, linked


@dataclass(frozen=True)
class Draft:
    """What the new-item form of one cluster starts from."""

    name: str  # 解决学府路噪声扰民问题
    lead_unit_id: int | None  # the category's lead unit
    answered: Answered


def title_for(category_name: str, place: str) -> str:
    topic = category_name.removesuffix("问题")
    return f"解决{place}{topic}问题"


def drafts(jurisdiction_id: int, groups: Sequence[tuple[Cluster, Any]]) -> dict[int, Draft]:
    """Per cluster (keyed by its first demand's id) with its demands' category: the item's
    title from the category and the place most of its demands name (a road or community,
    else their street), its lead unit and what it answers. One query for all clusters."""
    ids = [pk for c, _category in groups for pk in c.demand_ids]
    rows = {
        r[0]: r
        for r in Demand.objects.filter(pk__in=ids, jurisdiction_id=jurisdiction_id)
        .order_by()
        .values_list("pk", "address", "street__name", "phone_hash", "landline_hash")
    }
    found = {}
    for c, category in groups:
        members = [rows[pk] for pk in c.demand_ids if pk in rows]
        places = Counter(p for r in members for p in similarity.place_names(r[1]))
        streets = Counter(r[2] for r in members if r[2])
        top = places.most_common(1) or streets.most_common(1)
        phones = {r[3] for r in members if r[3]}
        landlines = {r[4] for r in members if r[4]}
        anonymous = sum(1 for r in members if not r[3] and not r[4])
        found[c.demand_ids[0]] = Draft(
            name=title_for(category.name, top[0][0] if top else ""),
            lead_unit_id=category.lead_unit_id,
            answered=Answered(len(members), len(phones) + len(landlines) + anonymous),
        )
    return found


@dataclass(frozen=True)
class NewItemChoices:
    """What the new-item forms of the clusters page choose from (the district's latest
    programme, as the ledger's own new-item page offers them)."""

    programme: Programme
    number: str  # the next free number of the programme
    units: list[tuple[int, str]]
    categories: list[tuple[int, str]]
    people: list[tuple[int, str]]

    def units_for(self, lead_unit_id: int | None) -> list[tuple[int, str]]:
        """The units with the category's lead unit first."""
        return sorted(self.units, key=lambda u: u[0] != lead_unit_id)


def new_item_choices(user: Any, jurisdiction_id: int) -> NewItemChoices | None:
    programme = latest_programme(user, jurisdiction_id)
    if programme is None:
        return None
    got = ledger_plans.new_item_choices(user, programme)
    return NewItemChoices(
        programme=programme,
        number=ledger_plans.next_item_number(programme),
        units=list(got["units"].values_list("pk", "name")),
        categories=list(got["categories"].order_by("order", "id").values_list("pk", "name")),
        people=list(got["people"].values_list("pk", "name")),
    )
