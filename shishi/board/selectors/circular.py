"""The overdue and lagging items of a programme, for the office's 通报 (circular).

"Lagging" is the board's own judgement, read from today's assessed statuses
(``ItemStatus``): behind or seriously behind its planned rate (序时进度), or past its
deadline unfinished — ``schedule.BEHIND_STATUSES``, the unit ranking's 滞后 column. The
rows come worst first as on the board: overdue, then seriously behind, then behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shishi.board.models import ItemStatus
from shishi.board.schedule import BEHIND_STATUSES, ScheduleStatus, reasons_from_json
from shishi.board.selectors.common import today_or
from shishi.core.errors import PermissionDenied
from shishi.ledger.models import Item, Programme
from shishi.orgs.permissions import scope_for

_LEADERS = Item.sponsor_leaders.through
_ORDER = {ScheduleStatus.OVERDUE.value: 0, ScheduleStatus.SERIOUSLY_BEHIND.value: 1}


@dataclass(frozen=True)
class CircularRow:
    number: str
    name: str
    lead_unit: str
    leaders: str
    deadline_text: str
    due_date: dt.date | None
    completion_rate: Decimal
    planned_rate: Decimal | None
    status: str
    status_label: str
    reason: str  # the board's headline reason (why it is lagging)
    progress_text: str
    progress_date: dt.date | None


@dataclass(frozen=True)
class Circular:
    programme: Programme
    on: dt.date
    rows: list[CircularRow]

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.status == ScheduleStatus.OVERDUE.value)

    @property
    def lagging(self) -> int:
        return len(self.rows) - self.overdue


def circular_items(user: Any, programme: Programme, *, today: dt.date | None = None) -> Circular:
    """The programme's overdue and lagging items as of today (the programme office only).

    The caller reassesses first (``services.reassess_before_read``), as for a live board.
    """
    if not scope_for(user).is_office_for(programme.jurisdiction_id):
        raise PermissionDenied("只有专班可以导出通报")
    today = today_or(today)
    labels = {k: str(v) for k, v in ScheduleStatus.choices}
    found = list(
        ItemStatus.objects.filter(programme_id=programme.pk, status__in=BEHIND_STATUSES)
        .order_by("-urgency", "item_id")
        .values(
            "item_id",
            "item__number",
            "item__name",
            "item__deadline_text",
            "item__due_date",
            "item__progress_text",
            "item__progress_date",
            "lead_unit__name",
            "completion_rate",
            "planned_rate",
            "status",
            "reasons",
        )
    )
    leaders: dict[int, list[str]] = {}
    links = _LEADERS.objects.filter(item_id__in=[r["item_id"] for r in found]).order_by("person_id")
    for item_id, name in links.values_list("item_id", "person__name"):
        leaders.setdefault(item_id, []).append(name)
    found.sort(key=lambda r: _ORDER.get(r["status"], 2))  # stable: urgency within a status
    rows = []
    for r in found:
        reasons = [reason.text for reason in reasons_from_json(r["reasons"])]
        rows.append(
            CircularRow(
                number=r["item__number"],
                name=r["item__name"],
                lead_unit=r["lead_unit__name"],
                leaders="、".join(leaders.get(r["item_id"], [])),
                deadline_text=r["item__deadline_text"],
                due_date=r["item__due_date"],
                completion_rate=r["completion_rate"],
                planned_rate=r["planned_rate"],
                status=r["status"],
                status_label=labels.get(r["status"], r["status"]),
                reason=reasons[0] if reasons else "",
                progress_text=r["item__progress_text"],
                progress_date=r["item__progress_date"],
            )
        )
    return Circular(programme, today, rows)
