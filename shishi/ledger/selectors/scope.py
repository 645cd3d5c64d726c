"""What of the ledger a user may see: ``visible_*`` querysets, already scoped, that list
pages and the API start from."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shishi.core import errors
from shishi.ledger.models import Category, Item, Programme
from shishi.orgs.models import Jurisdiction, Person, Unit
from shishi.orgs.permissions import scope_for

PARTNERS = Item.partner_units.through
LEADERS = Item.sponsor_leaders.through


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
    ids = scope.office_covered_ids()
    return Jurisdiction.objects.filter(pk__in=ids).order_by("code")


def visible_programmes(user: Any) -> QuerySet[Programme]:
    scope = scope_for(user)
    qs = Programme.objects.select_related("jurisdiction")
    if scope.is_superuser:
        return qs
    return qs.filter(jurisdiction_id__in=scope.readable_jurisdiction_ids())


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


def programme_items(user: Any, programme: Programme) -> QuerySet[Item]:
    """The items of one programme the user may read (all of them, or none).

    A programme belongs to one jurisdiction, so one check replaces the per-row
    jurisdiction filter of ``visible_items`` and the programme index serves the query alone.
    """
    if not scope_for(user).can_read_jurisdiction(programme.jurisdiction_id):
        return Item.objects.none()
    return Item.objects.filter(programme_id=programme.pk)


def my_items(user: Any) -> QuerySet[Item]:
    """Items the user sponsors, or that their units lead or partner."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Item.objects.none()
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    cond = Q(pk__in=LEADERS.objects.filter(person__user_id=scope.user_id).values("item_id"))
    if units:
        partnered = PARTNERS.objects.filter(unit_id__in=units).values("item_id")
        cond |= Q(lead_unit_id__in=units) | Q(pk__in=partnered)
    return visible_items(user).filter(cond)


def pick_programme(
    user: Any, programmes: list[Programme], wanted: int | None, code: str | None
) -> Programme | None:
    """The programme asked for, else the latest of the user's own district."""
    if wanted is not None:
        for programme in programmes:
            if programme.pk == wanted:
                return programme
        raise errors.NotFound("实事计划不存在或无权查看")
    if code:
        of_code = [p for p in programmes if p.jurisdiction.code == code]
        if of_code:
            return max(of_code, key=lambda p: p.year)
    if not programmes:
        return None
    scope = scope_for(user)
    own = [p for p in programmes if p.jurisdiction_id in scope.member_jurisdiction_ids]
    pool = own or programmes  # ordered by division code: max() keeps the first of a year
    return max(pool, key=lambda p: p.year)


def edit_choices(user: Any, item: Item) -> dict[str, QuerySet[Any]]:
    """What an item's edit form may choose from: the programme's categories, the district's
    units and leaders."""
    jurisdiction_id = item.jurisdiction_id
    return {
        "categories": visible_categories(user).filter(programme_id=item.programme_id),
        "units": visible_units(user).filter(jurisdiction_id=jurisdiction_id).order_by("name"),
        "people": visible_people(user).filter(jurisdiction_id=jurisdiction_id).order_by("name"),
    }


def latest_year(user: Any, jurisdiction: Jurisdiction | None) -> int | None:
    """The year of the district's latest programme the user sees, if any."""
    programmes = visible_programmes(user).filter(jurisdiction=jurisdiction).order_by("-year")
    return programmes.values_list("year", flat=True).first()
