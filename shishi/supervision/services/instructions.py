"""Leaders' instructions (领导批示) tracked to the end (督办).

A sponsor leader of the district, or the office, writes an instruction on an item, a
finding or a unit, addressed to a unit, with an answer-by date; the office enters one a
leader wrote on paper, with a scan of the page. The unit answers (text, files); the leader
who wrote it, or the office, settles it (办结) or asks again with a new date. Each step is an
``InstructionStep``; the unit and the leader are told (``supervision.notices``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger.models import Item
from shishi.orgs.models import Unit
from shishi.supervision import cards, notices, permissions
from shishi.supervision.models import Finding, Instruction, InstructionStep, StepFile
from shishi.supervision.services.common import attach, bump, check_files, lock

Status = Instruction.Status
Step = InstructionStep.Kind


@dataclass
class InstructionInput:
    text: str
    answer_by: dt.date | None
    unit_id: int | None = None  # default: the item's lead unit, the finding's responsible unit
    item_id: int | None = None
    finding_id: int | None = None
    author_name: str = ""  # a paper instruction: the leader who wrote it
    written_on: dt.date | None = None  # a paper instruction: the day it was written
    scan: UploadedFile | None = None


def _target(data: InstructionInput, jurisdiction_id: int) -> tuple[Unit | None, dict[str, str]]:
    errors: dict[str, str] = {}
    unit: Unit | None = None
    if data.item_id is not None:
        item = (
            Item.objects.filter(pk=data.item_id, programme__jurisdiction_id=jurisdiction_id)
            .select_related("lead_unit")
            .first()
        )
        if item is None:
            errors["item"] = "没有找到本区的这个事项"
        else:
            unit = item.lead_unit
    if data.finding_id is not None:
        finding = (
            Finding.objects.filter(pk=data.finding_id, jurisdiction_id=jurisdiction_id)
            .select_related("responsible_unit")
            .first()
        )
        if finding is None:
            errors["finding"] = "没有找到本区的这个问题"
        else:
            unit = finding.responsible_unit
    if data.unit_id is not None:
        unit = Unit.objects.filter(pk=data.unit_id, jurisdiction_id=jurisdiction_id).first()
        if unit is None:
            errors["unit"] = "承办单位须是本区的单位"
    elif unit is None and "item" not in errors and "finding" not in errors:
        errors["unit"] = "请选择承办单位"
    return unit, errors


def write_instruction(
    jurisdiction_id: int, data: InstructionInput, *, actor: Any, today: dt.date | None = None
) -> Instruction:
    """A leader (or the office) writes an instruction in shishi; the office enters a paper
    one by giving ``author_name``, ``written_on`` and the ``scan``."""
    if not permissions.can_write_instruction(actor, jurisdiction_id):
        raise PermissionDenied("只有包保领导和专班可以批示")
    today = today or timezone.localdate()
    paper = bool(data.author_name.strip() or data.scan)
    unit, errors = _target(data, jurisdiction_id)
    text = (data.text or "").strip()
    if not text:
        errors["text"] = "请填写批示内容"
    written_on = data.written_on or today
    if data.written_on and data.written_on > today:
        errors["written_on"] = "批示日期不能晚于今天"
    if data.answer_by is None:
        errors["answer_by"] = "请定答复时限"
    elif data.answer_by < written_on:
        errors["answer_by"] = "答复时限不能早于批示日期"
    if paper:
        if not permissions.is_office(actor, jurisdiction_id):
            raise PermissionDenied("纸质批示由专班录入")
        if not data.author_name.strip():
            errors["author_name"] = "请填写批示领导"
        if data.scan is None:
            errors["scan"] = "请上传批示原件的扫描件或照片"
    if data.scan is not None:
        try:
            check_files([data.scan], "scan")
        except ValidationFailed as exc:
            errors.update(exc.errors or {"scan": str(exc)})
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert unit is not None and data.answer_by is not None
    author_name = data.author_name.strip() or str(actor)
    with uploads.atomic_with_files():
        instruction = Instruction(
            jurisdiction_id=jurisdiction_id,
            author_name=author_name[:100],
            author=None if paper else actor,
            entered_by=actor,
            written_on=written_on,
            text=text,
            item_id=data.item_id,
            finding_id=data.finding_id,
            unit=unit,
            answer_by=data.answer_by,
            card=_card(data.answer_by, jurisdiction_id, today),
        )
        if data.scan is not None:
            field = Instruction._meta.get_field("scan")
            name = uploads.display_name(data.scan.name, 200)
            path = field.generate_filename(instruction, uploads.storage_name(name))
            instruction.scan.name = uploads.store(
                path, data.scan, max_length=field.max_length or 300
            )
        instruction.save()
        audit.record(
            actor=actor,
            action="supervision.write_instruction",
            target=instruction,
            changes={
                "author": [None, author_name],
                "text": [None, text],
                "unit": [None, unit.pk],
                "answer_by": [None, data.answer_by],
                "paper": [None, paper],
            },
            jurisdiction_id=jurisdiction_id,
        )
        notices.instruction_to_unit(instruction)
    return instruction


def _card(answer_by: dt.date, jurisdiction_id: int, today: dt.date) -> str:
    return cards.card_for(
        answer_by, today, red_after=cards.instruction_red_after(), jurisdiction=jurisdiction_id
    )


def answer_instruction(
    instruction: Instruction,
    *,
    actor: Any,
    text: str,
    files: Sequence[UploadedFile] = (),
    expected_version: int | None,
) -> InstructionStep:
    """The unit answers: what it did, with files."""
    if not permissions.can_answer_instruction(actor, instruction):
        raise PermissionDenied("只有承办单位可以答复这条批示")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写答复内容", {"text": "请填写答复内容"})
    check_files(files, "files")
    with uploads.atomic_with_files():
        locked = lock(Instruction, instruction.pk, expected_version, "批示")
        if locked.status == Status.SETTLED:
            raise ValidationFailed("这条批示已办结")
        step = InstructionStep.objects.create(
            instruction=locked, kind=Step.ANSWER, text=text, by=actor
        )
        for f in files:
            attach(StepFile(step=step), f)
        before = locked.status
        bump(locked, status=Status.ANSWERED, card="")
        audit.record(
            actor=actor,
            action="supervision.answer_instruction",
            target=locked,
            changes={"status": [before, Status.ANSWERED], "files": [None, len(files)]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        recipients: list[Any] = [locked.author] if locked.author else []
        if locked.entered_by and locked.entered_by != locked.author:
            recipients.append(locked.entered_by)
        notices.instruction_answered(locked, recipients)
    return step


def settle_instruction(
    instruction: Instruction,
    *,
    actor: Any,
    text: str = "",
    expected_version: int | None,
    today: dt.date | None = None,
) -> Instruction:
    """The leader who wrote it, or the office, marks it settled (办结)."""
    if not permissions.can_settle_instruction(actor, instruction):
        raise PermissionDenied("只有批示领导和专班可以办结批示")
    today = today or timezone.localdate()
    with uploads.atomic_with_files():
        locked = lock(Instruction, instruction.pk, expected_version, "批示")
        if locked.status == Status.SETTLED:
            raise ValidationFailed("这条批示已办结")
        InstructionStep.objects.create(
            instruction=locked, kind=Step.SETTLE, text=(text or "").strip(), by=actor
        )
        before = locked.status
        bump(locked, status=Status.SETTLED, settled_on=today, card="")
        audit.record(
            actor=actor,
            action="supervision.settle_instruction",
            target=locked,
            changes={"status": [before, Status.SETTLED]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return locked


def ask_again(
    instruction: Instruction,
    *,
    actor: Any,
    text: str,
    answer_by: dt.date | None,
    expected_version: int | None,
    today: dt.date | None = None,
) -> Instruction:
    """The leader is not satisfied: a further instruction and a new answer-by date; the
    unit is to answer again."""
    if not permissions.can_settle_instruction(actor, instruction):
        raise PermissionDenied("只有批示领导和专班可以再次批示")
    today = today or timezone.localdate()
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = "请填写再次批示的内容"
    if answer_by is None:
        errors["answer_by"] = "请定新的答复时限"
    elif answer_by < today:
        errors["answer_by"] = "答复时限不能早于今天"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    assert answer_by is not None
    with uploads.atomic_with_files():
        locked = lock(Instruction, instruction.pk, expected_version, "批示")
        if locked.status == Status.SETTLED:
            raise ValidationFailed("这条批示已办结")
        InstructionStep.objects.create(
            instruction=locked, kind=Step.ASK_AGAIN, text=text, answer_by=answer_by, by=actor
        )
        before = locked.status
        bump(
            locked,
            status=Status.OPEN,
            answer_by=answer_by,
            card=_card(answer_by, locked.jurisdiction_id, today),
        )
        audit.record(
            actor=actor,
            action="supervision.ask_again",
            target=locked,
            changes={"status": [before, Status.OPEN], "answer_by": [None, answer_by]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        notices.instruction_to_unit(locked, again=True)
    return locked
