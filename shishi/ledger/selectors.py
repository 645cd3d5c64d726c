"""Reads of the ledger, already scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from shishi.core.models import AuditEvent
from shishi.ledger.models import Attachment, Category, Item, Lifecycle, Programme, ProgressUpdate
from shishi.orgs.models import Jurisdiction, Person, Unit
from shishi.orgs.permissions import scope_for


def visible_jurisdictions(user: Any) -> QuerySet[Jurisdiction]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Jurisdiction.objects.all()
    return Jurisdiction.objects.filter(pk__in=scope.readable_jurisdiction_ids())


def office_jurisdictions(user: Any) -> QuerySet[Jurisdiction]:
    """Jurisdictions whose ledger this user may import (programme office, city office)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Jurisdiction.objects.order_by("code")
    ids = set(scope.office_jurisdiction_ids) | scope.city_covered_ids()
    return Jurisdiction.objects.filter(pk__in=ids).order_by("code")


def visible_programmes(user: Any) -> QuerySet[Programme]:
    scope = scope_for(user)
    qs = Programme.objects.select_related("jurisdiction")
    if scope.is_superuser:
        return qs
    return qs.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


_PARTNERS = Item.partner_units.through
_LEADERS = Item.sponsor_leaders.through


def visible_items(user: Any) -> QuerySet[Item]:
    scope = scope_for(user)
    qs = Item.objects.all()
    if scope.is_superuser:
        return qs
    return qs.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


def visible_units(user: Any) -> QuerySet[Unit]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


def visible_people(user: Any) -> QuerySet[Person]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Person.objects.all()
    return Person.objects.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


def visible_categories(user: Any) -> QuerySet[Category]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Category.objects.all()
    return Category.objects.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


@dataclass
class ItemFilters:
    """The ledger page's filters; the API takes the same."""

    programme: int | None = None
    jurisdiction: str | None = None  # division code
    year: int | None = None
    category: int | None = None
    unit: int | None = None
    leader: int | None = None
    lifecycle: str | None = None
    q: str | None = None
    overdue: bool = False


def filter_items(qs: QuerySet[Item], f: ItemFilters) -> QuerySet[Item]:
    if f.programme:
        qs = qs.filter(programme_id=f.programme)
    if f.jurisdiction:
        qs = qs.filter(jurisdiction__code=f.jurisdiction)
    if f.year:
        qs = qs.filter(programme__year=f.year)
    if f.category:
        qs = qs.filter(category_id=f.category)
    # M2M conditions as IN (subquery) rather than joins: no duplicate rows, so no DISTINCT
    # over wide rows, and the planner can use the through tables' indexes.
    if f.unit:
        # Lead or partner: a UNION of two index lookups; an OR in one query made SQLite
        # scan the whole programme.
        led = Item.objects.filter(lead_unit_id=f.unit).order_by().values("pk")
        partnered = _PARTNERS.objects.filter(unit_id=f.unit).order_by().values("item_id")
        qs = qs.filter(pk__in=led.union(partnered))
    if f.leader:
        qs = qs.filter(pk__in=_LEADERS.objects.filter(person_id=f.leader).values("item_id"))
    if f.lifecycle and f.lifecycle in Lifecycle.values:
        qs = qs.filter(lifecycle=f.lifecycle)
    if f.overdue:
        from django.utils import timezone

        qs = qs.filter(due_date__lt=timezone.localdate()).exclude(
            lifecycle__in=[Lifecycle.DONE, Lifecycle.CLOSED_OUT]
        )
    if f.q:
        for word in f.q.split():
            qs = qs.filter(
                Q(name__icontains=word)
                | Q(content__icontains=word)
                | Q(measures__icontains=word)
                | Q(number=word)
            )
    return qs


def programme_items(user: Any, programme: Programme) -> QuerySet[Item]:
    """The items of one programme the user may read (all of them, or none).

    A programme belongs to one jurisdiction, so one check replaces the per-row
    jurisdiction filter of ``visible_items`` and the programme index serves the query alone.
    """
    if not scope_for(user).can_read_jurisdiction(programme.jurisdiction_id):
        return Item.objects.none()
    return Item.objects.filter(programme_id=programme.pk)


LIST_ORDER = ("programme_id", "category__order", "seq", "id")


def page_of_items(
    qs: QuerySet[Item], *, offset: int, limit: int, order: Sequence[str] = LIST_ORDER
) -> list[Item]:
    """One page of ``qs`` in ``order``, with what a list row shows.

    Sorting is done on ids alone (a "deferred join"): sorting 10,000 wide joined rows to keep
    25 cost ~30 ms on SQLite, sorting their ids ~4 ms. The page's rows are then fetched by id.
    """
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[offset : offset + limit])
    if not ids:
        return []
    rows = {item.pk: item for item in with_list_relations(qs.filter(pk__in=ids)).order_by()}
    return [rows[pk] for pk in ids if pk in rows]


def with_list_relations(qs: QuerySet[Item]) -> QuerySet[Item]:
    """What a list row shows, fetched in a constant number of queries.

    Leaders and partner units land in plain lists (``item.leader_list``,
    ``item.partner_list``): a manager's ``.all()`` builds a queryset per row even when
    prefetched, which cost more than the queries themselves on a 100-row page.
    """
    related_stamps = [
        f"{rel}__{field}"
        for rel in ("category", "lead_unit", "jurisdiction")
        for field in ("created_at", "updated_at")
    ]
    return (
        qs.select_related("category", "lead_unit", "jurisdiction")
        .defer(*related_stamps)
        .prefetch_related(
            Prefetch("sponsor_leaders", Person.objects.only("id", "name"), to_attr="leader_list"),
            Prefetch("partner_units", Unit.objects.only("id", "name"), to_attr="partner_list"),
        )
    )


def leaders_of(item: Item) -> list[Person]:
    """The item's sponsor leaders, from the list prefetch when there was one."""
    prefetched = getattr(item, "leader_list", None)
    return prefetched if prefetched is not None else list(item.sponsor_leaders.all())


def partners_of(item: Item) -> list[Unit]:
    prefetched = getattr(item, "partner_list", None)
    return prefetched if prefetched is not None else list(item.partner_units.all())


def my_items(user: Any) -> QuerySet[Item]:
    """Items the user sponsors, or that their units lead or partner."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Item.objects.none()
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    cond = Q(pk__in=_LEADERS.objects.filter(person__user_id=scope.user_id).values("item_id"))
    if units:
        partnered = _PARTNERS.objects.filter(unit_id__in=units).values("item_id")
        cond |= Q(lead_unit_id__in=units) | Q(pk__in=partnered)
    return visible_items(user).filter(cond)


def item_updates(item: Item) -> QuerySet[ProgressUpdate]:
    """The item's progress updates, newest first; attachments in ``update.attachment_list``."""
    return (
        ProgressUpdate.objects.filter(item=item)
        .select_related("author", "unit")
        .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
        .order_by("-reported_on", "-id")
    )


def attachments_of(update: ProgressUpdate) -> list[Attachment]:
    prefetched = getattr(update, "attachment_list", None)
    return prefetched if prefetched is not None else list(update.attachments.all())


def item_history(item: Item) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type="ledger.item", target_id=str(item.pk)).order_by(
        "-seq"
    )
