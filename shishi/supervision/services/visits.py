"""Recording a visit (走访记录): what was checked, what was found, photos — all or nothing.

``record_visit`` checks everything first (the place, the date, every answer, every finding
row, every photo) and reports all the errors at once, keyed as the form names its fields
(``visited_on``, ``answers-<entry id>``, ``findings-<n>-<field>`` for the n-th finding,
``photos``); only then does one ``uploads.atomic_with_files`` block write the visit, its
answers, its photos and its findings (each through ``findings.create_finding``, which sends
the responsible unit its rectification notice). A refused visit leaves no row and no file.

A phone on a bad connection may send the same form twice (the answer to the first was
lost): a form carries a submission key, and a second submission with the same key returns
the visit the first one wrote instead of writing another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.jobs.effects import once
from shishi.orgs.models import Unit
from shishi.supervision import permissions
from shishi.supervision.models import (
    InspectionGroup,
    Round,
    Visit,
    VisitAnswer,
    VisitPhoto,
    VisitPlan,
)
from shishi.supervision.services import findings
from shishi.supervision.services.common import attach, bump, check_files, lock

NOTE_LENGTH = VisitAnswer._meta.get_field("note").max_length or 500
ATTENDEES_LENGTH = 2000
NOTES_LENGTH = 20000
MAX_FINDINGS = 50
MAX_PHOTOS = 20
SUBMISSION_KEY_LENGTH = 64


@dataclass
class VisitInput:
    visited_on: dt.date | None
    attendees: str = ""
    notes: str = ""
    # checklist entry id → (answer, note); ``answer`` one of ``VisitAnswer.Answer``
    answers: Mapping[int, tuple[str, str]] = field(default_factory=dict)
    # new findings and suggestions; the n-th (from 1) is reported as ``findings-<n>-…``
    findings: Sequence[findings.FindingInput] = field(default_factory=tuple)
    photos: Sequence[UploadedFile] = field(default_factory=tuple)


def finding_label(n: int) -> str:
    return f"第{n}条问题或建议"


def record_visit(
    round: Round,
    group: InspectionGroup,
    unit: Unit,
    data: VisitInput,
    *,
    actor: Any,
    plan: VisitPlan | None = None,
    today: dt.date | None = None,
    submission_key: str = "",
) -> Visit:
    """Write a visit of ``group`` to ``unit`` in ``round`` with its answers, photos and
    findings (the group's members, the office). Everything is checked before anything is
    written; ``ValidationFailed`` names each bad field. A visit of a unit in the round's plan
    is linked to its plan row (the one given, or the group's plan for the unit)."""
    today = today or timezone.localdate()
    if not permissions.can_edit_group_work(actor, round.jurisdiction_id, group.pk):
        raise PermissionDenied("只有本组督导员和专班可以记录走访")
    errors = _check_place(round, group, unit, plan)
    errors.update(_check_input(round, data, today=today))
    _raise(errors)
    assert data.visited_on is not None  # checked
    key = _submission_key(actor, submission_key)
    with uploads.atomic_with_files():
        if key:
            with once(key) as first:
                if not first:
                    earlier = _earlier_visit(round, group, unit, actor)
                    if earlier is not None:
                        return earlier
        plan = _free_plan(round, group, unit, plan)
        visit = Visit.objects.create(
            jurisdiction_id=round.jurisdiction_id,
            round=round,
            group=group,
            unit=unit,
            plan=plan,
            visited_on=data.visited_on,
            attendees=data.attendees.strip(),
            notes=data.notes.strip(),
            recorded_by=actor,
        )
        _write_answers(visit, data.answers)
        for f in data.photos:
            attach(VisitPhoto(visit=visit), f)
        for finding in data.findings:
            findings.create_finding(
                finding, round=round, group=group, unit=unit, visit=visit, actor=actor, today=today
            )
        audit.record(
            actor=actor,
            action="supervision.record_visit",
            target=visit,
            changes={
                "visited_on": [None, visit.visited_on],
                "plan": [None, visit.plan_id],
                "answers": [None, len(data.answers)],
                "photos": [None, len(data.photos)],
                "findings": [None, len(data.findings)],
            },
            jurisdiction_id=visit.jurisdiction_id,
        )
    return visit


def edit_visit(
    visit: Visit,
    data: VisitInput,
    *,
    actor: Any,
    expected_version: int | None,
    today: dt.date | None = None,
) -> Visit:
    """Change a visit's date, attendees, notes and answers, and add photos and findings
    (the group's members, the office). Findings already recorded are edited on their own
    page; photos already kept stay."""
    today = today or timezone.localdate()
    if not permissions.can_edit_group_work(actor, visit.jurisdiction_id, visit.group_id):
        raise PermissionDenied("只有本组督导员和专班可以修改走访记录")
    round = visit.round
    errors = _check_input(round, data, today=today)
    if not errors and data.photos:
        kept = VisitPhoto.objects.filter(visit=visit).count()
        if kept + len(data.photos) > MAX_PHOTOS:
            errors["photos"] = f"每次走访最多{MAX_PHOTOS}张照片（已有{kept}张）"
    _raise(errors)
    with uploads.atomic_with_files():
        locked = lock(Visit, visit.pk, expected_version, "走访记录")
        before = {
            "visited_on": locked.visited_on,
            "attendees": len(locked.attendees),
            "notes": len(locked.notes),
            "answers": _answers_of(locked),
        }
        bump(
            locked,
            visited_on=data.visited_on,
            attendees=data.attendees.strip(),
            notes=data.notes.strip(),
        )
        VisitAnswer.objects.filter(visit=locked).exclude(entry_id__in=list(data.answers)).delete()
        _write_answers(locked, data.answers, replace=True)
        for f in data.photos:
            attach(VisitPhoto(visit=locked), f)
        for finding in data.findings:
            findings.create_finding(
                finding,
                round=round,
                group=locked.group,
                unit=locked.unit,
                visit=locked,
                actor=actor,
                today=today,
            )
        after = {
            "visited_on": locked.visited_on,
            "attendees": len(locked.attendees),
            "notes": len(locked.notes),
            "answers": _answers_of(locked),
        }
        audit.record(
            actor=actor,
            action="supervision.edit_visit",
            target=locked,
            changes={
                **audit.diff(before, after),
                "photos": [None, len(data.photos)],
                "findings": [None, len(data.findings)],
            },
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


# --- checks ---------------------------------------------------------------------------------


def _check_place(
    round: Round, group: InspectionGroup, unit: Unit, plan: VisitPlan | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if (
        group.jurisdiction_id != round.jurisdiction_id
        or not round.groups.filter(pk=group.pk).exists()
    ):
        errors["group"] = "这个指导组不参加这一轮巡回指导"
    if unit.jurisdiction_id != round.jurisdiction_id:
        errors["unit"] = "被指导单位须是本区的单位"
    if plan is not None and (
        plan.round_id != round.pk or plan.group_id != group.pk or plan.unit_id != unit.pk
    ):
        errors["plan"] = "走访安排与本次走访的轮次、指导组或单位不符"
    return errors


def _check_input(round: Round, data: VisitInput, *, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.visited_on is None:
        errors["visited_on"] = "请填写走访日期"
    elif not round.starts_on <= data.visited_on <= round.ends_on:
        errors["visited_on"] = (
            f"走访日期须在本轮的{round.starts_on:%Y-%m-%d}至{round.ends_on:%Y-%m-%d}之间"
        )
    elif data.visited_on > today:
        errors["visited_on"] = "走访日期不能晚于今天"
    if len(data.attendees) > ATTENDEES_LENGTH:
        errors["attendees"] = f"参加人员不超过{ATTENDEES_LENGTH}字"
    if len(data.notes) > NOTES_LENGTH:
        errors["notes"] = f"情况记录不超过{NOTES_LENGTH}字"
    entries = set(round.checklist.values_list("pk", flat=True))
    for entry_id, (answer, note) in data.answers.items():
        if entry_id not in entries:
            errors["answers"] = "检查项须是这一轮的检查项"
        elif answer not in VisitAnswer.Answer.values:
            errors[f"answers-{entry_id}"] = "请选择是、部分、否或不适用"
        elif len(note) > NOTE_LENGTH:
            errors[f"answers-{entry_id}"] = f"说明不超过{NOTE_LENGTH}字"
    if len(data.findings) > MAX_FINDINGS:
        errors["findings"] = f"一次走访最多记录{MAX_FINDINGS}条问题或建议"
    else:
        for n, finding in enumerate(data.findings, start=1):
            errors.update(
                findings.check_finding(
                    finding,
                    jurisdiction_id=round.jurisdiction_id,
                    prefix=f"findings-{n}-",
                    today=today,
                )
            )
    if len(data.photos) > MAX_PHOTOS:
        errors["photos"] = f"每次走访最多{MAX_PHOTOS}张照片"
    elif data.photos:
        try:
            check_files(data.photos, "photos", images_only=True)
        except ValidationFailed as exc:
            errors.update(exc.errors or {"photos": exc.message})
    return errors


def _raise(errors: dict[str, str]) -> None:
    """``ValidationFailed`` whose message names each bad place (a finding by its row)."""
    if not errors:
        return
    parts = []
    for key, text in errors.items():
        if key.startswith("findings-") and key.count("-") >= 2:
            n = key.split("-")[1]
            parts.append(f"{finding_label(int(n))}：{text}" if n.isdigit() else text)
        else:
            parts.append(text)
    raise ValidationFailed("；".join(dict.fromkeys(parts)), errors)


def _free_plan(
    round: Round, group: InspectionGroup, unit: Unit, plan: VisitPlan | None
) -> VisitPlan | None:
    """The plan row the new visit links to: the one given (refused if it has its visit
    already), or the group's unvisited plan for the unit (none if it has its visit: a second
    visit of a planned unit is a visit of its own). Locked, so that two submissions of one
    plan do not both find it unvisited."""
    given = plan is not None
    rows = VisitPlan.objects.select_for_update()
    if plan is not None:
        found = rows.filter(pk=plan.pk).first()
    else:
        found = rows.filter(round=round, group=group, unit=unit).first()
    if found is not None and Visit.objects.filter(plan=found).exists():
        if given:
            raise ValidationFailed("这项走访安排已有走访记录", {"plan": "这项走访安排已有走访记录"})
        return None
    return found


def _submission_key(actor: Any, key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > SUBMISSION_KEY_LENGTH or not key.replace("-", "").isalnum():
        return ""
    return f"supervision.visit:{getattr(actor, 'pk', 0)}:{key}"


def _earlier_visit(round: Round, group: InspectionGroup, unit: Unit, actor: Any) -> Visit | None:
    """The visit a first submission of the same form wrote."""
    return (
        Visit.objects.filter(round=round, group=group, unit=unit, recorded_by=actor)
        .order_by("-id")
        .first()
    )


def _write_answers(
    visit: Visit, answers: Mapping[int, tuple[str, str]], *, replace: bool = False
) -> None:
    if replace:
        for entry_id, (answer, note) in answers.items():
            VisitAnswer.objects.update_or_create(
                visit=visit, entry_id=entry_id, defaults={"answer": answer, "note": note.strip()}
            )
        return
    VisitAnswer.objects.bulk_create(
        VisitAnswer(visit=visit, entry_id=entry_id, answer=answer, note=note.strip())
        for entry_id, (answer, note) in answers.items()
    )


def _answers_of(visit: Visit) -> dict[str, str]:
    return {
        str(entry_id): answer
        for entry_id, answer in VisitAnswer.objects.filter(visit=visit)
        .order_by("entry_id")
        .values_list("entry_id", "answer")
    }
