"""Who may see which battle board, and who sets a programme's warning rules.

- Programme board (all items): the programme office of the district, the city office over
  it (and superusers).
- Unit board (items the unit leads): the office, and the unit's editors and viewers.
- Sponsor-leader board (items a leader sponsors): the office, and the leader himself (the
  login linked to that person).
- City board (districts compared): the city office of that city.
- Warning rules: read by anyone who may see a board of the programme, set by the office.

Everyone else is refused: a programme in a district the user cannot read is reported as
not found (nothing leaks about other districts), a readable one as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger.models import Programme
from shishi.orgs.models import Jurisdiction, Person, Unit
from shishi.orgs.permissions import scope_for


@dataclass(frozen=True)
class BoardAccess:
    """Which boards of one programme a user may open (for navigation)."""

    programme: bool
    unit_ids: frozenset[int]
    leader_ids: frozenset[int]

    @property
    def any(self) -> bool:
        return self.programme or bool(self.unit_ids) or bool(self.leader_ids)


@dataclass(frozen=True)
class BoardTarget:
    """The board asked for, after the checks: the whole programme, a unit or a leader."""

    programme: Programme
    unit: Unit | None = None
    leader: Person | None = None


def can_view_programme_board(user: Any, programme: Programme) -> bool:
    return scope_for(user).is_office_for(programme.jurisdiction_id)


def can_set_thresholds(user: Any, programme: Programme) -> bool:
    return scope_for(user).is_office_for(programme.jurisdiction_id)


def can_view_city_board(user: Any, city: Jurisdiction) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or city.pk in scope.city_jurisdiction_ids


def board_access(user: Any, programme: Programme) -> BoardAccess:
    """The boards of ``programme`` this user may open (one query for a leader's person)."""
    scope = scope_for(user)
    if scope.is_anonymous or not scope.can_read_jurisdiction(programme.jurisdiction_id):
        return BoardAccess(False, frozenset(), frozenset())
    office = scope.is_office_for(programme.jurisdiction_id)
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    leader_ids: frozenset[int] = frozenset()
    if scope.user_id is not None and programme.jurisdiction_id in scope.leader_jurisdiction_ids:
        leader_ids = frozenset(
            Person.objects.filter(
                user_id=scope.user_id, jurisdiction_id=programme.jurisdiction_id
            ).values_list("pk", flat=True)
        )
    return BoardAccess(office, frozenset(units), leader_ids)


def access_board(
    user: Any,
    programme: Programme,
    *,
    unit_id: int | None = None,
    leader_id: int | None = None,
) -> BoardTarget:
    """The board target if the user may see it; else raise NotFound / PermissionDenied.

    With both a unit and a leader the board holds the unit's items the leader sponsors;
    being the unit's member or being the leader is then enough.
    """
    scope = scope_for(user)
    if not scope.can_read_jurisdiction(programme.jurisdiction_id):
        raise NotFound("计划不存在或无权查看")
    office = scope.is_office_for(programme.jurisdiction_id)
    unit = leader = None
    allowed = office
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, jurisdiction_id=programme.jurisdiction_id).first()
        if unit is None:
            raise NotFound("单位不存在")
        allowed = allowed or unit.pk in scope.editor_unit_ids or unit.pk in scope.viewer_unit_ids
    if leader_id is not None:
        leader = Person.objects.filter(
            pk=leader_id, jurisdiction_id=programme.jurisdiction_id
        ).first()
        if leader is None:
            raise NotFound("包保领导不存在")
        allowed = allowed or (scope.user_id is not None and leader.user_id == scope.user_id)
    if not allowed:
        if unit is not None:
            raise PermissionDenied("只能查看本单位的作战图")
        if leader is not None:
            raise PermissionDenied("只能查看本人包保事项的作战图")
        raise PermissionDenied("只有专班可以查看全区作战图")
    return BoardTarget(programme, unit=unit, leader=leader)


def access_city(user: Any, city: Jurisdiction) -> Jurisdiction:
    if city.level != Jurisdiction.Level.CITY:
        raise NotFound("不是市级辖区")
    if not can_view_city_board(user, city):
        if not scope_for(user).roles:  # no role anywhere: nothing to say about the city
            raise NotFound("辖区不存在或无权查看")
        raise PermissionDenied("只有市级专班可以查看全市作战图")
    return city
