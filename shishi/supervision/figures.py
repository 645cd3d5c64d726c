"""A round's figures ("走访64个党委，当场整改问题26个，提出建议20条"), per round, per
group and per unit, counted from the records in one query each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Q

from shishi.orgs.models import Unit
from shishi.supervision.models import (
    OPEN_STATUSES,
    Card,
    Finding,
    InspectionGroup,
    Round,
    Visit,
    VisitPlan,
)

Kind = Finding.Kind
Status = Finding.Status


@dataclass
class Figures:
    planned: int = 0  # units in the visit plan
    visited: int = 0  # units visited (at least one visit)
    visits: int = 0
    on_the_spot: int = 0  # problems corrected on the spot
    to_rectify: int = 0  # problems to rectify
    closed: int = 0  # of those, closed out
    open: int = 0  # of those, not yet closed
    yellow: int = 0
    red: int = 0
    suggestions: int = 0

    @property
    def problems(self) -> int:
        return self.on_the_spot + self.to_rectify

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class RoundFigures:
    round: Round
    total: Figures
    by_group: list[tuple[InspectionGroup, Figures]] = field(default_factory=list)
    # (unit, group) → figures; units of the plan or of a visit or finding
    by_unit: list[tuple[Unit, InspectionGroup, Figures]] = field(default_factory=list)
    unit_rows: int = 0  # (unit, group) rows: ``len(by_unit)``, or counted without them

    def __post_init__(self) -> None:
        self.unit_rows = self.unit_rows or len(self.by_unit)


FINDING_COUNTS: dict[str, Any] = {
    "on_the_spot": Count("pk", filter=Q(kind=Kind.ON_THE_SPOT)),
    "to_rectify": Count("pk", filter=Q(kind=Kind.TO_RECTIFY)),
    "closed": Count("pk", filter=Q(kind=Kind.TO_RECTIFY, status=Status.CLOSED)),
    "open": Count("pk", filter=Q(kind=Kind.TO_RECTIFY, status__in=OPEN_STATUSES)),
    "yellow": Count("pk", filter=Q(card=Card.YELLOW)),
    "red": Count("pk", filter=Q(card=Card.RED)),
    "suggestions": Count("pk", filter=Q(kind=Kind.SUGGESTION)),
}


def round_totals(rounds: Iterable[Round]) -> dict[int, Figures]:
    """round id → its totals (for lists of rounds): three grouped queries in all."""
    ids = [r.pk for r in rounds]
    out = {pk: Figures() for pk in ids}
    for row in (
        Finding.objects.filter(round_id__in=ids)
        .values("round_id")
        .annotate(**FINDING_COUNTS)
        .order_by()
    ):
        figures = out[row.pop("round_id")]
        for name, value in row.items():
            setattr(figures, name, value)
    for row in (
        Visit.objects.filter(round_id__in=ids)
        .values("round_id")
        .annotate(visits=Count("pk"), visited=Count("unit_id", distinct=True))
        .order_by()
    ):
        out[row["round_id"]].visits = row["visits"]
        out[row["round_id"]].visited = row["visited"]
    for row in (
        VisitPlan.objects.filter(round_id__in=ids)
        .values("round_id")
        .annotate(planned=Count("unit_id", distinct=True))
        .order_by()
    ):
        out[row["round_id"]].planned = row["planned"]
    return out


def round_figures(round: Round) -> RoundFigures:
    """The round's figures in total, per group and per (unit, group)."""
    cells: dict[tuple[int, int], Figures] = {}

    def cell(group_id: int, unit_id: int) -> Figures:
        return cells.setdefault((group_id, unit_id), Figures())

    for group_id, unit_id in VisitPlan.objects.filter(round=round).values_list(
        "group_id", "unit_id"
    ):
        cell(group_id, unit_id).planned = 1
    for row in (
        Visit.objects.filter(round=round)
        .values("group_id", "unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        figures = cell(row["group_id"], row["unit_id"])
        figures.visits, figures.visited = row["n"], 1
    for row in (
        Finding.objects.filter(round=round)
        .values("group_id", "unit_id")
        .annotate(**FINDING_COUNTS)
        .order_by()
    ):
        figures = cell(row.pop("group_id"), row.pop("unit_id"))
        for name, value in row.items():
            setattr(figures, name, value)
    groups = {g.pk: g for g in InspectionGroup.objects.filter(pk__in={g for g, _ in cells})}
    # Only what the pages and documents show of a unit: a round has hundreds.
    units = {u.pk: u for u in Unit.objects.filter(pk__in={u for _, u in cells}).only("id", "name")}
    total = Figures()
    per_group: dict[int, Figures] = {}
    by_unit = []
    for (group_id, unit_id), figures in cells.items():
        per_group.setdefault(group_id, Figures()).add(figures)
        by_unit.append((units[unit_id], groups[group_id], figures))
    # A unit visited by two groups counts once among the round's visited and planned units.
    visited_units = {u for (_g, u), f in cells.items() if f.visited}
    planned_units = {u for (_g, u), f in cells.items() if f.planned}
    for figures in per_group.values():
        total.add(figures)
    total.visited, total.planned = len(visited_units), len(planned_units)
    by_group = sorted(((groups[pk], f) for pk, f in per_group.items()), key=lambda p: p[0].pk)
    by_unit.sort(key=lambda row: (row[1].pk, row[0].name))
    return RoundFigures(round=round, total=total, by_group=by_group, by_unit=by_unit)


def round_summary(round: Round) -> RoundFigures:
    """The round's figures in total and per group, without the per-unit rows: the round
    page's (a round has hundreds of units; ``round_figures`` gives them). ``unit_rows`` is
    how many per-unit rows there are."""
    per_group: dict[int, Figures] = {}
    plans = VisitPlan.objects.filter(round=round)
    visits = Visit.objects.filter(round=round)
    found = Finding.objects.filter(round=round)
    for row in plans.values("group_id").annotate(n=Count("unit_id", distinct=True)).order_by():
        per_group.setdefault(row["group_id"], Figures()).planned = row["n"]
    for row in (
        visits.values("group_id")
        .annotate(visits=Count("pk"), visited=Count("unit_id", distinct=True))
        .order_by()
    ):
        figures = per_group.setdefault(row["group_id"], Figures())
        figures.visits, figures.visited = row["visits"], row["visited"]
    for row in found.values("group_id").annotate(**FINDING_COUNTS).order_by():
        figures = per_group.setdefault(row.pop("group_id"), Figures())
        for name, value in row.items():
            setattr(figures, name, value)
    total = Figures()
    for figures in per_group.values():
        total.add(figures)
    # A unit visited by two groups counts once among the round's visited and planned units.
    total.planned = plans.values("unit_id").distinct().count()
    total.visited = visits.values("unit_id").distinct().count()
    pairs = {
        pair
        for rows in (plans, visits, found)
        for pair in rows.values_list("group_id", "unit_id").distinct().order_by()
    }
    groups = {g.pk: g for g in InspectionGroup.objects.filter(pk__in=per_group)}
    by_group = sorted(((groups[pk], f) for pk, f in per_group.items()), key=lambda p: p[0].pk)
    return RoundFigures(round=round, total=total, by_group=by_group, unit_rows=len(pairs))
