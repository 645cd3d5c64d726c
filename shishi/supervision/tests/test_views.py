"""The supervision pages in each role: the flows through the forms, and who sees what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.supervision.models import Finding, Instruction, InstructionStep, Round
from shishi.supervision.services import findings, instructions
from shishi.supervision.tests.conftest import Sv

TODAY = dt.date(2021, 6, 8)


@pytest.fixture
def as_() -> Any:
    return client_for


def _finding(world: World, sv: Sv) -> Finding:
    return findings.add_finding(
        findings.FindingInput(
            kind=Finding.Kind.TO_RECTIFY,
            problem="台账不规范，缺少进度记录",
            category=Finding.Category.LEDGER,
            measure="建立周进度台账",
            deadline=dt.date(2030, 6, 18),
            responsible_person="李主任",
            item_ids=[world.item_a.pk],
        ),
        round=sv.round,
        group=sv.group,
        unit=world.unit_a,
        actor=world.inspector,
    )


def _post(client: Client, name: str, pk: int, data: dict[str, Any]) -> Any:
    return client.post(reverse(f"supervision:{name}", args=[pk]), data)


def test_rectification_through_the_pages(world: World, sv: Sv, as_: Any) -> None:
    finding = _finding(world, sv)
    unit, inspector = as_(world.editor_a), as_(world.inspector)
    page = unit.get(reverse("supervision:finding", args=[finding.pk]))
    assert page.status_code == 200
    assert "报送整改情况" in page.content.decode()
    # An empty answer is refused beside its field, nothing is written.
    bad = _post(unit, "finding_rectify", finding.pk, {"version": finding.version, "measures": ""})
    assert bad.status_code == 422
    assert finding.rectifications.count() == 0
    photo = SimpleUploadedFile("台账.jpg", b"\xff\xd8\xff\xe0", content_type="image/jpeg")
    done = unit.post(
        reverse("supervision:finding_rectify", args=[finding.pk]),
        {"version": finding.version, "measures": "已建立周进度台账", "evidence": [photo]},
    )
    assert done.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Finding.Status.SUBMITTED
    evidence = finding.rectifications.get().files.get()
    # The evidence is served to the inspector, not to another unit.
    assert (
        inspector.get(reverse("supervision:rectification_file", args=[evidence.pk])).status_code
        == 200
    )
    assert (
        as_(world.editor_b)
        .get(reverse("supervision:rectification_file", args=[evidence.pk]))
        .status_code
        == 404
    )
    # The inspector returns it without a reason: refused; with one: returned.
    no_reason = _post(
        inspector, "finding_verify", finding.pk, {"version": finding.version, "verdict": "return"}
    )
    assert no_reason.status_code == 422
    assert "请填写退回理由" in no_reason.content.decode()
    _post(
        inspector,
        "finding_verify",
        finding.pk,
        {"version": finding.version, "verdict": "return", "reason": "缺少照片"},
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RETURNED
    assert (
        "缺少照片" in unit.get(reverse("supervision:finding", args=[finding.pk])).content.decode()
    )
    _post(unit, "finding_rectify", finding.pk, {"version": finding.version, "measures": "补充照片"})
    finding.refresh_from_db()
    # A stale verdict (the version before the resubmission) is refused with 409.
    stale = _post(
        inspector,
        "finding_verify",
        finding.pk,
        {"version": finding.version - 1, "verdict": "accept"},
    )
    assert stale.status_code == 409
    _post(
        inspector, "finding_verify", finding.pk, {"version": finding.version, "verdict": "accept"}
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED
    assert finding.closed_by == world.inspector


def test_instruction_through_the_pages(world: World, as_: Any) -> None:
    leader, unit = as_(world.leader), as_(world.editor_a)
    form = leader.get(reverse("supervision:instruction_new") + f"?item={world.item_a.pk}")
    assert form.status_code == 200
    made = leader.post(
        reverse("supervision:instruction_new") + f"?item={world.item_a.pk}",
        {"text": "进度滞后，请本周内拿出赶工方案", "answer_by": "2030-06-15"},
    )
    assert made.status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.unit_id == world.unit_a.pk and instruction.item_id == world.item_a.pk
    listing = unit.get(reverse("supervision:instructions")).content.decode()
    assert "进度滞后" in listing
    _post(unit, "instruction_answer", instruction.pk, {"version": 1, "text": "已制定赶工方案"})
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.ANSWERED
    # Asking again needs a new date.
    bad = _post(
        leader,
        "instruction_follow_up",
        instruction.pk,
        {"version": instruction.version, "action": "ask_again", "text": "请明确完工时间"},
    )
    assert bad.status_code == 422
    _post(
        leader,
        "instruction_follow_up",
        instruction.pk,
        {
            "version": instruction.version,
            "action": "ask_again",
            "text": "请明确完工时间",
            "answer_by": "2030-06-22",
        },
    )
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.OPEN
    _post(
        unit,
        "instruction_answer",
        instruction.pk,
        {"version": instruction.version, "text": "6月30日完工"},
    )
    instruction.refresh_from_db()
    _post(
        leader,
        "instruction_follow_up",
        instruction.pk,
        {"version": instruction.version, "action": "settle", "text": "同意"},
    )
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.SETTLED
    assert list(instruction.steps.values_list("kind", flat=True)) == [
        InstructionStep.Kind.ANSWER,
        InstructionStep.Kind.ASK_AGAIN,
        InstructionStep.Kind.ANSWER,
        InstructionStep.Kind.SETTLE,
    ]
    page = unit.get(reverse("supervision:instruction", args=[instruction.pk])).content.decode()
    assert "已办结" in page and "6月30日完工" in page


def test_paper_instruction_entered_by_the_office(world: World, as_: Any) -> None:
    office = as_(world.office)
    url = reverse("supervision:instruction_new") + f"?unit={world.unit_b.pk}&paper=1"
    assert "批示原件扫描件" in office.get(url).content.decode()
    scan = SimpleUploadedFile("批示.png", b"\x89PNG\r\n", content_type="image/png")
    done = office.post(
        url,
        {
            "author_name": "区长",
            "written_on": "2021-06-07",
            "text": "请教育局抓紧",
            "answer_by": "2030-06-30",
            "scan": scan,
        },
    )
    assert done.status_code == 302
    paper = Instruction.objects.get()
    assert paper.author_name == "区长" and paper.author is None
    assert paper.unit_id == world.unit_b.pk
    shown = as_(world.editor_b).get(reverse("supervision:instruction_scan", args=[paper.pk]))
    assert shown.status_code == 200
    # A leader cannot enter a paper instruction: the form has no paper fields for them.
    assert "批示原件扫描件" not in as_(world.leader).get(url).content.decode()


def test_office_sets_up_groups_rounds_and_plans(world: World, sv: Sv, as_: Any) -> None:
    office = as_(world.office)
    made = office.post(
        reverse("supervision:round_new") + f"?jurisdiction={world.nangang.pk}",
        {
            "code": "2021-2",
            "name": "第二轮巡回指导",
            "starts_on": "2021-09-01",
            "ends_on": "2021-09-30",
            "groups": [sv.group.pk],
            "checklist": "方案是否完善\n台账是否规范",
            "revisits": sv.round.pk,
            "red_after_workdays": "5",
        },
    )
    assert made.status_code == 302
    second = Round.objects.get(code="2021-2")
    assert list(second.checklist.values_list("text", flat=True)) == ["方案是否完善", "台账是否规范"]
    assert second.revisits == sv.round
    # The same code again is refused beside the code field.
    again = office.post(
        reverse("supervision:round_new"),
        {
            "code": "2021-2",
            "name": "x",
            "starts_on": "2021-09-01",
            "ends_on": "2021-09-30",
            "red_after_workdays": "5",
        },
    )
    assert again.status_code == 422
    assert "本区已有代码为“2021-2”的轮次" in again.content.decode()
    planned = office.post(
        reverse("supervision:round_plan", args=[second.pk]),
        {
            "group": sv.group.pk,
            "units": [world.unit_a.pk, world.unit_b.pk],
            "planned_on": "2021-09-03",
        },
    )
    assert planned.status_code == 302
    assert second.plans.count() == 2
    out_of_round = office.post(
        reverse("supervision:round_plan", args=[second.pk]),
        {"group": sv.group.pk, "units": [world.unit_a.pk], "planned_on": "2021-10-03"},
    )
    assert out_of_round.status_code == 422
    edited = office.post(
        reverse("supervision:group_edit", args=[sv.group.pk]),
        {
            "version": sv.group.version,
            "name": "第一组",
            "members": [world.inspector.pk],
            "units": [world.unit_a.pk],
        },
    )
    assert edited.status_code == 302
    # Only an inspector may be a member.
    wrong = office.post(
        reverse("supervision:group_new"),
        {"name": "第三组", "members": [world.editor_a.pk]},
    )
    assert wrong.status_code == 422


@pytest.mark.parametrize(
    ("who", "index", "round_page", "finding_page", "setup_pages"),
    [
        ("office", 200, 200, 200, 200),
        ("city_office", 200, 200, 200, 200),
        ("inspector", 200, 200, 200, 403),
        ("leader", 200, 200, 200, 403),
        ("editor_a", 200, 404, 200, 403),  # the responsible unit
        ("viewer_a", 200, 404, 200, 403),
        ("editor_b", 200, 404, 404, 403),  # another unit
        ("outsider", 200, 404, 404, 403),  # another district's office
        ("resident", 403, 404, 404, 403),
    ],
)
def test_who_sees_what(
    world: World,
    sv: Sv,
    as_: Any,
    who: str,
    index: int,
    round_page: int,
    finding_page: int,
    setup_pages: int,
) -> None:
    finding = _finding(world, sv)
    client = as_(getattr(world, who))
    assert client.get(reverse("supervision:index")).status_code == index
    assert client.get(reverse("supervision:round", args=[sv.round.pk])).status_code == round_page
    assert client.get(reverse("supervision:finding", args=[finding.pk])).status_code == finding_page
    edit = client.get(reverse("supervision:round_edit", args=[sv.round.pk])).status_code
    assert edit == (setup_pages if round_page == 200 else 404)


def test_the_outsider_sees_only_its_own_district(world: World, sv: Sv, as_: Any) -> None:
    _finding(world, sv)
    page = as_(world.outsider).get(reverse("supervision:index")).content.decode()
    assert "呼兰区" in page
    assert "第一轮巡回指导" not in page


def test_round_page_shows_the_figures(world: World, sv: Sv, as_: Any) -> None:
    _finding(world, sv)
    findings.add_finding(
        findings.FindingInput(kind=Finding.Kind.SUGGESTION, problem="建议建立督办台账"),
        round=sv.round,
        group=sv.group,
        unit=world.unit_b,
        actor=world.inspector,
    )
    page = as_(world.office).get(reverse("supervision:round", args=[sv.round.pk]))
    text = page.content.decode()
    assert "限期整改问题1个" in text and "提出建议1条" in text
    only = as_(world.office).get(
        reverse("supervision:round", args=[sv.round.pk]) + "?kind=suggestion"
    )
    assert "建议建立督办台账" in only.content.decode()
    assert "台账不规范" not in only.content.decode()


@pytest.mark.parametrize(
    "query",
    ["?page=abc", "?page=99999999999999", "?group=x&unit=%00", "?status=<script>", "?card=zzz"],
)
def test_bad_query_strings_give_pages_not_errors(
    world: World, sv: Sv, as_: Any, query: str
) -> None:
    office = as_(world.office)
    assert office.get(reverse("supervision:round", args=[sv.round.pk]) + query).status_code in (
        200,
        400,
    )
    assert office.get(reverse("supervision:instructions") + query).status_code in (200, 400)


def test_instructions_list_oldest_open_first_with_filters(world: World, as_: Any) -> None:
    for day, unit in ((dt.date(2021, 6, 1), world.unit_a), (dt.date(2021, 5, 1), world.unit_b)):
        instructions.write_instruction(
            world.nangang.pk,
            instructions.InstructionInput(
                text=f"批示{day:%m%d}", answer_by=day + dt.timedelta(days=7), unit_id=unit.pk
            ),
            actor=world.leader,
            today=day,
        )
    text = as_(world.office).get(reverse("supervision:instructions")).content.decode()
    assert text.index("批示0501") < text.index("批示0601")
    mine = as_(world.editor_a).get(reverse("supervision:instructions")).content.decode()
    assert "批示0601" in mine and "批示0501" not in mine
    by_unit = as_(world.office).get(
        reverse("supervision:instructions") + f"?unit={world.unit_b.pk}"
    )
    assert "批示0601" not in by_unit.content.decode()


def test_finding_edit_by_its_group_only_and_stale_refused(world: World, sv: Sv, as_: Any) -> None:
    finding = _finding(world, sv)
    data = {
        "version": finding.version,
        "category": Finding.Category.LEDGER,
        "severity": Finding.Severity.SERIOUS,
        "problem": "台账不规范，三个月无记录",
        "measure": "建立周进度台账",
        "deadline": "2030-07-01",
        "responsible_unit": world.unit_a.pk,
        "responsible_person": "李主任",
    }
    assert _post(as_(sv.other_inspector), "finding_edit", finding.pk, data).status_code == 403
    assert _post(as_(world.inspector), "finding_edit", finding.pk, data).status_code == 302
    finding.refresh_from_db()
    assert finding.severity == Finding.Severity.SERIOUS
    assert finding.deadline == dt.date(2030, 7, 1)
    stale = _post(as_(world.office), "finding_edit", finding.pk, {**data, "problem": "旧的"})
    assert stale.status_code == 409
    finding.refresh_from_db()
    assert finding.problem == "台账不规范，三个月无记录"


def test_an_inspector_reads_only_the_district_where_he_inspects(world: World, sv: Sv) -> None:
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Role
    from shishi.supervision.services import setup

    org_services.grant_role(world.inspector, Role.UNIT_EDITOR, world.hulan, unit=world.hulan_unit)
    hulan_round = setup.save_round(
        world.hulan.pk,
        setup.RoundInput(
            code="2021-1",
            name="呼兰第一轮",
            starts_on=dt.date(2021, 6, 1),
            ends_on=dt.date(2021, 6, 30),
        ),
        actor=world.outsider,
    )
    client = client_for(world.inspector)
    assert client.get(reverse("supervision:round", args=[sv.round.pk])).status_code == 200
    assert client.get(reverse("supervision:round", args=[hulan_round.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "page", "answer_form", "follow_form"),
    [
        ("leader", 200, False, True),  # wrote it
        ("office", 200, False, True),
        ("editor_a", 200, True, False),  # its unit
        ("viewer_a", 200, False, False),
        ("inspector", 200, False, False),
        ("editor_b", 404, False, False),
        ("outsider", 404, False, False),
    ],
)
def test_instruction_page_per_role(
    world: World, who: str, page: int, answer_form: bool, follow_form: bool
) -> None:
    made = instructions.write_instruction(
        world.nangang.pk,
        instructions.InstructionInput(
            text="请加快", answer_by=dt.date(2030, 1, 1), item_id=world.item_a.pk
        ),
        actor=world.leader,
    )
    got = client_for(getattr(world, who)).get(reverse("supervision:instruction", args=[made.pk]))
    assert got.status_code == page
    if page == 200:
        text = got.content.decode()
        assert ('id="answer-instruction"' in text) is answer_form
        assert ('id="follow-up"' in text) is follow_form


def test_instructions_i_wrote(world: World) -> None:
    for who, text in ((world.leader, "领导批示"), (world.office, "专班批示")):
        instructions.write_instruction(
            world.nangang.pk,
            instructions.InstructionInput(
                text=text, answer_by=dt.date(2030, 1, 1), unit_id=world.unit_a.pk
            ),
            actor=who,
        )
    mine = client_for(world.leader).get(reverse("supervision:instructions") + "?mine=1")
    assert "领导批示" in mine.content.decode() and "专班批示" not in mine.content.decode()


def test_round_units_load_when_opened(world: World, sv: Sv) -> None:
    _finding(world, sv)
    url = reverse("supervision:round_units", args=[sv.round.pk])
    page = client_for(world.office).get(reverse("supervision:round", args=[sv.round.pk]))
    assert url in page.content.decode()  # the table itself is not in the round page
    fragment = client_for(world.office).get(url, headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in text and "区城管局" in text
    whole = client_for(world.office).get(url).content.decode()
    assert "<html" in whole and "区城管局" in whole
    assert client_for(world.editor_a).get(url).status_code == 404


def test_findings_and_instructions_by_part_of_a_unit_name(world: World, sv: Sv) -> None:
    _finding(world, sv)  # 区城管局
    findings.add_finding(
        findings.FindingInput(kind=Finding.Kind.SUGGESTION, problem="教育局的建议"),
        round=sv.round,
        group=sv.group,
        unit=world.unit_b,
        actor=world.office,
    )
    page = client_for(world.office).get(
        reverse("supervision:round", args=[sv.round.pk]) + "?unit_q=教育"
    )
    text = page.content.decode()
    assert "教育局的建议" in text and "台账不规范" not in text
    instructions.write_instruction(
        world.nangang.pk,
        instructions.InstructionInput(
            text="城管的批示", answer_by=dt.date(2030, 1, 1), unit_id=world.unit_a.pk
        ),
        actor=world.leader,
    )
    listed = client_for(world.office).get(reverse("supervision:instructions") + "?unit_q=教育")
    assert "城管的批示" not in listed.content.decode()
    listed = client_for(world.office).get(reverse("supervision:instructions") + "?unit_q=城管")
    assert "城管的批示" in listed.content.decode()


def test_the_unit_downloads_its_notice_from_the_finding(world: World, sv: Sv) -> None:
    finding = _finding(world, sv)
    page = client_for(world.editor_a).get(reverse("supervision:finding", args=[finding.pk]))
    url = reverse("supervision:notice", args=[sv.round.pk, world.unit_a.pk])
    assert url in page.content.decode()
    got = client_for(world.editor_a).get(url)
    assert got.status_code == 200
    assert got["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )


def test_groups_are_listed_in_the_order_they_were_set_up(world: World, sv: Sv) -> None:
    from shishi.supervision.services import setup

    # 第三 sorts before 第二 by name: the office's order is kept.
    setup.save_group(world.nangang.pk, setup.GroupInput("第三巡回指导组"), actor=world.office)
    text = client_for(world.office).get(reverse("supervision:index")).content.decode()
    assert (
        text.index("第一巡回指导组") < text.index("第二巡回指导组") < text.index("第三巡回指导组")
    )
