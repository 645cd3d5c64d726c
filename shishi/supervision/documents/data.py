"""What the supervision documents say, gathered from the records into plain data: the
problem list (``ProblemList``), a unit's rectification notice (``NoticeData``) and a round's
summary (``SummaryData``). The writers (``xlsx``, ``docx``) read only these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shishi.orgs.models import Jurisdiction, Unit
from shishi.supervision import exports
from shishi.supervision.exports import FindingRow
from shishi.supervision.figures import Figures, RoundFigures, round_figures
from shishi.supervision.models import OPEN_STATUSES, Finding, InspectionGroup, Round, Visit

TOTAL = "合计"
SUBTOTAL = "小计"


def issuer_of(jurisdiction: Jurisdiction) -> str:
    """Who issues the documents: the district's programme office, as the reports name it."""
    return f"{jurisdiction.name}为民办实事工作领导小组办公室"


@dataclass(frozen=True)
class FigureRow:
    """One row of the figures sheet: a round's total (group ``合计``), a group's
    (unit ``小计``) or a unit's as one group saw it."""

    round_code: str
    group: str
    unit: str
    figures: Figures


@dataclass
class ProblemList:
    title: str
    subtitle: str
    rows: list[FindingRow]
    figures: list[FigureRow] = field(default_factory=list)


def figure_rows(
    figures: RoundFigures, *, group_id: int | None = None, unit_id: int | None = None
) -> list[FigureRow]:
    """The round's figures as rows: total, then each group followed by its units; narrowed to
    a group (its subtotal and units) or a unit (its rows alone)."""
    code = figures.round.code
    rows: list[FigureRow] = []
    if group_id is None and unit_id is None:
        rows.append(FigureRow(code, TOTAL, "", figures.total))
    for group, group_figures in figures.by_group:
        if group_id is not None and group.pk != group_id:
            continue
        if unit_id is None:
            rows.append(FigureRow(code, group.name, SUBTOTAL, group_figures))
        for unit, unit_group, unit_figures in figures.by_unit:
            if unit_group.pk == group.pk and unit_id in (None, unit.pk):
                rows.append(FigureRow(code, group.name, unit.name, unit_figures))
    return rows


def problem_list(
    round: Round, *, group: InspectionGroup | None = None, unit: Unit | None = None
) -> ProblemList:
    """A round's problem list, or a group's or a unit's part of it, with its figures."""
    group_id = group.pk if group else None
    unit_id = unit.pk if unit else None
    found = exports.round_findings(round.pk, group_id=group_id, unit_id=unit_id)
    rows = exports.finding_rows(found)
    scope = "　".join(x.name for x in (round.jurisdiction, group, unit) if x is not None)
    return ProblemList(
        title=f"{round.name}问题清单",
        subtitle=f"{scope}　轮次{round.code}　{round.starts_on:%Y-%m-%d}至{round.ends_on:%Y-%m-%d}",
        rows=rows,
        figures=figure_rows(round_figures(round), group_id=group_id, unit_id=unit_id),
    )


def district_problem_list(jurisdiction: Jurisdiction, rounds: list[Round]) -> ProblemList:
    """The problem list of a district's ``rounds`` (the command's: all rounds, or one)."""
    round_id = rounds[0].pk if len(rounds) == 1 else None
    rows = exports.finding_rows(exports.district_findings(jurisdiction.pk, round_id=round_id))
    figures: list[FigureRow] = []
    for round in rounds:
        figures += figure_rows(round_figures(round))
    if len(rounds) == 1:
        title = f"{rounds[0].name}问题清单"
        subtitle = f"{jurisdiction.name}　轮次{rounds[0].code}"
    else:
        title = f"{jurisdiction.name}巡回指导问题清单"
        subtitle = f"{jurisdiction.name}　全部{len(rounds)}轮"
    return ProblemList(title=title, subtitle=subtitle, rows=rows, figures=figures)


@dataclass
class NoticeData:
    """整改通知书: a unit's findings of a round to rectify (not closed out yet), its
    suggestions, and what it must do by when."""

    title: str
    round_name: str
    round_code: str
    unit: str
    groups: list[str]
    to_rectify: list[FindingRow]  # open, submitted or returned, by deadline
    suggestions: list[FindingRow]
    closed: int  # of its findings to rectify, closed out already
    on_the_spot: int
    answer_by: dt.date | None  # the latest deadline of those to rectify
    issuer: str
    date: dt.date


def notice(round: Round, unit: Unit, *, today: dt.date) -> NoticeData:
    """The unit's rectification notice for the round, as of ``today``."""
    rows = exports.finding_rows(exports.round_findings(round.pk, unit_id=unit.pk))
    addressed = [r for r in rows if r.responsible_unit_id == unit.pk]
    to_rectify = sorted(
        (r for r in addressed if r.to_rectify and r.is_open),
        key=lambda r: (r.deadline or dt.date.max, r.pk),
    )
    suggestions = [r for r in addressed if r.kind_code == Finding.Kind.SUGGESTION]
    groups = sorted(
        {r.group for r in rows}
        | set(Visit.objects.filter(round=round, unit=unit).values_list("group__name", flat=True))
    )
    return NoticeData(
        title="整改通知书",
        round_name=round.name,
        round_code=round.code,
        unit=unit.name,
        groups=groups,
        to_rectify=to_rectify,
        suggestions=suggestions,
        closed=sum(1 for r in addressed if r.to_rectify and r.status_code == Finding.Status.CLOSED),
        on_the_spot=sum(
            1 for r in rows if r.unit_id == unit.pk and r.kind_code == Finding.Kind.ON_THE_SPOT
        ),
        answer_by=max((r.deadline for r in to_rectify if r.deadline), default=None),
        issuer=issuer_of(round.jurisdiction),
        date=today,
    )


@dataclass
class SummaryData:
    """A round's summary: its figures, per group, the open rectifications and suggestions."""

    title: str
    round_name: str
    round_code: str
    starts_on: dt.date
    ends_on: dt.date
    scope: str
    figures: RoundFigures
    open_rows: list[FindingRow]  # to rectify and not closed out, by deadline
    suggestions: list[FindingRow]
    issuer: str
    date: dt.date


def summary(round: Round, *, today: dt.date) -> SummaryData:
    open_rows = exports.finding_rows(
        exports.round_findings(round.pk).filter(
            kind=Finding.Kind.TO_RECTIFY, status__in=OPEN_STATUSES
        )
    )
    open_rows.sort(key=lambda r: (r.deadline or dt.date.max, r.pk))
    suggestions = exports.finding_rows(
        exports.round_findings(round.pk).filter(kind=Finding.Kind.SUGGESTION)
    )
    return SummaryData(
        title=f"关于{round.name}情况的报告",
        round_name=round.name,
        round_code=round.code,
        starts_on=round.starts_on,
        ends_on=round.ends_on,
        scope=round.scope,
        figures=round_figures(round),
        open_rows=open_rows,
        suggestions=suggestions,
        issuer=issuer_of(round.jurisdiction),
        date=today,
    )
