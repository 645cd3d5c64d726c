"""The 十百千万 campaign: what each line counts, its targets and its live counts.

- ``MEASURES``: the expert tour, the secretaries' lectures and the veterans' stories count
  the **distinct speakers** of their approved activities; the base visits count the
  **participants** of theirs. Only approved activities count (submitted and returned ones
  never do), by the year of ``held_on``.
- Counts come from aggregate queries grouped by line (and organisation): a handful of queries
  a page, never a loop over activities. A party committee counts its branches' activities
  too (a speaker heard at two of its branches is one speaker).
- Targets: the district's (``unit`` empty) and one organisation's, per year and line. A year
  without stored district targets shows ``DEFAULT_TARGETS``; the office's first save stores
  it. Every save carries the ``version`` the form showed (0 for a target not yet stored);
  a stale one is refused (``StaleEdit``), never overwritten; audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When

from shishi.core import audit
from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.education import permissions
from shishi.education.models import CampaignLine, CampaignTarget, StudyActivity
from shishi.orgs.models import Unit

SPEAKERS = "speakers"
PARTICIPANTS = "participants"
MEASURES: dict[str, str] = {
    CampaignLine.EXPERT_TOUR: SPEAKERS,
    CampaignLine.SECRETARY_LECTURE: SPEAKERS,
    CampaignLine.VETERAN_STORY: SPEAKERS,
    CampaignLine.BASE_VISIT: PARTICIPANTS,
}
MEASURE_UNITS = {SPEAKERS: "人", PARTICIPANTS: "人次"}
DEFAULT_TARGETS: dict[str, int] = {
    CampaignLine.EXPERT_TOUR: 10,
    CampaignLine.SECRETARY_LECTURE: 100,
    CampaignLine.VETERAN_STORY: 1000,
    CampaignLine.BASE_VISIT: 10000,
}
LINES: list[str] = [str(v) for v in CampaignLine.values]
MAX_TARGET = 10_000_000
OFFICE_ONLY = "只有专班可以设置十百千万目标"
STALE = "目标已被他人修改，请刷新后再改"
EXISTS = "这一项目标已经设置过（可能是他人刚刚设置），请在表中核对后修改"


def rate(count: int, target: int | None) -> float | None:
    """Progress 0–100 for the bar (capped at 100; None without a target)."""
    if not target:
        return None
    return min(100.0, round(count * 100 / target, 1))


# --- counts ------------------------------------------------------------------------------------


def approved(
    jurisdiction_id: int, year: int, until: dt.date | None = None
) -> QuerySet[StudyActivity]:
    """The district's approved campaign activities held in ``year`` (up to ``until``)."""
    last = dt.date(year, 12, 31)
    return StudyActivity.objects.filter(
        jurisdiction_id=jurisdiction_id,
        status=StudyActivity.Status.APPROVED,
        held_on__gte=dt.date(year, 1, 1),
        held_on__lte=min(last, until) if until else last,
    ).exclude(line="")


def _aggregates() -> dict[str, Any]:
    return {
        "speakers": Count("speaker", distinct=True, filter=~Q(speaker="")),
        "people": Sum("participants"),
    }


def _measure(line: str, speakers: int | None, people: int | None) -> int:
    return int((speakers if MEASURES.get(line) == SPEAKERS else people) or 0)


def district_counts(
    jurisdiction_id: int, year: int, until: dt.date | None = None
) -> dict[str, int]:
    """Each line's count for the district in ``year`` (up to ``until``) — one query."""
    counts = dict.fromkeys(LINES, 0)
    rows = approved(jurisdiction_id, year, until).values("line").annotate(**_aggregates())
    for row in rows:
        if row["line"] in counts:
            counts[row["line"]] = _measure(row["line"], row["speakers"], row["people"])
    return counts


def organisation_counts(jurisdiction_id: int, year: int) -> dict[int, dict[str, int]]:
    """Each organisation's count per line in ``year``: a unit's own activities, and for a
    unit with branches (a party committee) its branches' too — two queries."""
    base = approved(jurisdiction_id, year)
    out: dict[int, dict[str, int]] = {}

    def add(rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            if row["org"] is None or row["line"] not in MEASURES:
                continue
            per = out.setdefault(row["org"], dict.fromkeys(LINES, 0))
            per[row["line"]] = _measure(row["line"], row["speakers"], row["people"])

    # A branch's activity counts for its committee (with the committee's own); any other
    # unit's for itself.
    as_committee = Case(
        When(
            unit__kind=Unit.Kind.PARTY_BRANCH,
            unit__parent__isnull=False,
            then=F("unit__parent_id"),
        ),
        default=F("unit_id"),
    )
    add(base.annotate(org=as_committee).values("org", "line").annotate(**_aggregates()))
    # The branches themselves.
    branches = base.filter(unit__kind=Unit.Kind.PARTY_BRANCH, unit__parent__isnull=False)
    add(branches.annotate(org=F("unit_id")).values("org", "line").annotate(**_aggregates()))
    return out


def counted_activities(
    jurisdiction_id: int, year: int, line: str, org_id: int | None = None
) -> QuerySet[StudyActivity]:
    """The activities a count is made of (the drill-down): the line's approved activities of
    the district, or of one organisation and its branches."""
    found = approved(jurisdiction_id, year).filter(line=line)
    if org_id is not None:
        found = found.filter(Q(unit_id=org_id) | Q(unit__parent_id=org_id))
    return found.select_related("unit").order_by("-held_on", "-id")


# --- targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    line: str
    value: int
    version: int  # 0: not stored (the default of a new year)


def district_targets(jurisdiction_id: int, year: int) -> dict[str, Target]:
    stored = {
        t.line: Target(t.line, t.target, t.version)
        for t in CampaignTarget.objects.filter(
            jurisdiction_id=jurisdiction_id, year=year, unit__isnull=True
        )
    }
    return {line: stored.get(line) or Target(line, DEFAULT_TARGETS[line], 0) for line in LINES}


def organisation_targets(jurisdiction_id: int, year: int) -> dict[int, dict[str, Target]]:
    out: dict[int, dict[str, Target]] = {}
    rows = CampaignTarget.objects.filter(
        jurisdiction_id=jurisdiction_id, year=year, unit__isnull=False
    )
    for t in rows:
        assert t.unit_id is not None
        out.setdefault(t.unit_id, {})[t.line] = Target(t.line, t.target, t.version)
    return out


def set_target(
    jurisdiction_id: int,
    year: int,
    line: str,
    value: int,
    *,
    version: int,
    actor: Any,
    unit: Unit | None = None,
) -> CampaignTarget | None:
    """Set the district's (``unit`` None) or an organisation's target of a line for a year.
    ``version`` is the one the form showed (0: none stored yet). An organisation's target set
    to 0 is removed (None returned)."""
    permissions.check_office(actor, jurisdiction_id, OFFICE_ONLY)
    errors: dict[str, str] = {}
    if line not in MEASURES:
        errors["line"] = "请选择十百千万的一项"
    if not 2000 <= year <= 2100:
        errors["year"] = "年度应在2000至2100之间"
    if not 0 <= value <= MAX_TARGET:
        errors["target"] = f"目标应在0至{MAX_TARGET}之间"
    if unit is not None and unit.jurisdiction_id != jurisdiction_id:
        errors["unit"] = "请选择本区的组织"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    try:
        with transaction.atomic():
            found = (
                CampaignTarget.objects.select_for_update()
                .filter(jurisdiction_id=jurisdiction_id, year=year, line=line, unit=unit)
                .order_by("pk")  # not the model's ordering: its join to the unit can't be locked
                .first()
            )
            current = found.version if found else 0
            if current != version:
                raise StaleEdit(EXISTS if version == 0 else STALE)
            old = found.target if found else None
            if found is None:
                if unit is not None and value == 0:
                    return None
                found = CampaignTarget.objects.create(
                    jurisdiction_id=jurisdiction_id, year=year, line=line, unit=unit, target=value
                )
            elif unit is not None and value == 0:
                audit.record(
                    actor=actor,
                    action="education.campaign_target_removed",
                    target=found,
                    changes={"target": [old, None], "unit": [unit.name, None]},
                    jurisdiction_id=jurisdiction_id,
                )
                found.delete()
                return None
            else:
                found.target = value
                found.version += 1
                found.save(update_fields=["target", "version", "updated_at"])
            audit.record(
                actor=actor,
                action="education.campaign_target_set",
                target=found,
                changes={
                    "year": [None, year],
                    "line": [None, line],
                    "unit": [None, unit.name if unit else None],
                    "target": [old, value],
                },
                jurisdiction_id=jurisdiction_id,
            )
            return found
    except IntegrityError:  # two first saves at once: the other one won
        raise StaleEdit(STALE) from None


# --- the page's figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFigure:
    line: str
    label: str
    measure: str
    unit: str
    count: int
    target: int | None
    version: int = 0

    @property
    def rate(self) -> float | None:
        return rate(self.count, self.target)


@dataclass(frozen=True)
class OrgRow:
    unit: Unit
    lines: list[LineFigure] = field(default_factory=list)


def _figure(line: str, count: int, target: Target | None) -> LineFigure:
    return LineFigure(
        line=line,
        label=str(CampaignLine(line).label),
        measure=MEASURES[line],
        unit=MEASURE_UNITS[MEASURES[line]],
        count=count,
        target=target.value if target else None,
        version=target.version if target else 0,
    )


def district_figures(
    jurisdiction_id: int, year: int, until: dt.date | None = None
) -> list[LineFigure]:
    """The four lines' count against the district's target — two queries."""
    counts = district_counts(jurisdiction_id, year, until)
    targets = district_targets(jurisdiction_id, year)
    return [_figure(line, counts[line], targets[line]) for line in LINES]


def organisation_figures(jurisdiction_id: int, year: int) -> list[OrgRow]:
    """The organisations with a target or a count this year, committees first — four
    queries."""
    counts = organisation_counts(jurisdiction_id, year)
    targets = organisation_targets(jurisdiction_id, year)
    ids = set(counts) | set(targets)
    units = Unit.objects.filter(pk__in=ids, jurisdiction_id=jurisdiction_id)
    order: dict[str, int] = {Unit.Kind.PARTY_COMMITTEE: 0, Unit.Kind.PARTY_BRANCH: 1}
    rows = []
    for unit in sorted(units, key=lambda u: (order.get(u.kind, 2), u.name, u.pk)):
        per = counts.get(unit.pk, {})
        own = targets.get(unit.pk, {})
        rows.append(
            OrgRow(unit, [_figure(line, per.get(line, 0), own.get(line)) for line in LINES])
        )
    return rows
