"""Opening periods on time, chasing (催报) the units' reports, and punctuality.

**Opening** (``open_due_periods``, the job ``reports.open_periods`` every 15 minutes): for
each active cycle, the period (the previous, the current or the next of its cadence; a
one-off cycle's one day) whose opening (``periods.opens_at``) has come, whose due time has
not passed, and that is not opened yet, is opened through ``services.open_period`` with no
actor. A period whose due time passed before it was opened is left to the office (the cycle
page's 开启 form): opening it late would count every unit missing at once.

**Reminders** (``send_reminders``, the job ``reports.chase`` every 15 minutes): a
submission that has never reached the office (``first_submitted_at`` empty) is reminded at
the period's reminder moments (``periods.reminder_times``: the cycle's
``remind_before_hours`` office hours before the due time, ``remind_after_workdays`` working
days after it, on the district's calendar). Each moment has a **level**:

1. before the due time, and the first moment after it: the unit's editors (and the unit's
   group robots: ``notify()`` of the unit);
2. the second moment after it: also the unit's heads (单位负责人);
3. the third and later: also the sponsor leaders (``Person.user``) of the unit's items in the
   cycle's programme, one message per leader naming the late units (kind
   ``report.overdue_leader``, not urgent: a leader who chose the daily e-mail digest reads it
   there).

A submission awaiting its head's sign-off reminds the heads at every level. Every reminder
is a ``Chase`` row, unique per (submission, slot): a second run sends nothing twice. After a
gap (a stopped worker) a run sends only the latest moment that has come (moments older than
``CATCH_UP`` are not sent), never the ones in between.

**催报** (``chase_submission``, ``chase_period``): the office chases one submission, or every
submission of a period that is not with it; slot "manual-<time>", level by how many working
days the period is late (``manual_level``), audited.

**Punctuality** (``punctuality``): per unit over a cycle's periods whose due time has
passed: on time, late, missing, ranked.

Speed: one ``notify()`` per period and reminder (all its units at once; one per leader at
level 3), the ``Chase`` rows in one ``bulk_create``; a run over 1,000 late submissions takes
well under the 5 s the issue asks (``scripts/bench_chasing.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import NotFound, ValidationFailed
from shishi.ledger.models import Item
from shishi.notify.services import notify
from shishi.orgs.models import Membership, Role, Unit, User
from shishi.orgs.permissions import scope_for
from shishi.orgs.selectors import account_labels
from shishi.reports import periods as period_rules
from shishi.reports import permissions, services
from shishi.reports.documents.data import UnitPunctuality
from shishi.reports.models import Chase, Cycle, Period, Submission
from shishi.workdays import calendar

Status = Submission.Status

LEVEL_UNIT = 1
LEVEL_HEAD = 2
LEVEL_LEADERS = 3
LEVEL_LABELS = {
    LEVEL_UNIT: "单位填报员",
    LEVEL_HEAD: "单位填报员、单位负责人",
    LEVEL_LEADERS: "单位填报员、单位负责人、包保领导",
}
CATCH_UP = dt.timedelta(days=7)  # a missed reminder older than this is not sent any more
LOOKBACK = dt.timedelta(days=120)  # periods due longer ago are not chased by the scheduler
MANUAL = "manual-"
LEADER_UNITS_SHOWN = 10
logger = logging.getLogger(__name__)


# --- opening periods on time ------------------------------------------------------------------


def _candidates(cycle: Cycle, today: dt.date) -> list[period_rules.Period]:
    cadence = period_rules.Cadence(cycle.cadence)
    if cadence is period_rules.Cadence.ONCE:
        return (
            [period_rules.parse_period(cycle.once_on.isoformat(), cadence)] if cycle.once_on else []
        )
    current = period_rules.period_of(today, cadence)
    return [
        period_rules.previous_period(current),
        current,
        period_rules.next_period(current),
    ]


def open_due_periods(*, now: dt.datetime | None = None) -> list[Period]:
    """Open every active cycle's period whose opening has come and that is not opened yet
    (see the module's docstring); the periods opened. Idempotent."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    opened: list[Period] = []
    for cycle in Cycle.objects.filter(is_active=True).order_by("pk"):
        try:
            candidates = _candidates(cycle, today)
        except period_rules.PeriodError:
            continue
        if not candidates:
            continue
        have = set(
            cycle.periods.filter(key__in=[p.key for p in candidates]).values_list("key", flat=True)
        )
        rule = services.due_rule(cycle)
        for candidate in candidates:
            if candidate.key in have:
                continue
            times = period_rules.schedule(candidate, rule, jurisdiction=cycle.jurisdiction_id)
            if times.opens_at <= now < times.due_at:
                try:
                    opened.append(services.open_period(cycle, candidate.key, actor=None).period)
                except ValidationFailed as exc:  # one cycle's trouble stops no other
                    logger.warning(
                        "cycle %s: period %s not opened: %s", cycle.pk, candidate.key, exc
                    )
    return opened


# --- reminder moments -------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One reminder moment of a period and whom it reaches."""

    at: dt.datetime
    level: int
    overdue: bool

    @property
    def key(self) -> str:
        return slot_key(self.at)


def slot_key(at: dt.datetime) -> str:
    """A reminder moment as ``Chase.slot`` keeps it: ISO, Asia/Shanghai, to the second."""
    return at.astimezone(calendar.SHANGHAI).isoformat(timespec="seconds")


def _numbers(text: str) -> list[str]:
    return [t.strip() for t in (text or "").replace("，", ",").split(",") if t.strip()]


def before_hours(cycle: Cycle) -> list[Decimal]:
    """The cycle's ``remind_before_hours`` as numbers (what is no number is left out)."""
    out = []
    for token in _numbers(cycle.remind_before_hours):
        try:
            value = Decimal(token)
        except InvalidOperation:
            continue
        if value.is_finite() and 0 <= value <= 10_000:
            out.append(value)
    return out


def after_workdays(cycle: Cycle) -> list[int]:
    """The cycle's ``remind_after_workdays`` as whole numbers (others are left out)."""
    return [int(t) for t in _numbers(cycle.remind_after_workdays) if t.isdigit() and int(t) <= 1000]


def slots_of(period: Period, cycle: Cycle | None = None) -> list[Slot]:
    """The period's reminder moments with their levels, in order."""
    cycle = cycle or period.cycle
    try:
        rule = services.period_for(cycle, period.key)
    except period_rules.PeriodError:
        return []
    opening = period_rules.opens_at(
        rule, services.due_rule(cycle), jurisdiction=cycle.jurisdiction_id
    )
    moments = period_rules.reminder_times(
        period.due_at,
        before_hours=before_hours(cycle),
        after_workdays=after_workdays(cycle),
        jurisdiction=cycle.jurisdiction_id,
        not_before=opening,
    )
    out: list[Slot] = []
    after = 0
    for at in moments:
        if at < period.due_at:
            out.append(Slot(at, LEVEL_UNIT, overdue=False))
        else:
            after += 1
            out.append(Slot(at, min(after, LEVEL_LEADERS), overdue=True))
    return out


def latest_slot(slots: Sequence[Slot], now: dt.datetime) -> Slot | None:
    """The latest moment that has come, unless it is older than ``CATCH_UP``."""
    come = [s for s in slots if s.at <= now]
    if not come or come[-1].at < now - CATCH_UP:
        return None
    return come[-1]


def working_days_late(period: Period, now: dt.datetime) -> int:
    """Working days since the due day (0 on the due day after the due time; -1 before it);
    counted up to 3 (enough for a level)."""
    if now < period.due_at:
        return -1
    jurisdiction = period.cycle.jurisdiction_id
    day = timezone.localtime(period.due_at).date()
    today = timezone.localtime(now).date()
    n = 0
    while day < today and n < LEVEL_LEADERS:
        day += dt.timedelta(days=1)
        if calendar.is_working_day(day, jurisdiction=jurisdiction):
            n += 1
    return n


def manual_level(period: Period, now: dt.datetime) -> int:
    """The 催报 button's level: before the due time and up to the first working day after
    it, the unit; the second, also its head; from the third, also the sponsor leaders."""
    late = working_days_late(period, now)
    if late <= 1:
        return LEVEL_UNIT
    return LEVEL_HEAD if late == 2 else LEVEL_LEADERS


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A submission to remind, with the level of this reminder."""

    submission_id: int
    unit_id: int
    unit_name: str
    status: str
    level: int


def _members(unit_ids: Iterable[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """unit id → its active editors' ids, and → its active heads' ids (one query)."""
    editors: dict[int, set[int]] = defaultdict(set)
    heads: dict[int, set[int]] = defaultdict(set)
    wanted = list(set(unit_ids))
    for start in range(0, len(wanted), 5000):
        rows = Membership.objects.filter(
            unit_id__in=wanted[start : start + 5000],
            role__in=(Role.UNIT_EDITOR, Role.UNIT_HEAD),
            user__is_active=True,
        ).values_list("unit_id", "role", "user_id")
        for unit_id, role, user_id in rows:
            (editors if role == Role.UNIT_EDITOR else heads)[unit_id].add(user_id)
    return editors, heads


def _leaders(cycle: Cycle, unit_ids: Iterable[int]) -> dict[int, set[int]]:
    """unit id → the accounts of the sponsor leaders of its items in the cycle's programme."""
    out: dict[int, set[int]] = defaultdict(set)
    wanted = list(set(unit_ids))
    through = Item.sponsor_leaders.through
    for start in range(0, len(wanted), 5000):
        rows = through.objects.filter(
            item__programme_id=cycle.programme_id,
            item__lead_unit_id__in=wanted[start : start + 5000],
            person__user__isnull=False,
            person__user__is_active=True,
        ).values_list("item__lead_unit_id", "person__user_id")
        for unit_id, user_id in rows:
            out[unit_id].add(user_id)
    return out


def _due_text(period: Period) -> str:
    local = timezone.localtime(period.due_at)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _send(
    period: Period,
    targets: Sequence[Target],
    *,
    slot: str,
    overdue: bool,
    by: Any,
    now: dt.datetime,
) -> list[Chase]:
    """Remind ``targets`` (submissions of one period) at once and log each as a ``Chase``;
    runs in the caller's transaction."""
    if not targets:
        return []
    cycle = period.cycle
    unit_ids = [t.unit_id for t in targets]
    editors, heads = _members(unit_ids)
    needs_leaders = [t.unit_id for t in targets if t.level >= LEVEL_LEADERS]
    leaders = _leaders(cycle, needs_leaders) if needs_leaders else {}
    context = {"title": f"{cycle.name} {period.label}", "due": _due_text(period)}
    head_ids: set[int] = set()
    counts: dict[int, int] = {}
    for t in targets:
        reached = set(editors.get(t.unit_id, ()))
        if t.level >= LEVEL_HEAD or t.status == Status.AWAITING_SIGN_OFF:
            reached |= heads.get(t.unit_id, set())
            head_ids |= heads.get(t.unit_id, set())
        if t.level >= LEVEL_LEADERS:
            reached |= leaders.get(t.unit_id, set())
        counts[t.submission_id] = len(reached)
    link = (
        reverse("reports:submission", args=[targets[0].submission_id])
        if len(targets) == 1
        else reverse("reports:index")
    )
    recipients: list[Any] = list(Unit.objects.filter(pk__in=unit_ids).only("pk"))
    recipients += list(User.objects.filter(pk__in=head_ids).only("pk"))
    notify(
        recipients,
        "report.overdue" if overdue else "report.due",
        context,
        link=link,
        dedupe_key=f"chase:{period.pk}:{slot}",
        jurisdiction=cycle.jurisdiction_id,
    )
    # Each leader once, naming their late units.
    by_leader: dict[int, list[str]] = defaultdict(list)
    for t in targets:
        if t.level >= LEVEL_LEADERS:
            for user_id in leaders.get(t.unit_id, ()):
                by_leader[user_id].append(t.unit_name)
    leader_users = {u.pk: u for u in User.objects.filter(pk__in=list(by_leader)).only("pk")}
    overview = reverse("reports:period", args=[period.pk])
    for user_id, names in sorted(by_leader.items()):
        if user_id not in leader_users:
            continue
        shown = "、".join(sorted(names)[:LEADER_UNITS_SHOWN])
        if len(names) > LEADER_UNITS_SHOWN:
            shown += "等"
        notify(
            [leader_users[user_id]],
            "report.overdue_leader",
            {**context, "units": shown, "count": len(names)},
            link=overview,
            dedupe_key=f"chase-leader:{period.pk}:{slot}",
            jurisdiction=cycle.jurisdiction_id,
        )
    by_id = getattr(by, "pk", None)
    return Chase.objects.bulk_create(
        [
            Chase(
                submission_id=t.submission_id,
                slot=slot,
                level=t.level,
                recipients=counts[t.submission_id],
                by_id=by_id,
                sent_at=now,
            )
            for t in targets
        ],
        batch_size=2000,
    )


@dataclass
class ReminderRun:
    periods: int = 0  # periods with a reminder sent
    chased: int = 0  # submissions reminded


def send_reminders(*, now: dt.datetime | None = None) -> ReminderRun:
    """Send each submission not yet with the office the latest reminder that has come and
    was not sent (see the module's docstring)."""
    now = now or timezone.now()
    run = ReminderRun()
    periods = (
        Period.objects.filter(cycle__is_active=True, due_at__gte=now - LOOKBACK)
        .select_related("cycle")
        .order_by("pk")
    )
    for period in periods:
        slot = latest_slot(slots_of(period, period.cycle), now)
        if slot is None:
            continue
        with transaction.atomic():
            # One run per period at a time: the lock, then what is still to send.
            Period.objects.select_for_update().filter(pk=period.pk).first()
            pending = (
                period.submissions.filter(first_submitted_at__isnull=True)
                .exclude(chases__slot=slot.key)
                .order_by("pk")
                .values_list("pk", "unit_id", "unit__name", "status")
            )
            targets = [Target(pk, u, name, st, slot.level) for pk, u, name, st in pending]
            sent = _send(period, targets, slot=slot.key, overdue=slot.overdue, by=None, now=now)
        if sent:
            run.periods += 1
            run.chased += len(sent)
    return run


# --- the office's 催报 button -------------------------------------------------------------------


def _manual_slot(now: dt.datetime) -> str:
    return MANUAL + now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")


def chase_submission(submission: Submission, *, actor: Any, now: dt.datetime | None = None) -> int:
    """The office reminds one unit of its report now; how many were chased (1)."""
    permissions.require_office(actor, submission.jurisdiction_id)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Submission.objects.select_for_update()
            .select_related("period__cycle", "unit")
            .get(pk=submission.pk)
        )
        if locked.status == Status.SUBMITTED:
            raise ValidationFailed("这份报送已报送专班，无需催报")
        period = locked.period
        level = manual_level(period, now)
        target = Target(locked.pk, locked.unit_id, locked.unit.name, locked.status, level)
        _send(period, [target], slot=_manual_slot(now), overdue=now >= period.due_at,
              by=actor, now=now)  # fmt: skip
        audit.record(
            actor=actor,
            action="reports.chase",
            target=locked,
            changes={"level": [None, level]},
            jurisdiction_id=locked.jurisdiction_id,
        )
    return 1


def chase_period(period: Period, *, actor: Any, now: dt.datetime | None = None) -> int:
    """The office reminds every unit of the period whose report is not with it (drafts,
    awaiting sign-off, returned); how many were chased."""
    cycle = period.cycle
    permissions.require_office(actor, cycle.jurisdiction_id)
    now = now or timezone.now()
    level = manual_level(period, now)
    with transaction.atomic():
        Period.objects.select_for_update().filter(pk=period.pk).first()
        pending = (
            period.submissions.exclude(status=Status.SUBMITTED)
            .order_by("pk")
            .values_list("pk", "unit_id", "unit__name", "status")
        )
        targets = [Target(pk, u, name, st, level) for pk, u, name, st in pending]
        sent = _send(period, targets, slot=_manual_slot(now), overdue=now >= period.due_at,
                     by=actor, now=now)  # fmt: skip
        if sent:
            audit.record(
                actor=actor,
                action="reports.chase_period",
                target=period,
                changes={"chased": [None, len(sent)], "level": [None, level]},
                jurisdiction_id=cycle.jurisdiction_id,
            )
    return len(sent)


# --- reads ------------------------------------------------------------------------------------


def access_period(user: Any, pk: int) -> Period:
    """The period if the user may read its district (the office check is the service's)."""
    period = Period.objects.select_related("cycle").filter(pk=pk).first()
    if period is None or not scope_for(user).can_read_jurisdiction(period.cycle.jurisdiction_id):
        raise NotFound("没有找到这一期")
    return period


@dataclass(frozen=True)
class ChaseRow:
    sent_at: dt.datetime
    manual: bool
    by: str  # the office's person for the 催报 button, "" for the scheduler
    level: int
    reached: str  # whom, by role
    recipients: int


def chases_of(submission: Submission) -> list[ChaseRow]:
    """The submission's reminders, oldest first: when, by whom, to whom (roles and a
    count, no names)."""
    chases = list(submission.chases.order_by("sent_at", "pk"))
    names = account_labels(c.by_id for c in chases)
    return [
        ChaseRow(
            sent_at=c.sent_at,
            manual=c.manual,
            by=names.get(c.by_id, "") if c.by_id else "",
            level=c.level,
            reached=LEVEL_LABELS.get(c.level, ""),
            recipients=c.recipients,
        )
        for c in chases
    ]


def punctuality(
    cycle: Cycle, *, up_to: Period | None = None, now: dt.datetime | None = None
) -> list[UnitPunctuality]:
    """Per unit, over the cycle's periods whose due time has passed (up to ``up_to``'s
    start when given): submissions that first reached the office by the due time, after it,
    and not at all. Ranked by fewest missing, then fewest late (equal counts share a rank),
    then by name. One query. The rows are ``documents.data.UnitPunctuality``, as the
    compiled report takes them."""
    now = now or timezone.now()
    periods = Q(period__cycle=cycle, period__due_at__lte=now)
    if up_to is not None:
        periods &= Q(period__start__lte=up_to.start)
    rows = (
        Submission.objects.filter(periods)
        .values("unit_id", "unit__name")
        .annotate(
            on_time=Count("pk", filter=Q(first_submitted_at__lte=F("period__due_at"))),
            late=Count("pk", filter=Q(first_submitted_at__gt=F("period__due_at"))),
            missing=Count("pk", filter=Q(first_submitted_at__isnull=True)),
        )
    )
    ordered = sorted(rows, key=lambda r: (r["missing"], r["late"], r["unit__name"], r["unit_id"]))
    out: list[UnitPunctuality] = []
    rank = 0
    previous: tuple[int, int] | None = None
    for position, r in enumerate(ordered, start=1):
        score = (r["missing"], r["late"])
        if score != previous:
            rank, previous = position, score
        out.append(
            UnitPunctuality(
                unit=r["unit__name"],
                on_time=r["on_time"],
                late=r["late"],
                missing=r["missing"],
                rank=rank,
            )
        )
    return out
