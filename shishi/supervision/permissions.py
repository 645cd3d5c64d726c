"""Who may see and do what in supervision (on top of ``orgs.permissions``).

- The programme office of the district (the city office over it) sees everything of its
  district and sets up groups, rounds, checklists and visit plans; it may also record visits
  and findings, verify rectifications, and write or enter instructions.
- An inspector (a member of an inspection group) records and edits only their group's visits
  and findings, and verifies the rectifications of their group's findings. They read the
  district's rounds, visits and findings.
- A sponsor leader of the district reads its supervision, writes instructions and settles
  or re-asks those they wrote.
- A unit (its editors, head, viewers) sees only the findings and instructions addressed to it
  (responsible unit; instruction's unit); its editors and head answer them.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Q

from shishi.core.errors import NotFound, PermissionDenied
from shishi.orgs.permissions import scope_for
from shishi.supervision.models import (
    Finding,
    InspectionGroup,
    Instruction,
    Round,
    Visit,
)


def is_office(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).is_office_for(jurisdiction_id)


def require_office(user: Any, jurisdiction_id: int) -> None:
    if not is_office(user, jurisdiction_id):
        raise PermissionDenied("只有专班可以进行此操作")


def group_ids_of(user: Any) -> set[int]:
    """The inspection groups the user is a member of (cached on the user per request)."""
    cached = getattr(user, "_shishi_inspection_groups", None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    if getattr(user, "is_authenticated", False):
        ids = set(InspectionGroup.objects.filter(members=user).values_list("pk", flat=True))
    with contextlib.suppress(AttributeError):
        user._shishi_inspection_groups = ids
    return ids


def reads_district(user: Any, jurisdiction_id: int) -> bool:
    """Reads all supervision of the district: its office (city office over it), its
    inspectors and its sponsor leaders."""
    scope = scope_for(user)
    if scope.is_office_for(jurisdiction_id):
        return True
    return jurisdiction_id in _overseen(user)


def _overseen(user: Any) -> set[int]:
    """Districts whose supervision the user reads as inspector or sponsor leader."""
    scope = scope_for(user)
    return scope.inspector_jurisdiction_ids | scope.leader_jurisdiction_ids


def is_leader(user: Any, jurisdiction_id: int) -> bool:
    return jurisdiction_id in scope_for(user).leader_jurisdiction_ids


def unit_ids_of(user: Any) -> set[int]:
    """The units whose findings and instructions the user sees as that unit."""
    scope = scope_for(user)
    return scope.editor_unit_ids | scope.viewer_unit_ids


def can_edit_group_work(user: Any, jurisdiction_id: int, group_id: int) -> bool:
    """Record and edit a group's visits and findings: the group's members, the office."""
    return is_office(user, jurisdiction_id) or group_id in group_ids_of(user)


def can_read_finding(user: Any, finding: Finding) -> bool:
    return reads_district(user, finding.jurisdiction_id) or (
        finding.responsible_unit_id in unit_ids_of(user)
    )


def can_rectify(user: Any, finding: Finding) -> bool:
    """Answer the finding with a rectification: the responsible unit's editors and head."""
    return scope_for(user).edits_unit(finding.responsible_unit_id)


def can_verify(user: Any, finding: Finding) -> bool:
    """Close out or return a rectification: the finding's group, the office."""
    return can_edit_group_work(user, finding.jurisdiction_id, finding.group_id)


def findings_q(user: Any, prefix: str = "") -> Q:
    """The findings the user may read, as a filter (``prefix`` for a related lookup)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    districts = set(scope.office_covered_ids()) | _overseen(user)
    q = Q(**{f"{prefix}jurisdiction_id__in": districts}) if districts else Q(pk__in=[])
    units = unit_ids_of(user)
    if units:
        q |= Q(**{f"{prefix}responsible_unit_id__in": units})
    return q


def instructions_q(user: Any) -> Q:
    """The instructions the user may read: district readers all, a unit its own."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    districts = set(scope.office_covered_ids()) | _overseen(user)
    q = Q(jurisdiction_id__in=districts) if districts else Q(pk__in=[])
    units = unit_ids_of(user)
    if units:
        q |= Q(unit_id__in=units)
    return q


def can_read_instruction(user: Any, instruction: Instruction) -> bool:
    return reads_district(user, instruction.jurisdiction_id) or (
        instruction.unit_id in unit_ids_of(user)
    )


def can_write_instruction(user: Any, jurisdiction_id: int) -> bool:
    """Write an instruction (or enter a paper one: the office only)."""
    return is_office(user, jurisdiction_id) or is_leader(user, jurisdiction_id)


def can_answer_instruction(user: Any, instruction: Instruction) -> bool:
    return instruction.is_open and scope_for(user).edits_unit(instruction.unit_id)


def can_settle_instruction(user: Any, instruction: Instruction) -> bool:
    """Settle it or ask again: the leader who wrote it, the office."""
    return instruction.is_open and (
        is_office(user, instruction.jurisdiction_id)
        or (
            instruction.author_id is not None and instruction.author_id == getattr(user, "pk", None)
        )
    )


def access_round(user: Any, pk: int) -> Round:
    found = Round.objects.select_related("jurisdiction").filter(pk=pk).first()
    if found is None or not reads_district(user, found.jurisdiction_id):
        raise NotFound("没有找到这一轮巡回指导")
    return found


def access_group(user: Any, pk: int) -> InspectionGroup:
    found = InspectionGroup.objects.filter(pk=pk).first()
    if found is None or not reads_district(user, found.jurisdiction_id):
        raise NotFound("没有找到这个巡回指导组")
    return found


def access_visit(user: Any, pk: int) -> Visit:
    found = Visit.objects.select_related("round", "group", "unit").filter(pk=pk).first()
    if found is None or not reads_district(user, found.jurisdiction_id):
        raise NotFound("没有找到这次走访")
    return found


def access_finding(user: Any, pk: int) -> Finding:
    found = (
        Finding.objects.select_related("round", "group", "unit", "responsible_unit")
        .filter(pk=pk)
        .first()
    )
    if found is None or not can_read_finding(user, found):
        raise NotFound("没有找到这个问题")
    return found


def access_instruction(user: Any, pk: int) -> Instruction:
    found = Instruction.objects.select_related("unit", "item", "finding").filter(pk=pk).first()
    if found is None or not can_read_instruction(user, found):
        raise NotFound("没有找到这条批示")
    return found
