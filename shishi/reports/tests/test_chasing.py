"""Periods opened on time, reminders (escalation, no duplicates, catch-up), the 催报 button
and punctuality, each on a frozen clock (``now=``)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse

from shishi.conftest import PASSWORD, World, client_for
from shishi.core.models import AuditEvent
from shishi.jobs.worker import run_due_jobs
from shishi.notify.models import Contact, Delivery, Message
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, User
from shishi.reports import chasing, services
from shishi.reports import periods as period_rules
from shishi.reports.models import Chase, Cycle, Period, Submission
from shishi.workdays.calendar import SHANGHAI

Status = Submission.Status


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def head_a(world: World) -> User:
    user = org_services.ensure_user("head_a", password=PASSWORD, display_name="城管局负责人")
    org_services.grant_role(user, Role.UNIT_HEAD, world.nangang, unit=world.unit_a)
    return user


@pytest.fixture
def weekly(world: World) -> Cycle:
    cycle = Cycle.objects.create(
        jurisdiction=world.nangang,
        programme=world.programme,
        code="weekly",
        name="周报告",
        cadence="weekly",
        due_weekday=4,  # Friday
        due_time=dt.time(17, 0),
        needs_sign_off=False,
    )
    cycle.units.set([world.unit_a, world.unit_b])
    return cycle


def _messages(user: User, kind: str) -> int:
    return Message.objects.filter(recipient=user, kind=kind).count()


# --- opening on time --------------------------------------------------------------------------


def test_periods_open_when_their_opening_comes_and_only_once(world: World, weekly: Cycle) -> None:
    # Sunday night: week 24's due time has passed (never opened: left to the office), week
    # 25 opens on Monday.
    assert chasing.open_due_periods(now=at(2021, 6, 20, 23, 50)) == []
    opened = chasing.open_due_periods(now=at(2021, 6, 21, 0, 5))
    assert [p.key for p in opened] == ["2021-W25"]
    assert opened[0].submissions.count() == 2
    assert chasing.open_due_periods(now=at(2021, 6, 21, 0, 20)) == []  # idempotent
    assert list(weekly.periods.values_list("key", flat=True)) == ["2021-W25"]
    # An inactive cycle opens nothing.
    Cycle.objects.filter(pk=weekly.pk).update(is_active=False)
    assert chasing.open_due_periods(now=at(2021, 6, 28, 0, 5)) == []


def test_a_one_off_cycle_opens_its_one_period_the_day_before(world: World) -> None:
    once = Cycle.objects.create(
        jurisdiction=world.nangang,
        programme=world.programme,
        code="kindergartens",
        name="幼儿园数据",
        cadence="once",
        once_on=dt.date(2021, 6, 25),
        due_time=dt.time(12, 0),
    )
    once.units.set([world.unit_b])
    assert chasing.open_due_periods(now=at(2021, 6, 23, 12, 0)) == []
    opened = chasing.open_due_periods(now=at(2021, 6, 24, 9, 0))
    assert [p.key for p in opened] == ["2021-06-25"]
    assert chasing.open_due_periods(now=at(2021, 6, 24, 9, 15)) == []


def test_a_monthly_period_opens_five_working_days_before_its_end(world: World) -> None:
    monthly = Cycle.objects.create(
        jurisdiction=world.nangang,
        programme=world.programme,
        code="monthly",
        name="月小结",
        cadence="monthly",
        due_workdays=3,
        due_time=dt.time(17, 0),
    )
    monthly.units.set([world.unit_a])
    june = period_rules.parse_period("2021-06", "monthly")
    opening = period_rules.opens_at(june, services.due_rule(monthly), jurisdiction=world.nangang.pk)
    assert opening == at(2021, 6, 23)  # 24–30 June hold the last five working days
    assert chasing.open_due_periods(now=opening - dt.timedelta(minutes=1)) == []
    assert [p.key for p in chasing.open_due_periods(now=opening)] == ["2021-06"]
    # Early in July, before June's due time: May (long due) is not opened late.
    assert chasing.open_due_periods(now=at(2021, 7, 1, 9, 0)) == []
    assert list(monthly.periods.values_list("key", flat=True)) == ["2021-06"]


def test_the_scheduled_job_opens_periods(world: World, weekly: Cycle) -> None:
    runs = run_due_jobs(now=at(2021, 6, 21, 0, 15), names=["reports.open_periods"])
    assert len(runs) == 1
    assert Period.objects.filter(cycle=weekly, key="2021-W25").exists()


# --- reminders --------------------------------------------------------------------------------


def _open(weekly: Cycle) -> Period:
    return services.open_period(weekly, "2021-W25").period


def test_reminder_moments_and_levels(world: World, weekly: Cycle) -> None:
    period = _open(weekly)
    slots = chasing.slots_of(period)
    assert [(s.level, s.overdue) for s in slots] == [
        (1, False),  # 24 office hours before
        (1, False),  # 2 office hours before
        (1, True),  # 1 working day after: Monday 28th
        (2, True),
        (3, True),
    ]
    assert all(s.at < period.due_at for s in slots[:2])
    assert [s.at for s in slots[2:]] == [
        at(2021, 6, 28, 17, 0),
        at(2021, 6, 29, 17, 0),
        at(2021, 6, 30, 17, 0),
    ]


def test_escalation_unit_then_head_then_sponsor_leader(
    world: World, weekly: Cycle, head_a: User
) -> None:
    period = _open(weekly)
    slots = chasing.slots_of(period)
    run = chasing.send_reminders(now=slots[0].at)  # Wednesday: both still drafting
    assert run.chased == 2
    assert _messages(world.editor_a, "report.due") == 1
    assert _messages(world.editor_b, "report.due") == 1
    assert _messages(head_a, "report.due") == 0
    # Then unit B sends its report before the due time; unit A never does.
    sub_b = period.submissions.get(unit=world.unit_b)
    services.submit(sub_b, actor=world.editor_b, expected_version=sub_b.version,
                    now=at(2021, 6, 24, 10, 0))  # fmt: skip

    chasing.send_reminders(now=slots[1].at)  # Friday, 2 office hours before: only A now
    assert _messages(world.editor_a, "report.due") == 2
    assert _messages(world.editor_b, "report.due") == 1

    chasing.send_reminders(now=slots[2].at)  # first day after: the unit's editors
    assert _messages(world.editor_a, "report.overdue") == 1
    assert _messages(head_a, "report.overdue") == 0
    assert _messages(world.leader, "report.overdue_leader") == 0

    chasing.send_reminders(now=slots[3].at)  # second: also the unit's head
    assert _messages(world.editor_a, "report.overdue") == 2
    assert _messages(head_a, "report.overdue") == 1
    assert _messages(world.leader, "report.overdue_leader") == 0

    chasing.send_reminders(now=slots[4].at)  # third: also the sponsor leader, by digest
    assert _messages(head_a, "report.overdue") == 2
    leader_message = Message.objects.get(recipient=world.leader, kind="report.overdue_leader")
    assert "区城管局" in leader_message.text and leader_message.urgency == "normal"
    assert _messages(world.editor_b, "report.overdue") == 0  # B was on time

    sub_a = period.submissions.get(unit=world.unit_a)
    rows = list(sub_a.chases.order_by("sent_at").values_list("slot", "level", "recipients"))
    assert rows == [
        (slots[0].key, 1, 1),
        (slots[1].key, 1, 1),
        (slots[2].key, 1, 1),
        (slots[3].key, 2, 2),  # editor and head
        (slots[4].key, 3, 3),  # and the leader
    ]
    assert not Chase.objects.filter(submission=sub_a, by__isnull=False).exists()


def test_the_sponsor_leader_reads_it_in_the_daily_digest(world: World, weekly: Cycle) -> None:
    User.objects.filter(pk=world.leader.pk).update(email="leader@example.org")
    Contact.objects.update_or_create(
        user=world.leader, defaults={"email_digest": Contact.Digest.DAILY}
    )
    period = _open(weekly)
    chasing.send_reminders(now=chasing.slots_of(period)[4].at)
    delivery = Delivery.objects.get(recipient=world.leader)
    assert (delivery.kind, delivery.channel, delivery.status) == (
        "report.overdue_leader",
        "email",
        "digest",
    )
    assert not delivery.urgent


def test_a_second_run_sends_nothing_twice(world: World, weekly: Cycle) -> None:
    period = _open(weekly)
    slot = chasing.slots_of(period)[2]
    assert chasing.send_reminders(now=slot.at).chased == 2
    messages = Message.objects.count()
    again = chasing.send_reminders(now=slot.at + dt.timedelta(minutes=15))
    assert again.chased == 0
    assert Message.objects.count() == messages
    assert Chase.objects.count() == 2


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_workers_chasing_at_once_send_each_reminder_once(world: World, weekly: Cycle) -> None:
    """PostgreSQL: two threads, each on its own connection, run the same reminder at once;
    the second waits on the period's lock and then finds nothing left to send."""
    period = _open(weekly)
    slot = chasing.slots_of(period)[2]
    barrier = threading.Barrier(2)
    chased: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            chased.append(chasing.send_reminders(now=slot.at).chased)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(chased) == [0, 2]
    assert Chase.objects.count() == 2
    assert _messages(world.editor_a, "report.overdue") == 1


def test_catch_up_after_a_gap_sends_only_the_latest_missed_reminder(
    world: World, weekly: Cycle, head_a: User
) -> None:
    period = _open(weekly)
    slots = chasing.slots_of(period)
    # The worker was stopped from Wednesday until Tuesday evening: four moments missed.
    late_run = slots[3].at + dt.timedelta(hours=2)
    assert chasing.send_reminders(now=late_run).chased == 2
    sub_a = period.submissions.get(unit=world.unit_a)
    assert list(sub_a.chases.values_list("slot", "level")) == [(slots[3].key, 2)]
    assert _messages(world.editor_a, "report.due") == 0
    assert _messages(world.editor_a, "report.overdue") == 1
    assert _messages(head_a, "report.overdue") == 1
    # Nothing more until the next moment; then its level.
    assert chasing.send_reminders(now=late_run + dt.timedelta(hours=1)).chased == 0
    assert chasing.send_reminders(now=slots[4].at).chased == 2
    assert sub_a.chases.count() == 2
    # A week after the last moment the period is left alone.
    assert chasing.latest_slot(slots, slots[4].at + chasing.CATCH_UP * 2) is None


def test_the_scheduled_job_chases(world: World, weekly: Cycle) -> None:
    period = _open(weekly)
    slot = chasing.slots_of(period)[2]
    run_due_jobs(now=slot.at + dt.timedelta(minutes=1), names=["reports.chase"])
    assert Chase.objects.filter(submission__period=period, slot=slot.key).count() == 2


def test_awaiting_sign_off_reminds_the_head_from_the_first_reminder(
    world: World, weekly: Cycle, head_a: User
) -> None:
    Cycle.objects.filter(pk=weekly.pk).update(needs_sign_off=True)
    weekly.refresh_from_db()
    period = _open(weekly)
    sub_a = period.submissions.get(unit=world.unit_a)
    sub_a = services.submit(sub_a, actor=world.editor_a, expected_version=sub_a.version)
    assert sub_a.status == Status.AWAITING_SIGN_OFF
    chasing.send_reminders(now=chasing.slots_of(period)[0].at)
    assert _messages(head_a, "report.due") == 1
    assert sub_a.chases.get().recipients == 2


# --- the 催报 button ----------------------------------------------------------------------------


def test_only_the_office_may_chase(world: World, weekly: Cycle) -> None:
    period = _open(weekly)
    sub_a = period.submissions.get(unit=world.unit_a)
    one = reverse("reports:chase", args=[sub_a.pk])
    every = reverse("reports:chase_period", args=[period.pk])
    assert client_for(world.editor_a).post(one).status_code == 403
    assert client_for(world.editor_a).post(every).status_code == 403
    assert client_for(world.editor_b).post(one).status_code == 404  # not B's to see
    assert client_for(world.outsider).post(every).status_code == 404  # another district
    assert client_for(world.office).get(one).status_code == 405
    assert not Chase.objects.exists()

    office = client_for(world.office)
    response = office.post(one, follow=True)
    assert response.status_code == 200
    assert "已催报1个单位" in response.content.decode()
    chase = Chase.objects.get()
    assert chase.manual and chase.by == world.office and chase.submission == sub_a
    assert AuditEvent.objects.filter(action="reports.chase", actor=world.office).count() == 1
    assert _messages(world.editor_a, "report.overdue") == 1  # long overdue by today
    assert chase.level == 3 and _messages(world.leader, "report.overdue_leader") == 1

    page = office.get(reverse("reports:submission", args=[sub_a.pk])).content.decode()
    assert "催报记录" in page and "专班催报" in page
    # The unit sees its chases too, without the button.
    unit_page = client_for(world.editor_a).get(reverse("reports:submission", args=[sub_a.pk]))
    text = unit_page.content.decode()
    assert "催报记录" in text and 'id="chase-submission"' not in text


def test_chasing_a_period_chases_every_unit_not_with_the_office(
    world: World, weekly: Cycle, head_a: User
) -> None:
    period = _open(weekly)
    sub_b = period.submissions.get(unit=world.unit_b)
    services.submit(sub_b, actor=world.editor_b, expected_version=sub_b.version,
                    now=at(2021, 6, 24, 10, 0))  # fmt: skip
    # Two working days after the due day: the unit and its head.
    n = chasing.chase_period(period, actor=world.office, now=at(2021, 6, 29, 10, 0))
    assert n == 1
    chase = Chase.objects.get()
    assert (chase.submission.unit_id, chase.level, chase.recipients) == (world.unit_a.pk, 2, 2)
    assert _messages(head_a, "report.overdue") == 1
    assert AuditEvent.objects.filter(action="reports.chase_period").count() == 1
    overview = client_for(world.office).get(reverse("reports:period", args=[period.pk]))
    assert 'id="chase-period"' in overview.content.decode()
    # Again a minute later: a new manual chase (the button may be pressed again).
    assert chasing.chase_period(period, actor=world.office, now=at(2021, 6, 29, 10, 1)) == 1
    # Everyone in: nothing to chase, and the page says so.
    sub_a = period.submissions.get(unit=world.unit_a)
    services.submit(sub_a, actor=world.editor_a, expected_version=sub_a.version)
    response = client_for(world.office).post(
        reverse("reports:chase_period", args=[period.pk]), follow=True
    )
    assert "无需催报" in response.content.decode()
    single = client_for(world.office).post(reverse("reports:chase", args=[sub_a.pk]), follow=True)
    assert "无需催报" in single.content.decode()
    assert Chase.objects.count() == 2


def test_manual_level_follows_working_days_late(world: World, weekly: Cycle) -> None:
    period = _open(weekly)  # due Friday 25 June 17:00
    assert chasing.manual_level(period, at(2021, 6, 25, 16, 0)) == 1
    assert chasing.manual_level(period, at(2021, 6, 27, 10, 0)) == 1  # the weekend
    assert chasing.manual_level(period, at(2021, 6, 28, 10, 0)) == 1
    assert chasing.manual_level(period, at(2021, 6, 29, 10, 0)) == 2
    assert chasing.manual_level(period, at(2021, 7, 5, 10, 0)) == 3


# --- punctuality ------------------------------------------------------------------------------


def _send(world: World, period: Period, unit_editor: User, when: dt.datetime) -> None:
    sub = period.submissions.get(unit__memberships__user=unit_editor)
    services.submit(sub, actor=unit_editor, expected_version=sub.version, now=when)


def test_punctuality_counts_and_ranks(world: World, weekly: Cycle) -> None:
    weekly.units.add(world.unit_c)
    w23, w24, w25 = (
        services.open_period(weekly, k).period for k in ("2021-W23", "2021-W24", "2021-W25")
    )
    # Due: Friday 11 June (W23), 18 June (W24), 25 June (W25), 17:00.
    _send(world, w23, world.editor_a, at(2021, 6, 11, 9, 0))
    _send(world, w23, world.editor_b, at(2021, 6, 11, 17, 0))  # at the due time: on time
    _send(world, w23, world.partner_editor, at(2021, 6, 10, 9, 0))
    _send(world, w24, world.editor_a, at(2021, 6, 21, 9, 0))  # late
    _send(world, w24, world.editor_b, at(2021, 6, 18, 9, 0))
    _send(world, w25, world.editor_b, at(2021, 6, 25, 9, 0))
    # unit C misses W24 and W25; unit A misses W25.

    rows = chasing.punctuality(weekly, now=at(2021, 7, 1, 9, 0))
    assert [(r.unit, r.on_time, r.late, r.missing, r.rank) for r in rows] == [
        ("区教育局", 3, 0, 0, 1),
        ("区城管局", 1, 1, 1, 2),
        ("区住建局", 1, 0, 2, 3),
    ]
    # Up to week 24 only.
    rows = chasing.punctuality(weekly, up_to=w24, now=at(2021, 7, 1, 9, 0))
    assert [(r.unit, r.on_time, r.late, r.missing, r.rank) for r in rows] == [
        ("区教育局", 2, 0, 0, 1),
        ("区城管局", 1, 1, 0, 2),
        ("区住建局", 1, 0, 1, 3),
    ]
    # Before week 25's due time, it is not counted; equal counts share a rank.
    rows = chasing.punctuality(weekly, now=at(2021, 6, 25, 12, 0))
    assert [(r.unit, r.rank) for r in rows] == [("区教育局", 1), ("区城管局", 2), ("区住建局", 3)]
    assert rows[1].late == 1 and rows[1].missing == 0
    assert chasing.punctuality(weekly, now=at(2021, 6, 11, 12, 0)) == []
    assert w25.pk  # opened, its due time not passed then


def test_equal_counts_share_a_rank_and_sort_by_name(world: World, weekly: Cycle) -> None:
    period = services.open_period(weekly, "2021-W23").period
    rows = chasing.punctuality(weekly, now=at(2021, 7, 1, 9, 0))
    assert [(r.unit, r.missing, r.rank) for r in rows] == sorted(
        [("区城管局", 1, 1), ("区教育局", 1, 1)]
    )
    assert period.submissions.count() == 2


def test_the_cycle_page_shows_punctuality(world: World, weekly: Cycle) -> None:
    services.open_period(weekly, "2021-W23")
    page = client_for(world.office).get(reverse("reports:cycle", args=[weekly.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "报送及时情况" in text and "区城管局" in text
