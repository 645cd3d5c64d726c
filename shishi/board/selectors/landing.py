"""Which board a user lands on at ``/board/``: the office its programme's, the city office
the city's, a unit its own, a sponsor leader his items'."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger.models import Programme
from shishi.ledger.selectors import (
    visible_jurisdictions,
    visible_people,
    visible_programmes,
    visible_units,
)
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for


@dataclass(frozen=True)
class OwnBoard:
    """A city board (``city_code``) or a programme board with its scope ``params``."""

    city_code: str = ""
    programme_id: int | None = None
    params: dict[str, int] = field(default_factory=dict)


def _latest_programme(user: Any, jurisdiction_id: int) -> Programme | None:
    return (
        visible_programmes(user)
        .filter(jurisdiction_id=jurisdiction_id)
        .order_by("-year", "pk")
        .first()
    )


def _programme_board(programme: Programme | None, **params: int) -> OwnBoard:
    if programme is None:
        raise NotFound("本辖区还没有实事计划，请先导入台账")
    return OwnBoard(programme_id=programme.pk, params=params)


def own_board(user: Any) -> OwnBoard:
    """The board ``user`` lands on; NotFound when the district has no programme yet,
    PermissionDenied when no role of the user has a board."""
    scope = scope_for(user)
    cities = visible_jurisdictions(user).filter(level=Jurisdiction.Level.CITY).order_by("code")
    if scope.is_superuser:
        city_code = cities.values_list("code", flat=True).first()
        if city_code:
            return OwnBoard(city_code=city_code)
        first = visible_programmes(user).order_by("-year", "jurisdiction__code").first()
        return _programme_board(first)
    if scope.office_jurisdiction_ids:
        return _programme_board(_latest_programme(user, min(scope.office_jurisdiction_ids)))
    if scope.city_jurisdiction_ids:
        code = (
            cities.filter(pk__in=scope.city_jurisdiction_ids).values_list("code", flat=True).first()
        )
        if code:
            return OwnBoard(city_code=code)
    unit_ids = scope.editor_unit_ids | scope.viewer_unit_ids
    if unit_ids:
        unit = visible_units(user).filter(pk__in=unit_ids).order_by("pk").first()
        if unit is not None:
            return _programme_board(_latest_programme(user, unit.jurisdiction_id), unit=unit.pk)
    if scope.leader_jurisdiction_ids:
        person = visible_people(user).filter(user_id=user.pk).order_by("pk").first()
        if person is not None:
            programme = _latest_programme(user, person.jurisdiction_id)
            return _programme_board(programme, leader=person.pk)
    raise PermissionDenied("您的角色没有可查看的作战图")


@dataclass(frozen=True)
class Landing:
    """Where a user lands after login: a view name, its arguments and its query."""

    view: str
    args: tuple[Any, ...] = ()
    query: dict[str, int] = field(default_factory=dict)


def landing(user: Any) -> Landing:
    """The page each role starts from: the programme office its programme's board, the city
    office the city board, a unit editor or viewer its unit's items on the ledger, a sponsor
    leader his own items (我的事项); anyone else the ledger. When a user holds several
    roles, the widest one wins (office, city, unit, leader), as ``own_board`` picks."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Landing("ledger:list")
    if scope.office_jurisdiction_ids or scope.city_jurisdiction_ids:
        try:
            board = own_board(user)
        except (NotFound, PermissionDenied):
            return Landing("ledger:list")  # no programme yet: the ledger says how to import
        if board.city_code:
            return Landing("board:city", (board.city_code,))
        return Landing("board:programme", (board.programme_id,))
    unit_ids = scope.editor_unit_ids | scope.viewer_unit_ids
    if unit_ids:
        unit = visible_units(user).filter(pk__in=unit_ids).order_by("pk").first()
        if unit is not None:
            return Landing("ledger:list", query={"unit": unit.pk})
    if scope.leader_jurisdiction_ids:
        return Landing("ledger:mine")
    return Landing("ledger:list")
