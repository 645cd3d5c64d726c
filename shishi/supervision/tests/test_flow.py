"""The rectification flow and instructions through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.notify.models import Message
from shishi.supervision.models import Finding, InstructionStep, Rectification
from shishi.supervision.services import findings, instructions
from shishi.supervision.tests.conftest import Sv

TODAY = dt.date(2021, 6, 8)


def _to_rectify(world: World, sv: Sv, **over: object) -> Finding:
    data = findings.FindingInput(
        kind=Finding.Kind.TO_RECTIFY,
        problem="实施方案不完善，缺少分阶段目标",
        category=Finding.Category.PLAN,
        measure="补充分阶段目标和责任分工",
        deadline=dt.date(2021, 6, 18),
        responsible_person="张科长",
        item_ids=[world.item_a.pk],
    )
    for name, value in over.items():
        setattr(data, name, value)
    return findings.add_finding(
        data, round=sv.round, group=sv.group, unit=world.unit_a, actor=world.inspector, today=TODAY
    )


def _photo(name: str = "现场.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0jpeg", content_type="image/jpeg")


def test_full_flow_open_submit_return_submit_close(world: World, sv: Sv) -> None:
    finding = _to_rectify(world, sv)
    assert finding.status == Finding.Status.OPEN
    assert finding.responsible_unit_id == world.unit_a.pk
    assert list(finding.items.all()) == [world.item_a]
    # The unit got its rectification notice.
    assert Message.objects.filter(recipient=world.editor_a, kind="rectification.notice").exists()

    first = findings.submit_rectification(
        finding,
        actor=world.editor_a,
        measures="已补充分阶段目标",
        files=[_photo()],
        expected_version=finding.version,
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.SUBMITTED
    assert first.files.count() == 1
    assert Message.objects.filter(
        recipient=world.inspector, kind="rectification.submitted"
    ).exists()

    finding = findings.verify_rectification(
        finding,
        actor=world.inspector,
        accept=False,
        reason="缺少责任分工",
        expected_version=finding.version,
    )
    assert finding.status == Finding.Status.RETURNED
    first.refresh_from_db()
    assert first.verdict == Rectification.Verdict.RETURNED
    assert first.verdict_reason == "缺少责任分工"

    second = findings.submit_rectification(
        finding,
        actor=world.editor_a,
        measures="已补充责任分工表",
        expected_version=finding.version,
    )
    finding.refresh_from_db()
    finding = findings.verify_rectification(
        finding, actor=world.inspector, accept=True, expected_version=finding.version, today=TODAY
    )
    assert finding.status == Finding.Status.CLOSED
    assert finding.closed_on == TODAY
    assert finding.closed_by == world.inspector
    second.refresh_from_db()
    assert second.verdict == Rectification.Verdict.ACCEPTED
    actions = list(
        AuditEvent.objects.filter(target_type="supervision.finding", target_id=str(finding.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "supervision.add_finding",
        "supervision.submit_rectification",
        "supervision.return_rectification",
        "supervision.submit_rectification",
        "supervision.close_finding",
    ]


def test_four_fixes_are_required_to_rectify(world: World, sv: Sv) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _to_rectify(world, sv, measure="", deadline=None, responsible_person=" ")
    assert set(exc.value.errors) == {"measure", "deadline", "responsible_person"}
    assert not Finding.objects.exists()


def test_on_the_spot_is_closed_and_suggestion_noted(world: World, sv: Sv) -> None:
    spot = _to_rectify(world, sv, kind=Finding.Kind.ON_THE_SPOT, deadline=None, measure="")
    assert spot.status == Finding.Status.CORRECTED
    assert spot.closed_on == TODAY
    idea = _to_rectify(world, sv, kind=Finding.Kind.SUGGESTION, deadline=None)
    assert idea.status == Finding.Status.NOTED
    assert idea.deadline is None
    # Neither sends a rectification notice.
    assert Message.objects.filter(kind="rectification.notice").count() == 0


def test_only_the_group_records_and_verifies_only_the_unit_rectifies(world: World, sv: Sv) -> None:
    with pytest.raises(PermissionDenied):
        findings.add_finding(
            findings.FindingInput(kind=Finding.Kind.SUGGESTION, problem="建议"),
            round=sv.round,
            group=sv.group,
            unit=world.unit_a,
            actor=sv.other_inspector,
        )
    finding = _to_rectify(world, sv)
    with pytest.raises(PermissionDenied):
        findings.submit_rectification(
            finding, actor=world.editor_b, measures="x", expected_version=None
        )
    with pytest.raises(PermissionDenied):
        findings.submit_rectification(
            finding, actor=world.viewer_a, measures="x", expected_version=None
        )
    findings.submit_rectification(
        finding, actor=world.editor_a, measures="x", expected_version=None
    )
    with pytest.raises(PermissionDenied):
        findings.verify_rectification(
            finding, actor=sv.other_inspector, accept=True, expected_version=None
        )
    with pytest.raises(PermissionDenied):
        findings.verify_rectification(
            finding, actor=world.editor_a, accept=True, expected_version=None
        )
    # The office may verify any group's finding.
    closed = findings.verify_rectification(
        finding, actor=world.office, accept=True, expected_version=None
    )
    assert closed.status == Finding.Status.CLOSED


def test_stale_submit_is_refused(world: World, sv: Sv) -> None:
    finding = _to_rectify(world, sv)
    stale = finding.version
    findings.edit_finding(
        finding,
        findings.FindingInput(
            kind=finding.kind,
            problem="方案不完善",
            measure="补充",
            deadline=dt.date(2021, 6, 20),
            responsible_person="张科长",
        ),
        actor=world.inspector,
        expected_version=finding.version,
    )
    with pytest.raises(StaleEdit):
        findings.submit_rectification(
            finding, actor=world.editor_a, measures="已整改", expected_version=stale
        )
    assert not Rectification.objects.exists()


def test_return_needs_a_reason_and_bad_files_are_refused(world: World, sv: Sv) -> None:
    finding = _to_rectify(world, sv)
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationFailed) as exc:
        findings.submit_rectification(
            finding, actor=world.editor_a, measures="已整改", files=[exe], expected_version=None
        )
    assert "files" in exc.value.errors
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN
    findings.submit_rectification(
        finding, actor=world.editor_a, measures="已整改", expected_version=None
    )
    with pytest.raises(ValidationFailed) as exc:
        findings.verify_rectification(
            finding, actor=world.inspector, accept=False, expected_version=None
        )
    assert "reason" in exc.value.errors


# --- instructions -------------------------------------------------------------------------


def test_instruction_answer_ask_again_settle(world: World) -> None:
    instruction = instructions.write_instruction(
        world.nangang.pk,
        instructions.InstructionInput(
            text="进度滞后，请加快推进", answer_by=dt.date(2021, 6, 15), item_id=world.item_a.pk
        ),
        actor=world.leader,
        today=TODAY,
    )
    assert instruction.unit_id == world.unit_a.pk  # the item's lead unit
    assert instruction.author == world.leader
    assert Message.objects.filter(recipient=world.editor_a, kind="instruction.new").exists()

    instructions.answer_instruction(
        instruction, actor=world.editor_a, text="已增派施工队", expected_version=None
    )
    instruction.refresh_from_db()
    assert instruction.status == instruction.Status.ANSWERED
    assert Message.objects.filter(recipient=world.leader, kind="instruction.answered").exists()

    instruction = instructions.ask_again(
        instruction,
        actor=world.leader,
        text="请明确完工日期",
        answer_by=dt.date(2021, 6, 22),
        expected_version=instruction.version,
        today=TODAY,
    )
    assert instruction.status == instruction.Status.OPEN
    assert instruction.answer_by == dt.date(2021, 6, 22)
    instructions.answer_instruction(
        instruction, actor=world.editor_a, text="6月30日完工", expected_version=None
    )
    instruction.refresh_from_db()
    instruction = instructions.settle_instruction(
        instruction, actor=world.leader, expected_version=instruction.version, today=TODAY
    )
    assert instruction.status == instruction.Status.SETTLED
    assert instruction.settled_on == TODAY
    kinds = list(instruction.steps.values_list("kind", flat=True))
    assert kinds == [
        InstructionStep.Kind.ANSWER,
        InstructionStep.Kind.ASK_AGAIN,
        InstructionStep.Kind.ANSWER,
        InstructionStep.Kind.SETTLE,
    ]
    with pytest.raises(PermissionDenied):
        instructions.answer_instruction(
            instruction, actor=world.editor_a, text="再答", expected_version=None
        )


def test_instruction_permissions(world: World) -> None:
    data = instructions.InstructionInput(
        text="请加快", answer_by=dt.date(2021, 6, 15), unit_id=world.unit_b.pk
    )
    for who in (world.editor_a, world.inspector, world.outsider, world.viewer_a):
        with pytest.raises(PermissionDenied):
            instructions.write_instruction(world.nangang.pk, data, actor=who, today=TODAY)
    instruction = instructions.write_instruction(
        world.nangang.pk, data, actor=world.office, today=TODAY
    )
    with pytest.raises(PermissionDenied):  # not its unit
        instructions.answer_instruction(
            instruction, actor=world.editor_a, text="x", expected_version=None
        )
    with pytest.raises(PermissionDenied):  # a leader who did not write it
        instructions.settle_instruction(instruction, actor=world.leader, expected_version=None)


def test_paper_instruction_needs_the_office_a_leader_and_a_scan(world: World) -> None:
    data = instructions.InstructionInput(
        text="请尽快完成",
        answer_by=dt.date(2021, 6, 15),
        unit_id=world.unit_b.pk,
        author_name="区长",
        written_on=dt.date(2021, 6, 7),
    )
    with pytest.raises(ValidationFailed) as exc:
        instructions.write_instruction(world.nangang.pk, data, actor=world.office, today=TODAY)
    assert "scan" in exc.value.errors
    data.scan = SimpleUploadedFile("批示.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    with pytest.raises(PermissionDenied):
        instructions.write_instruction(world.nangang.pk, data, actor=world.leader, today=TODAY)
    paper = instructions.write_instruction(world.nangang.pk, data, actor=world.office, today=TODAY)
    assert paper.author is None
    assert paper.author_name == "区长"
    assert paper.entered_by == world.office
    assert paper.scan.name.startswith("supervision/instructions/")
    assert paper.written_on == dt.date(2021, 6, 7)
