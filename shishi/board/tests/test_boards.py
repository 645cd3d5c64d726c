"""The boards: figures, links, as-of snapshots, staleness and constant query counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shishi.board import selectors, services
from shishi.board.models import ItemStatus, ProgrammeSnapshot
from shishi.board.schedule import Light, ScheduleStatus
from shishi.board.selectors import Board, BoardFilter, Figure
from shishi.board.tests.conftest import D, many_items, post
from shishi.conftest import World
from shishi.core.errors import ValidationFailed
from shishi.ledger.services import MilestoneInput, add_milestone

TODAY = D(2021, 6, 20)


def _figures(board: Board) -> list[Figure]:
    """Every count on the board that links to items."""
    out: list[Figure] = []
    for f in dataclasses.fields(board.totals):
        value = getattr(board.totals, f.name)
        if isinstance(value, Figure):
            out.append(value)
    out += [Figure(c.value, c.params) for c in (*board.by_status, *board.by_light)]
    for row in (*board.by_category, *board.units, *board.leaders):
        out += [row.items, row.done, row.behind, row.red, row.yellow, row.update_late]
    return out


def _reassess(world: World, today: dt.date = TODAY) -> None:
    """What a board view does before it reads: bring the statuses up to ``today``."""
    services.reassess_if_stale([world.programme.pk, world.hulan_programme.pk], today)


def _seed(world: World) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 6, 10), 40)
    add_milestone(
        world.item_a, MilestoneInput("招标", D(2021, 4, 30), D(2021, 5, 2)), actor=world.office
    )


def test_programme_board_shows_totals_rankings_gantt_and_alerts(world: World) -> None:
    _seed(world)
    _reassess(world)
    board = selectors.programme_board(world.office, world.programme, today=TODAY)
    assert board.is_live and board.as_of == TODAY and board.snapshot_on is None
    t = board.totals
    assert (t.items.value, t.started.value, t.done.value, t.red.value, t.yellow.value) == (
        2,
        1,
        0,
        1,
        0,
    )
    assert t.completion_rate == 20  # (40 + 0) / 2
    assert t.planned_rate == Decimal("46.7")
    assert {c.key: c.value for c in board.by_light} == {"red": 1, "yellow": 0, "green": 1}
    assert sum(c.value for c in board.by_status) == 2
    assert [u.name for u in board.units] == ["区教育局", "区城管局"]  # the one behind first
    assert board.units[0].behind.value == 1 and board.units[0].rank == 1
    assert [(r.name, r.items.value) for r in board.leaders] == [("常务副区长", 1)]
    assert [(r.name, r.items.value) for r in board.by_category] == [("城建城管执法类", 2)]
    # Red first, with its reason in words.
    assert [a.number for a in board.alerts] == ["1-2"]
    assert board.alerts[0].reason.startswith("完成率0%，序时进度46.7%")
    assert board.alerts_total == 1
    gantt = board.gantt
    assert [r.number for r in gantt.rows] == ["1-2", "1-1"]
    milestone = gantt.rows[1].milestones[0]
    assert (milestone.title, milestone.done_date, milestone.is_late) == (
        "招标",
        D(2021, 5, 2),
        False,
    )
    assert gantt.today == TODAY and gantt.start <= D(2021, 1, 1) and gantt.end >= D(2021, 12, 31)
    assert board.trend[-1].is_live and board.trend[-1].on == TODAY


def test_every_figure_links_to_exactly_its_items(world: World) -> None:
    _seed(world)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 12)
    _reassess(world)
    board = selectors.programme_board(world.office, world.programme, today=TODAY)
    figures = _figures(board)
    assert len(figures) > 20
    for figure in figures:
        params = dict(figure.params)
        assert params.pop("programme") == str(world.programme.pk)
        page = selectors.board_items(
            world.office,
            world.programme,
            BoardFilter.from_params(params),
            today=TODAY,
            limit=200,
        )
        assert page.total == figure.value, figure.params
        assert len(page.rows) == figure.value


def test_unit_and_leader_boards_hold_their_own_items(world: World) -> None:
    _seed(world)
    _reassess(world)
    unit = selectors.programme_board(
        world.editor_a, world.programme, unit_id=world.unit_a.pk, today=TODAY
    )
    assert unit.totals.items.value == 1 and unit.unit_name == "区城管局"
    assert unit.params == {"programme": str(world.programme.pk), "unit": str(world.unit_a.pk)}
    assert unit.totals.red.params["unit"] == str(world.unit_a.pk)
    leader = selectors.programme_board(
        world.leader, world.programme, leader_id=world.leader_person.pk, today=TODAY
    )
    assert [a.number for a in leader.gantt.rows] == ["1-1"]
    assert leader.leader_name == "常务副区长"


def test_statuses_a_day_old_are_reassessed_before_the_board_reads_them(world: World) -> None:
    services.refresh_statuses(world.programme.pk, today=TODAY)
    tomorrow = TODAY + dt.timedelta(days=1)
    _reassess(world, tomorrow)
    board = selectors.programme_board(world.office, world.programme, today=tomorrow)
    assert board.as_of == tomorrow
    assert set(ItemStatus.objects.values_list("assessed_on", flat=True)) == {tomorrow}
    assert board.gantt.rows[0].planned_rate == Decimal("47.0")


def _comparable(board: Board) -> dict[str, Any]:
    """What must be identical between a live board and the same day's snapshot."""
    d = dataclasses.asdict(board)
    for key in ("is_live", "snapshot_on", "requested_as_of", "params", "trend"):
        d.pop(key)

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("params",)}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(d)


@pytest.mark.parametrize("scope", ["programme", "unit", "leader"])
def test_a_past_board_is_the_snapshot_of_that_week_exactly(world: World, scope: str) -> None:
    _seed(world)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 9)
    kwargs: dict[str, Any] = {
        "unit": {"unit_id": world.unit_a.pk},
        "leader": {"leader_id": world.leader_person.pk},
        "programme": {},
    }[scope]
    _reassess(world)
    live = selectors.programme_board(world.office, world.programme, today=TODAY, **kwargs)
    services.take_snapshots(world.programme.pk, TODAY, today=TODAY)
    # A week later the ledger has moved on ...
    post(world.item_a, D(2021, 6, 24), 90)
    later = TODAY + dt.timedelta(days=7)
    # ... but the board as of any day of that week shows the week's snapshot as it was.
    for day in (TODAY, TODAY + dt.timedelta(days=3)):
        past = selectors.programme_board(
            world.office, world.programme, as_of=day, today=later, **kwargs
        )
        assert past.snapshot_on == TODAY and not past.is_live
        assert past.params["as_of"] == "2021-06-20"
        assert _comparable(past) == _comparable(live)
        assert past.trend[-1].on == TODAY


def test_programme_snapshot_totals_equal_the_board_of_that_day(world: World) -> None:
    _seed(world)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 11)
    services.backfill_snapshots(world.programme.pk, today=TODAY)
    for snap in ProgrammeSnapshot.objects.filter(programme=world.programme, group=""):
        board = selectors.programme_board(
            world.office, world.programme, as_of=snap.taken_on, today=TODAY
        )
        t = board.totals
        assert (t.items.value, t.started.value, t.done.value) == (
            snap.items,
            snap.started,
            snap.done,
        )
        assert {c.key: c.value for c in board.by_light if c.value} == snap.counts["light"]
        assert {c.key: c.value for c in board.by_status if c.value} == snap.counts["status"]
        point = next(p for p in board.trend if p.on == snap.taken_on)
        assert point.completion_rate == t.completion_rate
        # The week's unit rows are the unit boards of that week.
        for row in board.units:
            unit = selectors.programme_board(
                world.office, world.programme, as_of=snap.taken_on, today=TODAY, unit_id=row.key
            )
            assert unit.totals.items.value == row.items.value
            assert unit.totals.behind.value == row.behind.value
            assert unit.totals.completion_rate == row.completion_rate


def test_trend_is_real_history(world: World) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 5, 1), 60)
    services.backfill_snapshots(world.programme.pk, today=TODAY)
    _reassess(world)
    board = selectors.programme_board(world.office, world.programme, today=TODAY)
    by_day = {p.on: p for p in board.trend}
    assert by_day[D(2021, 2, 28)].completion_rate == 0
    assert by_day[D(2021, 3, 7)].completion_rate == 10  # (20 + 0) / 2
    assert by_day[D(2021, 5, 2)].completion_rate == 30
    unit = selectors.programme_board(
        world.office, world.programme, unit_id=world.unit_a.pk, today=TODAY
    )
    assert {p.on: p.completion_rate for p in unit.trend}[D(2021, 5, 2)] == 60


def test_no_snapshot_that_early_is_a_clear_error(world: World) -> None:
    services.take_snapshots(world.programme.pk, TODAY, today=TODAY)
    with pytest.raises(ValidationFailed, match="没有周快照"):
        selectors.programme_board(world.office, world.programme, as_of=D(2021, 6, 1), today=TODAY)
    assert selectors.snapshot_dates(world.office, world.programme) == [TODAY]


def test_board_filter_parses_links_and_refuses_bad_values() -> None:
    f = BoardFilter.from_params({"unit": "3", "status": "behind,overdue", "will_miss": "1"})
    assert f == BoardFilter(unit=3, status=("behind", "overdue"), will_miss=True)
    assert BoardFilter.from_params(f.to_params()) == f
    assert BoardFilter.from_params({"category": "none"}).no_category
    with pytest.raises(ValidationFailed):
        BoardFilter.from_params({"light": "purple"})
    for bad in ("1; drop table", "²", "9" * 30):
        with pytest.raises(ValidationFailed):
            BoardFilter.from_params({"unit": bad})


def test_city_board_compares_districts(world: World) -> None:
    _seed(world)
    _reassess(world)
    city = selectors.city_board(world.city_office, world.city, today=TODAY)
    assert [d.name for d in city.districts] == ["南岗区", "呼兰区"]
    nangang, hulan = city.districts
    assert (nangang.row.items.value, hulan.row.items.value) == (2, 1)
    assert nangang.row.red.params == {"programme": str(world.programme.pk), "light": "red"}
    assert nangang.row.rank == 1  # the one with an item behind
    assert city.totals.items.value == 3
    assert hulan.row.planned_rate is None  # 长期坚持: no planned rate
    services.take_snapshots(world.programme.pk, TODAY, today=TODAY)
    services.take_snapshots(world.hulan_programme.pk, TODAY, today=TODAY)
    past = selectors.city_board(world.city_office, world.city, as_of=TODAY, today=D(2021, 7, 1))
    assert not past.is_live
    assert [d.row.items.value for d in past.districts] == [2, 1]
    assert past.districts[0].snapshot_on == TODAY
    assert past.totals.red.value == city.totals.red.value


def _count_queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_the_data(world: World) -> None:
    units = [world.unit_a, world.unit_b, world.unit_c]

    def measure() -> list[int]:
        services.refresh_statuses(world.programme.pk, today=TODAY)
        services.refresh_statuses(world.hulan_programme.pk, today=TODAY)
        services.take_snapshots(world.programme.pk, TODAY, today=TODAY, replace=True)
        for user in (world.office, world.editor_a, world.leader, world.city_office):
            user.__dict__.pop("_shishi_scope", None)
        return [
            _count_queries(
                lambda: selectors.programme_board(world.office, world.programme, today=TODAY)
            ),
            _count_queries(
                lambda: selectors.programme_board(
                    world.editor_a, world.programme, unit_id=world.unit_a.pk, today=TODAY
                )
            ),
            _count_queries(
                lambda: selectors.programme_board(
                    world.leader, world.programme, leader_id=world.leader_person.pk, today=TODAY
                )
            ),
            _count_queries(
                lambda: selectors.programme_board(
                    world.office, world.programme, as_of=TODAY, today=D(2021, 6, 22)
                )
            ),
            _count_queries(
                lambda: selectors.board_items(
                    world.office, world.programme, BoardFilter(light=(Light.RED,)), today=TODAY
                )
            ),
            _count_queries(
                lambda: selectors.city_board(world.city_office, world.city, today=TODAY)
            ),
        ]

    many_items(world.programme, units, world.leader_person, 5)
    small = measure()
    many_items(world.programme, units, world.leader_person, 60, start=100)
    large = measure()
    assert small == large
    assert max(small) <= 16


def test_done_items_leave_the_alert_list(world: World) -> None:
    post(world.item_b, D(2021, 6, 15), 100)
    _reassess(world)
    board = selectors.programme_board(world.office, world.programme, today=TODAY)
    assert "1-2" not in [a.number for a in board.alerts]
    row = next(r for r in board.gantt.rows if r.number == "1-2")
    assert row.status == ScheduleStatus.DONE_EARLY and row.light == Light.GREEN


def test_a_programme_without_items_has_an_empty_board(world: World) -> None:
    from shishi.ledger.services import ensure_programme

    empty = ensure_programme(world.nangang, 2022, actor=world.office)
    services.reassess_if_stale([empty.pk], D(2022, 3, 6))
    board = selectors.programme_board(world.office, empty, today=D(2022, 3, 6))
    assert board.totals.items.value == 0 and board.totals.completion_rate is None
    assert board.alerts == [] and board.gantt.rows == [] and board.units == []
    services.take_snapshots(empty.pk, D(2022, 3, 6), today=D(2022, 3, 6))
    past = selectors.programme_board(world.office, empty, as_of=D(2022, 3, 6), today=D(2022, 3, 9))
    assert past.totals.items.value == 0 and past.snapshot_on == D(2022, 3, 6)


def test_city_totals_follow_a_single_item_change(world: World) -> None:
    _reassess(world)
    first = selectors.city_board(world.city_office, world.city, today=TODAY)
    assert first.districts[0].row.done.value == 0
    post(world.item_a, D(2021, 6, 18), 100)
    services.refresh_statuses(world.programme.pk, [world.item_a.pk], today=TODAY)
    _reassess(world)
    after = selectors.city_board(world.city_office, world.city, today=TODAY)
    assert after.districts[0].row.done.value == 1
    assert after.totals.done.value == 1
    assert after.districts[0].row.completion_rate == Decimal(50)
