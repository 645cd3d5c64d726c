"""Schedule status, warning lights and forecasts: pure functions, no database.

Everything the battle board (挂图作战) says about an item is decided here, from a small
frozen ``ItemFacts`` built out of ``values()`` rows, so 10,000 items are assessed without
model instances and every rule can be tested on its own (see ``tests/test_schedule.py``).

The rules, in the words of the programme office:

- **Planned rate (序时进度)** at a date: piecewise-linear through (start, 0 %), each
  milestone that has a planned rate (its date, its rate) and (deadline, 100 %); with no such
  milestones that is the plain time-proportional line from start to deadline. The start is
  the item's start date, else 1 January of the programme year. The curve never goes down
  (a later milestone with a lower rate is raised to the rate before it). Ongoing items
  (长期坚持) without milestones have no planned rate.
- **Schedule status**: done early / done / ahead / on schedule / behind / seriously behind /
  overdue / ongoing / unscheduled. Behind means ``behind_points`` to
  ``seriously_behind_points`` points below the planned rate, seriously behind more than
  that, overdue past the deadline and not done, ahead ``ahead_points`` or more above it.
- **Warning light**: the worst of three rules. Schedule: behind is yellow, seriously behind
  and overdue are red. Updates: no progress update for ``stale_yellow_days`` days is
  yellow, ``stale_red_days`` red. An item never reported on counts from its start, or from
  the day it was entered in the ledger if that is later (nobody reports on an item before
  it is on the ledger).
  Start: an item with a start date still not started ``not_started_yellow_months``
  calendar months after its planned month is yellow, ``not_started_red_months`` red.
  **Done and closed-out items are always green**, without exception: the light asks a
  person to act, and there is nothing left to do on a finished item. Finishing late shows
  in its status (done, not done early) and reason ("逾期12天完成"), not in its light.
- **Forecast**: the pace is the points gained over the last ``forecast_window_days`` days
  (rate now minus the rate as of ``today - window``; an item that started inside the window
  counts from its start at 0 %), per day; the projected completion date is today plus the
  remaining points at that pace. An item *will miss* its deadline when its deadline has not
  passed yet and, at that pace, it finishes after it (or never: no progress in the window).
  Fewer than 14 days of basis, or no dated progress at all, gives no forecast. The forecast
  is shown beside the light, never folded into it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HUNDRED = Decimal(100)
ZERO = Decimal(0)
_TENTH = Decimal("0.1")
MIN_FORECAST_BASIS_DAYS = 14
MAX_FORECAST_DAYS = 3650
DONE_LIFECYCLES = frozenset({"done", "closed_out"})


class ScheduleStatus(models.TextChoices):
    DONE_EARLY = "done_early", _("提前完成")
    DONE = "done", _("已完成")
    AHEAD = "ahead", _("超序时进度")
    ON_SCHEDULE = "on_schedule", _("符合序时进度")
    BEHIND = "behind", _("滞后")
    SERIOUSLY_BEHIND = "seriously_behind", _("严重滞后")
    OVERDUE = "overdue", _("逾期未完成")
    ONGOING = "ongoing", _("长期坚持")
    UNSCHEDULED = "unscheduled", _("未设时限")


# Statuses that count as "behind" on the board (the unit ranking's 滞后 column).
BEHIND_STATUSES = (
    ScheduleStatus.BEHIND.value,
    ScheduleStatus.SERIOUSLY_BEHIND.value,
    ScheduleStatus.OVERDUE.value,
)


class Light(models.TextChoices):
    RED = "red", _("红灯")
    YELLOW = "yellow", _("黄灯")
    GREEN = "green", _("绿灯")


LIGHT_RANK = {Light.GREEN.value: 0, Light.YELLOW.value: 1, Light.RED.value: 2}
STATUS_SEVERITY = {
    ScheduleStatus.OVERDUE.value: 3,
    ScheduleStatus.SERIOUSLY_BEHIND.value: 2,
    ScheduleStatus.BEHIND.value: 1,
}


@dataclass(frozen=True)
class Thresholds:
    """The office's rules for one programme (``WarningThresholds`` stores them)."""

    behind_points: int = 10
    seriously_behind_points: int = 30
    ahead_points: int = 10
    stale_yellow_days: int = 14
    stale_red_days: int = 30
    not_started_yellow_months: int = 1
    not_started_red_months: int = 3
    forecast_window_days: int = 60


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What the rules need to know about one item (built from ``values()`` rows).

    ``history`` holds dated rates (oldest first, the last one the current rate). The full
    list of rated updates works, and so does the two-point list the services pass (the
    rate as of the window start, then the current rate): ``forecast`` reads no more.
    """

    lifecycle: str
    completion_rate: Decimal
    start_date: dt.date | None
    due_date: dt.date | None
    is_ongoing: bool
    progress_date: dt.date | None
    year_start: dt.date
    milestones: tuple[tuple[dt.date, Decimal], ...] = ()
    history: tuple[tuple[dt.date, Decimal], ...] = ()
    listed_on: dt.date | None = None  # the day the item was entered in the ledger

    @property
    def planned_start(self) -> dt.date:
        return self.start_date or self.year_start

    @property
    def is_done(self) -> bool:
        return self.lifecycle in DONE_LIFECYCLES


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an item has its light, as a code and arguments; ``text`` renders it."""

    code: str
    args: dict[str, Any] = field(default_factory=dict)
    light: str = Light.GREEN.value

    @property
    def text(self) -> str:
        return reason_text(self.code, self.args)

    def as_json(self) -> list[Any]:
        return [self.code, self.args, self.light]

    @classmethod
    def from_json(cls, value: Sequence[Any]) -> Reason:
        code, args, light = value
        return cls(code, dict(args), light)


@dataclass(frozen=True, slots=True)
class Forecast:
    projected_date: dt.date | None
    will_miss: bool
    pace: Decimal | None = None  # points a day over the window; None when unknown


NO_FORECAST = Forecast(None, False)


@dataclass(frozen=True, slots=True)
class Assessment:
    rate: Decimal
    planned_rate: Decimal | None
    status: str
    light: str
    reasons: tuple[Reason, ...]  # the headline first: worst light, then the status reason
    days_since_update: int | None
    update_late: bool
    forecast: Forecast

    @property
    def reason(self) -> Reason:
        return self.reasons[0]

    @property
    def gap(self) -> Decimal | None:
        """Rate minus planned rate (negative when behind)."""
        return None if self.planned_rate is None else self.rate - self.planned_rate

    @property
    def urgency(self) -> int:
        """One sortable number, larger is worse: light, then status, then points behind
        plan, then days without an update. Stored, so "worst first" is an index scan."""
        gap = self.gap
        behind_tenths = 0
        if gap is not None:
            behind_tenths = int(min(max(-gap * 10 + 1000, ZERO), Decimal(2000)))
        return (
            LIGHT_RANK[self.light] * 10_000_000
            + STATUS_SEVERITY.get(self.status, 0) * 1_000_000
            + behind_tenths * 100
            + min(self.days_since_update or 0, 99)
        )


# --- planned rate -------------------------------------------------------------------


def _q(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def planned_rate(
    start: dt.date | None,
    due: dt.date | None,
    milestones: Sequence[tuple[dt.date, Decimal | None]],
    on: dt.date,
) -> Decimal | None:
    """The planned rate (序时进度) at ``on``, 0–100 with one decimal; None if unplanned.

    Knots: (start, 0), each milestone with a planned rate, (due, 100), sorted by date (at
    equal dates in that order) and made non-decreasing; before the first knot 0, after the
    last the last knot's rate, linear in between. Non-decreasing knots make the result
    non-decreasing in ``on``.
    """
    if not milestones and start is not None and due is not None and start < due:
        # The common case: the plain time-proportional line.
        if on <= start:
            return ZERO
        if on >= due:
            return HUNDRED
        return _q(HUNDRED * Decimal((on - start).days) / Decimal((due - start).days))
    knots: list[tuple[dt.date, int, Decimal]] = []
    if start is not None:
        knots.append((start, 0, ZERO))
    for when, rate in milestones:
        if rate is not None:
            knots.append((when, 1, min(max(Decimal(rate), ZERO), HUNDRED)))
    if due is not None:
        knots.append((due, 2, HUNDRED))
    if due is None and not any(k[1] == 1 for k in knots):
        return None
    knots.sort(key=lambda k: (k[0], k[1]))
    points: list[tuple[dt.date, Decimal]] = []
    top = ZERO
    for when, _order, rate in knots:
        top = max(top, rate)
        points.append((when, top))
    last_before = -1
    for i, (when, _rate) in enumerate(points):
        if when <= on:
            last_before = i
        else:
            break
    if last_before < 0:
        return ZERO
    if last_before == len(points) - 1:
        return _q(points[-1][1])
    (d0, r0), (d1, r1) = points[last_before], points[last_before + 1]
    span = (d1 - d0).days
    return _q(r0 + (r1 - r0) * Decimal((on - d0).days) / Decimal(span))


# --- forecast -------------------------------------------------------------------------


def forecast(
    history: Sequence[tuple[dt.date, Decimal]],
    *,
    start: dt.date | None,
    due: dt.date | None,
    today: dt.date,
    window_days: int = DEFAULT_THRESHOLDS.forecast_window_days,
    done: bool = False,
) -> Forecast:
    """Projected completion date at the recent pace, and whether the deadline will be missed.

    ``history``: dated rates, oldest first, the last one being the current rate. See the
    module docstring for the definition.
    """
    if done or not history:
        return NO_FORECAST
    rate_now = history[-1][1]
    if rate_now >= HUNDRED:
        return NO_FORECAST
    window_start = today - dt.timedelta(days=window_days)
    base: tuple[dt.date, Decimal] | None = None
    for when, rate in history:
        if when <= window_start:
            base = (window_start, rate)
    if base is None:
        if start is None or start >= today:
            return NO_FORECAST
        base = (max(start, window_start), ZERO)
    basis = (today - base[0]).days
    if basis < MIN_FORECAST_BASIS_DAYS:
        return NO_FORECAST
    gained = rate_now - base[1]
    projected: dt.date | None = None
    pace: Decimal = gained / Decimal(basis)
    if gained > 0:
        days = math.ceil((HUNDRED - rate_now) * basis / gained)
        if days <= MAX_FORECAST_DAYS:
            projected = today + dt.timedelta(days=days)
    will_miss = due is not None and due >= today and (projected is None or projected > due)
    return Forecast(projected, will_miss, pace.quantize(Decimal("0.001")))


def reduce_history(
    history: Sequence[tuple[dt.date, Decimal]], *, today: dt.date, window_days: int
) -> tuple[tuple[dt.date, Decimal], ...]:
    """The two points ``forecast`` reads: the rate as of the window start, and now."""
    if not history:
        return ()
    window_start = today - dt.timedelta(days=window_days)
    base = [p for p in history if p[0] <= window_start]
    return (*base[-1:], history[-1])


# --- assessment -----------------------------------------------------------------------


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _num(value: Decimal) -> str:
    """42 / 42.5: a rate as people write it."""
    text = format(_q(value), "f")
    return text[:-2] if text.endswith(".0") else text


def _worse(a: str, b: str) -> str:
    return a if LIGHT_RANK[a] >= LIGHT_RANK[b] else b


def assess(facts: ItemFacts, thresholds: Thresholds, today: dt.date) -> Assessment:
    """The item's planned rate, schedule status, warning light and reasons at ``today``."""
    rate = facts.completion_rate
    planned = planned_rate(facts.planned_start, facts.due_date, facts.milestones, today)
    start = facts.planned_start
    fc = forecast(
        facts.history,
        start=start,
        due=facts.due_date,
        today=today,
        window_days=thresholds.forecast_window_days,
        done=facts.is_done,
    )
    light_reasons: list[Reason] = []
    rate_args = {"rate": _num(rate)}

    # Schedule status (and its reason, which is the headline when the light is green).
    if facts.is_done:
        status, status_reason = _done_status(facts)
    elif facts.due_date is not None and facts.due_date < today:
        status = ScheduleStatus.OVERDUE.value
        status_reason = Reason(
            "overdue", {"days": (today - facts.due_date).days, **rate_args}, Light.RED.value
        )
        light_reasons.append(status_reason)
    elif planned is None:
        status = (
            ScheduleStatus.ONGOING.value if facts.is_ongoing else ScheduleStatus.UNSCHEDULED.value
        )
        status_reason = Reason(status, rate_args)
    else:
        behind = planned - rate
        args = {**rate_args, "planned": _num(planned), "gap": _num(abs(behind))}
        if behind > thresholds.seriously_behind_points:
            status = ScheduleStatus.SERIOUSLY_BEHIND.value
            status_reason = Reason(status, args, Light.RED.value)
            light_reasons.append(status_reason)
        elif behind >= thresholds.behind_points:
            status = ScheduleStatus.BEHIND.value
            status_reason = Reason(status, args, Light.YELLOW.value)
            light_reasons.append(status_reason)
        elif -behind >= thresholds.ahead_points:
            status = ScheduleStatus.AHEAD.value
            status_reason = Reason(status, args)
        else:
            status = ScheduleStatus.ON_SCHEDULE.value
            status_reason = Reason(status, args)

    # Start and update rules: only for items still to be finished.
    days_since: int | None = None
    update_late = False
    if not facts.is_done:
        if facts.lifecycle == "not_started" and facts.start_date is not None:
            late_months = _months_between(facts.start_date, today)
            start_args = {"year": facts.start_date.year, "month": facts.start_date.month}
            if facts.start_date.year != today.year:
                start_args["show_year"] = 1
            if late_months >= thresholds.not_started_red_months:
                light_reasons.append(Reason("not_started", start_args, Light.RED.value))
            elif late_months >= thresholds.not_started_yellow_months:
                light_reasons.append(Reason("not_started", start_args, Light.YELLOW.value))
            elif facts.start_date > today and status == ScheduleStatus.ON_SCHEDULE.value:
                status_reason = Reason("starts_later", start_args)
        since = facts.progress_date or max(start, facts.listed_on or start)
        if since <= today:
            days_since = (today - since).days
            code = "stale" if facts.progress_date else "never_updated"
            if days_since >= thresholds.stale_red_days:
                light_reasons.append(Reason(code, {"days": days_since}, Light.RED.value))
                update_late = True
            elif days_since >= thresholds.stale_yellow_days:
                light_reasons.append(Reason(code, {"days": days_since}, Light.YELLOW.value))
                update_late = True

    light = Light.GREEN.value
    for reason in light_reasons:
        light = _worse(light, reason.light)
    ordered = sorted(light_reasons, key=lambda r: -LIGHT_RANK[r.light])
    reasons: list[Reason] = ordered or [status_reason]
    if fc.will_miss:
        reasons.append(
            Reason(
                "will_miss",
                {
                    "date": fc.projected_date.isoformat() if fc.projected_date else "",
                    "due": facts.due_date.isoformat() if facts.due_date else "",
                },
            )
        )
    return Assessment(
        rate=rate,
        planned_rate=planned,
        status=status,
        light=light,
        reasons=tuple(reasons),
        days_since_update=days_since,
        update_late=update_late,
        forecast=fc,
    )


def _done_status(facts: ItemFacts) -> tuple[str, Reason]:
    done_on, due = facts.progress_date, facts.due_date
    if facts.lifecycle == "closed_out":
        reason = Reason("closed_out")
    elif done_on is not None and due is not None and done_on > due:
        reason = Reason("done_late", {"days": (done_on - due).days})
    elif done_on is not None and due is not None and done_on < due:
        reason = Reason("done_early", {"days": (due - done_on).days})
    else:
        reason = Reason("done")
    early = done_on is not None and due is not None and done_on < due
    return (ScheduleStatus.DONE_EARLY.value if early else ScheduleStatus.DONE.value), reason


# --- readable reasons -----------------------------------------------------------------


def _date_text(iso: str) -> str:
    return date_format(dt.date.fromisoformat(iso)) if iso else ""


def reason_text(code: str, args: dict[str, Any]) -> str:
    """The reason as a person reads it, in the active language."""
    a = dict(args)
    if code in ("behind", "seriously_behind"):
        return gettext("完成率%(rate)s%%，序时进度%(planned)s%%，落后%(gap)s个百分点") % a
    if code == "ahead":
        return gettext("完成率%(rate)s%%，序时进度%(planned)s%%，超前%(gap)s个百分点") % a
    if code == "on_schedule":
        return gettext("完成率%(rate)s%%，序时进度%(planned)s%%") % a
    if code == "overdue":
        return gettext("已逾期%(days)s天，完成率%(rate)s%%") % a
    if code == "stale":
        return gettext("已%(days)s天未更新进展") % a
    if code == "never_updated":
        return gettext("开始%(days)s天仍未填报进展") % a
    if code == "not_started":
        if a.get("show_year"):
            return gettext("计划%(year)s年%(month)s月开工，尚未开工") % a
        return gettext("计划%(month)s月开工，尚未开工") % a
    if code == "starts_later":
        if a.get("show_year"):
            return gettext("计划%(year)s年%(month)s月开工") % a
        return gettext("计划%(month)s月开工") % a
    if code == "done_early":
        return gettext("提前%(days)s天完成") % a
    if code == "done_late":
        return gettext("逾期%(days)s天完成") % a
    if code == "done":
        return gettext("已完成")
    if code == "closed_out":
        return gettext("已销号")
    if code == "ongoing":
        return gettext("长期坚持，完成率%(rate)s%%") % a
    if code == "unscheduled":
        return gettext("未设完成时限，完成率%(rate)s%%") % a
    if code == "will_miss":
        if not a.get("date"):
            return gettext("近期没有进展，按当前进度无法在%(due)s前完成") % {
                "due": _date_text(a.get("due", ""))
            }
        return gettext("按当前进度预计%(date)s完成，晚于完成时限%(due)s") % {
            "date": _date_text(a["date"]),
            "due": _date_text(a.get("due", "")),
        }
    return code


def reasons_from_json(value: Sequence[Sequence[Any]] | None) -> list[Reason]:
    return [Reason.from_json(r) for r in value or ()]
