"""The office sets up supervision: inspection groups, rounds with their checklists, and the
visit plan (which group visits which unit when)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from shishi.core import audit
from shishi.core.errors import ValidationFailed
from shishi.orgs.models import Role, Unit
from shishi.supervision import permissions
from shishi.supervision.models import (
    ChecklistEntry,
    InspectionGroup,
    Round,
    VisitAnswer,
    VisitPlan,
    round_code_validator,
)
from shishi.supervision.services.common import bump, lock


def _taken(same: Any, row: Any) -> bool:
    """Whether another row than ``row`` (None: a new one) is among ``same``."""
    if row is not None:
        same = same.exclude(pk=row.pk)
    return bool(same.exists())


@dataclass
class GroupInput:
    name: str
    leader_name: str = ""
    member_ids: Sequence[int] = field(default_factory=tuple)
    unit_ids: Sequence[int] = field(default_factory=tuple)


def save_group(
    jurisdiction_id: int,
    data: GroupInput,
    *,
    actor: Any,
    group: InspectionGroup | None = None,
    expected_version: int | None = None,
) -> InspectionGroup:
    """Create or change an inspection group (office only). Members must hold the inspector
    role in the district; units must be the district's."""
    permissions.require_office(actor, jurisdiction_id)
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "请填写组名"
    elif _taken(InspectionGroup.objects.filter(jurisdiction_id=jurisdiction_id, name=name), group):
        errors["name"] = f"本区已有名为“{name}”的指导组"
    members = set(data.member_ids)
    inspectors = set(
        get_user_model()
        .objects.filter(
            pk__in=members,
            memberships__role=Role.INSPECTOR,
            memberships__jurisdiction_id=jurisdiction_id,
        )
        .values_list("pk", flat=True)
    )
    if members - inspectors:
        errors["members"] = "组员须是本区的督导员（巡回指导组角色）"
    units = set(data.unit_ids)
    if units and Unit.objects.filter(pk__in=units, jurisdiction_id=jurisdiction_id).count() != len(
        units
    ):
        errors["units"] = "联系单位须是本区的单位"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with transaction.atomic():
        if group is None:
            group = InspectionGroup.objects.create(
                jurisdiction_id=jurisdiction_id, name=name, leader_name=data.leader_name.strip()
            )
            before: dict[str, Any] = {}
        else:
            group = lock(InspectionGroup, group.pk, expected_version, "指导组")
            before = {"name": group.name, "leader_name": group.leader_name}
            bump(group, name=name, leader_name=data.leader_name.strip())
        group.members.set(members)
        group.units.set(units)
        audit.record(
            actor=actor,
            action="supervision.save_group",
            target=group,
            changes={
                **audit.diff(before, {"name": group.name, "leader_name": group.leader_name}),
                "members": [None, sorted(members)],
                "units": [None, len(units)],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return group


@dataclass
class RoundInput:
    code: str
    name: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    scope: str = ""
    group_ids: Sequence[int] = field(default_factory=tuple)
    checklist: Sequence[str] = field(default_factory=tuple)  # one question per entry
    revisits_id: int | None = None
    red_after_workdays: int = 5


def save_round(
    jurisdiction_id: int,
    data: RoundInput,
    *,
    actor: Any,
    round: Round | None = None,
    expected_version: int | None = None,
) -> Round:
    """Create or change a round and its checklist (office only). A checklist entry already
    answered on a visit is kept when its text stays; dropping it is refused."""
    permissions.require_office(actor, jurisdiction_id)
    errors: dict[str, str] = {}
    code = data.code.strip()
    try:
        round_code_validator(code)
    except Exception:
        errors["code"] = "代码只能由字母、数字、-和_组成，如 2021-1"
    else:
        if _taken(Round.objects.filter(jurisdiction_id=jurisdiction_id, code=code), round):
            errors["code"] = f"本区已有代码为“{code}”的轮次"
    if not data.name.strip():
        errors["name"] = "请填写名称"
    if data.starts_on is None:
        errors["starts_on"] = "请填写开始日期"
    if data.ends_on is None:
        errors["ends_on"] = "请填写结束日期"
    elif data.starts_on and data.ends_on < data.starts_on:
        errors["ends_on"] = "结束日期不能早于开始日期"
    groups = set(data.group_ids)
    if groups and InspectionGroup.objects.filter(
        pk__in=groups, jurisdiction_id=jurisdiction_id
    ).count() != len(groups):
        errors["groups"] = "指导组须是本区的"
    if data.revisits_id is not None and (
        data.revisits_id == getattr(round, "pk", None)
        or not Round.objects.filter(pk=data.revisits_id, jurisdiction_id=jurisdiction_id).exists()
    ):
        errors["revisits"] = "回头看的轮次须是本区的另一轮"
    if not 1 <= data.red_after_workdays <= 60:
        errors["red_after_workdays"] = "应在1到60个工作日之间"
    questions = [q.strip() for q in data.checklist if q.strip()]
    if len(set(questions)) != len(questions):
        errors["checklist"] = "检查项有重复"
    elif any(len(q) > 200 for q in questions):
        errors["checklist"] = "每个检查项不超过200字"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    values = {
        "code": code,
        "name": data.name.strip(),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "scope": data.scope.strip(),
        "revisits_id": data.revisits_id,
        "red_after_workdays": data.red_after_workdays,
    }
    with transaction.atomic():
        if round is None:
            round = Round.objects.create(jurisdiction_id=jurisdiction_id, **values)
            before: dict[str, Any] = {}
        else:
            round = lock(Round, round.pk, expected_version, "轮次")
            before = {name: getattr(round, name) for name in values}
            bump(round, **values)
        round.groups.set(groups)
        _sync_checklist(round, questions)
        audit.record(
            actor=actor,
            action="supervision.save_round",
            target=round,
            changes={
                **audit.diff(before, values),
                "groups": [None, sorted(groups)],
                "checklist": [None, questions],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return round


def _sync_checklist(round: Round, questions: list[str]) -> None:
    have = {entry.text: entry for entry in round.checklist.all()}
    dropped = [entry for text, entry in have.items() if text not in questions]
    answered = {e.text for e in dropped if e.pk in _answered_entry_ids(round)}
    if answered:
        raise ValidationFailed(
            "已有走访记录回答了这些检查项，不能删除：" + "、".join(sorted(answered)),
            {"checklist": "已回答的检查项不能删除"},
        )
    ChecklistEntry.objects.filter(pk__in=[e.pk for e in dropped]).delete()
    for order, text in enumerate(questions):
        entry = have.get(text)
        if entry is None:
            ChecklistEntry.objects.create(round=round, text=text, order=order)
        elif entry.order != order:
            entry.order = order
            entry.save(update_fields=["order", "updated_at"])


def _answered_entry_ids(round: Round) -> set[int]:
    return set(
        VisitAnswer.objects.filter(entry__round=round).values_list("entry_id", flat=True).distinct()
    )


@dataclass
class PlanRow:
    group_id: int
    unit_id: int
    planned_on: dt.date


def plan_visits(round: Round, rows: Sequence[PlanRow], *, actor: Any) -> int:
    """Add (or move to another day) visits of the round's plan; the rows are checked as a
    whole and written all or nothing. Returns the rows written."""
    permissions.require_office(actor, round.jurisdiction_id)
    group_ids = set(round.groups.values_list("pk", flat=True))
    unit_ids = set(
        Unit.objects.filter(
            jurisdiction_id=round.jurisdiction_id, pk__in={r.unit_id for r in rows}
        ).values_list("pk", flat=True)
    )
    errors: dict[str, str] = {}
    for n, row in enumerate(rows, start=1):
        if row.group_id not in group_ids:
            errors[f"rows-{n}-group"] = f"第{n}行：指导组不在这一轮"
        if row.unit_id not in unit_ids:
            errors[f"rows-{n}-unit"] = f"第{n}行：单位不在本区"
        if not round.starts_on <= row.planned_on <= round.ends_on:
            errors[f"rows-{n}-planned_on"] = (
                f"第{n}行：日期须在本轮的{round.starts_on:%Y-%m-%d}至{round.ends_on:%Y-%m-%d}之间"
            )
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    with transaction.atomic():
        for row in rows:
            VisitPlan.objects.update_or_create(
                round=round,
                group_id=row.group_id,
                unit_id=row.unit_id,
                defaults={"planned_on": row.planned_on},
            )
        audit.record(
            actor=actor,
            action="supervision.plan_visits",
            target=round,
            changes={"plans": [None, len(rows)]},
            jurisdiction_id=round.jurisdiction_id,
        )
    return len(rows)
