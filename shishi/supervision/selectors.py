"""Reads of supervision, scoped to the user; one selector per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.ledger.models import Item
from shishi.orgs.models import Jurisdiction, Role, Unit
from shishi.orgs.permissions import scope_for
from shishi.supervision import figures, permissions
from shishi.supervision.models import (
    OPEN_STATUSES,
    Card,
    Finding,
    InspectionGroup,
    Instruction,
    Rectification,
    RectificationFile,
    Round,
    StepFile,
    VisitPlan,
)

Status = Finding.Status
FINDINGS_PER_PAGE = 100
INSTRUCTIONS_PER_PAGE = 50


def districts(user: Any) -> QuerySet[Jurisdiction]:
    """The districts whose supervision the user reads as a whole (office, city office,
    inspector, sponsor leader)."""
    scope = scope_for(user)
    found = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).order_by("code")
    if scope.is_superuser:
        return found
    ids = {pk for pk in scope.office_covered_ids() | scope.member_jurisdiction_ids}
    return found.filter(pk__in=[pk for pk in ids if permissions.reads_district(user, pk)])


def pick_district(user: Any, wanted: str | None) -> tuple[Jurisdiction | None, list[Jurisdiction]]:
    """The district asked for (``?jurisdiction=<pk>``) among the user's, else their first."""
    mine = list(districts(user))
    chosen = next((d for d in mine if str(d.pk) == (wanted or "")), mine[0] if mine else None)
    return chosen, mine


# --- the overview ----------------------------------------------------------------------------


@dataclass
class Overview:
    district: Jurisdiction | None
    districts: list[Jurisdiction]
    is_office: bool
    rounds: list[tuple[Round, figures.Figures]]
    open_findings: list[Finding]
    open_count: int
    cards: dict[str, int]
    instructions: dict[str, int]  # open, answered, yellow, red
    groups: list[InspectionGroup]
    visits: bool = False  # records visits: an inspector of a group, the office
    # A unit's own findings and instructions (units see nothing else).
    unit_findings: list[Finding] = field(default_factory=list)
    unit_instructions: list[Instruction] = field(default_factory=list)


def overview(user: Any, wanted: str | None = None) -> Overview:
    district, mine = pick_district(user, wanted)
    units = permissions.unit_ids_of(user)
    unit_findings: list[Finding] = []
    unit_instructions: list[Instruction] = []
    if units:
        unit_findings = list(
            Finding.objects.filter(responsible_unit_id__in=units)
            .exclude(kind=Finding.Kind.SUGGESTION, status=Status.NOTED)
            .select_related("round", "group", "responsible_unit")
            .order_by(_open_first(), "deadline", "-id")[:200]
        )
        unit_instructions = list(
            Instruction.objects.filter(unit_id__in=units)
            .select_related("unit", "item")
            .order_by(_instruction_open_first(), "answer_by", "-id")[:200]
        )
    if district is None:
        return Overview(
            district=None,
            districts=mine,
            is_office=False,
            rounds=[],
            open_findings=[],
            open_count=0,
            cards={},
            instructions={},
            groups=[],
            unit_findings=unit_findings,
            unit_instructions=unit_instructions,
        )
    rounds = list(Round.objects.filter(jurisdiction=district).order_by("-starts_on", "-id")[:20])
    totals = figures.round_totals(rounds)
    open_qs = Finding.objects.filter(
        jurisdiction=district, kind=Finding.Kind.TO_RECTIFY, status__in=OPEN_STATUSES
    )
    cards = open_qs.aggregate(
        yellow=Count("pk", filter=Q(card=Card.YELLOW)), red=Count("pk", filter=Q(card=Card.RED))
    )
    open_findings = list(
        open_qs.select_related("round", "group", "unit", "responsible_unit").order_by(
            _card_order(), "deadline", "id"
        )[:50]
    )
    counts = Instruction.objects.filter(jurisdiction=district).aggregate(
        open=Count("pk", filter=Q(status=Instruction.Status.OPEN)),
        answered=Count("pk", filter=Q(status=Instruction.Status.ANSWERED)),
        yellow=Count("pk", filter=Q(card=Card.YELLOW)),
        red=Count("pk", filter=Q(card=Card.RED)),
    )
    return Overview(
        district=district,
        districts=mine,
        is_office=permissions.is_office(user, district.pk),
        rounds=[(r, totals[r.pk]) for r in rounds],
        open_findings=open_findings,
        open_count=open_qs.count(),
        cards=cards,
        instructions=counts,
        groups=list(
            InspectionGroup.objects.filter(jurisdiction=district)
            .annotate(
                member_count=Count("members", distinct=True),
                unit_count=Count("units", distinct=True),
            )
            .order_by("pk")  # a grouped query takes no Meta.ordering
        ),
        unit_findings=unit_findings,
        unit_instructions=unit_instructions,
        visits=permissions.is_office(user, district.pk) or bool(permissions.group_ids_of(user)),
    )


def _card_order() -> Any:
    return Case(
        When(card=Card.RED, then=Value(0)),
        When(card=Card.YELLOW, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _open_first() -> Any:
    return Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def _instruction_open_first() -> Any:
    return Case(
        When(status=Instruction.Status.SETTLED, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


# --- a round ---------------------------------------------------------------------------------


@dataclass
class FindingFilter:
    group: int | None = None
    unit: int | None = None  # a unit (the 各单位 table links to it)
    unit_q: str = ""  # part of a unit's name (a round has hundreds of units)
    kind: str = ""
    status: str = ""  # a Finding.Status, or "open" for all open ones
    card: str = ""
    page: int = 1


@dataclass
class RoundPage:
    round: Round
    figures: figures.RoundFigures
    findings: Page[Finding]
    filters: FindingFilter
    groups: list[InspectionGroup]
    unit: Unit | None  # the unit filtered by
    is_office: bool
    my_group_ids: set[int]
    checklist: list[str]
    plans: int


def round_page(user: Any, pk: int, filters: FindingFilter) -> RoundPage:
    found = permissions.access_round(user, pk)
    got = figures.round_summary(found)
    qs = Finding.objects.filter(round=found)
    if filters.group:
        qs = qs.filter(group_id=filters.group)
    if filters.unit:
        qs = qs.filter(Q(unit_id=filters.unit) | Q(responsible_unit_id=filters.unit))
    if filters.unit_q:
        qs = qs.filter(
            Q(unit__name__contains=filters.unit_q)
            | Q(responsible_unit__name__contains=filters.unit_q)
        )
    if filters.kind in Finding.Kind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status in Status.values:
        qs = qs.filter(status=filters.status)
    if filters.card in (Card.YELLOW, Card.RED):
        qs = qs.filter(card=filters.card)
    qs = qs.select_related("group", "unit", "responsible_unit").order_by(
        "group_id", "unit__name", "id"
    )
    paginator = Paginator(qs, FINDINGS_PER_PAGE)
    return RoundPage(
        round=found,
        figures=got,
        findings=paginator.get_page(filters.page),
        filters=filters,
        groups=list(found.groups.all()),
        unit=Unit.objects.filter(pk=filters.unit).first() if filters.unit else None,
        is_office=permissions.is_office(user, found.jurisdiction_id),
        my_group_ids=permissions.group_ids_of(user),
        checklist=list(found.checklist.values_list("text", flat=True)),
        plans=found.plans.count(),
    )


# --- a finding and an instruction ---------------------------------------------------------------


@dataclass
class FindingPage:
    finding: Finding
    rectifications: list[Rectification]
    instructions: list[Instruction]
    chain: list[Finding]  # the finding it recurs from, and its recurrences
    can_rectify: bool
    can_verify: bool
    can_edit: bool
    can_instruct: bool


def finding_page(user: Any, pk: int) -> FindingPage:
    finding = permissions.access_finding(user, pk)
    rectifications = list(
        finding.rectifications.select_related("submitted_by", "verified_by").prefetch_related(
            "files"
        )
    )
    chain = (
        list(
            Finding.objects.filter(
                Q(pk=finding.recurrence_of_id) | Q(recurrence_of_id=finding.pk)
            ).select_related("round")
        )
        if finding.recurrence_of_id or finding.recurrences.exists()
        else []
    )
    return FindingPage(
        finding=finding,
        rectifications=rectifications,
        instructions=list(finding.instructions.order_by("-written_on", "-id")),
        chain=chain,
        can_rectify=finding.status in (Status.OPEN, Status.RETURNED)
        and permissions.can_rectify(user, finding),
        can_verify=finding.status == Status.SUBMITTED and permissions.can_verify(user, finding),
        can_edit=finding.status not in (Status.CLOSED, Status.CORRECTED)
        and permissions.can_edit_group_work(user, finding.jurisdiction_id, finding.group_id),
        can_instruct=permissions.can_write_instruction(user, finding.jurisdiction_id),
    )


@dataclass
class InstructionPage:
    instruction: Instruction
    steps: list[Any]
    can_answer: bool
    can_settle: bool
    age_days: int


def instruction_page(user: Any, pk: int) -> InstructionPage:
    instruction = permissions.access_instruction(user, pk)
    return InstructionPage(
        instruction=instruction,
        steps=list(instruction.steps.select_related("by").prefetch_related("files")),
        can_answer=permissions.can_answer_instruction(user, instruction),
        can_settle=permissions.can_settle_instruction(user, instruction),
        age_days=instruction.age_days,
    )


# --- the 督办 list ------------------------------------------------------------------------------


@dataclass
class InstructionFilter:
    status: str = "open"  # "open" (not settled), a status, or "all"
    unit: int | None = None
    unit_q: str = ""  # part of the unit's name
    card: str = ""
    mine: bool = False  # those the user wrote or entered
    page: int = 1


@dataclass
class InstructionList:
    district: Jurisdiction | None
    districts: list[Jurisdiction]
    rows: Page[Instruction]
    filters: InstructionFilter
    unit: Unit | None  # the unit filtered by
    today: dt.date
    can_write: bool
    is_office: bool


def instruction_list(user: Any, wanted: str | None, filters: InstructionFilter) -> InstructionList:
    """督办: the district's instructions, oldest open first (a unit: its own)."""
    district, mine = pick_district(user, wanted)
    if district is not None:
        qs = Instruction.objects.filter(jurisdiction=district)
    else:
        qs = Instruction.objects.filter(unit_id__in=permissions.unit_ids_of(user))
    if filters.status == "open":
        qs = qs.exclude(status=Instruction.Status.SETTLED)
    elif filters.status in Instruction.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.unit_q:
        qs = qs.filter(unit__name__contains=filters.unit_q)
    if filters.card in (Card.YELLOW, Card.RED):
        qs = qs.filter(card=filters.card)
    if filters.mine:
        qs = qs.filter(Q(author_id=user.pk) | Q(entered_by_id=user.pk))
    qs = qs.select_related("unit", "item").order_by("written_on", "id")
    unit = Unit.objects.filter(pk=filters.unit).first() if filters.unit else None
    return InstructionList(
        district=district,
        districts=mine,
        rows=Paginator(qs, INSTRUCTIONS_PER_PAGE).get_page(filters.page),
        filters=filters,
        unit=unit,
        today=timezone.localdate(),
        can_write=district is not None and permissions.can_write_instruction(user, district.pk),
        is_office=district is not None and permissions.is_office(user, district.pk),
    )


# --- files ---------------------------------------------------------------------------------


def rectification_file(user: Any, pk: int) -> RectificationFile:
    found = RectificationFile.objects.select_related("rectification__finding").filter(pk=pk).first()
    if found is None or not permissions.can_read_finding(user, found.rectification.finding):
        raise NotFound("没有找到这个文件")
    return found


def step_file(user: Any, pk: int) -> StepFile:
    found = StepFile.objects.select_related("step__instruction").filter(pk=pk).first()
    if found is None or not permissions.can_read_instruction(user, found.step.instruction):
        raise NotFound("没有找到这个文件")
    return found


# --- form choices ------------------------------------------------------------------------------


def unit_choices(jurisdiction_id: int) -> list[tuple[int, str]]:
    return list(
        Unit.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("name")
        .values_list("pk", "name")
    )


def inspector_choices(jurisdiction_id: int) -> list[tuple[int, str]]:
    users = (
        get_user_model()
        .objects.filter(
            memberships__role=Role.INSPECTOR, memberships__jurisdiction_id=jurisdiction_id
        )
        .distinct()
        .order_by("username")
    )
    return [(u.pk, str(u)) for u in users]


def group_choices(jurisdiction_id: int) -> list[tuple[int, str]]:
    return list(
        InspectionGroup.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("pk")
        .values_list("pk", "name")
    )


def round_choices(jurisdiction_id: int, exclude: int | None = None) -> list[tuple[int, str]]:
    rounds = Round.objects.filter(jurisdiction_id=jurisdiction_id).order_by("-starts_on")
    if exclude is not None:
        rounds = rounds.exclude(pk=exclude)
    return [(r.pk, str(r)) for r in rounds]


def group_initial(group: InspectionGroup) -> dict[str, Any]:
    return {
        "version": group.version,
        "name": group.name,
        "leader_name": group.leader_name,
        "members": list(group.members.values_list("pk", flat=True)),
        "units": list(group.units.values_list("pk", flat=True)),
    }


def round_initial(round: Round) -> dict[str, Any]:
    return {
        "version": round.version,
        "code": round.code,
        "name": round.name,
        "starts_on": round.starts_on,
        "ends_on": round.ends_on,
        "scope": round.scope,
        "groups": list(round.groups.values_list("pk", flat=True)),
        "checklist": "\n".join(round.checklist.values_list("text", flat=True)),
        "revisits": round.revisits_id,
        "red_after_workdays": round.red_after_workdays,
    }


def finding_initial(finding: Finding) -> dict[str, Any]:
    return {
        "version": finding.version,
        "category": finding.category,
        "severity": finding.severity,
        "problem": finding.problem,
        "measure": finding.measure,
        "deadline": finding.deadline,
        "responsible_unit": finding.responsible_unit_id,
        "responsible_person": finding.responsible_person,
    }


def plan_units(round: Round, group_id: int | None) -> list[tuple[int, str]]:
    """The units a group may be planned to visit: its own units first, then the district's."""
    units = unit_choices(round.jurisdiction_id)
    if group_id is None:
        return units
    own = set(InspectionGroup.objects.get(pk=group_id).units.values_list("pk", flat=True))
    return sorted(units, key=lambda pair: (pair[0] not in own, pair[1]))


@dataclass
class InstructionTarget:
    jurisdiction_id: int
    item: Item | None = None
    finding: Finding | None = None
    unit: Unit | None = None


def instruction_target(
    user: Any, *, item: str | None, finding: str | None, unit: str | None, jurisdiction: str | None
) -> InstructionTarget:
    """What a new instruction is on (``?item=``, ``?finding=``, ``?unit=``), in a district
    where the user may write one."""
    if item and item.isdigit():
        found_item = (
            Item.objects.select_related("programme", "lead_unit").filter(pk=int(item)).first()
        )
        if found_item is None or not permissions.can_write_instruction(
            user, found_item.programme.jurisdiction_id
        ):
            raise NotFound("没有找到这个事项")
        return InstructionTarget(found_item.programme.jurisdiction_id, item=found_item)
    if finding and finding.isdigit():
        found_finding = permissions.access_finding(user, int(finding))
        if not permissions.can_write_instruction(user, found_finding.jurisdiction_id):
            raise PermissionDenied("只有包保领导和专班可以批示")
        return InstructionTarget(found_finding.jurisdiction_id, finding=found_finding)
    if unit and unit.isdigit():
        found_unit = Unit.objects.filter(pk=int(unit)).first()
        if found_unit is None or not permissions.can_write_instruction(
            user, found_unit.jurisdiction_id
        ):
            raise NotFound("没有找到这个单位")
        return InstructionTarget(found_unit.jurisdiction_id, unit=found_unit)
    district, _mine = pick_district(user, jurisdiction)
    if district is None or not permissions.can_write_instruction(user, district.pk):
        raise PermissionDenied("只有包保领导和专班可以批示")
    return InstructionTarget(district.pk)


def round_plans(round: Round) -> QuerySet[Any]:
    """The round's visit plan, by day, with whether each was visited."""
    return (
        VisitPlan.objects.filter(round=round)
        .select_related("group", "unit", "visit")
        .order_by("planned_on", "group_id", "unit__name")
    )


# --- the API's lists -------------------------------------------------------------------------


def district_by_code(user: Any, code: str | None) -> Jurisdiction:
    """One of the user's districts by its division code (NotFound otherwise)."""
    found = next((d for d in districts(user) if d.code == code), None)
    if found is None:
        raise NotFound("没有找到这个辖区，或无权查看")
    return found


def finding_slice(
    user: Any,
    *,
    jurisdiction_code: str | None,
    round_code: str | None,
    status: str,
    unit_id: int | None,
    card: str,
    offset: int,
    limit: int,
) -> tuple[int, list[Finding]]:
    qs = Finding.objects.filter(permissions.findings_q(user))
    if jurisdiction_code:
        qs = qs.filter(jurisdiction__code=jurisdiction_code)
    if round_code:
        qs = qs.filter(round__code=round_code)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    elif status:
        raise ValidationFailed("状态应为 open 或问题的某一状态", {"status": "未知的状态"})
    if unit_id:
        qs = qs.filter(Q(unit_id=unit_id) | Q(responsible_unit_id=unit_id))
    if card:
        qs = qs.filter(card=card)
    rows = list(
        qs.select_related("round", "group", "unit", "responsible_unit")
        .prefetch_related("items")
        .order_by("id")[offset : offset + limit]
    )
    return qs.count(), rows


def instruction_slice(
    user: Any,
    *,
    jurisdiction_code: str | None,
    status: str,
    unit_id: int | None,
    card: str,
    offset: int,
    limit: int,
) -> tuple[int, list[Instruction]]:
    qs = Instruction.objects.filter(permissions.instructions_q(user))
    if jurisdiction_code:
        qs = qs.filter(jurisdiction__code=jurisdiction_code)
    if status == "open":
        qs = qs.exclude(status=Instruction.Status.SETTLED)
    elif status in Instruction.Status.values:
        qs = qs.filter(status=status)
    elif status != "all":
        raise ValidationFailed("状态应为 open、answered、settled 或 all", {"status": "未知的状态"})
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if card:
        qs = qs.filter(card=card)
    rows = list(qs.select_related("unit").order_by("written_on", "id")[offset : offset + limit])
    return qs.count(), rows
