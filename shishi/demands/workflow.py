"""The demand's state machine: which action leads from which status to which, and the time
limits each stage starts (pure functions; the services apply them).

::

    received ──dispatch──▶ dispatched ──accept──▶ accepted ──resolve──▶ resolved
        ▲                    │  ▲                                          │
        │                 send_back│                                    call_back
        │                    ▼  │ dispatch (again) / rule                  ▼
        └──────────────── sent_back                     closed ◀──(satisfied)──┘
                                                          │ (dissatisfied: reopen)
                                                          └──reopen──▶ accepted

An extension (延期) moves ``resolve_by`` while the demand is accepted; it changes no status:
the unit asks for one (``request_extension``) and the office approves or refuses it, or the
office extends by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from shishi.demands.models import Status, Urgency
from shishi.workdays.calendar import add_working_days, add_working_hours

S = Status

TRANSITIONS: dict[str, dict[str, str]] = {
    # action: {from status: to status}
    "dispatch": {S.RECEIVED: S.DISPATCHED, S.SENT_BACK: S.DISPATCHED},
    "accept": {S.DISPATCHED: S.ACCEPTED},
    "send_back": {S.DISPATCHED: S.SENT_BACK},
    "resolve": {S.ACCEPTED: S.RESOLVED},
    "call_back": {S.RESOLVED: S.CLOSED},
    "close": {S.RESOLVED: S.CLOSED},
    "reopen": {S.CLOSED: S.ACCEPTED, S.RESOLVED: S.ACCEPTED},
}
ACTIONS = tuple(TRANSITIONS)


class NotAllowed(ValueError):
    """The action does not apply to a demand in this status."""


def next_status(action: str, status: str) -> str:
    """The status ``action`` leads to from ``status`` (``NotAllowed`` if none)."""
    to = TRANSITIONS.get(action, {}).get(status)
    if to is None:
        raise NotAllowed(f"“{Status(status).label}”的诉求不能{ACTION_LABELS.get(action, action)}")
    return to


def allowed(status: str) -> list[str]:
    """The actions open to a demand in ``status``."""
    return [action for action, moves in TRANSITIONS.items() if status in moves]


ACTION_LABELS = {
    "intake": "受理",
    "dispatch": "派单",
    "accept": "签收",
    "send_back": "退单",
    "resolve": "答复",
    "call_back": "回访",
    "close": "办结",
    "reopen": "重办",
    "extend": "延期",
    "request_extension": "申请延期",
    "approve_extension": "同意延期",
    "refuse_extension": "不同意延期",
    "appeal": "申诉",
    "rule": "裁定申诉",
}


@dataclass(frozen=True)
class Limits:
    accept_hours_urgent: int
    accept_workdays: int
    resolve_hours_urgent: int
    resolve_workdays: int


def accept_deadline(
    start: dt.datetime, urgency: str, limits: Limits, *, jurisdiction: int | None
) -> dt.datetime:
    """When a dispatched demand must be signed for: office hours when urgent, else the end of
    the n-th working day after ``start``."""
    if urgency == Urgency.URGENT:
        return add_working_hours(start, limits.accept_hours_urgent, jurisdiction=jurisdiction)
    return _end_of_workday(start, limits.accept_workdays, jurisdiction)


def resolve_deadline(
    start: dt.datetime, urgency: str, limits: Limits, *, jurisdiction: int | None
) -> dt.datetime:
    """When an accepted demand must be resolved (replied to)."""
    if urgency == Urgency.URGENT:
        return add_working_hours(start, limits.resolve_hours_urgent, jurisdiction=jurisdiction)
    return _end_of_workday(start, limits.resolve_workdays, jurisdiction)


def _end_of_workday(start: dt.datetime, n: int, jurisdiction: int | None) -> dt.datetime:
    local = timezone.localtime(start)
    day = add_working_days(local.date(), n, jurisdiction=jurisdiction)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=local.tzinfo)
    return max(end, start)
