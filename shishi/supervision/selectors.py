"""Reads of supervision, scoped to the user; one selector per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shishi.supervision import permissions
from shishi.supervision.models import Finding, Instruction, Rectification


@dataclass
class FindingPage:
    finding: Finding
    rectifications: list[Rectification]
    instructions: list[Instruction]
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
    return FindingPage(
        finding=finding,
        rectifications=rectifications,
        instructions=list(finding.instructions.order_by("-written_on", "-id")),
        can_rectify=finding.status in (Finding.Status.OPEN, Finding.Status.RETURNED)
        and permissions.can_rectify(user, finding),
        can_verify=finding.status == Finding.Status.SUBMITTED
        and permissions.can_verify(user, finding),
        can_edit=finding.status != Finding.Status.CLOSED
        and permissions.can_edit_group_work(user, finding.jurisdiction_id, finding.group_id),
        can_instruct=permissions.can_write_instruction(user, finding.jurisdiction_id),
    )


@dataclass
class InstructionPage:
    instruction: Instruction
    steps: list[Any]
    can_answer: bool
    can_settle: bool


def instruction_page(user: Any, pk: int) -> InstructionPage:
    instruction = permissions.access_instruction(user, pk)
    return InstructionPage(
        instruction=instruction,
        steps=list(instruction.steps.select_related("by").prefetch_related("files")),
        can_answer=permissions.can_answer_instruction(user, instruction),
        can_settle=permissions.can_settle_instruction(user, instruction),
    )
