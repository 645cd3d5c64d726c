"""Reads of the re-inspection page (回头看, ``supervision:rechecks``): the revisited round's
closed and on-the-spot findings, per unit, with what this round found on re-checking them.

A constant number of queries whatever the round's size: the units (one), the page of
findings (a count and a slice), their re-checks in this round, the new round's visits to
their units, the groups of the round.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count

from shishi.core.errors import NotFound, ValidationFailed
from shishi.orgs.models import Unit
from shishi.supervision import permissions
from shishi.supervision.models import Finding, InspectionGroup, Recheck, Round, Visit
from shishi.supervision.services.rechecks import RECHECKED_STATUSES, rechecking_groups

PER_PAGE = 50


@dataclass
class RecheckRow:
    finding: Finding
    recheck: Recheck | None
    visits: list[Visit] = field(default_factory=list)  # this round's visits to its unit
    form: Any = None  # the bound form of a refused re-check, to show again with its errors


@dataclass
class UnitRows:
    unit: Unit
    rows: list[RecheckRow]


@dataclass
class RecheckPage:
    round: Round
    revisited: Round
    units: list[tuple[int, str]]  # the units with findings to re-check: the filter's choices
    unit_id: int | None
    page: Page[Finding]
    by_unit: list[UnitRows]
    groups: list[InspectionGroup]  # the groups the user may re-check for
    totals: dict[str, int]

    @property
    def can_recheck(self) -> bool:
        return bool(self.groups)

    @property
    def page_range(self) -> list[Any]:
        return list(self.page.paginator.get_elided_page_range(self.page.number))


def rechecked_findings(revisited: Round) -> Any:
    """The findings a re-inspection of ``revisited`` re-checks: the closed and on-the-spot
    ones."""
    return Finding.objects.filter(round=revisited, status__in=RECHECKED_STATUSES)


def recheck_page(
    user: Any, round_pk: int, *, unit_id: int | None = None, page: int | str = 1
) -> RecheckPage:
    round = permissions.access_round(user, round_pk)
    if round.revisits_id is None:
        raise NotFound("这一轮不是回头看")
    revisited = Round.objects.get(pk=round.revisits_id)
    every = rechecked_findings(revisited)
    units = list(
        Unit.objects.filter(pk__in=every.values("unit_id"))
        .order_by("name")
        .values_list("pk", "name")
    )
    if unit_id is not None and unit_id not in {pk for pk, _name in units}:
        unit_id = None
    shown = every.filter(unit_id=unit_id) if unit_id is not None else every
    shown = shown.select_related("unit", "responsible_unit", "group", "recurrence_of").order_by(
        "unit__name", "unit_id", "id"
    )
    paged = Paginator(shown, PER_PAGE).get_page(page)
    findings = list(paged.object_list)
    rechecks = {
        r.finding_id: r
        for r in Recheck.objects.filter(
            round=round, finding_id__in=[f.pk for f in findings]
        ).select_related("recurrence", "checked_by", "visit")
    }
    visits = _visits(round, {f.unit_id for f in findings})
    by_unit: list[UnitRows] = []
    for finding in findings:
        row = RecheckRow(finding, rechecks.get(finding.pk), visits.get(finding.unit_id, []))
        if by_unit and by_unit[-1].unit.pk == finding.unit_id:
            by_unit[-1].rows.append(row)
        else:
            by_unit.append(UnitRows(finding.unit, [row]))
    counts = _result_counts(round)
    totals = {
        "to_recheck": paged.paginator.count if unit_id is None else every.count(),
        "rechecked": sum(counts.values()),
        "holds": counts.get(Recheck.Result.HOLDS, 0),
        "recurred": counts.get(Recheck.Result.RECURRED, 0),
    }
    return RecheckPage(
        round=round,
        revisited=revisited,
        units=units,
        unit_id=unit_id,
        page=paged,
        by_unit=by_unit,
        groups=rechecking_groups(user, round),
        totals=totals,
    )


def _result_counts(round: Round) -> dict[str, int]:
    return {
        row["result"]: row["n"]
        for row in Recheck.objects.filter(round=round)
        .values("result")
        .annotate(n=Count("pk"))
        .order_by()
    }


def _visits(round: Round, unit_ids: Iterable[int]) -> dict[int, list[Visit]]:
    out: dict[int, list[Visit]] = {}
    for visit in (
        Visit.objects.filter(round=round, unit_id__in=list(unit_ids))
        .select_related("group")
        .order_by("-visited_on", "id")
    ):
        out.setdefault(visit.unit_id, []).append(visit)
    return out


@dataclass
class RecheckTarget:
    round: Round
    finding: Finding


def recheck_target(user: Any, round_pk: int, finding_pk: int) -> RecheckTarget:
    """The round and the finding a re-check form posts to (NotFound unless the user reads
    both and the round revisits the finding's round)."""
    round = permissions.access_round(user, round_pk)
    finding = permissions.access_finding(user, finding_pk)
    if round.revisits_id is None or finding.round_id != round.revisits_id:
        raise NotFound("本轮回头看没有这个问题")
    return RecheckTarget(round, finding)


def round_visit(round: Round, unit_id: int, visit_id: int | None) -> Visit | None:
    """The round's visit to the unit the form names (ValidationFailed on the field)."""
    if visit_id is None:
        return None
    visit = Visit.objects.filter(pk=visit_id, round=round, unit_id=unit_id).first()
    if visit is None:
        message = "请选择本轮对该单位的走访"
        raise ValidationFailed(message, {"visit": message})
    return visit


def round_group(round: Round, group_id: int | None) -> InspectionGroup | None:
    """The group of the round the form names (ValidationFailed on the field)."""
    if group_id is None:
        return None
    group = round.groups.filter(pk=group_id).first()
    if group is None:
        raise ValidationFailed("指导组不在本轮", {"group": "请选择本轮的指导组"})
    return group
