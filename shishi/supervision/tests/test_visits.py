"""Recording a visit through the service: all or nothing, checked for place, date, answers,
findings and photos; findings counted in the round's figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.notify.models import Message
from shishi.supervision import figures
from shishi.supervision.models import (
    Finding,
    Visit,
    VisitAnswer,
    VisitPhoto,
    VisitPlan,
)
from shishi.supervision.services import setup
from shishi.supervision.services import visits as services
from shishi.supervision.services.findings import FindingInput
from shishi.supervision.tests.conftest import Sv

TODAY = dt.date(2021, 6, 8)
VISITED = dt.date(2021, 6, 7)
Kind = Finding.Kind
Answer = VisitAnswer.Answer

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def to_rectify(**over: Any) -> FindingInput:
    data = FindingInput(
        kind=Kind.TO_RECTIFY,
        problem="实施方案不完善，缺少分阶段目标",
        category=Finding.Category.PLAN,
        measure="补充分阶段目标",
        deadline=dt.date(2021, 6, 30),
        responsible_person="张科长",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return data


def full_input(sv: Sv, **over: Any) -> services.VisitInput:
    entries = list(sv.round.checklist.all())
    data = services.VisitInput(
        visited_on=VISITED,
        attendees="王组长、李组员；区城管局张科长",
        notes="查阅台账，听取汇报",
        answers={entries[0].pk: (Answer.YES, ""), entries[1].pk: (Answer.PARTLY, "措施不够具体")},
        findings=[
            FindingInput(kind=Kind.ON_THE_SPOT, problem="台账未按月更新", category="ledger"),
            to_rectify(),
            FindingInput(kind=Kind.SUGGESTION, problem="建议建立周调度机制"),
        ],
        photos=[photo()],
    )
    for name, value in over.items():
        setattr(data, name, value)
    return data


def record(world: World, sv: Sv, data: services.VisitInput, **kw: Any) -> Visit:
    kw.setdefault("actor", world.inspector)
    kw.setdefault("today", TODAY)
    return services.record_visit(sv.round, sv.group, world.unit_a, data, **kw)


def nothing_written() -> None:
    assert Visit.objects.count() == 0
    assert VisitAnswer.objects.count() == 0
    assert VisitPhoto.objects.count() == 0
    assert Finding.objects.count() == 0


def test_inspector_records_a_visit_with_answers_photo_and_findings(world: World, sv: Sv) -> None:
    visit = record(world, sv, full_input(sv))
    assert (visit.round, visit.group, visit.unit) == (sv.round, sv.group, world.unit_a)
    assert visit.visited_on == VISITED
    assert visit.recorded_by == world.inspector
    answers = {a.entry.text: (a.answer, a.note) for a in visit.answers.select_related("entry")}
    assert answers == {"方案是否完善": ("yes", ""), "措施是否具体": ("partly", "措施不够具体")}
    photo_row = visit.photos.get()
    assert photo_row.name == "现场.png" and photo_row.content_type == "image/png"
    assert photo_row.file.read() == PNG
    kinds = sorted(visit.findings.values_list("kind", "status"))
    assert kinds == [
        ("on_the_spot", "corrected"),
        ("suggestion", "noted"),
        ("to_rectify", "open"),
    ]
    # The one to rectify went to the unit as a rectification notice.
    assert Message.objects.filter(recipient=world.editor_a, kind="rectification.notice").exists()
    event = AuditEvent.objects.get(action="supervision.record_visit")
    assert event.actor_id == world.inspector.pk
    assert event.changes["answers"] == [None, 2]
    assert event.changes["photos"] == [None, 1]
    assert event.changes["findings"] == [None, 3]
    assert "查阅台账" not in str(event.changes)  # counts, not texts


def test_one_bad_finding_row_writes_nothing_and_names_the_row(world: World, sv: Sv) -> None:
    data = full_input(sv)
    data.findings = [
        FindingInput(kind=Kind.ON_THE_SPOT, problem="台账未按月更新"),
        to_rectify(measure="", responsible_person=""),
    ]
    with pytest.raises(ValidationFailed) as caught:
        record(world, sv, data)
    errors = caught.value.errors
    assert errors["findings-2-measure"] == "限期整改须写明整改措施（四定）"
    assert "findings-2-responsible_person" in errors
    assert not any(key.startswith("findings-1-") for key in errors)
    assert "第2条问题或建议：限期整改须写明整改措施（四定）" in caught.value.message
    nothing_written()
    assert not Message.objects.filter(kind="rectification.notice").exists()
    assert not AuditEvent.objects.filter(action="supervision.record_visit").exists()


def test_no_file_outlives_a_refused_visit(world: World, sv: Sv, settings: Any) -> None:
    data = full_input(sv, findings=[to_rectify(deadline=None)])
    with pytest.raises(ValidationFailed):
        record(world, sv, data)
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_photo_that_is_not_an_image_is_refused(world: World, sv: Sv) -> None:
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as caught:
        record(world, sv, full_input(sv, photos=[photo(), pdf]))
    assert "photos" in caught.value.errors
    assert "不是照片" in caught.value.errors["photos"]
    nothing_written()


def test_inspector_of_another_group_is_refused(world: World, sv: Sv) -> None:
    with pytest.raises(PermissionDenied):
        record(world, sv, full_input(sv), actor=sv.other_inspector)
    for someone in (world.editor_a, world.leader, world.outsider):
        with pytest.raises(PermissionDenied):
            record(world, sv, full_input(sv), actor=someone)
    nothing_written()


def test_office_may_record_for_any_group(world: World, sv: Sv) -> None:
    visit = record(world, sv, full_input(sv), actor=world.office)
    assert visit.recorded_by == world.office


def test_date_within_the_round_and_not_in_the_future(world: World, sv: Sv) -> None:
    for day, words in (
        (dt.date(2021, 5, 31), "须在本轮的2021-06-01至2021-06-30之间"),
        (dt.date(2021, 6, 9), "不能晚于今天"),
        (None, "请填写走访日期"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            record(world, sv, full_input(sv, visited_on=day))
        assert words in caught.value.errors["visited_on"]
    nothing_written()


def test_answers_must_be_the_rounds_entries(world: World, sv: Sv) -> None:
    other = setup.save_round(
        world.nangang.pk,
        setup.RoundInput(
            code="2021-2",
            name="第二轮",
            starts_on=dt.date(2021, 7, 1),
            ends_on=dt.date(2021, 7, 31),
            checklist=["别轮的检查项"],
        ),
        actor=world.office,
    )
    foreign = other.checklist.get().pk
    with pytest.raises(ValidationFailed) as caught:
        record(world, sv, full_input(sv, answers={foreign: (Answer.YES, "")}))
    assert caught.value.errors["answers"] == "检查项须是这一轮的检查项"
    entry = sv.round.checklist.first()
    assert entry is not None
    with pytest.raises(ValidationFailed) as caught:
        record(world, sv, full_input(sv, answers={entry.pk: ("maybe", "")}))
    assert f"answers-{entry.pk}" in caught.value.errors
    nothing_written()


def test_unit_of_another_district_is_refused(world: World, sv: Sv) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.record_visit(
            sv.round,
            sv.group,
            world.hulan_unit,
            full_input(sv),
            actor=world.inspector,
            today=TODAY,
        )
    assert "unit" in caught.value.errors
    nothing_written()


def test_plan_row_links_to_its_visit_and_only_once(world: World, sv: Sv) -> None:
    setup.plan_visits(
        sv.round, [setup.PlanRow(sv.group.pk, world.unit_a.pk, VISITED)], actor=world.office
    )
    plan = VisitPlan.objects.get()
    visit = record(world, sv, full_input(sv), plan=plan)
    assert visit.plan == plan
    with pytest.raises(ValidationFailed) as caught:
        record(world, sv, full_input(sv, findings=[], photos=[]), plan=plan)
    assert caught.value.errors == {"plan": "这项走访安排已有走访记录"}
    # A visit not given its plan finds it (here: taken, so the second visit stands alone).
    second = record(world, sv, full_input(sv, findings=[], photos=[]))
    assert second.plan is None


def test_unplanned_visit_of_a_planned_unit_takes_the_plan(world: World, sv: Sv) -> None:
    setup.plan_visits(
        sv.round, [setup.PlanRow(sv.group.pk, world.unit_a.pk, VISITED)], actor=world.office
    )
    visit = record(world, sv, full_input(sv))
    assert visit.plan == VisitPlan.objects.get()


def test_the_same_form_sent_twice_writes_one_visit(world: World, sv: Sv) -> None:
    first = record(world, sv, full_input(sv), submission_key="a1b2c3")
    again = record(world, sv, full_input(sv, photos=[photo()]), submission_key="a1b2c3")
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert Finding.objects.count() == 3
    assert VisitPhoto.objects.count() == 1
    other = record(world, sv, full_input(sv, findings=[], photos=[]), submission_key="d4e5")
    assert other.pk != first.pk


def test_findings_of_visits_are_counted_in_the_round_figures(world: World, sv: Sv) -> None:
    record(world, sv, full_input(sv))
    services.record_visit(
        sv.round,
        sv.other_group,
        world.unit_c,
        full_input(
            sv,
            findings=[
                FindingInput(kind=Kind.ON_THE_SPOT, problem="方案不完善"),
                FindingInput(kind=Kind.ON_THE_SPOT, problem="措施不具体"),
            ],
            photos=[],
        ),
        actor=sv.other_inspector,
        today=TODAY,
    )
    total = figures.round_figures(sv.round).total
    assert (total.visits, total.visited) == (2, 2)
    assert (total.on_the_spot, total.to_rectify, total.suggestions) == (3, 1, 1)
    assert total.open == 1


def test_edit_changes_text_and_answers_and_adds_photos_and_findings(world: World, sv: Sv) -> None:
    visit = record(world, sv, full_input(sv))
    entries = list(sv.round.checklist.all())
    edited = services.edit_visit(
        visit,
        services.VisitInput(
            visited_on=dt.date(2021, 6, 6),
            attendees="王组长",
            notes="补充：查看现场",
            answers={entries[2].pk: (Answer.NO, "台账缺三月份")},
            findings=[FindingInput(kind=Kind.SUGGESTION, problem="建议每月通报")],
            photos=[photo("补拍.png")],
        ),
        actor=world.inspector,
        expected_version=visit.version,
        today=TODAY,
    )
    assert edited.version == visit.version + 1
    assert edited.visited_on == dt.date(2021, 6, 6)
    assert list(edited.answers.values_list("entry_id", "answer")) == [(entries[2].pk, "no")]
    assert edited.photos.count() == 2
    assert edited.findings.count() == 4
    event = AuditEvent.objects.get(action="supervision.edit_visit")
    assert event.changes["visited_on"] == ["2021-06-07", "2021-06-06"]
    with pytest.raises(StaleEdit):
        services.edit_visit(
            visit,
            full_input(sv),
            actor=world.inspector,
            expected_version=visit.version,
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        services.edit_visit(
            edited,
            full_input(sv),
            actor=sv.other_inspector,
            expected_version=edited.version,
            today=TODAY,
        )
