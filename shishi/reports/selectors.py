"""Reads of cycles, periods and submissions, scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from shishi.ledger.models import Programme, Target
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for
from shishi.reports import permissions
from shishi.reports.models import Cycle, Period, Submission, SubmissionItem

Status = Submission.Status


def office_cycles(user: Any) -> QuerySet[Cycle]:
    """The cycles of the districts this user is office of (or city office over)."""
    scope = scope_for(user)
    cycles = (
        Cycle.objects.select_related("programme", "jurisdiction")
        .annotate(unit_count=Count("units"))
        .order_by("jurisdiction__code", "code")
    )
    if scope.is_superuser:
        return cycles
    return cycles.filter(jurisdiction_id__in=scope.office_covered_ids())


@dataclass
class PeriodCounts:
    period: Period
    units: int
    submitted: int
    late: int
    returned: int
    waiting: int  # drafts and those awaiting sign-off

    @property
    def missing(self) -> int:
        """Not yet with the office although the due time has passed."""
        if self.period.due_at > timezone.now():
            return 0
        return self.units - self.submitted


def period_counts(periods: QuerySet[Period]) -> list[PeriodCounts]:
    rows = periods.annotate(
        n_units=Count("submissions"),
        n_submitted=Count("submissions", filter=Q(submissions__status=Status.SUBMITTED)),
        n_returned=Count("submissions", filter=Q(submissions__status=Status.RETURNED)),
        n_late=Count(
            "submissions",
            filter=Q(submissions__first_submitted_at__gt=F("due_at")),
        ),
    )
    out = []
    for p in rows:
        out.append(
            PeriodCounts(
                period=p,
                units=p.n_units,
                submitted=p.n_submitted,
                late=p.n_late,
                returned=p.n_returned,
                waiting=p.n_units - p.n_submitted - p.n_returned,
            )
        )
    return out


@dataclass
class UnitRow:
    submission_id: int
    unit_name: str
    status: str
    status_label: str
    first_submitted_at: dt.datetime | None
    submitted_at: dt.datetime | None
    late: bool
    missing: bool
    url: str = ""
    first_text: str = "—"  # shown as 12-05 17:30 (local time)
    last_text: str = "—"


@dataclass
class PeriodOverview:
    period: Period
    rows: list[UnitRow]
    counts: dict[str, int] = field(default_factory=dict)


def _short(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else "—"


def period_overview(user: Any, period: Period) -> PeriodOverview:
    """Every unit's submission of the period, for the office: one query. The rows come with
    their links and times formatted, so that a page of 1,000 units renders fast."""
    permissions.require_office(user, period.cycle.jurisdiction_id)
    now = timezone.now()
    labels = {value: str(label) for value, label in Status.choices}
    link = reverse("reports:submission", args=[0]).removesuffix("0/")
    rows = []
    values = period.submissions.order_by("unit__name").values_list(
        "pk", "unit__name", "status", "first_submitted_at", "submitted_at"
    )
    for pk, unit_name, status, first, last in values:
        rows.append(
            UnitRow(
                submission_id=pk,
                unit_name=unit_name,
                status=status,
                status_label=labels.get(status, status),
                first_submitted_at=first,
                submitted_at=last,
                late=first is not None and first > period.due_at,
                missing=first is None and now > period.due_at,
                url=f"{link}{pk}/",
                first_text=_short(first),
                last_text=_short(last),
            )
        )
    counts = {
        "units": len(rows),
        "on_time": sum(1 for r in rows if r.first_submitted_at and not r.late),
        "late": sum(1 for r in rows if r.late),
        "missing": sum(1 for r in rows if r.missing),
        "returned": sum(1 for r in rows if r.status == Status.RETURNED),
        "awaiting": sum(1 for r in rows if r.status == Status.AWAITING_SIGN_OFF),
    }
    return PeriodOverview(period, rows, counts)


def my_submissions(user: Any) -> QuerySet[Submission]:
    """The submissions of the units this user edits or heads, open ones first."""
    scope = scope_for(user)
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    order = ["-period__due_at", "unit__name"]
    return (
        Submission.objects.filter(unit_id__in=units)
        .select_related("period__cycle", "unit")
        .order_by(*order)
    )


@dataclass
class RowView:
    row: SubmissionItem
    targets: list[Target]


@dataclass
class SubmissionPage:
    submission: Submission
    rows: list[RowView]
    sections: list[Any]
    figures: list[Any]
    can_draft: bool
    can_sign_off: bool
    is_office: bool


def submission_page(user: Any, submission: Submission) -> SubmissionPage:
    rows = list(
        submission.rows.select_related("item", "item__category").order_by(
            "item__seq", "item__number"
        )
    )
    targets: dict[int, list[Target]] = {}
    for target in Target.objects.filter(item_id__in=[r.item_id for r in rows]).order_by("pk"):
        targets.setdefault(target.item_id, []).append(target)
    return SubmissionPage(
        submission=submission,
        rows=[RowView(r, targets.get(r.item_id, [])) for r in rows],
        sections=list(submission.sections.select_related("section").order_by("section__order")),
        figures=list(submission.figures.select_related("figure").order_by("figure__order")),
        can_draft=permissions.can_draft(user, submission),
        can_sign_off=permissions.can_sign_off(user, submission)
        and submission.status != Status.SUBMITTED,
        is_office=permissions.is_office(user, submission.jurisdiction_id),
    )


def cycle_choices(jurisdiction_id: int) -> dict[str, list[tuple[int, str]]]:
    """The programmes and units a cycle of this district may name."""
    programmes = Programme.objects.filter(jurisdiction_id=jurisdiction_id).order_by("-year")
    units = Unit.objects.filter(jurisdiction_id=jurisdiction_id).order_by("name")
    return {
        "programmes": [(p.pk, f"{p.year} {p.name}") for p in programmes],
        "units": list(units.values_list("pk", "name")),
    }


def office_districts(user: Any) -> QuerySet[Jurisdiction]:
    """The districts where this user may define cycles."""
    scope = scope_for(user)
    districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("code")
    if scope.is_superuser:
        return districts
    return districts.filter(pk__in=scope.office_covered_ids())
