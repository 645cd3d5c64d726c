"""What a compiled report says: the figures of a cycle's period gathered into
``documents.data.ReportData``.

Figures are as of the period's end: today's assessed statuses when the period has not ended,
else the board's weekly snapshot on or before its last day (``board_rows``, as the board's
"as of" reads them; a period before the first snapshot is refused with the board's message).
"What changed" compares them with the previous period's end. The units' sections are their
submitted texts of this period; the office's texts (an introduction and one per heading) come
from the compiled report being edited and survive a recompilation of the figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from shishi.board.schedule import BEHIND_STATUSES, DONE_LIFECYCLES, ScheduleStatus
from shishi.board.selectors.common import board_rows
from shishi.core.errors import ValidationFailed
from shishi.ledger.models import Category, Item, Lifecycle
from shishi.orgs.models import Person, Unit
from shishi.reports import chasing, extras
from shishi.reports import periods as period_rules
from shishi.reports.documents.data import (
    CategoryRow,
    Changes,
    Figure,
    Indicator,
    ItemRow,
    ReportData,
    Section,
    UnitText,
    rate_bands,
)
from shishi.reports.indicators import indicator_values
from shishi.reports.models import Cycle, Period, Submission, SubmissionFigure, SubmissionSection

INTRO = "intro"  # the office's introduction, before the figures
_WORST = {ScheduleStatus.OVERDUE.value: 0, ScheduleStatus.SERIOUSLY_BEHIND.value: 1}
_ON_SCHEDULE = {
    ScheduleStatus.AHEAD.value,
    ScheduleStatus.ON_SCHEDULE.value,
    ScheduleStatus.ONGOING.value,
    ScheduleStatus.UNSCHEDULED.value,
}
_FIELDS = (
    "item_id",
    "category_id",
    "lead_unit_id",
    "lifecycle",
    "completion_rate",
    "planned_rate",
    "status",
)


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _states(cycle: Cycle, on: dt.date, today: dt.date) -> dict[int, dict[str, Any]]:
    """item id → its assessed state on ``on`` (today's statuses, or the snapshot)."""
    rows = board_rows(cycle.programme, on if on < today else None, today)
    return {row["item_id"]: row for row in rows.qs.values(*_FIELDS)}


def _is_behind(row: Mapping[str, Any]) -> bool:
    return row["status"] in BEHIND_STATUSES


def _is_done(row: Mapping[str, Any]) -> bool:
    return row["lifecycle"] in DONE_LIFECYCLES


def period_number(period: Period) -> int:
    """The period's place among the cycle's opened periods (第N期)."""
    return period.cycle.periods.filter(start__lte=period.start).count()


def gather_report(
    cycle: Cycle,
    period: Period,
    *,
    office_texts: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> ReportData:
    today = today or timezone.localdate()
    texts = office_texts or {}
    states = _states(cycle, period.end, today)
    previous_key = period_rules.previous_period(
        period_rules.parse_period(period.key, cycle.cadence)
    )
    try:
        before = _states(cycle, previous_key.end, today)
    except ValidationFailed:  # no snapshot that early: nothing to compare with
        before = {}
    items = {
        i["pk"]: i
        for i in Item.objects.filter(pk__in=states).values("pk", "number", "name", "due_date")
    }
    units = dict(
        Unit.objects.filter(pk__in={r["lead_unit_id"] for r in states.values()}).values_list(
            "pk", "name"
        )
    )
    categories = dict(
        Category.objects.filter(programme_id=cycle.programme_id).values_list("pk", "name")
    )
    leaders: dict[int, list[str]] = defaultdict(list)
    links = Item.sponsor_leaders.through.objects.filter(item_id__in=states).values_list(
        "item_id", "person_id"
    )
    people = dict(
        Person.objects.filter(jurisdiction_id=cycle.jurisdiction_id).values_list("pk", "name")
    )
    for item_id, person_id in links:
        leaders[item_id].append(people.get(person_id, ""))

    def item_row(row: Mapping[str, Any]) -> ItemRow:
        item = items[row["item_id"]]
        return ItemRow(
            number=item["number"],
            name=item["name"],
            lead_unit=units.get(row["lead_unit_id"], ""),
            sponsor_leaders=leaders.get(row["item_id"], []),
            rate=_rate(row["completion_rate"]),
            planned_rate=_rate(row["planned_rate"]),
            due=item["due_date"],
            category=categories.get(row["category_id"], ""),
        )

    ordered = sorted(states.values(), key=lambda r: _sort_key(items[r["item_id"]]["number"]))
    done = [r for r in ordered if _is_done(r)]
    behind = [r for r in ordered if _is_behind(r)]
    overdue = [r for r in behind if r["status"] == ScheduleStatus.OVERDUE]
    started = [r for r in ordered if r["lifecycle"] != Lifecycle.NOT_STARTED]
    rates = [float(r["completion_rate"]) for r in ordered]
    headline = [
        Figure("事项总数", len(ordered), "项"),
        Figure("已完成", len(done), "项"),
        Figure("推进中", len(started) - len(done), "项"),
        Figure("滞后", len(behind), "项"),
        Figure("逾期", len(overdue), "项"),
        Figure("平均完成率", round(sum(rates) / len(rates), 1) if rates else 0, "%"),
    ]
    by_category = _by_category(ordered, categories)
    changes = Changes(
        newly_done=[
            item_row(r)
            for r in done
            if r["item_id"] in before and not _is_done(before[r["item_id"]])
        ],
        newly_started=[
            item_row(r)
            for r in started
            if r["item_id"] in before and before[r["item_id"]]["lifecycle"] == Lifecycle.NOT_STARTED
        ],
        newly_behind=[
            item_row(r)
            for r in behind
            if r["item_id"] in before and not _is_behind(before[r["item_id"]])
        ],
    )
    lagging = [item_row(r) for r in sorted(behind, key=lambda r: _WORST.get(r["status"], 2))]
    return ReportData(
        title=f"{cycle.jurisdiction.name}为民办实事{_short_name(cycle)}",
        number=f"第{period_number(period)}期",
        issuer=f"{cycle.jurisdiction.name}为民办实事工作领导小组办公室",
        date=today,
        period_label=period.label,
        headline=headline,
        by_category=by_category,
        changes=changes,
        lagging=lagging,
        punctuality=chasing.punctuality(cycle, up_to=period),
        sections=_sections(cycle, period, texts),
        indicators=_cycle_figures(cycle, period, today=today),
        rate_distribution=rate_bands(rates),
        intro=texts.get(INTRO, ""),
        extra=extras.report_parts(cycle, period, today),
    )


def _short_name(cycle: Cycle) -> str:
    """周报告 for "为民办实事周报告": the title says the district and the programme already."""
    return cycle.name.removeprefix("为民办实事")


def _sort_key(number: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in number.replace("-", ".").split("."))


def _by_category(rows: list[dict[str, Any]], names: Mapping[int, str]) -> list[CategoryRow]:
    groups: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["category_id"]].append(row)
    out = []
    for key in sorted(groups, key=lambda k: (k is None, names.get(k or 0, ""))):
        group = groups[key]
        rates = [float(r["completion_rate"]) for r in group]
        out.append(
            CategoryRow(
                category=names.get(key or 0, "未分类"),
                items=len(group),
                done=sum(1 for r in group if _is_done(r)),
                on_schedule=sum(
                    1 for r in group if not _is_done(r) and r["status"] in _ON_SCHEDULE
                ),
                behind=sum(1 for r in group if _is_behind(r)),
                overdue=sum(1 for r in group if r["status"] == ScheduleStatus.OVERDUE),
                average_rate=round(sum(rates) / len(rates), 1) if rates else None,
            )
        )
    return out


def _sections(cycle: Cycle, period: Period, texts: Mapping[str, str]) -> list[Section]:
    answers: dict[int, list[UnitText]] = defaultdict(list)
    rows = (
        SubmissionSection.objects.filter(
            submission__period=period, submission__status=Submission.Status.SUBMITTED
        )
        .exclude(text="")
        .order_by("submission__unit__name")
        .values_list("section_id", "submission__unit__name", "text")
    )
    for section_id, unit, text in rows:
        answers[section_id].append(UnitText(unit, text))
    return [
        Section(heading=s.title, text=texts.get(s.title, ""), units=answers.get(s.pk, []))
        for s in cycle.sections.order_by("order", "pk")
    ]


def _cycle_figures(cycle: Cycle, period: Period, *, today: dt.date) -> list[Indicator]:
    """The cycle's own figures summed over the units: this period and since the first;
    then the programme's indicators (数据统计, ``reports.indicators``) over the period."""
    out = []
    for figure in cycle.figures.order_by("order", "pk"):
        values = SubmissionFigure.objects.filter(
            figure=figure, submission__status=Submission.Status.SUBMITTED
        )
        this = values.filter(submission__period=period).aggregate(s=Sum("value"))["s"]
        total = values.filter(submission__period__start__lte=period.start).aggregate(
            s=Sum("value")
        )["s"]
        out.append(
            Indicator(
                name=figure.name,
                unit=figure.unit_label,
                this_period=float(this or 0),
                cumulative=float(total or 0),
            )
        )
    out += indicator_values(
        cycle.programme, period_start=period.start, period_end=period.end, today=today
    )
    return out
