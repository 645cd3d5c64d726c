"""What the board's reads share: the filter of a figure's items, the figures, the rows a
board reads (today's statuses or a week's snapshot) and the programmes' current totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from shishi.board.aggregates import (
    DONE_LIFECYCLES,
    STARTED_LIFECYCLES,
    Summary,
    summarise_by,
)
from shishi.board.models import (
    ItemSnapshot,
    ItemStatus,
    ProgrammeSnapshot,
    ProgrammeStatus,
)
from shishi.board.schedule import (
    BEHIND_STATUSES,
    Light,
    ScheduleStatus,
)
from shishi.core.errors import ValidationFailed
from shishi.ledger.models import Item, Lifecycle, Programme

_LEADERS = Item.sponsor_leaders.through


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
                errors[key] = f"{key} 取值无效：{', '.join(bad)}"
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


def apply_filter(qs: QuerySet[Any], f: BoardFilter) -> QuerySet[Any]:
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
    # Investment as the units report it with their progress (``Item.done_investment``).
    planned_investment: Decimal = Decimal(0)  # yuan
    done_investment: Decimal = Decimal(0)
    investment_rate: Decimal | None = None


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


# --- shared pieces ----------------------------------------------------------------------


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _figures(s: Summary, p: dict[str, str]) -> dict[str, Any]:
    """The figures a programme's totals and each row of a ranking both show."""
    return {
        "items": _figure(p, s.items),
        "done": _figure(p, s.done, lifecycle=_csv(DONE_LIFECYCLES)),
        "behind": _figure(p, s.behind, status=_csv(BEHIND_STATUSES)),
        "red": _figure(p, s.by_light.get(Light.RED, 0), light=Light.RED.value),
        "yellow": _figure(p, s.by_light.get(Light.YELLOW, 0), light=Light.YELLOW.value),
        "will_miss": _figure(p, s.will_miss, will_miss="1"),
        "update_late": _figure(p, s.update_late, update_late="1"),
        "completion_rate": s.completion_rate,
        "planned_rate": s.planned_rate,
    }


def totals_of(s: Summary, p: dict[str, str]) -> Totals:
    return Totals(
        **_figures(s, p),
        started=_figure(p, s.started, lifecycle=_csv(STARTED_LIFECYCLES)),
        closed_out=_figure(p, s.closed_out, lifecycle=Lifecycle.CLOSED_OUT.value),
        overdue=_figure(
            p, s.by_status.get(ScheduleStatus.OVERDUE, 0), status=ScheduleStatus.OVERDUE.value
        ),
        planned_investment=s.planned_investment,
        done_investment=s.done_investment,
        investment_rate=_ratio(s),
    )


def _ratio(s: Summary) -> Decimal | None:
    if not s.planned_investment:
        return None
    return (s.done_investment * 100 / s.planned_investment).quantize(Decimal("0.1"))


def group_row(key: int | None, name: str, rank: int, s: Summary, p: dict[str, str]) -> GroupRow:
    return GroupRow(
        key=key,
        name=name,
        rank=rank,
        **_figures(s, p),
        params=p,
        planned_investment=s.planned_investment,
        done_investment=s.done_investment,
        investment_rate=_ratio(s),
    )


def ranked(
    rows: list[tuple[int | None, str, Summary]], p: dict[str, str], key: str
) -> list[GroupRow]:
    """Worst first: most items behind, then most late updates, then most items."""
    rows.sort(key=lambda r: (-r[2].behind, -r[2].update_late, -r[2].items, r[1]))
    return [
        group_row(k, name, i, s, {**p, key: str(k)}) for i, (k, name, s) in enumerate(rows, start=1)
    ]


def trend_point(on: dt.date, s: Summary, *, live: bool = False) -> TrendPoint:
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


@dataclass
class BoardRows:
    """The rows a board reads: today's statuses or one week's snapshot."""

    qs: QuerySet[Any]
    on: dt.date
    is_live: bool
    snapshot_on: dt.date | None


def board_rows(programme: Programme, as_of: dt.date | None, today: dt.date) -> BoardRows:
    if as_of is None or as_of >= today:
        return BoardRows(ItemStatus.objects.filter(programme_id=programme.pk), today, True, None)
    taken_on = (
        ProgrammeSnapshot.objects.filter(programme_id=programme.pk, group="", taken_on__lte=as_of)
        .order_by("-taken_on")
        .values_list("taken_on", flat=True)
        .first()
    )
    if taken_on is None:
        raise ValidationFailed(f"{as_of:%Y-%m-%d} 及以前没有周快照，请选择更晚的日期")
    return BoardRows(
        ItemSnapshot.objects.filter(programme_id=programme.pk, taken_on=taken_on),
        taken_on,
        False,
        taken_on,
    )


def names_of(model: Any, ids: set[Any]) -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    return dict(model.objects.filter(pk__in=ids).order_by().values_list("pk", "name"))


# --- current totals (read only: ``services.reassess_if_stale`` keeps them) ----------------


def live_version(programme_id: int, today: dt.date) -> str:
    """A token that changes whenever the programme's current statuses change: the time its
    totals row was written, which every reassessment deletes and writes anew ("" while
    there is none: items changed since the last ``reassess_if_stale``)."""
    found = (
        ProgrammeStatus.objects.filter(programme_id=programme_id, assessed_on=today)
        .values_list("created_at", flat=True)
        .first()
    )
    return found.isoformat() if found is not None else ""


def current_totals(programme_ids: Sequence[int], today: dt.date) -> dict[int, Summary]:
    """The current totals of these programmes: one row a programme, kept by
    ``services.reassess_if_stale``; a programme whose items changed since is added up
    from its statuses (one GROUP BY), without writing."""
    rows = {
        row.programme_id: row
        for row in ProgrammeStatus.objects.filter(programme_id__in=programme_ids, assessed_on=today)
    }
    out = {pid: Summary.from_programme_snapshot(row) for pid, row in rows.items()}
    missing = [pid for pid in programme_ids if pid not in rows]
    if missing:
        found = summarise_by(ItemStatus.objects.filter(programme_id__in=missing), "programme_id")
        out.update({pid: found.get((pid,), Summary()) for pid in missing})
    return out
