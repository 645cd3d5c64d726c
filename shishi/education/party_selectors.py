"""Reads of the party organisations page (``/education/orgs/``): the district the office
keeps, its committees with their branches and member counts, and one organisation to edit.

A committee's total is its own ``members`` plus its branches'. Three queries whatever the
size (committees with their branches' counts and sums aggregated, the branches, the district's
totals), so 64 committees with 665 branches read as fast as one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum

from shishi.core.errors import NotFound, PermissionDenied
from shishi.education import permissions
from shishi.orgs.models import PARTY_KINDS, Jurisdiction, Unit
from shishi.orgs.permissions import scope_for

OFFICE_ONLY = "只有专班可以维护党组织和宣传工作"


@dataclass(frozen=True)
class District:
    district: Jurisdiction
    districts: list[tuple[str, str]]  # (code, name), when the user keeps several


def office_district(user: Any, code: str | None) -> District:
    """The district (by its code, else the first) whose party organisations and publicity
    ``user`` keeps; ``PermissionDenied`` for a user who keeps none."""
    query = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not scope_for(user).is_superuser:
        query = query.filter(pk__in=permissions.office_jurisdiction_ids(user))
    districts = list(query.order_by("code"))
    if not districts:
        raise PermissionDenied(OFFICE_ONLY)
    chosen = next((j for j in districts if j.code == (code or "").strip()), districts[0])
    return District(chosen, [(j.code, j.name) for j in districts] if len(districts) > 1 else [])


@dataclass
class Branch:
    pk: int
    name: str
    members: int
    stamp: str


@dataclass
class Committee:
    pk: int
    name: str
    own: int  # members on the committee's own roll
    branch_members: int
    branch_count: int
    stamp: str
    branches: list[Branch] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.own + self.branch_members


@dataclass(frozen=True)
class Totals:
    committees: int
    branches: int
    members: int


def stamp_of(record: Any) -> str:
    """The edit stamp of a record without a version (an organisation, a column): its
    ``updated_at`` as ISO text; ``record`` may be that datetime itself."""
    value = record if isinstance(record, dt.datetime) else getattr(record, "updated_at", None)
    return value.isoformat() if value is not None else ""


def committees(district: Jurisdiction) -> list[Committee]:
    """The district's committees by name, each with its branches by name."""
    branch_q = Q(children__kind=Unit.Kind.PARTY_BRANCH)
    rows = (
        Unit.objects.filter(jurisdiction=district, kind=Unit.Kind.PARTY_COMMITTEE)
        .annotate(
            branch_count=Count("children", filter=branch_q),
            branch_members=Sum("children__members", filter=branch_q),
        )
        .order_by("name")
        .values_list("pk", "name", "members", "updated_at", "branch_count", "branch_members")
    )
    out = {
        pk: Committee(pk, name, own or 0, bm or 0, bc, stamp_of(at))
        for pk, name, own, at, bc, bm in rows
    }
    for pk, parent_id, name, members, at in (
        Unit.objects.filter(
            jurisdiction=district, kind=Unit.Kind.PARTY_BRANCH, parent_id__in=list(out)
        )
        .order_by("name")
        .values_list("pk", "parent_id", "name", "members", "updated_at")
    ):
        out[parent_id].branches.append(Branch(pk, name, members or 0, stamp_of(at)))
    return list(out.values())


def totals(district: Jurisdiction) -> Totals:
    """Committees, branches (under a committee) and all their members, in one query."""
    found = Unit.objects.filter(
        Q(kind=Unit.Kind.PARTY_COMMITTEE) | Q(kind=Unit.Kind.PARTY_BRANCH, parent__isnull=False),
        jurisdiction=district,
    ).aggregate(
        committees=Count("pk", filter=Q(kind=Unit.Kind.PARTY_COMMITTEE)),
        branches=Count("pk", filter=Q(kind=Unit.Kind.PARTY_BRANCH)),
        members=Sum("members"),
    )
    return Totals(found["committees"], found["branches"], found["members"] or 0)


def office_org(user: Any, pk: int, kind: str | None = None) -> Unit:
    """A party organisation of a district ``user`` keeps; ``NotFound`` for any other."""
    unit = (
        Unit.objects.select_related("jurisdiction", "parent")
        .filter(pk=pk, kind__in=PARTY_KINDS)
        .first()
    )
    if (
        unit is None
        or (kind is not None and unit.kind != kind)
        or not permissions.is_office(user, unit.jurisdiction_id)
    ):
        raise NotFound("没有找到这个党组织")
    return unit
