"""Overdue cards and reminders (``supervision.overdue``, the job ``supervision.cards``)
across the real 2021 calendar: the National Day week (1–7 October off, 26 September and
9 October worked) is no working time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shishi.conftest import World
from shishi.jobs.schedule import discover
from shishi.jobs.worker import run_due_jobs
from shishi.notify.models import Message
from shishi.supervision import cards
from shishi.supervision.figures import round_totals
from shishi.supervision.models import Card, Finding, Instruction
from shishi.supervision.overdue import _finding_cards, _Rule, refresh_cards
from shishi.supervision.services import findings, instructions
from shishi.supervision.tests.conftest import Sv
from shishi.workdays import calendar

D = dt.date.fromisoformat
RECORDED = D("2021-09-20")
NATIONAL_DAY_EVE = D("2021-09-30")  # Thursday; the deadline


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    calendar.clear_cache()
    yield
    calendar.clear_cache()


def _finding(world: World, sv: Sv, deadline: dt.date = NATIONAL_DAY_EVE, **over: object) -> Finding:
    data = findings.FindingInput(
        kind=Finding.Kind.TO_RECTIFY,
        problem="实施方案不完善，缺少分阶段目标和责任分工",
        category=Finding.Category.PLAN,
        measure="补充分阶段目标和责任分工",
        deadline=deadline,
        responsible_person="张科长",
        item_ids=[world.item_a.pk],
    )
    for name, value in over.items():
        setattr(data, name, value)
    return findings.add_finding(
        data,
        round=sv.round,
        group=sv.group,
        unit=world.unit_a,
        actor=world.inspector,
        today=RECORDED,
    )


def _told(kind: str, level: str) -> list[tuple[str, str]]:
    return sorted(
        Message.objects.filter(kind=kind, context__level=level).values_list(
            "recipient__username", "dedupe_key"
        )
    )


def test_the_rule_counts_working_days_of_the_real_2021_calendar(world: World) -> None:
    # Eight calendar days after the deadline, but only one working day (Friday 8 October).
    on = D("2021-10-08")
    assert cards.card_for(NATIONAL_DAY_EVE, on, red_after=5, jurisdiction=world.nangang.pk) == (
        Card.YELLOW
    )
    # Counting weekends only, the holiday would be six working days: red.
    assert (NATIONAL_DAY_EVE + dt.timedelta(days=8)) == on
    # Saturday 9 October is worked: 8, 9, 11, 12, 13 are five; the sixth (14th) is red.
    assert cards.card_for(NATIONAL_DAY_EVE, D("2021-10-13"), red_after=5, jurisdiction=None) == (
        Card.YELLOW
    )
    assert cards.card_for(NATIONAL_DAY_EVE, D("2021-10-14"), red_after=5, jurisdiction=None) == (
        Card.RED
    )
    # During the holiday nothing is late yet.
    assert cards.card_for(NATIONAL_DAY_EVE, D("2021-10-07"), red_after=5, jurisdiction=None) == ""


def test_a_finding_past_the_holiday_is_yellow_then_red_and_each_is_told_once(
    world: World, sv: Sv
) -> None:
    finding = _finding(world, sv)
    assert finding.card == ""

    # During the holiday: no card, nobody told.
    refresh_cards(D("2021-10-07"))
    finding.refresh_from_db()
    assert finding.card == ""
    assert (
        not Message.objects.filter(kind="rectification.overdue")
        .exclude(context__level="due")
        .exists()
    )

    # The first working day after it: a yellow card, not red — the unit is told.
    version = finding.version
    run = refresh_cards(D("2021-10-08"))
    finding.refresh_from_db()
    assert finding.card == Card.YELLOW
    assert finding.version == version  # derived state: a form open overnight stays valid
    assert run.findings_changed == 1 and run.findings_told == 1
    key = f"rectification.overdue:{finding.pk}:2021-09-30:yellow"
    assert _told("rectification.overdue", "yellow") == [("editor_a", key)]
    message = Message.objects.get(dedupe_key=key)
    assert "黄牌" in message.text and "实施方案不完善" in message.text
    assert message.link == f"/supervision/findings/{finding.pk}/"

    # The job again the same day (a restarted worker) tells nobody twice.
    refresh_cards(D("2021-10-08"))
    assert Message.objects.filter(kind="rectification.overdue").count() == 1

    # Still yellow on the fifth working day after the deadline…
    refresh_cards(D("2021-10-13"))
    finding.refresh_from_db()
    assert finding.card == Card.YELLOW
    # …red on the sixth: the unit, the district's office and the sponsor leader of its item.
    refresh_cards(D("2021-10-14"))
    finding.refresh_from_db()
    assert finding.card == Card.RED
    red_key = f"rectification.overdue:{finding.pk}:2021-09-30:red"
    assert _told("rectification.overdue", "red") == [
        ("editor_a", red_key),
        ("leader", red_key),
        ("office", red_key),
    ]
    red = Message.objects.get(recipient=world.office, dedupe_key=red_key)
    assert red.urgency == "urgent" and "红牌" in red.text and "6个工作日" in red.text
    refresh_cards(D("2021-10-15"))
    assert Message.objects.filter(kind="rectification.overdue").count() == 4
    assert round_totals([sv.round])[sv.round.pk].red == 1


def test_the_unit_is_reminded_the_working_day_before_the_deadline_once(
    world: World, sv: Sv
) -> None:
    thursday = _finding(world, sv)  # due Thursday 30 September
    in_holiday = _finding(world, sv, deadline=D("2021-10-04"), problem="措施不具体")
    later = _finding(world, sv, deadline=D("2021-10-12"), problem="台账不规范")

    assert refresh_cards(D("2021-09-28")).reminders == 0
    # Wednesday: Thursday's is due next working day.
    assert refresh_cards(D("2021-09-29")).reminders == 1
    # Thursday, the last working day before the holiday: the one due in the holiday.
    assert refresh_cards(D("2021-09-30")).reminders == 1
    # A holiday is no day to remind anyone.
    assert refresh_cards(D("2021-10-03")).reminders == 0
    # Saturday 9 October is a make-up working day; Monday the 11th is the next.
    assert refresh_cards(D("2021-10-09")).reminders == 0
    assert refresh_cards(D("2021-10-11")).reminders == 1
    refresh_cards(D("2021-10-11"))  # again: nobody is told twice
    due = _told("rectification.overdue", "due")
    assert due == sorted(
        ("editor_a", f"rectification.overdue:{f.pk}:{f.deadline}:due")
        for f in (thursday, in_holiday, later)
    )
    text = Message.objects.get(dedupe_key=f"rectification.overdue:{thursday.pk}:2021-09-30:due")
    assert text.urgency == "urgent" and "2021-09-30" in text.text


def test_a_finding_answered_or_closed_loses_its_card(world: World, sv: Sv) -> None:
    finding = _finding(world, sv)
    refresh_cards(D("2021-10-08"))
    finding.refresh_from_db()
    assert finding.card == Card.YELLOW

    finding = findings.submit_rectification(
        finding, actor=world.editor_a, measures="已补充", expected_version=finding.version
    ).finding
    assert finding.card == ""  # the unit answered: the inspector's turn
    refresh_cards(D("2021-10-14"))
    finding.refresh_from_db()
    assert finding.card == ""
    findings.verify_rectification(
        finding, actor=world.inspector, accept=True, expected_version=finding.version
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED and finding.card == ""

    # A card left on a closed finding (written before it closed) is cleared by the job.
    Finding.objects.filter(pk=finding.pk).update(card=Card.RED)
    run = refresh_cards(D("2021-10-15"))
    finding.refresh_from_db()
    assert finding.card == "" and run.findings_changed == 1
    assert round_totals([sv.round])[sv.round.pk].red == 0


def test_a_card_a_service_set_is_told_the_next_morning(world: World, sv: Sv) -> None:
    finding = _finding(world, sv)
    finding = findings.submit_rectification(
        finding, actor=world.editor_a, measures="已补充", expected_version=finding.version
    ).finding
    # Returned after the deadline: the service gives it its card at once.
    finding = findings.verify_rectification(
        finding,
        actor=world.inspector,
        accept=False,
        reason="缺少佐证材料",
        expected_version=finding.version,
        today=D("2021-10-08"),
    )
    finding.refresh_from_db()
    assert finding.status == Finding.Status.RETURNED
    assert finding.card  # set by the service as of its own today
    refresh_cards(D("2021-10-11"))
    assert Message.objects.filter(
        recipient=world.editor_a, kind="rectification.overdue", context__level="yellow"
    ).exists()


def test_an_unanswered_instruction_is_yellow_then_red_and_the_leader_is_told(
    world: World, sv: Sv, settings: object
) -> None:
    instruction = instructions.write_instruction(
        world.nangang.pk,
        instructions.InstructionInput(
            text="请加快一曼街翻浆路段抢修，国庆前完工",
            answer_by=NATIONAL_DAY_EVE,
            item_id=world.item_a.pk,
        ),
        actor=world.leader,
        today=RECORDED,
    )
    red_after = cards.instruction_red_after()
    refresh_cards(D("2021-10-08"))
    instruction.refresh_from_db()
    assert instruction.card == Card.YELLOW
    assert _told("instruction.overdue", "yellow") == [
        ("editor_a", f"instruction.overdue:{instruction.pk}:2021-09-30:yellow")
    ]
    # red_after working days later (8, 9, 11 … counted from the 30th) it turns red.
    red_day = calendar.add_working_days(NATIONAL_DAY_EVE, red_after + 1)
    refresh_cards(red_day - dt.timedelta(days=1))
    instruction.refresh_from_db()
    assert instruction.card == Card.YELLOW
    refresh_cards(red_day)
    instruction.refresh_from_db()
    assert instruction.card == Card.RED
    key = f"instruction.overdue:{instruction.pk}:2021-09-30:red"
    assert _told("instruction.overdue", "red") == [("editor_a", key), ("leader", key)]

    # The unit answers: no card any more.
    instructions.answer_instruction(
        instruction, actor=world.editor_a, text="已完工", expected_version=instruction.version
    )
    refresh_cards(red_day + dt.timedelta(days=1))
    instruction.refresh_from_db()
    assert instruction.status == Instruction.Status.ANSWERED and instruction.card == ""


def test_cards_are_written_in_bulk_whatever_the_number_of_findings(world: World, sv: Sv) -> None:
    def queries_for(n: int) -> int:
        created = [
            _finding(world, sv, deadline=NATIONAL_DAY_EVE - dt.timedelta(days=i % 9))
            for i in range(n)
        ]
        assert len(created) == n
        calendar.clear_cache()
        rule = _Rule(D("2021-10-20"))
        with CaptureQueriesContext(connection) as ctx:
            changed, tell = _finding_cards(rule, timezone.now())
        assert changed >= n and len(tell) >= n
        Finding.objects.update(card="")
        return len(ctx.captured_queries)

    few, many = queries_for(3), queries_for(30)
    assert many == few, (few, many)
    assert many <= 12
    assert set(Finding.objects.values_list("card", flat=True)) == {""}


def test_the_job_runs_every_morning_and_sets_todays_cards(world: World, sv: Sv) -> None:
    job = discover()["supervision.cards"]
    assert job.cron == "30 6 * * *"
    today = timezone.localdate()
    late = calendar.add_working_days(today, 0, jurisdiction=world.nangang.pk)
    while calendar.working_days_between(late, today, jurisdiction=world.nangang.pk) < 12:
        late -= dt.timedelta(days=1)
    finding = _finding(world, sv, deadline=late)
    Finding.objects.filter(pk=finding.pk).update(card="")
    now = timezone.now()
    (run,) = run_due_jobs(now=job.due_slot(now) + dt.timedelta(minutes=1), names=[job.name])
    assert run.status == "succeeded", run.error
    finding.refresh_from_db()
    assert finding.card == Card.RED
    assert Message.objects.filter(recipient=world.office, kind="rectification.overdue").exists()
