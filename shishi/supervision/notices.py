"""What supervision tells people, through ``shishi.notify`` (kinds in ``notify/kinds.py``,
texts under ``templates/notify/kinds/``). Called inside the services' transactions."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shishi.notify.services import notify
from shishi.supervision.models import Finding, Instruction


def _date(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _finding_context(finding: Finding) -> dict[str, Any]:
    return {
        "round": finding.round.name,
        "unit": finding.responsible_unit.name,
        "problem": finding.problem[:60],
        "deadline": _date(finding.deadline),
    }


def _finding_link(finding: Finding) -> str:
    return reverse("supervision:finding", args=[finding.pk])


def rectification_notice(finding: Finding) -> None:
    """整改通知: the responsible unit has a finding to rectify by its deadline."""
    notify(
        [finding.responsible_unit],
        "rectification.notice",
        _finding_context(finding),
        link=_finding_link(finding),
        dedupe_key=f"rectification.notice:{finding.pk}",
        jurisdiction=finding.jurisdiction_id,
    )


def rectification_submitted(finding: Finding) -> None:
    """The group's inspectors have a rectification to verify."""
    members = list(finding.group.members.all())
    if members:
        notify(
            members,
            "rectification.submitted",
            _finding_context(finding),
            link=_finding_link(finding),
            jurisdiction=finding.jurisdiction_id,
        )


def rectification_verified(finding: Finding, *, accepted: bool, reason: str) -> None:
    """The unit learns its rectification was closed out, or returned and why."""
    notify(
        [finding.responsible_unit],
        "rectification.verified",
        {**_finding_context(finding), "accepted": accepted, "reason": reason[:100]},
        link=_finding_link(finding),
        jurisdiction=finding.jurisdiction_id,
    )


def _instruction_context(instruction: Instruction) -> dict[str, Any]:
    return {
        "author": instruction.author_name,
        "unit": instruction.unit.name,
        "text": instruction.text[:60],
        "answer_by": _date(instruction.answer_by),
    }


def _instruction_link(instruction: Instruction) -> str:
    return reverse("supervision:instruction", args=[instruction.pk])


def instruction_to_unit(instruction: Instruction, *, again: bool = False) -> None:
    """领导批示: the unit is to answer by the date (again: the leader asked again)."""
    notify(
        [instruction.unit],
        "instruction.new",
        {**_instruction_context(instruction), "again": again},
        urgency="urgent",
        link=_instruction_link(instruction),
        jurisdiction=instruction.jurisdiction_id,
    )


def instruction_answered(instruction: Instruction, recipients: list[Any]) -> None:
    """The leader who wrote it (and the office, when it entered it) has an answer to read."""
    if recipients:
        notify(
            recipients,
            "instruction.answered",
            _instruction_context(instruction),
            link=_instruction_link(instruction),
            jurisdiction=instruction.jurisdiction_id,
        )
