"""Reads for the visit pages (走访): the inspector's plans and visits, the form's place
(round, group, unit, checklist), a visit's record and its photos — scoped to the user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.orgs.models import Unit
from shishi.orgs.permissions import scope_for
from shishi.supervision import permissions
from shishi.supervision.models import (
    ChecklistEntry,
    Finding,
    InspectionGroup,
    Round,
    Visit,
    VisitAnswer,
    VisitPhoto,
    VisitPlan,
)

RECENT_VISITS = 30
MAX_PLANS = 300
PICK_ENDED_DAYS = 30
DRAFT_PREFIX = "shishi.visit-draft"


def draft_key(
    user: Any,
    *,
    plan: VisitPlan | None = None,
    visit: Visit | None = None,
    place: tuple[int, int, int] | None = None,
) -> str:
    """The browser's key for a form's draft, per user: of a planned visit (per plan), of a
    visit not in the plan (per round, group and unit), or of a visit's edit."""
    if plan is not None:
        what = f"plan:{plan.pk}"
    elif visit is not None:
        what = f"visit:{visit.pk}"
    else:
        what = "round:" + ":".join(str(p) for p in place or ())
    return f"{DRAFT_PREFIX}:{getattr(user, 'pk', 0)}:{what}"


def _plain_int(value: str | None, what: str, name: str) -> int:
    try:
        number = int(value or "")
    except ValueError:
        raise ValidationFailed(f"请选择{what}", {name: f"请选择{what}"}) from None
    if not 0 < number < 2**31:
        raise ValidationFailed(f"请选择{what}", {name: f"请选择{what}"})
    return number


# --- the form ---------------------------------------------------------------------------


@dataclass
class VisitPlace:
    """Where a visit form records: the round, group and unit, the plan row if any, the
    checklist, the district's units (for a finding's responsible unit) and the draft key."""

    round: Round
    group: InspectionGroup
    unit: Unit
    plan: VisitPlan | None
    entries: list[ChecklistEntry]
    units: list[Unit]
    draft_key: str
    today: dt.date


def _place(
    user: Any, round: Round, group: InspectionGroup, unit: Unit, plan: VisitPlan | None, key: str
) -> VisitPlace:
    if not permissions.can_edit_group_work(user, round.jurisdiction_id, group.pk):
        raise PermissionDenied("只有本组督导员和专班可以记录走访")
    today = timezone.localdate()
    return VisitPlace(
        round=round,
        group=group,
        unit=unit,
        plan=plan,
        entries=list(round.checklist.all()),
        units=list(Unit.objects.filter(jurisdiction_id=round.jurisdiction_id).order_by("name")),
        draft_key=key,
        today=min(max(today, round.starts_on), round.ends_on),
    )


def plan_place(user: Any, plan_pk: int) -> VisitPlace:
    """The form of a planned visit (``NotFound`` if the user does not read the district)."""
    plan = VisitPlan.objects.select_related("round", "group", "unit").filter(pk=plan_pk).first()
    if plan is None or not permissions.reads_district(user, plan.round.jurisdiction_id):
        raise NotFound("没有找到这项走访安排")
    return _place(user, plan.round, plan.group, plan.unit, plan, draft_key(user, plan=plan))


def plan_visit(plan: VisitPlan) -> Visit | None:
    """The visit recorded for a plan row, if there is one."""
    return Visit.objects.filter(plan=plan).first()


def round_place(user: Any, round_pk: int, group: str | None, unit: str | None) -> VisitPlace:
    """The form of a visit not in the plan: the round's group and a unit of the district
    (``?group=&unit=``)."""
    round = permissions.access_round(user, round_pk)
    group_pk = _plain_int(group, "指导组", "group")
    unit_pk = _plain_int(unit, "被指导单位", "unit")
    found_group = round.groups.filter(pk=group_pk).first()
    if found_group is None:
        raise ValidationFailed("这个指导组不参加这一轮", {"group": "这个指导组不参加这一轮"})
    found_unit = Unit.objects.filter(pk=unit_pk, jurisdiction_id=round.jurisdiction_id).first()
    if found_unit is None:
        raise ValidationFailed("被指导单位须是本区的单位", {"unit": "被指导单位须是本区的单位"})
    key = draft_key(user, place=(round.pk, group_pk, unit_pk))
    return _place(user, round, found_group, found_unit, None, key)


def edit_place(user: Any, pk: int) -> tuple[Visit, VisitPlace, dict[int, VisitAnswer]]:
    """A visit to edit, the form's place and the visit's answers by entry."""
    visit = permissions.access_visit(user, pk)
    if not permissions.can_edit_group_work(user, visit.jurisdiction_id, visit.group_id):
        raise PermissionDenied("只有本组督导员和专班可以修改走访记录")
    place = _place(
        user,
        visit.round,
        visit.group,
        visit.unit,
        None,
        draft_key(user, visit=visit),
    )
    answers = {a.entry_id: a for a in VisitAnswer.objects.filter(visit=visit)}
    return visit, place, answers


# --- a visit's record ---------------------------------------------------------------------


@dataclass
class AnswerLine:
    entry: ChecklistEntry
    answer: VisitAnswer | None


@dataclass
class VisitPage:
    visit: Visit
    answers: list[AnswerLine]
    photos: list[VisitPhoto]
    findings: list[Finding]
    can_edit: bool
    # the drafts this visit's saving settles (cleared by the script when the page loads)
    settled_drafts: list[str] = field(default_factory=list)


def visit_page(user: Any, pk: int, *, just_saved: bool = False) -> VisitPage:
    visit = permissions.access_visit(user, pk)
    given = {a.entry_id: a for a in VisitAnswer.objects.filter(visit=visit)}
    settled: list[str] = []
    if just_saved:
        settled = [
            draft_key(user, place=(visit.round_id, visit.group_id, visit.unit_id)),
            draft_key(user, visit=visit),
        ]
        if visit.plan is not None:
            settled.append(draft_key(user, plan=visit.plan))
    return VisitPage(
        visit=visit,
        answers=[AnswerLine(e, given.get(e.pk)) for e in visit.round.checklist.all()],
        photos=list(VisitPhoto.objects.filter(visit=visit).order_by("id")),
        findings=list(
            Finding.objects.filter(visit=visit).select_related("responsible_unit").order_by("id")
        ),
        can_edit=permissions.can_edit_group_work(user, visit.jurisdiction_id, visit.group_id),
        settled_drafts=settled,
    )


def visit_photo(user: Any, pk: int, photo_pk: int) -> VisitPhoto:
    """A photo of a visit the user may read."""
    visit = permissions.access_visit(user, pk)
    photo = VisitPhoto.objects.filter(visit=visit, pk=photo_pk).first()
    if photo is None or not photo.file:
        raise NotFound("照片不存在")
    return photo


# --- my visits ----------------------------------------------------------------------------


@dataclass
class Picker:
    """A round and group the user records for, with the units to pick for a visit not in
    the plan."""

    round: Round
    group: InspectionGroup
    units: list[Unit]


@dataclass
class MyVisits:
    plans: list[VisitPlan]
    visits: list[Visit]
    pickers: list[Picker]
    is_office: bool


def my_visits(user: Any, *, today: dt.date | None = None) -> MyVisits:
    """An inspector's groups' plans not yet visited (by date) and recent visits; the
    office's: all of its districts'. Others: ``PermissionDenied``."""
    today = today or timezone.localdate()
    scope = scope_for(user)
    districts = set(scope.office_covered_ids())
    groups = permissions.group_ids_of(user)
    if not districts and not groups and not scope.is_superuser:
        raise PermissionDenied("“我的走访”是巡回指导组督导员和专班的页面")
    if scope.is_superuser:
        plans_q = VisitPlan.objects.all()
        visits_q = Visit.objects.all()
        rounds_q = Round.objects.all()
    else:
        plans_q = VisitPlan.objects.filter(round__jurisdiction_id__in=districts) | (
            VisitPlan.objects.filter(group_id__in=groups)
        )
        visits_q = Visit.objects.filter(jurisdiction_id__in=districts) | Visit.objects.filter(
            group_id__in=groups
        )
        rounds_q = Round.objects.filter(jurisdiction_id__in=districts) | Round.objects.filter(
            groups__in=groups
        )
    plans = list(
        plans_q.filter(visit__isnull=True)
        .select_related("round", "group", "unit")
        .order_by("planned_on", "id")[:MAX_PLANS]
    )
    visits = list(
        visits_q.select_related("round", "group", "unit").order_by("-visited_on", "-id")[
            :RECENT_VISITS
        ]
    )
    pickers = []
    # Rounds under way (or ended lately: visits are often written up afterwards).
    rounds = rounds_q.filter(
        starts_on__lte=today, ends_on__gte=today - dt.timedelta(days=PICK_ENDED_DAYS)
    ).distinct()
    for round in rounds.prefetch_related("groups__units").order_by("-starts_on", "code")[:10]:
        for group in round.groups.all():
            if permissions.can_edit_group_work(user, round.jurisdiction_id, group.pk):
                units = sorted(group.units.all(), key=lambda u: u.name)
                if units:
                    pickers.append(Picker(round, group, units))
    return MyVisits(plans=plans, visits=visits, pickers=pickers, is_office=bool(districts))
