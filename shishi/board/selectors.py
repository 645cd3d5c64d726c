"""Reads of the battle board (挂图作战): programme, unit, leader and city boards.

Every function checks access first (``permissions``) and runs a constant number of queries
whatever the number of items or updates: the figures are SQL aggregates over
``ItemStatus`` (today) or ``ItemSnapshot`` (a past week), never a loop over items.

Today's board reads the current statuses. They go stale as days pass (the planned rate
moves, updates age), so a board first checks, with two index-only counts, that every item
of the programme was assessed today, and reassesses the programme if not: the first view
of the day pays for it (about 1 s for 10,000 items on SQLite or PostgreSQL), every other
view only reads. The ``refresh_board`` command run early each morning takes that cost off
the first viewer. The ledger's ``items_changed`` signal marks changed items within the
ledger's own transaction, and the next read reassesses just those (a few milliseconds).

A board ``as_of`` a past date shows the latest weekly snapshot on or before that date,
exactly as it was taken (``Board.snapshot_on`` says which), never a recomputation.

Every count is a ``Figure``: its value and the filter ``params`` of the items behind it,
for the board's item list (``board_items``), e.g. ``{"programme": "3", "unit": "12",
"light": "red"}``; list values are comma-separated (``"status": "behind,overdue"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext

from shishi.board import permissions
from shishi.board.aggregates import (
    DONE_LIFECYCLES,
    STARTED_LIFECYCLES,
    Summary,
    summarise_by,
)
from shishi.board.models import ItemSnapshot, ItemStatus, ProgrammeSnapshot, WarningThresholds
from shishi.board.schedule import (
    BEHIND_STATUSES,
    Light,
    ScheduleStatus,
    Thresholds,
    reasons_from_json,
)
from shishi.board.services import ensure_fresh, live_version, programme_totals, thresholds_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger.models import Category, Item, Lifecycle, Milestone, Programme
from shishi.orgs.models import Jurisdiction, Person, Unit

_LEADERS = Item.sponsor_leaders.through

GANTT_LIMIT = 100
ALERT_LIMIT = 100
PAGE_LIMIT = 200


# --- filters and figures ----------------------------------------------------------------


def _csv(values: tuple[str, ...]) -> str:
    return ",".join(values)


@dataclass(frozen=True)
class BoardFilter:
    """Which items of a board a figure counts; also the board item list's query."""

    unit: int | None = None  # lead unit
    leader: int | None = None  # sponsor leader (Person id)
    category: int | None = None
    no_category: bool = False
    status: tuple[str, ...] = ()
    light: tuple[str, ...] = ()
    lifecycle: tuple[str, ...] = ()
    will_miss: bool = False
    update_late: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> BoardFilter:
        """Parse query parameters; a bad value is refused with a clear message."""
        errors: dict[str, str] = {}

        def number(key: str) -> int | None:
            raw = (params.get(key) or "").strip()
            if not raw:
                return None
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
                errors[key] = f"{key} 应为数字"
                return None
            return int(raw)

        def choices(key: str, allowed: list[str]) -> tuple[str, ...]:
            raw = (params.get(key) or "").strip()
            values = tuple(v for v in raw.split(",") if v)
            bad = [v for v in values if v not in allowed]
            if bad:
                errors[key] = f"{key} 取值无效: {', '.join(bad)}"
            return values

        def flag(key: str) -> bool:
            return (params.get(key) or "").strip().lower() in ("1", "true", "yes", "on")

        raw_category = (params.get("category") or "").strip()
        no_category = raw_category == "none"
        f = cls(
            unit=number("unit"),
            leader=number("leader"),
            category=None if no_category else number("category"),
            no_category=no_category,
            status=choices("status", ScheduleStatus.values),
            light=choices("light", Light.values),
            lifecycle=choices("lifecycle", Lifecycle.values),
            will_miss=flag("will_miss"),
            update_late=flag("update_late"),
        )
        if errors:
            raise ValidationFailed("；".join(errors.values()), errors)
        return f

    def to_params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.unit is not None:
            out["unit"] = str(self.unit)
        if self.leader is not None:
            out["leader"] = str(self.leader)
        if self.no_category:
            out["category"] = "none"
        elif self.category is not None:
            out["category"] = str(self.category)
        if self.status:
            out["status"] = _csv(self.status)
        if self.light:
            out["light"] = _csv(self.light)
        if self.lifecycle:
            out["lifecycle"] = _csv(self.lifecycle)
        if self.will_miss:
            out["will_miss"] = "1"
        if self.update_late:
            out["update_late"] = "1"
        return out


def _apply(qs: QuerySet[Any], f: BoardFilter) -> QuerySet[Any]:
    if f.unit is not None:
        qs = qs.filter(lead_unit_id=f.unit)
    if f.leader is not None:
        qs = qs.filter(item_id__in=_LEADERS.objects.filter(person_id=f.leader).values("item_id"))
    if f.no_category:
        qs = qs.filter(category_id__isnull=True)
    elif f.category is not None:
        qs = qs.filter(category_id=f.category)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.light:
        qs = qs.filter(light__in=f.light)
    if f.lifecycle:
        qs = qs.filter(lifecycle__in=f.lifecycle)
    if f.will_miss:
        qs = qs.filter(will_miss=True)
    if f.update_late:
        qs = qs.filter(update_late=True)
    return qs


@dataclass(frozen=True)
class Figure:
    """A count and the filter params of the items behind it."""

    value: int
    params: dict[str, str]


def _figure(base: dict[str, str], value: int, **extra: str) -> Figure:
    return Figure(value, {**base, **extra})


@dataclass(frozen=True)
class LabelledCount:
    key: str
    label: str
    value: int
    params: dict[str, str]


@dataclass(frozen=True)
class Totals:
    items: Figure
    started: Figure
    done: Figure  # done or closed out
    closed_out: Figure
    behind: Figure  # behind, seriously behind or overdue
    overdue: Figure
    red: Figure
    yellow: Figure
    will_miss: Figure
    update_late: Figure
    completion_rate: Decimal | None  # mean of the items' rates
    planned_rate: Decimal | None  # mean of their planned rates
    planned_investment: Decimal  # yuan
    done_investment: Decimal
    investment_rate: Decimal | None  # done / planned investment, %


@dataclass(frozen=True)
class GroupRow:
    """One row of the category, lead-unit, sponsor-leader or district table."""

    key: int | None
    name: str
    rank: int
    items: Figure
    done: Figure
    behind: Figure
    red: Figure
    yellow: Figure
    update_late: Figure
    will_miss: Figure
    completion_rate: Decimal | None
    planned_rate: Decimal | None
    params: dict[str, str]  # the row's own filter (all its items)


@dataclass(frozen=True)
class TrendPoint:
    on: dt.date
    items: int
    done: int
    completion_rate: Decimal | None
    planned_rate: Decimal | None
    red: int
    yellow: int
    green: int
    behind: int
    done_investment: Decimal
    is_live: bool = False  # today's point, not (yet) a snapshot


@dataclass(frozen=True)
class GanttMilestone:
    title: str
    due_date: dt.date
    done_date: dt.date | None
    planned_rate: Decimal | None
    is_late: bool


@dataclass(frozen=True)
class GanttRow:
    item_id: int
    number: str
    name: str
    lead_unit_name: str
    start: dt.date
    due: dt.date | None  # None: ongoing (长期坚持)
    completion_rate: Decimal
    planned_rate: Decimal | None
    status: str
    light: str
    milestones: list[GanttMilestone]


@dataclass(frozen=True)
class Gantt:
    rows: list[GanttRow]
    today: dt.date  # the board's date: draw the "today" line here
    start: dt.date
    end: dt.date
    total: int  # items on the board; rows are the first ``GANTT_LIMIT``, red first
    truncated: bool


@dataclass(frozen=True)
class ItemRow:
    """An item on a board list (red and yellow first), with its reasons as text."""

    item_id: int
    number: str
    name: str
    lead_unit_id: int
    lead_unit_name: str
    category_id: int | None
    lifecycle: str
    lifecycle_label: str
    completion_rate: Decimal
    planned_rate: Decimal | None
    status: str
    status_label: str
    light: str
    light_label: str
    reason: str  # the headline
    reasons: list[str]
    days_since_update: int | None
    due_date: dt.date | None
    forecast_date: dt.date | None
    will_miss: bool


@dataclass(frozen=True)
class Board:
    programme_id: int
    programme_name: str
    year: int
    jurisdiction_id: int
    unit_id: int | None
    unit_name: str
    leader_id: int | None
    leader_name: str
    as_of: dt.date  # the date the figures describe (today, or the snapshot's Sunday)
    requested_as_of: dt.date
    is_live: bool
    snapshot_on: dt.date | None
    thresholds: Thresholds
    totals: Totals
    by_status: list[LabelledCount]
    by_light: list[LabelledCount]
    by_category: list[GroupRow]
    units: list[GroupRow]
    leaders: list[GroupRow]
    trend: list[TrendPoint]
    gantt: Gantt
    alerts: list[ItemRow]  # red then yellow, worst first, at most ``ALERT_LIMIT``
    alerts_total: int
    params: dict[str, str]  # the board's own params (programme, unit/leader, as_of)


# --- shared pieces ----------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _totals(s: Summary, p: dict[str, str]) -> Totals:
    planned_inv = s.planned_investment
    return Totals(
        items=_figure(p, s.items),
        started=_figure(p, s.started, lifecycle=_csv(STARTED_LIFECYCLES)),
        done=_figure(p, s.done, lifecycle=_csv(DONE_LIFECYCLES)),
        closed_out=_figure(p, s.closed_out, lifecycle=Lifecycle.CLOSED_OUT.value),
        behind=_figure(p, s.behind, status=_csv(BEHIND_STATUSES)),
        overdue=_figure(
            p, s.by_status.get(ScheduleStatus.OVERDUE, 0), status=ScheduleStatus.OVERDUE.value
        ),
        red=_figure(p, s.by_light.get(Light.RED, 0), light=Light.RED.value),
        yellow=_figure(p, s.by_light.get(Light.YELLOW, 0), light=Light.YELLOW.value),
        will_miss=_figure(p, s.will_miss, will_miss="1"),
        update_late=_figure(p, s.update_late, update_late="1"),
        completion_rate=s.completion_rate,
        planned_rate=s.planned_rate,
        planned_investment=planned_inv,
        done_investment=s.done_investment,
        investment_rate=_ratio(s),
    )


def _ratio(s: Summary) -> Decimal | None:
    if not s.planned_investment:
        return None
    return (s.done_investment * 100 / s.planned_investment).quantize(Decimal("0.1"))


def _group_row(key: int | None, name: str, rank: int, s: Summary, p: dict[str, str]) -> GroupRow:
    return GroupRow(
        key=key,
        name=name,
        rank=rank,
        items=_figure(p, s.items),
        done=_figure(p, s.done, lifecycle=_csv(DONE_LIFECYCLES)),
        behind=_figure(p, s.behind, status=_csv(BEHIND_STATUSES)),
        red=_figure(p, s.by_light.get(Light.RED, 0), light=Light.RED.value),
        yellow=_figure(p, s.by_light.get(Light.YELLOW, 0), light=Light.YELLOW.value),
        update_late=_figure(p, s.update_late, update_late="1"),
        will_miss=_figure(p, s.will_miss, will_miss="1"),
        completion_rate=s.completion_rate,
        planned_rate=s.planned_rate,
        params=p,
    )


def _ranked(
    rows: list[tuple[int | None, str, Summary]], p: dict[str, str], key: str
) -> list[GroupRow]:
    """Worst first: most items behind, then most late updates, then most items."""
    rows.sort(key=lambda r: (-r[2].behind, -r[2].update_late, -r[2].items, r[1]))
    return [
        _group_row(k, name, i, s, {**p, key: str(k)})
        for i, (k, name, s) in enumerate(rows, start=1)
    ]


def _trend_point(on: dt.date, s: Summary, *, live: bool = False) -> TrendPoint:
    return TrendPoint(
        on=on,
        items=s.items,
        done=s.done,
        completion_rate=s.completion_rate,
        planned_rate=s.planned_rate,
        red=s.by_light.get(Light.RED, 0),
        yellow=s.by_light.get(Light.YELLOW, 0),
        green=s.by_light.get(Light.GREEN, 0),
        behind=s.behind,
        done_investment=s.done_investment,
        is_live=live,
    )


WORST_FIRST = ("-urgency", "item_id")
_ROW_FIELDS = (
    "item_id",
    "item__number",
    "item__name",
    "item__start_date",
    "item__due_date",
    "lead_unit_id",
    "lead_unit__name",
    "category_id",
    "lifecycle",
    "completion_rate",
    "planned_rate",
    "status",
    "light",
    "reasons",
    "days_since_update",
    "forecast_date",
    "will_miss",
)


def _worst_first(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.order_by(*WORST_FIRST)


class _Labels:
    """The enum labels in the active language, translated once per board, not per row."""

    def __init__(self) -> None:
        self.lifecycle = {k: str(v) for k, v in Lifecycle.choices}
        self.status = {k: str(v) for k, v in ScheduleStatus.choices}
        self.light = {k: str(v) for k, v in Light.choices}


def _item_row(r: dict[str, Any], labels: _Labels) -> ItemRow:
    reasons = [reason.text for reason in reasons_from_json(r["reasons"])]
    return ItemRow(
        item_id=r["item_id"],
        number=r["item__number"],
        name=r["item__name"],
        lead_unit_id=r["lead_unit_id"],
        lead_unit_name=r["lead_unit__name"],
        category_id=r["category_id"],
        lifecycle=r["lifecycle"],
        lifecycle_label=labels.lifecycle.get(r["lifecycle"], r["lifecycle"]),
        completion_rate=r["completion_rate"],
        planned_rate=r["planned_rate"],
        status=r["status"],
        status_label=labels.status.get(r["status"], r["status"]),
        light=r["light"],
        light_label=labels.light.get(r["light"], r["light"]),
        reason=reasons[0] if reasons else "",
        reasons=reasons,
        days_since_update=r["days_since_update"],
        due_date=r["item__due_date"],
        forecast_date=r["forecast_date"],
        will_miss=r["will_miss"],
    )


@dataclass
class _Rows:
    """The rows a board reads: today's statuses or one week's snapshot."""

    qs: QuerySet[Any]
    on: dt.date
    is_live: bool
    snapshot_on: dt.date | None


def _rows(programme: Programme, as_of: dt.date | None, today: dt.date) -> _Rows:
    if as_of is None or as_of >= today:
        ensure_fresh([programme.pk], today)
        return _Rows(ItemStatus.objects.filter(programme_id=programme.pk), today, True, None)
    taken_on = (
        ProgrammeSnapshot.objects.filter(programme_id=programme.pk, group="", taken_on__lte=as_of)
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
        .first()
    )
    if taken_on is None:
        raise ValidationFailed(f"{as_of:%Y-%m-%d} 及以前没有周快照,请选择更晚的日期")
    return _Rows(
        ItemSnapshot.objects.filter(programme_id=programme.pk, taken_on=taken_on),
        taken_on,
        False,
        taken_on,
    )


def _gantt(rows: list[dict[str, Any]], on: dt.date, total: int, year_start: dt.date) -> Gantt:
    ids = [r["item_id"] for r in rows]
    milestones: dict[int, list[GanttMilestone]] = {}
    for item_id, title, due, done, planned in (
        Milestone.objects.filter(item_id__in=ids)
        .order_by("item_id", "due_date", "order", "id")
        .values_list("item_id", "title", "due_date", "done_date", "planned_rate")
    ):
        done_then = done if done is not None and done <= on else None
        milestones.setdefault(item_id, []).append(
            GanttMilestone(title, due, done_then, planned, done_then is None and due < on)
        )
    out = [
        GanttRow(
            item_id=r["item_id"],
            number=r["item__number"],
            name=r["item__name"],
            lead_unit_name=r["lead_unit__name"],
            start=r["item__start_date"] or year_start,
            due=r["item__due_date"],
            completion_rate=r["completion_rate"],
            planned_rate=r["planned_rate"],
            status=r["status"],
            light=r["light"],
            milestones=milestones.get(r["item_id"], []),
        )
        for r in rows
    ]
    dates = [on, year_start]
    for row in out:
        dates.append(row.start)
        if row.due:
            dates.append(row.due)
        dates.extend(m.due_date for m in row.milestones)
    return Gantt(out, on, min(dates), max(dates), total, total > len(out))


def _names(model: Any, ids: set[Any]) -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    return dict(model.objects.filter(pk__in=ids).order_by().values_list("pk", "name"))


# --- programme, unit and leader boards ---------------------------------------------------


def programme_board(
    user: Any,
    programme: Programme,
    *,
    as_of: dt.date | None = None,
    unit_id: int | None = None,
    leader_id: int | None = None,
    today: dt.date | None = None,
    gantt_limit: int = GANTT_LIMIT,
    alert_limit: int = ALERT_LIMIT,
) -> Board:
    """The battle board of a programme, or of one lead unit, or of one sponsor leader.

    ``as_of`` in the past shows the weekly snapshot on or before it; ``today`` is for tests
    and commands. Raises NotFound / PermissionDenied (``permissions.access_board``) and
    ValidationFailed (no snapshot that early).
    """
    target = permissions.access_board(user, programme, unit_id=unit_id, leader_id=leader_id)
    today = _today(today)
    src = _rows(programme, as_of, today)
    scope = BoardFilter(
        unit=target.unit.pk if target.unit else None,
        leader=target.leader.pk if target.leader else None,
    )
    if not src.is_live or not settings.SHISHI_BOARD_CACHE_SECONDS:
        return _build_board(programme, target, scope, src, as_of, today, gantt_limit, alert_limit)
    # A live board is read far more often than its statuses change (a wall screen, every
    # viewer of the district): it is kept per process, keyed by the version of the
    # programme's current totals, which every reassessment rewrites.
    key = ":".join(
        str(part)
        for part in (
            "shishi.board",
            programme.pk,
            scope.unit,
            scope.leader,
            today,
            get_language(),
            gantt_limit,
            alert_limit,
            live_version(programme.pk, today),
        )
    )
    board: Board | None = cache.get(key)
    if board is None:
        board = _build_board(programme, target, scope, src, as_of, today, gantt_limit, alert_limit)
        cache.set(key, board, settings.SHISHI_BOARD_CACHE_SECONDS)
    return board


def _build_board(
    programme: Programme,
    target: Any,
    scope: BoardFilter,
    src: _Rows,
    as_of: dt.date | None,
    today: dt.date,
    gantt_limit: int,
    alert_limit: int,
) -> Board:
    qs = _apply(src.qs, scope)
    p = {"programme": str(programme.pk), **scope.to_params()}
    if not src.is_live:
        p["as_of"] = src.on.isoformat()
    year_start = dt.date(programme.year, 1, 1)

    per_category: dict[int | None, Summary] = {}
    per_unit: dict[int, Summary] = {}
    per_leader: dict[int, Summary] = {}
    if not src.is_live and scope.unit is None and scope.leader is None:
        # A past week of the whole programme: its totals were written with the snapshot.
        summary = Summary()
        for snap in ProgrammeSnapshot.objects.filter(programme_id=programme.pk, taken_on=src.on):
            s = Summary.from_programme_snapshot(snap)
            if snap.group == ProgrammeSnapshot.Group.PROGRAMME:
                summary = s
            elif snap.group == ProgrammeSnapshot.Group.CATEGORY:
                per_category[snap.group_id or None] = s
            elif snap.group == ProgrammeSnapshot.Group.UNIT:
                per_unit[snap.group_id] = s
            else:
                per_leader[snap.group_id] = s
    else:
        # Totals, categories and lead units from one GROUP BY over both; leaders from the
        # link table.
        summary = Summary()
        for (category_id, unit_id), s in summarise_by(qs, "category_id", "lead_unit_id").items():
            summary.add(s)
            per_category.setdefault(category_id, Summary()).add(s)
            per_unit.setdefault(unit_id, Summary()).add(s)
        per_leader = {
            key[0]: s
            for key, s in summarise_by(qs, "item__sponsor_leaders").items()
            if key[0] is not None
        }
    by_status = [
        LabelledCount(
            s.value, str(s.label), summary.by_status.get(s.value, 0), {**p, "status": s.value}
        )
        for s in ScheduleStatus
    ]
    by_light = [
        LabelledCount(
            li.value, str(li.label), summary.by_light.get(li.value, 0), {**p, "light": li.value}
        )
        for li in Light
    ]
    category_rows = {
        pk: (name, order)
        for pk, name, order in Category.objects.filter(pk__in=[k for k in per_category if k])
        .order_by()
        .values_list("pk", "name", "order")
    }
    unit_names = _names(Unit, set(per_unit))
    leader_names = _names(Person, set(per_leader))
    categories: list[GroupRow] = []
    for cid in sorted(
        per_category, key=lambda k: (k is None, category_rows.get(k or 0, ("", 0))[1], k or 0)
    ):
        params = {**p, "category": str(cid) if cid is not None else "none"}
        name = category_rows.get(cid, ("", 0))[0] if cid is not None else gettext("未分类")
        categories.append(_group_row(cid, name, len(categories) + 1, per_category[cid], params))
    units = _ranked([(k, unit_names.get(k, ""), s) for k, s in per_unit.items()], p, "unit")
    leaders = _ranked([(k, leader_names.get(k, ""), s) for k, s in per_leader.items()], p, "leader")
    trend = _trend(programme, scope, src, summary)
    top = list(_worst_first(qs).values(*_ROW_FIELDS)[: max(gantt_limit, alert_limit)])
    gantt = _gantt(top[:gantt_limit], src.on, summary.items, year_start)
    labels = _Labels()
    # The red and yellow items on their own (urgency may rank a green item that will miss
    # its deadline above a yellow one), always in one query: a constant count.
    alerts = [
        _item_row(r, labels)
        for r in _worst_first(qs.exclude(light=Light.GREEN)).values(*_ROW_FIELDS)[:alert_limit]
    ]
    return Board(
        programme_id=programme.pk,
        programme_name=programme.name,
        year=programme.year,
        jurisdiction_id=programme.jurisdiction_id,
        unit_id=scope.unit,
        unit_name=target.unit.name if target.unit else "",
        leader_id=scope.leader,
        leader_name=target.leader.name if target.leader else "",
        as_of=src.on,
        requested_as_of=as_of or today,
        is_live=src.is_live,
        snapshot_on=src.snapshot_on,
        thresholds=thresholds_for(programme.pk),
        totals=_totals(summary, p),
        by_status=by_status,
        by_light=by_light,
        by_category=categories,
        units=units,
        leaders=leaders,
        trend=trend,
        gantt=gantt,
        alerts=alerts,
        alerts_total=summary.by_light.get(Light.RED, 0) + summary.by_light.get(Light.YELLOW, 0),
        params=p,
    )


def _trend(
    programme: Programme, scope: BoardFilter, src: _Rows, current: Summary
) -> list[TrendPoint]:
    """Weekly points up to the board's date, from the programme's weekly totals."""
    if scope.unit is not None and scope.leader is not None:
        # A unit's items of one leader: no weekly totals of their own; add up the items.
        weekly = _apply(
            ItemSnapshot.objects.filter(programme_id=programme.pk, taken_on__lte=src.on), scope
        )
        points = [
            _trend_point(key[0], s)
            for key, s in sorted(summarise_by(weekly, "taken_on").items(), key=lambda kv: kv[0])
        ]
    else:
        group, group_id = ProgrammeSnapshot.Group.PROGRAMME, 0
        if scope.unit is not None:
            group, group_id = ProgrammeSnapshot.Group.UNIT, scope.unit
        elif scope.leader is not None:
            group, group_id = ProgrammeSnapshot.Group.LEADER, scope.leader
        points = [
            _trend_point(snap.taken_on, Summary.from_programme_snapshot(snap))
            for snap in ProgrammeSnapshot.objects.filter(
                programme_id=programme.pk, group=group, group_id=group_id, taken_on__lte=src.on
            ).order_by("taken_on")
        ]
    if src.is_live and (not points or points[-1].on < src.on):
        points.append(_trend_point(src.on, current, live=True))
    return points


@dataclass(frozen=True)
class ItemPage:
    rows: list[ItemRow]
    total: int
    offset: int
    limit: int
    as_of: dt.date
    is_live: bool
    params: dict[str, str]


def board_items(
    user: Any,
    programme: Programme,
    filters: BoardFilter,
    *,
    as_of: dt.date | None = None,
    offset: int = 0,
    limit: int = 50,
    today: dt.date | None = None,
) -> ItemPage:
    """The items behind a board figure, worst first, one page at a time.

    Someone who may not see the whole programme must give their unit or leader filter
    (the links of their board carry it).
    """
    permissions.access_board(user, programme, unit_id=filters.unit, leader_id=filters.leader)
    today = _today(today)
    offset = max(0, offset)
    limit = min(max(1, limit), PAGE_LIMIT)
    src = _rows(programme, as_of, today)
    qs = _apply(src.qs, filters)
    total = qs.count()
    labels = _Labels()
    rows = [
        _item_row(r, labels) for r in _worst_first(qs).values(*_ROW_FIELDS)[offset : offset + limit]
    ]
    params = {"programme": str(programme.pk), **filters.to_params()}
    if not src.is_live:
        params["as_of"] = src.on.isoformat()
    return ItemPage(rows, total, offset, limit, src.on, src.is_live, params)


def snapshot_dates(user: Any, programme: Programme) -> list[dt.date]:
    """The Sundays a board of this programme can be shown as of (for the date picker)."""
    if not permissions.board_access(user, programme).any:
        raise PermissionDenied("无权查看该计划的作战图")
    return list(
        ProgrammeSnapshot.objects.filter(programme_id=programme.pk, group="")
        .order_by("taken_on")
        .values_list("taken_on", flat=True)
    )


def programme_thresholds(user: Any, programme: Programme) -> WarningThresholds:
    """The programme's warning rules for the settings form (unsaved defaults: version 0)."""
    if not permissions.board_access(user, programme).any:
        raise PermissionDenied("无权查看该计划的预警规则")
    row = WarningThresholds.objects.filter(programme_id=programme.pk).first()
    if row is None:
        row = WarningThresholds(
            programme=programme, jurisdiction_id=programme.jurisdiction_id, version=0
        )
    return row


# --- city board -------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictRow:
    jurisdiction_id: int
    code: str
    name: str
    programme_id: int | None  # None: no programme that year
    row: GroupRow
    snapshot_on: dt.date | None


@dataclass(frozen=True)
class CityBoard:
    city_id: int
    city_name: str
    year: int
    as_of: dt.date
    requested_as_of: dt.date
    is_live: bool
    totals: Totals
    districts: list[DistrictRow]  # in division-code order; ``row.rank`` ranks worst first
    trend: list[TrendPoint]


def city_board(
    user: Any,
    city: Jurisdiction,
    *,
    year: int | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> CityBoard:
    """The city's districts compared, for the city office, in a constant number of queries.

    Today: each district programme's current totals (``services.programme_totals``, one
    row a district). ``as_of`` in the past: each district's weekly snapshot on or before
    it. A district without a programme that year has a row of zeros and no links. The
    city totals' ``params`` are empty: they span programmes, so they link nowhere.
    """
    permissions.access_city(user, city)
    today = _today(today)
    live = as_of is None or as_of >= today
    on = as_of if as_of is not None and not live else today
    year = year or on.year
    districts = list(
        Jurisdiction.objects.filter(parent=city).order_by("code").values_list("pk", "code", "name")
    )
    programmes = dict(
        Programme.objects.filter(jurisdiction__parent=city, year=year).values_list(
            "jurisdiction_id", "pk"
        )
    )
    ids = sorted(programmes.values())
    snaps = list(
        ProgrammeSnapshot.objects.filter(programme_id__in=ids, group="", taken_on__lte=on).order_by(
            "taken_on"
        )
    )
    by_programme: dict[int, Summary] = {}
    snapshot_of: dict[int, dt.date] = {}
    if live:
        ensure_fresh(ids, today)
        by_programme = programme_totals(ids, today)
    else:
        for snap in snaps:  # ascending: the last one on or before ``on`` wins
            by_programme[snap.programme_id] = Summary.from_programme_snapshot(snap)
            snapshot_of[snap.programme_id] = snap.taken_on
    weekly: dict[dt.date, Summary] = {}
    for snap in snaps:
        weekly.setdefault(snap.taken_on, Summary()).add(Summary.from_programme_snapshot(snap))
    trend = [_trend_point(d, s) for d, s in sorted(weekly.items())]
    total = Summary()
    rows: list[tuple[int, str, str, int | None, Summary]] = []
    for jid, code, name in districts:
        pid = programmes.get(jid)
        s = by_programme.get(pid, Summary()) if pid is not None else Summary()
        total.add(s)
        rows.append((jid, code, name, pid, s))
    if live and (not trend or trend[-1].on < on):
        trend.append(_trend_point(on, total, live=True))
    order = sorted(rows, key=lambda r: (-r[4].behind, -r[4].update_late, -r[4].items, r[1]))
    rank = {r[0]: i for i, r in enumerate(order, start=1)}
    suffix = {} if live else {"as_of": on.isoformat()}
    out = []
    for jid, code, name, pid, s in rows:
        p = {"programme": str(pid), **suffix} if pid is not None else {}
        out.append(
            DistrictRow(
                jid,
                code,
                name,
                pid,
                _group_row(jid, name, rank[jid], s, p),
                snapshot_of.get(pid or 0),
            )
        )
    return CityBoard(
        city_id=city.pk,
        city_name=city.name,
        year=year,
        as_of=on,
        requested_as_of=as_of or today,
        is_live=live,
        totals=_totals(total, {}),
        districts=out,
        trend=trend,
    )
