"""A round's figures equal the records they count."""

from __future__ import annotations

import datetime as dt

from shishi.conftest import World
from shishi.orgs.models import Unit
from shishi.supervision import figures
from shishi.supervision.models import Card, Finding, InspectionGroup, Visit
from shishi.supervision.services import findings, setup
from shishi.supervision.tests.conftest import Sv

DAY = dt.date(2021, 6, 8)


def _finding(
    world: World, sv: Sv, kind: str, unit: Unit, group: InspectionGroup | None = None
) -> Finding:
    return findings.add_finding(
        findings.FindingInput(
            kind=kind,
            problem=f"{kind} {unit.name}",
            measure="整改" if kind == Finding.Kind.TO_RECTIFY else "",
            deadline=dt.date(2021, 6, 20) if kind == Finding.Kind.TO_RECTIFY else None,
            responsible_person="负责人",
        ),
        round=sv.round,
        group=group or sv.group,
        unit=unit,
        actor=world.office,
        today=DAY,
    )


def test_round_figures_count_the_records(world: World, sv: Sv) -> None:
    setup.plan_visits(
        sv.round,
        [
            setup.PlanRow(sv.group.pk, world.unit_a.pk, DAY),
            setup.PlanRow(sv.group.pk, world.unit_b.pk, DAY),
            setup.PlanRow(sv.other_group.pk, world.unit_c.pk, DAY),
        ],
        actor=world.office,
    )
    for unit, group in ((world.unit_a, sv.group), (world.unit_c, sv.other_group)):
        Visit.objects.create(
            jurisdiction=world.nangang, round=sv.round, group=group, unit=unit, visited_on=DAY
        )
    K = Finding.Kind
    for kind in (K.ON_THE_SPOT, K.ON_THE_SPOT, K.TO_RECTIFY, K.SUGGESTION):
        _finding(world, sv, kind, world.unit_a)
    closed = _finding(world, sv, K.TO_RECTIFY, world.unit_c, sv.other_group)
    Finding.objects.filter(pk=closed.pk).update(status=Finding.Status.CLOSED)
    red = _finding(world, sv, K.TO_RECTIFY, world.unit_c, sv.other_group)
    Finding.objects.filter(pk=red.pk).update(card=Card.RED)

    got = figures.round_figures(sv.round)
    t = got.total
    assert (t.planned, t.visited, t.visits) == (3, 2, 2)
    assert (t.on_the_spot, t.to_rectify, t.closed, t.open, t.red, t.suggestions) == (
        2,
        3,
        1,
        2,
        1,
        1,
    )
    assert t.problems == 5
    by_group = {g.name: f for g, f in got.by_group}
    assert by_group["第一巡回指导组"].on_the_spot == 2
    assert by_group["第一巡回指导组"].planned == 2
    assert by_group["第二巡回指导组"].to_rectify == 2
    by_unit = {u.name: f for u, _g, f in got.by_unit}
    assert by_unit["区教育局"].planned == 1 and by_unit["区教育局"].visited == 0
    assert by_unit["区城管局"].suggestions == 1
    assert figures.round_totals([sv.round])[sv.round.pk] == t
    # The round page's summary: the same totals and groups, without the per-unit rows.
    summary = figures.round_summary(sv.round)
    assert summary.total == t and summary.by_group == got.by_group
    assert summary.by_unit == [] and summary.unit_rows == len(got.by_unit) == 3
