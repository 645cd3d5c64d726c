"""What supervision shows on other apps' pages, through their registries (registered in
``SupervisionConfig.ready()``; the lower apps never import supervision):

- the ledger's item page (``ledger.item_panels``): the item's open findings (problem, unit,
  deadline, card) and open instructions (author, text, answer-by, card);
- the battle board (``board.panels``): on the programme's board a 督办 panel — open
  rectifications with their yellow and red cards, open instructions — of the district; on a
  unit's board the unit's open findings and instructions; on a sponsor leader's board the
  instructions he wrote that are still open and the open findings of the items he sponsors;
- the compiled reports (``reports.extras``): a 督办整改 part — rectifications opened, closed
  and overdue in the period, and the instructions still open at its end.

Each shows only what the user may read (``permissions.findings_q`` / ``instructions_q``) and
costs one or two queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, Value
from django.db.models.functions import TruncDate

from shishi.board.panels import BoardPage, Panel
from shishi.ledger.item_panels import ItemPanel
from shishi.ledger.models import Item, Programme
from shishi.reports.documents.data import ExtraPart, ExtraTable, Figure
from shishi.reports.models import Cycle, Period
from shishi.supervision import permissions
from shishi.supervision.models import OPEN_STATUSES, Card, Finding, Instruction

ITEM_ROWS = 20  # findings or instructions on an item page; "全部" on the supervision pages
BOARD_ROWS = 10  # on a unit's or leader's board
REPORT_ROWS = 200  # overdue rectifications and open instructions listed in a report

OPEN_INSTRUCTION = ~Q(status=Instruction.Status.SETTLED)


def _open_findings(user: Any) -> Any:
    return Finding.objects.filter(permissions.findings_q(user), status__in=OPEN_STATUSES)


def _open_instructions(user: Any) -> Any:
    return Instruction.objects.filter(permissions.instructions_q(user)).filter(OPEN_INSTRUCTION)


def _finding_rows(qs: Any, limit: int) -> list[Finding]:
    return list(
        qs.select_related("responsible_unit", "round")
        .only(
            "pk",
            "problem",
            "status",
            "deadline",
            "card",
            "responsible_unit__name",
            "round__code",
            "round__name",
        )
        .order_by(F("deadline").asc(nulls_last=True), "pk")[:limit]
    )


def _instruction_rows(qs: Any, limit: int) -> list[Instruction]:
    return list(
        qs.select_related("unit")
        .only(
            "pk",
            "author_name",
            "text",
            "answer_by",
            "status",
            "card",
            "written_on",
            "unit__name",
        )
        .order_by("answer_by", "pk")[:limit]
    )


# --- the item page ---------------------------------------------------------------------------


def item_panel(user: Any, item: Item) -> ItemPanel | None:
    """The item's open findings and instructions, and for a leader or the office the button
    to write an instruction on it; none when there is nothing to show."""
    findings = _finding_rows(_open_findings(user).filter(items=item), ITEM_ROWS + 1)
    instructions = _instruction_rows(_open_instructions(user).filter(item=item), ITEM_ROWS + 1)
    can_instruct = permissions.can_write_instruction(user, item.jurisdiction_id)
    if not findings and not instructions and not can_instruct:
        return None
    return ItemPanel(
        "supervision/_item_panel.html",
        {
            "findings": findings[:ITEM_ROWS],
            "more_findings": len(findings) > ITEM_ROWS,
            "instructions": instructions[:ITEM_ROWS],
            "more_instructions": len(instructions) > ITEM_ROWS,
            "can_instruct": can_instruct,
            "item_id": item.pk,
        },
    )


# --- the battle board ----------------------------------------------------------------------


def board_panel(
    user: Any, programme: Programme, as_of: dt.date | None, *, page: BoardPage
) -> Panel | None:
    """The board's 督办 panel (today's state: none on a past week's board)."""
    if as_of is not None:
        return None
    if page.unit_id is not None:
        return _scoped_panel(
            user,
            programme,
            Q(responsible_unit_id=page.unit_id),
            Q(unit_id=page.unit_id),
            scope="unit",
        )
    if page.leader_id is not None:
        findings = Q(items__sponsor_leaders=page.leader_id)
        instructions = Q(author__person=page.leader_id)  # the instructions he wrote
        return _scoped_panel(user, programme, findings, instructions, scope="leader")
    return _district_panel(user, programme)


def _district_panel(user: Any, programme: Programme) -> Panel | None:
    """Counts of the district's open rectifications (yellow, red) and open instructions,
    in one query."""
    district = programme.jurisdiction_id
    findings = (
        _open_findings(user)
        .filter(jurisdiction_id=district, kind=Finding.Kind.TO_RECTIFY)
        .annotate(source=Value("f"))
        .values("source", "card")
        .annotate(n=Count("pk"))
        .order_by()
    )
    instructions = (
        _open_instructions(user)
        .filter(jurisdiction_id=district)
        .annotate(source=Value("i"))
        .values("source", "card")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for row in findings.union(instructions, all=True):
        counts[(row["source"], row["card"])] = row["n"]
    if not counts:
        return None

    def total(source: str) -> int:
        return sum(n for (s, _card), n in counts.items() if s == source)

    return Panel(
        "supervision/_board_panel.html",
        {
            "scope": "district",
            "findings": total("f"),
            "yellow": counts.get(("f", Card.YELLOW), 0),
            "red": counts.get(("f", Card.RED), 0),
            "instructions": total("i"),
            "instructions_yellow": counts.get(("i", Card.YELLOW), 0),
            "instructions_red": counts.get(("i", Card.RED), 0),
        },
    )


def _scoped_panel(
    user: Any, programme: Programme, findings_q: Q, instructions_q: Q, *, scope: str
) -> Panel | None:
    district = programme.jurisdiction_id
    findings = _finding_rows(
        _open_findings(user).filter(findings_q, jurisdiction_id=district).distinct(),
        BOARD_ROWS + 1,
    )
    instructions = _instruction_rows(
        _open_instructions(user).filter(instructions_q, jurisdiction_id=district),
        BOARD_ROWS + 1,
    )
    if not findings and not instructions:
        return None
    return Panel(
        "supervision/_board_panel.html",
        {
            "scope": scope,
            "finding_rows": findings[:BOARD_ROWS],
            "more_findings": len(findings) > BOARD_ROWS,
            "instruction_rows": instructions[:BOARD_ROWS],
            "more_instructions": len(instructions) > BOARD_ROWS,
        },
    )


# --- the compiled reports ------------------------------------------------------------------


def _day(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


def report_part(cycle: Cycle, period: Period, today: dt.date) -> ExtraPart | None:
    """督办整改情况 of the period: rectifications found, closed out and overdue at its end,
    instructions written, settled and still open at its end; the overdue ones and the open
    instructions listed. None when the district had no supervision in or before it."""
    district = cycle.jurisdiction_id
    start, end = period.start, min(period.end, today)
    rectify = Finding.objects.filter(jurisdiction_id=district, kind=Finding.Kind.TO_RECTIFY)
    found = rectify.annotate(day=TruncDate("created_at"))
    counts = found.aggregate(
        opened=Count("pk", filter=Q(day__gte=start, day__lte=end)),
        closed=Count("pk", filter=Q(closed_on__gte=start, closed_on__lte=end)),
        open_at_end=Count(
            "pk", filter=Q(day__lte=end) & (Q(closed_on__isnull=True) | Q(closed_on__gt=end))
        ),
        overdue=Count(
            "pk",
            filter=Q(day__lte=end, deadline__lt=end)
            & (Q(closed_on__isnull=True) | Q(closed_on__gt=end)),
        ),
    )
    written = Instruction.objects.filter(jurisdiction_id=district)
    settled_or_open = written.aggregate(
        written=Count("pk", filter=Q(written_on__gte=start, written_on__lte=end)),
        settled=Count("pk", filter=Q(settled_on__gte=start, settled_on__lte=end)),
        open_at_end=Count(
            "pk",
            filter=Q(written_on__lte=end) & (Q(settled_on__isnull=True) | Q(settled_on__gt=end)),
        ),
    )
    if not any(counts.values()) and not any(settled_or_open.values()):
        return None
    overdue = list(
        found.filter(day__lte=end, deadline__lt=end)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=end))
        .select_related("responsible_unit", "round")
        .order_by("deadline", "pk")[:REPORT_ROWS]
    )
    still_open = list(
        written.filter(written_on__lte=end)
        .filter(Q(settled_on__isnull=True) | Q(settled_on__gt=end))
        .select_related("unit")
        .order_by("written_on", "pk")[:REPORT_ROWS]
    )
    return ExtraPart(
        key="supervision",
        heading="督办整改情况",
        figures=[
            Figure("新发现限期整改问题", counts["opened"], "个"),
            Figure("整改销号", counts["closed"], "个"),
            Figure("期末未销号", counts["open_at_end"], "个"),
            Figure("其中逾期", counts["overdue"], "个"),
            Figure("新收领导批示", settled_or_open["written"], "件"),
            Figure("批示办结", settled_or_open["settled"], "件"),
            Figure("期末未办结批示", settled_or_open["open_at_end"], "件"),
        ],
        tables=[
            ExtraTable(
                caption="逾期未销号的整改问题",
                headers=["轮次", "责任单位", "问题", "整改时限", "警示"],
                rows=[
                    [
                        f.round.code,
                        f.responsible_unit.name,
                        f.problem[:200],
                        _day(f.deadline),
                        f.get_card_display() if f.card else "",
                    ]
                    for f in overdue
                ],
                widths=[16, 30, 70, 22, 16],
            ),
            ExtraTable(
                caption="未办结的领导批示",
                headers=["批示领导", "批示日期", "批示内容", "承办单位", "答复时限"],
                rows=[
                    [
                        i.author_name,
                        _day(i.written_on),
                        i.text[:200],
                        i.unit.name,
                        _day(i.answer_by),
                    ]
                    for i in still_open
                ],
                widths=[24, 22, 62, 28, 22],
            ),
        ],
    )
