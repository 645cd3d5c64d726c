"""Weekly snapshots: one week's ``ItemSnapshot`` rows and ``ProgrammeSnapshot`` totals.

Weeks end on Sunday. A snapshot of today copies the current statuses; a snapshot of a past
Sunday is rebuilt from the progress history (the rate then is the latest update on or
before that day), which is also how ``backfill_snapshots`` gives a freshly imported ledger
its real trend. Taken snapshots are kept as they are unless ``replace`` is asked.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.board import queries
from shishi.board.aggregates import Summary, programme_snapshot_values, summarise, summarise_by
from shishi.board.models import ItemSnapshot, ProgrammeSnapshot
from shishi.board.schedule import assess
from shishi.board.services import assessing
from shishi.board.services.reassessment import reassess_if_stale
from shishi.core import bulk
from shishi.core.errors import ValidationFailed
from shishi.core.selectors import last_action_times
from shishi.ledger.models import FINISHED_LIFECYCLES, Item, Lifecycle, Programme, ProgressUpdate

ITEM_CHUNK = 1000


def week_end(day: dt.date) -> dt.date:
    """The Sunday on or before ``day``: the date a week's snapshot carries."""
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def programme_weeks(year: int, today: dt.date) -> list[dt.date]:
    """The Sundays a programme of ``year`` is snapshotted on, up to ``today``.

    From the first Sunday of the year to the last Sunday of the next year (a programme's
    stragglers are still chased the year after), never past today.
    """
    first = dt.date(year, 1, 1)
    first += dt.timedelta(days=(6 - first.weekday()) % 7)
    last = min(week_end(today), week_end(dt.date(year + 1, 12, 31)))
    weeks = []
    day = first
    while day <= last:
        weeks.append(day)
        day += dt.timedelta(days=7)
    return weeks


def _write_programme_snapshot(programme_id: int, jurisdiction_id: int, on: dt.date) -> None:
    """The week's totals, whole and per category, lead unit and sponsor leader (4 queries)."""
    rows = ItemSnapshot.objects.filter(programme_id=programme_id, taken_on=on)
    groups: list[tuple[str, int, Summary]] = [("", 0, summarise(rows))]
    for group, key in (
        (ProgrammeSnapshot.Group.CATEGORY, "category_id"),
        (ProgrammeSnapshot.Group.UNIT, "lead_unit_id"),
        (ProgrammeSnapshot.Group.LEADER, "item__sponsor_leaders"),
    ):
        for (group_id,), summary in summarise_by(rows, key).items():
            if group_id is None and group == ProgrammeSnapshot.Group.LEADER:
                continue  # items without a sponsor leader
            groups.append((group.value, group_id or 0, summary))
    ProgrammeSnapshot.objects.filter(programme_id=programme_id, taken_on=on).delete()
    ProgrammeSnapshot.objects.bulk_create(
        ProgrammeSnapshot(
            programme_id=programme_id,
            jurisdiction_id=jurisdiction_id,
            taken_on=on,
            group=group,
            group_id=group_id,
            **programme_snapshot_values(summary),
        )
        for group, group_id, summary in groups
    )


def take_snapshots(
    programme_id: int,
    on: dt.date | None = None,
    *,
    today: dt.date | None = None,
    replace: bool = False,
) -> bool:
    """Snapshot the programme for the week ending ``on`` (a Sunday; default the latest).

    Returns False when that week is already snapshotted (and ``replace`` is not asked).
    """
    today = today or timezone.localdate()
    on = on or week_end(today)
    if on > today:
        raise ValidationFailed("不能为将来的日期生成快照")
    if on.weekday() != 6:
        raise ValidationFailed("周快照的日期应为星期日")
    meta = assessing.programme_meta(programme_id)
    if meta is None:
        return False
    year, jurisdiction_id = meta
    last = week_end(dt.date(year + 1, 12, 31))
    if on > last:
        raise ValidationFailed(f"{year}年度计划的周快照截至{last:%Y-%m-%d}")
    with transaction.atomic():
        exists = ProgrammeSnapshot.objects.filter(
            programme_id=programme_id, taken_on=on, group=""
        ).exists()
        if exists and not replace:
            return False
        ItemSnapshot.objects.filter(programme_id=programme_id, taken_on=on).delete()
        if on == today:
            reassess_if_stale([programme_id], today)
            queries.copy_statuses_to_snapshot(
                programme_id, on, timezone.now(), assessing.ASSESSED_COLUMNS
            )
            _write_programme_snapshot(programme_id, jurisdiction_id, on)
        else:
            _rebuild_weeks(programme_id, year, jurisdiction_id, [on])
    return True


def backfill_snapshots(
    programme_id: int, *, today: dt.date | None = None, replace: bool = False
) -> int:
    """Fill every missing week of the programme from its progress history; weeks written."""
    today = today or timezone.localdate()
    meta = assessing.programme_meta(programme_id)
    if meta is None:
        return 0
    year, jurisdiction_id = meta
    weeks = programme_weeks(year, today)
    if not replace:
        have = set(
            ProgrammeSnapshot.objects.filter(programme_id=programme_id, group="").values_list(
                "taken_on", flat=True
            )
        )
        weeks = [w for w in weeks if w not in have]
    if not weeks:
        return 0
    with transaction.atomic():
        ItemSnapshot.objects.filter(programme_id=programme_id, taken_on__in=weeks).delete()
        past = [w for w in weeks if w != today]
        if past:
            _rebuild_weeks(programme_id, year, jurisdiction_id, past)
        if today in weeks:
            reassess_if_stale([programme_id], today)
            queries.copy_statuses_to_snapshot(
                programme_id, today, timezone.now(), assessing.ASSESSED_COLUMNS
            )
            _write_programme_snapshot(programme_id, jurisdiction_id, today)
    return len(weeks)


@dataclass
class _History:
    """One item's progress history, as sorted lists for bisecting by date."""

    rated_on: list[dt.date]
    rates: list[Decimal]
    reported_on: list[dt.date]  # every update that is not a partner's note
    invested_on: list[dt.date]
    invested: list[Decimal]


def _histories(item_ids: Sequence[int]) -> dict[int, _History]:
    found: dict[int, _History] = {}
    rows = (
        ProgressUpdate.objects.filter(item_id__in=item_ids, is_note=False)
        .order_by("item_id", "reported_on", "id")
        .values_list("item_id", "reported_on", "rate", "done_investment")
    )
    for item_id, day, rate, invested in rows:
        h = found.get(item_id)
        if h is None:
            h = found[item_id] = _History([], [], [], [], [])
        h.reported_on.append(day)
        if rate is not None:
            h.rated_on.append(day)
            h.rates.append(Decimal(rate))
        if invested is not None:
            h.invested_on.append(day)
            h.invested.append(Decimal(invested))
    return found


def _as_of(dates: list[dt.date], values: list[Any], day: dt.date) -> Any:
    i = bisect.bisect_right(dates, day)
    return values[i - 1] if i else None


def _item_as_of(
    item: dict[str, Any], h: _History | None, day: dt.date, window_start: dt.date
) -> tuple[dict[str, Any], tuple[tuple[dt.date, Decimal], ...]]:
    """The item's figures as they stood at the end of ``day``, and its forecast history."""
    closed_on = item["closed_on"]
    if h is None:
        # Never reported on: its figures are as imported, from the day it was entered.
        if item["listed_on"] <= day:
            lifecycle = item["lifecycle"]
            if lifecycle == Lifecycle.CLOSED_OUT and (closed_on is None or closed_on > day):
                lifecycle = Lifecycle.DONE.value
            return {**item, "lifecycle": lifecycle, "progress_date": None}, ()
        return {
            **item,
            "lifecycle": Lifecycle.NOT_STARTED.value,
            "completion_rate": Decimal(0),
            "progress_date": None,
            "done_investment": None,
        }, ()
    rate = _as_of(h.rated_on, h.rates, day)
    rated = _as_of(h.rated_on, h.rated_on, day)
    reported = _as_of(h.reported_on, h.reported_on, day)
    rate_now = rate if rate is not None else Decimal(0)
    reopened_on = item.get("reopened_on")
    # Reopened after its 100 % was reported (and not reported done again since): back in
    # work, whatever the rate says.
    reopened = reopened_on is not None and reopened_on <= day and (rated or day) <= reopened_on
    if closed_on is not None and closed_on <= day:
        lifecycle = Lifecycle.CLOSED_OUT.value
    elif rate_now >= 100 and not reopened:
        lifecycle = Lifecycle.DONE.value
    elif rate_now > 0 or reported is not None:
        lifecycle = Lifecycle.IN_PROGRESS.value
    else:
        lifecycle = Lifecycle.NOT_STARTED.value
    history: tuple[tuple[dt.date, Decimal], ...] = ()
    if reported is not None:
        now = (reported, rate_now)
        base = _as_of(h.rated_on, h.rates, window_start)
        history = (
            ((window_start, base), now) if base is not None and reported > window_start else (now,)
        )
    return {
        **item,
        "lifecycle": lifecycle,
        "completion_rate": rate_now,
        "progress_date": reported,
        "done_investment": _as_of(h.invested_on, h.invested, day),
    }, history


def _add_reopen_dates(items: list[dict[str, Any]]) -> None:
    """``reopened_on`` of each item that is in work now at 100 %: reopened after it was
    reported done, which the progress history alone does not show."""
    reopened = [
        i["id"]
        for i in items
        if i["lifecycle"] not in FINISHED_LIFECYCLES and Decimal(i["completion_rate"]) >= 100
    ]
    if not reopened:
        return
    tz = timezone.get_current_timezone()
    times = last_action_times("item.reopen", Item._meta.label_lower, reopened)
    for item in items:
        when = times.get(str(item["id"]))
        if when is not None:
            item["reopened_on"] = when.astimezone(tz).date()


def _rebuild_weeks(
    programme_id: int, year: int, jurisdiction_id: int, weeks: Sequence[dt.date]
) -> None:
    """Rebuild the snapshots of past ``weeks`` from the progress history.

    Item by item, a thousand at a time: each item's updates are read once, and its rate,
    last update and investment at each week are found by bisection. Milestones, dates,
    unit and category are today's (the ledger keeps no history of those).
    """
    thresholds = assessing.thresholds_for(programme_id)
    year_start = dt.date(year, 1, 1)
    items = list(
        Item.objects.filter(programme_id=programme_id)
        .order_by("pk")
        .values(*assessing.ITEM_FIELDS, "closed_out_at")
    )
    assessing.add_local_dates(items)
    _add_reopen_dates(items)
    milestones = assessing.milestone_rates(programme_id, None)
    now = timezone.now()
    window = dt.timedelta(days=thresholds.forecast_window_days)
    columns = ("item_id", "taken_on", "created_at", "updated_at", *assessing.ASSESSED_COLUMNS)

    def rows() -> Iterable[tuple[Any, ...]]:
        for start in range(0, len(items), ITEM_CHUNK):
            chunk = items[start : start + ITEM_CHUNK]
            histories = _histories([i["id"] for i in chunk])
            # Written week by week, so that one week's rows sit together on disk: a board
            # as of that week then reads a few runs of pages, not one page per item.
            by_week: dict[dt.date, list[tuple[Any, ...]]] = {day: [] for day in weeks}
            for item in chunk:
                h = histories.get(item["id"])
                ms = milestones.get(item["id"], ())
                for day in weeks:
                    then, history = _item_as_of(item, h, day, day - window)
                    a = assess(assessing.item_facts(then, year_start, ms, history), thresholds, day)
                    by_week[day].append(
                        (item["id"], day, now, now, *assessing.assessed_values(then, a))
                    )
            for day in weeks:
                yield from by_week[day]

    bulk.insert_many(ItemSnapshot, columns, rows())
    for day in weeks:
        _write_programme_snapshot(programme_id, jurisdiction_id, day)


def active_programme_ids(today: dt.date) -> list[int]:
    """Programmes still snapshotted: this year's and last year's."""
    return list(
        Programme.objects.filter(year__gte=today.year - 1, year__lte=today.year)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
