"""Findings and their rectification to the close-out (整改销号).

A finding to rectify carries the 四定 (measure, deadline, responsible unit, responsible
person) and moves: open → submitted (the unit's rectification with its evidence) → closed by
the group's inspector or the office (销号), or → returned with a reason and submitted again.
A finding corrected on the spot is closed when recorded; a suggestion is noted. Every step
tells the other side (``supervision.notices``) and keeps the card (``supervision.cards``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger.models import Item
from shishi.orgs.models import Unit
from shishi.supervision import cards, notices, permissions
from shishi.supervision.models import (
    Finding,
    InspectionGroup,
    Rectification,
    RectificationFile,
    Round,
    Visit,
)
from shishi.supervision.services.common import attach, bump, check_files, lock

Kind = Finding.Kind
Status = Finding.Status


@dataclass
class FindingInput:
    kind: str
    problem: str
    category: str = Finding.Category.OTHER
    severity: str = Finding.Severity.MINOR
    measure: str = ""
    deadline: dt.date | None = None
    responsible_unit_id: int | None = None  # default: the visited unit
    responsible_person: str = ""
    item_ids: Sequence[int] = field(default_factory=tuple)
    recurrence_of_id: int | None = None


def check_finding(
    data: FindingInput, *, jurisdiction_id: int, prefix: str = "", today: dt.date | None = None
) -> dict[str, str]:
    """The input's errors, keyed ``prefix + field`` (the visit form has many findings)."""
    errors: dict[str, str] = {}
    if data.kind not in Kind.values:
        errors[prefix + "kind"] = "请选择当场整改、限期整改或意见建议"
    if not data.problem.strip():
        errors[prefix + "problem"] = "请填写问题或建议的内容"
    if data.category not in Finding.Category.values:
        errors[prefix + "category"] = "请选择问题类别"
    if data.severity not in Finding.Severity.values:
        errors[prefix + "severity"] = "请选择严重程度"
    if data.kind == Kind.TO_RECTIFY:
        # 四定: all four, so that the unit knows what to do, by when, who.
        if not data.measure.strip():
            errors[prefix + "measure"] = "限期整改须写明整改措施（四定）"
        if data.deadline is None:
            errors[prefix + "deadline"] = "限期整改须定整改时限（四定）"
        elif today is not None and data.deadline < today:
            errors[prefix + "deadline"] = "整改时限不能早于今天"
        if not data.responsible_person.strip():
            errors[prefix + "responsible_person"] = "限期整改须定责任人（四定）"
    if (
        data.responsible_unit_id is not None
        and not Unit.objects.filter(
            pk=data.responsible_unit_id, jurisdiction_id=jurisdiction_id
        ).exists()
    ):
        errors[prefix + "responsible_unit"] = "责任单位不在本区"
    if data.item_ids:
        found = Item.objects.filter(
            pk__in=data.item_ids, programme__jurisdiction_id=jurisdiction_id
        ).count()
        if found != len(set(data.item_ids)):
            errors[prefix + "items"] = "相关事项须是本区的实事事项"
    if (
        data.recurrence_of_id is not None
        and not Finding.objects.filter(
            pk=data.recurrence_of_id, jurisdiction_id=jurisdiction_id
        ).exists()
    ):
        errors[prefix + "recurrence_of"] = "复发的原问题须是本区的问题"
    return errors


def create_finding(
    data: FindingInput,
    *,
    round: Round,
    group: InspectionGroup,
    unit: Unit,
    visit: Visit | None,
    actor: Any,
    today: dt.date,
) -> Finding:
    """Write one finding (inside the caller's transaction; checked already): the visit form
    and ``add_finding`` call it. A rectification notice goes to the responsible unit."""
    status = {
        Kind.ON_THE_SPOT: Status.CORRECTED,
        Kind.TO_RECTIFY: Status.OPEN,
        Kind.SUGGESTION: Status.NOTED,
    }[Kind(data.kind)]
    to_rectify = data.kind == Kind.TO_RECTIFY
    finding = Finding.objects.create(
        jurisdiction_id=round.jurisdiction_id,
        round=round,
        group=group,
        unit=unit,
        visit=visit,
        kind=data.kind,
        category=data.category,
        severity=data.severity,
        problem=data.problem.strip(),
        status=status,
        measure=data.measure.strip(),
        deadline=data.deadline if to_rectify else None,
        responsible_unit_id=data.responsible_unit_id or unit.pk,
        responsible_person=data.responsible_person.strip(),
        closed_on=today if status == Status.CORRECTED else None,
        closed_by=actor if status == Status.CORRECTED else None,
        recurrence_of_id=data.recurrence_of_id,
        recorded_by=actor,
    )
    if data.item_ids:
        finding.items.set(data.item_ids)
    audit.record(
        actor=actor,
        action="supervision.add_finding",
        target=finding,
        changes={
            "kind": [None, finding.kind],
            "problem": [None, finding.problem],
            "deadline": [None, finding.deadline],
            "responsible_unit": [None, finding.responsible_unit_id],
        },
        jurisdiction_id=finding.jurisdiction_id,
    )
    if to_rectify:
        notices.rectification_notice(finding)
    return finding


def add_finding(
    data: FindingInput,
    *,
    round: Round,
    group: InspectionGroup,
    unit: Unit,
    visit: Visit | None = None,
    actor: Any,
    today: dt.date | None = None,
) -> Finding:
    """Record one finding or suggestion outside the visit form (the group or the office)."""
    today = today or timezone.localdate()
    _check_place(actor, round=round, group=group, unit=unit)
    errors = check_finding(data, jurisdiction_id=round.jurisdiction_id, today=today)
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with uploads.atomic_with_files():
        return create_finding(
            data, round=round, group=group, unit=unit, visit=visit, actor=actor, today=today
        )


def _check_place(actor: Any, *, round: Round, group: InspectionGroup, unit: Unit) -> None:
    if not permissions.can_edit_group_work(actor, round.jurisdiction_id, group.pk):
        raise PermissionDenied("只有本组督导员和专班可以记录问题")
    if group.jurisdiction_id != round.jurisdiction_id or unit.jurisdiction_id != (
        round.jurisdiction_id
    ):
        raise ValidationFailed("指导组和被指导单位须是本区的", {"unit": "单位不在本区"})


def edit_finding(
    finding: Finding, data: FindingInput, *, actor: Any, expected_version: int | None
) -> Finding:
    """Change a finding's text, category, severity, items and 四定 (the group, the office);
    a closed finding is not changed."""
    if not permissions.can_edit_group_work(actor, finding.jurisdiction_id, finding.group_id):
        raise PermissionDenied("只有本组督导员和专班可以修改问题")
    if data.kind != finding.kind:
        raise ValidationFailed("问题的类型不能修改", {"kind": "问题的类型不能修改"})
    errors = check_finding(data, jurisdiction_id=finding.jurisdiction_id)
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    with uploads.atomic_with_files():
        locked = lock(Finding, finding.pk, expected_version, "问题")
        if locked.status == Status.CLOSED:
            raise ValidationFailed("已销号的问题不能修改")
        deadline = data.deadline if locked.kind == Kind.TO_RECTIFY else None
        changes: dict[str, Any] = {
            "category": data.category,
            "severity": data.severity,
            "problem": data.problem.strip(),
            "measure": data.measure.strip(),
            "deadline": deadline,
            "responsible_unit_id": data.responsible_unit_id or locked.unit_id,
            "responsible_person": data.responsible_person.strip(),
        }
        before = {name: getattr(locked, name) for name in changes}
        changes["card"] = _card(locked, deadline)
        bump(locked, **changes)
        locked.items.set(data.item_ids)
        audit.record(
            actor=actor,
            action="supervision.edit_finding",
            target=locked,
            changes=audit.diff(before, {name: getattr(locked, name) for name in before}),
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def _card(finding: Finding, deadline: dt.date | None, today: dt.date | None = None) -> str:
    """The card while it is the unit's turn (open, returned); none once it has answered."""
    if finding.kind != Kind.TO_RECTIFY or finding.status not in (Status.OPEN, Status.RETURNED):
        return ""
    return cards.card_for(
        deadline,
        today or timezone.localdate(),
        red_after=finding.round.red_after_workdays,
        jurisdiction=finding.jurisdiction_id,
    )


# --- rectification -------------------------------------------------------------------------


def submit_rectification(
    finding: Finding,
    *,
    actor: Any,
    measures: str,
    files: Sequence[UploadedFile] = (),
    expected_version: int | None,
) -> Rectification:
    """The responsible unit answers with what it did and its evidence; the finding waits
    for the inspector's verdict."""
    if not permissions.can_rectify(actor, finding):
        raise PermissionDenied("只有责任单位可以报送整改情况")
    measures = (measures or "").strip()
    if not measures:
        raise ValidationFailed("请填写整改措施和成效", {"measures": "请填写整改措施和成效"})
    check_files(files, "files")
    with uploads.atomic_with_files():
        locked = lock(Finding, finding.pk, expected_version, "问题")
        if locked.status not in (Status.OPEN, Status.RETURNED):
            raise ValidationFailed(f"这个问题{locked.get_status_display()}，不能再报送整改情况")
        rectification = Rectification.objects.create(
            finding=locked, measures=measures, submitted_by=actor
        )
        for f in files:
            attach(RectificationFile(rectification=rectification), f)
        before = locked.status
        bump(locked, status=Status.SUBMITTED, card="")
        audit.record(
            actor=actor,
            action="supervision.submit_rectification",
            target=locked,
            changes={"status": [before, Status.SUBMITTED], "files": [None, len(files)]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        notices.rectification_submitted(locked)
    return rectification


def verify_rectification(
    finding: Finding,
    *,
    actor: Any,
    accept: bool,
    reason: str = "",
    expected_version: int | None,
    today: dt.date | None = None,
) -> Finding:
    """The group's inspector (or the office) closes the finding out (销号) or returns the
    rectification with a reason."""
    if not permissions.can_verify(actor, finding):
        raise PermissionDenied("只有本组督导员和专班可以核验整改")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationFailed("请填写退回理由", {"reason": "请填写退回理由"})
    today = today or timezone.localdate()
    with uploads.atomic_with_files():
        locked = lock(Finding, finding.pk, expected_version, "问题")
        if locked.status != Status.SUBMITTED:
            raise ValidationFailed("这个问题没有待核验的整改情况")
        rectification = locked.rectifications.filter(verdict=Rectification.Verdict.PENDING).latest(
            "id"
        )
        rectification.verdict = (
            Rectification.Verdict.ACCEPTED if accept else Rectification.Verdict.RETURNED
        )
        rectification.verdict_reason = reason
        rectification.verified_by = actor
        rectification.verified_at = timezone.now()
        rectification.save(
            update_fields=["verdict", "verdict_reason", "verified_by", "verified_at", "updated_at"]
        )
        if accept:
            bump(locked, status=Status.CLOSED, closed_on=today, closed_by=actor, card="")
        else:
            locked.status = Status.RETURNED
            bump(locked, status=Status.RETURNED, card=_card(locked, locked.deadline, today))
        audit.record(
            actor=actor,
            action="supervision.close_finding" if accept else "supervision.return_rectification",
            target=locked,
            changes={"status": [Status.SUBMITTED, locked.status], "reason": [None, reason]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        notices.rectification_verified(locked, accepted=accept, reason=reason)
    return locked
