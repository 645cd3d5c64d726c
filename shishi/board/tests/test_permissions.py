"""Who sees which board, persona by persona."""

from __future__ import annotations

from typing import Any

import pytest

from shishi.board import selectors, services
from shishi.board.permissions import board_access
from shishi.board.selectors import BoardFilter
from shishi.board.tests.conftest import D
from shishi.conftest import World
from shishi.core.errors import NotFound, PermissionDenied

TODAY = D(2021, 6, 20)

ALLOWED = "allowed"


def _programme_board(world: World, persona: str, **kwargs: Any) -> str:
    try:
        selectors.programme_board(getattr(world, persona), world.programme, today=TODAY, **kwargs)
    except NotFound:
        return "not found"
    except PermissionDenied:
        return "denied"
    return ALLOWED


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", ALLOWED),
        ("city_office", ALLOWED),
        ("editor_a", "denied"),
        ("viewer_a", "denied"),
        ("leader", "denied"),
        ("inspector", "denied"),
        ("operator", "denied"),
        ("resident", "not found"),
        ("outsider", "not found"),
    ],
)
def test_whole_programme_board_is_for_the_offices(world: World, persona: str, expected: str):
    assert _programme_board(world, persona) == expected


@pytest.mark.parametrize(
    ("persona", "unit", "expected"),
    [
        ("office", "unit_b", ALLOWED),
        ("city_office", "unit_a", ALLOWED),
        ("editor_a", "unit_a", ALLOWED),
        ("viewer_a", "unit_a", ALLOWED),
        ("partner_editor", "unit_c", ALLOWED),
        ("editor_a", "unit_b", "denied"),
        ("partner_editor", "unit_a", "denied"),
        ("editor_b", "unit_a", "denied"),
        ("leader", "unit_a", "denied"),
        ("inspector", "unit_a", "denied"),
        ("outsider", "unit_a", "not found"),
        ("office", "hulan_unit", "not found"),  # a unit of another district
    ],
)
def test_unit_board_is_for_its_own_unit(world: World, persona: str, unit: str, expected: str):
    unit_id = getattr(world, unit).pk
    assert _programme_board(world, persona, unit_id=unit_id) == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("leader", ALLOWED),
        ("office", ALLOWED),
        ("editor_a", "denied"),
        ("operator", "denied"),
        ("resident", "not found"),
    ],
)
def test_leader_board_is_for_the_leader_himself(world: World, persona: str, expected: str):
    assert _programme_board(world, persona, leader_id=world.leader_person.pk) == expected


def test_a_leader_cannot_open_another_leaders_board(world: World) -> None:
    from shishi.orgs import services as org_services

    other = org_services.ensure_person(world.nangang, "副区长(民生)")
    assert _programme_board(world, "leader", leader_id=other.pk) == "denied"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("city_office", ALLOWED),
        ("office", "denied"),
        ("outsider", "denied"),
        ("editor_a", "denied"),
        ("resident", "not found"),
    ],
)
def test_city_board_is_for_the_city_office(world: World, persona: str, expected: str) -> None:
    try:
        selectors.city_board(getattr(world, persona), world.city, today=TODAY)
        result = ALLOWED
    except NotFound:
        result = "not found"
    except PermissionDenied:
        result = "denied"
    assert result == expected


def test_outsider_sees_the_board_of_his_own_district(world: World) -> None:
    services.reassess_if_stale([world.hulan_programme.pk], TODAY)
    board = selectors.programme_board(world.outsider, world.hulan_programme, today=TODAY)
    assert board.totals.items.value == 1


def test_item_lists_follow_the_same_rules(world: World) -> None:
    services.reassess_if_stale([world.programme.pk], TODAY)
    own = selectors.board_items(
        world.editor_a, world.programme, BoardFilter(unit=world.unit_a.pk), today=TODAY
    )
    assert [r.number for r in own.rows] == ["1-1"]
    with pytest.raises(PermissionDenied):
        selectors.board_items(world.editor_a, world.programme, BoardFilter(), today=TODAY)
    with pytest.raises(PermissionDenied):
        selectors.board_items(
            world.editor_a, world.programme, BoardFilter(unit=world.unit_b.pk), today=TODAY
        )
    # A leader row on a unit board links to unit + leader: the unit member may follow it.
    both = selectors.board_items(
        world.editor_a,
        world.programme,
        BoardFilter(unit=world.unit_a.pk, leader=world.leader_person.pk),
        today=TODAY,
    )
    assert both.total == 1
    with pytest.raises(NotFound):
        selectors.board_items(world.outsider, world.programme, BoardFilter(), today=TODAY)


def test_board_access_lists_what_a_user_may_open(world: World) -> None:
    office = board_access(world.office, world.programme)
    assert office.programme and office.any
    editor = board_access(world.editor_a, world.programme)
    assert not editor.programme and editor.unit_ids == {world.unit_a.pk}
    leader = board_access(world.leader, world.programme)
    assert leader.leader_ids == {world.leader_person.pk}
    assert not board_access(world.resident, world.programme).any
    assert not board_access(world.outsider, world.programme).any
    with pytest.raises(PermissionDenied):
        selectors.snapshot_dates(world.inspector, world.programme)
    assert selectors.programme_thresholds(world.viewer_a, world.programme).version == 0
