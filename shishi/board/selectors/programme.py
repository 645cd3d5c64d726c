"""The programme board, and a lead unit's or a sponsor leader's board of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language, gettext

from shishi.board import permissions
from shishi.board.aggregates import (
    Summary,
    summarise_by,
)
from shishi.board.models import (
    ItemSnapshot,
    ProgrammeSnapshot,
    WarningThresholds,
)
from shishi.board.schedule import (
    Light,
    ScheduleStatus,
    Thresholds,
)
from shishi.board.selectors.common import (
    BoardFilter,
    BoardRows,
    GroupRow,
    LabelledCount,
    Totals,
    TrendPoint,
    apply_filter,
    board_rows,
    group_row,
    live_version,
    names_of,
    ranked,
    today_or,
    totals_of,
    trend_point,
)
from shishi.board.selectors.items import (
    ROW_FIELDS,
    BoardItemRow,
    Labels,
    board_item_row,
    worst_first,
)
from shishi.board.services.assessing import thresholds_for
from shishi.core.errors import PermissionDenied
from shishi.ledger.models import Category, Milestone, Programme
from shishi.ledger.selectors import visible_programmes
from shishi.orgs.models import Person, Unit

GANTT_LIMIT = 100
ALERT_LIMIT = 100


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
    alerts: list[BoardItemRow]  # red then yellow, worst first, at most ``ALERT_LIMIT``
    alerts_total: int
    params: dict[str, str]  # the board's own params (programme, unit/leader, as_of)


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
    today = today_or(today)
    src = board_rows(programme, as_of, today)
    scope = BoardFilter(
        unit=target.unit.pk if target.unit else None,
        leader=target.leader.pk if target.leader else None,
    )
    if not src.is_live or not settings.SHISHI_BOARD_CACHE_SECONDS:
        return _build_board(programme, target, scope, src, as_of, today, gantt_limit, alert_limit)
    version = live_version(programme.pk, today)
    if not version:  # items changed since the last reassessment: nothing to key a copy by
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
            version,
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
    src: BoardRows,
    as_of: dt.date | None,
    today: dt.date,
    gantt_limit: int,
    alert_limit: int,
) -> Board:
    qs = apply_filter(src.qs, scope)
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
    unit_names = names_of(Unit, set(per_unit))
    leader_names = names_of(Person, set(per_leader))
    categories: list[GroupRow] = []
    for cid in sorted(
        per_category, key=lambda k: (k is None, category_rows.get(k or 0, ("", 0))[1], k or 0)
    ):
        params = {**p, "category": str(cid) if cid is not None else "none"}
        name = category_rows.get(cid, ("", 0))[0] if cid is not None else gettext("未分类")
        categories.append(group_row(cid, name, len(categories) + 1, per_category[cid], params))
    units = ranked([(k, unit_names.get(k, ""), s) for k, s in per_unit.items()], p, "unit")
    leaders = ranked([(k, leader_names.get(k, ""), s) for k, s in per_leader.items()], p, "leader")
    trend = _trend(programme, scope, src, summary)
    top = list(worst_first(qs).values(*ROW_FIELDS)[: max(gantt_limit, alert_limit)])
    gantt = _gantt(top[:gantt_limit], src.on, summary.items, year_start)
    labels = Labels()
    # The red and yellow items on their own (urgency may rank a green item that will miss
    # its deadline above a yellow one), always in one query: a constant count.
    alerts = [
        board_item_row(r, labels)
        for r in worst_first(qs.exclude(light=Light.GREEN)).values(*ROW_FIELDS)[:alert_limit]
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
        totals=totals_of(summary, p),
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
    programme: Programme, scope: BoardFilter, src: BoardRows, current: Summary
) -> list[TrendPoint]:
    """Weekly points up to the board's date, from the programme's weekly totals."""
    if scope.unit is not None and scope.leader is not None:
        # A unit's items of one leader: no weekly totals of their own; add up the items.
        weekly = apply_filter(
            ItemSnapshot.objects.filter(programme_id=programme.pk, taken_on__lte=src.on), scope
        )
        points = [
            trend_point(key[0], s)
            for key, s in sorted(summarise_by(weekly, "taken_on").items(), key=lambda kv: kv[0])
        ]
    else:
        group, group_id = ProgrammeSnapshot.Group.PROGRAMME, 0
        if scope.unit is not None:
            group, group_id = ProgrammeSnapshot.Group.UNIT, scope.unit
        elif scope.leader is not None:
            group, group_id = ProgrammeSnapshot.Group.LEADER, scope.leader
        points = [
            trend_point(snap.taken_on, Summary.from_programme_snapshot(snap))
            for snap in ProgrammeSnapshot.objects.filter(
                programme_id=programme.pk, group=group, group_id=group_id, taken_on__lte=src.on
            ).order_by("taken_on")
        ]
    if src.is_live and (not points or points[-1].on < src.on):
        points.append(trend_point(src.on, current, live=True))
    return points


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


def district_years(user: Any, programme: Programme) -> list[tuple[int, int]]:
    """(programme id, year) of the district's programmes, newest first, to switch years."""
    return list(
        visible_programmes(user)
        .filter(jurisdiction_id=programme.jurisdiction_id)
        .order_by("-year")
        .values_list("pk", "year")
    )
