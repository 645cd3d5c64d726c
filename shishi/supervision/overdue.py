"""The morning run of overdue cards and reminders (the job ``supervision.cards``).

``refresh_cards(today)`` sets ``Finding.card`` (findings to rectify that are the unit's turn:
open or returned) and ``Instruction.card`` (open instructions, not yet answered) by the rule
of ``supervision.cards`` — working days of each district's calendar — and tells people:

- ``rectification.overdue`` (level ``due``) to the responsible unit on the working day before
  a rectification's deadline;
- ``rectification.overdue`` (``yellow``) to the unit when the finding gets a yellow card, and
  (``red``) when it turns red — then also to the district's office and the sponsor leaders
  of the finding's linked items;
- ``instruction.overdue`` (``yellow``) to the unit; (``red``) also to the leader who wrote it
  (for a paper instruction, the office account that entered it).

Each notice once per record, deadline and level (``dedupe_key``): a second run on the same
day, or after a crash, tells no one twice. Cards are derived state: writing them bumps no
``version`` (a unit's form open overnight stays valid) and records no audit event.

In bulk: the rows are read in one query per table, the cards computed once per distinct
(district, deadline, red_after) — ``cards.card_for`` through the calendar, which loads a
district's year once — and written with one UPDATE per card value (per 5,000 ids). The
notices are one ``notify`` call per record told (a few a day). A card a service set
(a rectification returned after its deadline, a paper instruction entered late) is told
the morning after, as the service leaves no notice of it: the run also tells carded
records changed since the previous run (``since``; the notify call of one already told
writes nothing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shishi.notify import kinds
from shishi.notify.services import notify
from shishi.orgs.models import Jurisdiction, Unit, User
from shishi.supervision import cards
from shishi.supervision.models import Card, Finding, Instruction
from shishi.workdays.calendar import add_working_days, is_working_day, working_days_between

CHUNK = 5000
TO_TELL = (Finding.Status.OPEN, Finding.Status.RETURNED)  # the unit's turn: cards count
# A card set by a service since the previous run (its ``updated_at``) is told by this run:
# the job passes its previous slot; by hand, the last day.
RECENT = dt.timedelta(days=1)
LABELS: dict[str, str] = {Card.YELLOW: "黄牌", Card.RED: "红牌"}


@dataclass
class CardRun:
    """What one run did: cards changed and notices sent, per table."""

    findings_changed: int = 0
    instructions_changed: int = 0
    findings_told: int = 0
    instructions_told: int = 0
    reminders: int = 0


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _brief(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class _Rule:
    """``cards.card_for`` once per distinct (district, deadline, red_after)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.seen: dict[tuple[int, dt.date, int], str] = {}

    def card(self, jurisdiction_id: int, deadline: dt.date | None, red_after: int) -> str:
        if deadline is None or deadline >= self.today:
            return Card.NONE
        key = (jurisdiction_id, deadline, red_after)
        if key not in self.seen:
            self.seen[key] = cards.card_for(
                deadline, self.today, red_after=red_after, jurisdiction=jurisdiction_id
            )
        return self.seen[key]

    def late(self, jurisdiction_id: int, deadline: dt.date) -> int:
        return working_days_between(deadline, self.today, jurisdiction=jurisdiction_id)


def _write(model: Any, changes: dict[str, list[int]], open_q: Q) -> None:
    """One UPDATE per card value; ``open_q`` again in the UPDATE, so a record a unit answered
    since it was read keeps the card its service gave it (none)."""
    for card, ids in changes.items():
        for chunk in _chunks(sorted(ids)):
            model.objects.filter(open_q, pk__in=chunk).update(card=card)


def refresh_cards(today: dt.date | None = None, *, since: dt.datetime | None = None) -> CardRun:
    """Set every card as of ``today`` and send the notices due; see the module's docstring.
    ``since``: the previous run (default: a day ago), for the cards services set since."""
    today = today or timezone.localdate()
    run = CardRun()
    rule = _Rule(today)
    since = since or timezone.now() - RECENT
    with transaction.atomic():
        run.findings_changed, findings_to_tell = _finding_cards(rule, since)
        run.instructions_changed, instructions_to_tell = _instruction_cards(rule, since)
        run.findings_told = _tell_findings(findings_to_tell, rule)
        run.instructions_told = _tell_instructions(instructions_to_tell, rule)
        run.reminders = _remind(today)
    return run


# --- findings -------------------------------------------------------------------------------

FINDING_OPEN_Q = Q(kind=Finding.Kind.TO_RECTIFY, status__in=TO_TELL)


def _finding_cards(rule: _Rule, since: dt.datetime) -> tuple[int, list[int]]:
    """Write the findings' cards; the changed count and the ids of findings to tell."""
    # A card on a finding that is not the unit's turn any more (answered, closed): none.
    stale = Finding.objects.exclude(card=Card.NONE).exclude(FINDING_OPEN_Q)
    changed = stale.update(card=Card.NONE)
    rows = (
        Finding.objects.filter(FINDING_OPEN_Q)
        .filter(Q(deadline__lt=rule.today) | ~Q(card=Card.NONE))
        .order_by()
        .values_list(
            "pk", "jurisdiction_id", "deadline", "card", "updated_at", "round__red_after_workdays"
        )
    )
    writes: dict[str, list[int]] = defaultdict(list)
    tell: list[int] = []
    for pk, district, deadline, old, updated_at, red_after in rows.iterator(chunk_size=CHUNK):
        new = rule.card(district, deadline, red_after)
        if new != old:
            writes[new].append(pk)
        if new and (new != old or updated_at >= since):
            tell.append(pk)
    _write(Finding, writes, FINDING_OPEN_Q)
    return changed + sum(len(ids) for ids in writes.values()), tell


def _finding_link(pk: int) -> str:
    return reverse("supervision:finding", args=[pk])


def _finding_context(finding: Finding, level: str, late: int = 0) -> dict[str, Any]:
    return {
        "level": level,
        "card": LABELS.get(level, ""),
        "late": late,
        "round": finding.round.name,
        "unit": finding.responsible_unit.name,
        "problem": _brief(finding.problem, 60),
        "brief": _brief(finding.problem, 20),
        "deadline": f"{finding.deadline:%Y-%m-%d}" if finding.deadline else "",
    }


def _leader_users(finding_ids: Iterable[int]) -> dict[int, set[int]]:
    """finding id → the accounts of the sponsor leaders of its linked items (one query)."""
    out: dict[int, set[int]] = defaultdict(set)
    rows = Finding.items.through.objects.filter(
        finding_id__in=list(finding_ids), item__sponsor_leaders__user__isnull=False
    ).values_list("finding_id", "item__sponsor_leaders__user_id")
    for finding_id, user_id in rows:
        out[finding_id].add(user_id)
    return out


def _tell_findings(ids: list[int], rule: _Rule) -> int:
    if not ids:
        return 0
    findings = list(
        Finding.objects.filter(pk__in=ids, card__in=(Card.YELLOW, Card.RED))
        .select_related("round", "responsible_unit", "jurisdiction")
        .order_by("pk")
    )
    reds = [f.pk for f in findings if f.card == Card.RED]
    leaders = _leader_users(reds) if reds else {}
    users = {u.pk: u for u in User.objects.filter(pk__in={u for s in leaders.values() for u in s})}
    for finding in findings:
        assert finding.deadline is not None
        recipients: list[Unit | Jurisdiction | User] = [finding.responsible_unit]
        if finding.card == Card.RED:
            recipients.append(finding.jurisdiction)
            recipients += [users[u] for u in sorted(leaders.get(finding.pk, ()))]
        late = rule.late(finding.jurisdiction_id, finding.deadline)
        notify(
            recipients,
            kinds.RECTIFICATION_OVERDUE.name,
            _finding_context(finding, finding.card, late),
            urgency="urgent" if finding.card == Card.RED else None,
            dedupe_key=f"rectification.overdue:{finding.pk}:{finding.deadline}:{finding.card}",
            link=_finding_link(finding.pk),
            jurisdiction=finding.jurisdiction_id,
        )
    return len(findings)


def _remind(today: dt.date) -> int:
    """On a working day, tell each unit of its rectifications due by the next working day
    (a deadline on the weekend or holiday after it too)."""
    candidates = list(
        Finding.objects.filter(
            FINDING_OPEN_Q,
            deadline__gt=today,
            deadline__lte=today + dt.timedelta(days=31),  # the longest holiday run, and more
        )
        .values_list("jurisdiction_id", "deadline")
        .distinct()
        .order_by()
    )
    due: dict[int, dt.date] = {}
    for district in {d for d, _ in candidates}:
        if is_working_day(today, jurisdiction=district):
            due[district] = add_working_days(today, 1, jurisdiction=district)
    pairs = [
        (d, deadline)
        for d, deadline in candidates
        if d in due and deadline is not None and deadline <= due[d]
    ]
    if not pairs:
        return 0
    q = Q()
    for district, deadline in pairs:
        q |= Q(jurisdiction_id=district, deadline=deadline)
    findings = list(
        Finding.objects.filter(FINDING_OPEN_Q)
        .filter(q)
        .select_related("round", "responsible_unit")
        .order_by("pk")
    )
    for finding in findings:
        notify(
            [finding.responsible_unit],
            kinds.RECTIFICATION_OVERDUE.name,
            _finding_context(finding, "due"),
            urgency="urgent",
            dedupe_key=f"rectification.overdue:{finding.pk}:{finding.deadline}:due",
            link=_finding_link(finding.pk),
            jurisdiction=finding.jurisdiction_id,
        )
    return len(findings)


# --- instructions ---------------------------------------------------------------------------

INSTRUCTION_OPEN_Q = Q(status=Instruction.Status.OPEN)


def _instruction_cards(rule: _Rule, since: dt.datetime) -> tuple[int, list[int]]:
    stale = Instruction.objects.exclude(card=Card.NONE).exclude(INSTRUCTION_OPEN_Q)
    changed = stale.update(card=Card.NONE)
    red_after = cards.instruction_red_after()
    rows = (
        Instruction.objects.filter(INSTRUCTION_OPEN_Q)
        .filter(Q(answer_by__lt=rule.today) | ~Q(card=Card.NONE))
        .order_by()
        .values_list("pk", "jurisdiction_id", "answer_by", "card", "updated_at")
    )
    writes: dict[str, list[int]] = defaultdict(list)
    tell: list[int] = []
    for pk, district, answer_by, old, updated_at in rows.iterator(chunk_size=CHUNK):
        new = rule.card(district, answer_by, red_after)
        if new != old:
            writes[new].append(pk)
        if new and (new != old or updated_at >= since):
            tell.append(pk)
    _write(Instruction, writes, INSTRUCTION_OPEN_Q)
    return changed + sum(len(ids) for ids in writes.values()), tell


def _tell_instructions(ids: list[int], rule: _Rule) -> int:
    if not ids:
        return 0
    instructions = list(
        Instruction.objects.filter(pk__in=ids, card__in=(Card.YELLOW, Card.RED))
        .select_related("unit", "author", "entered_by")
        .order_by("pk")
    )
    for instruction in instructions:
        recipients: list[Unit | User] = [instruction.unit]
        if instruction.card == Card.RED:
            leader = instruction.author or instruction.entered_by
            if leader is not None and leader.is_active:
                recipients.append(leader)
        notify(
            recipients,
            kinds.INSTRUCTION_OVERDUE.name,
            {
                "level": instruction.card,
                "card": LABELS[instruction.card],
                "late": rule.late(instruction.jurisdiction_id, instruction.answer_by),
                "author": instruction.author_name,
                "unit": instruction.unit.name,
                "text": _brief(instruction.text, 60),
                "answer_by": f"{instruction.answer_by:%Y-%m-%d}",
            },
            urgency="urgent" if instruction.card == Card.RED else None,
            dedupe_key=(
                f"instruction.overdue:{instruction.pk}:{instruction.answer_by}:{instruction.card}"
            ),
            link=reverse("supervision:instruction", args=[instruction.pk]),
            jurisdiction=instruction.jurisdiction_id,
        )
    return len(instructions)
