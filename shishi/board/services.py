"""Writes of the battle board: warning rules, item statuses and weekly snapshots.

Only ``set_thresholds`` is a person's action (checked, validated, audited). The rest
rebuilds derived data from the ledger and is called by the ledger's ``items_changed``
signal, by the boards when statuses are a day old, and by the commands
``refresh_board`` and ``take_snapshots``:

- ``refresh_statuses`` assesses items as of today and upserts ``ItemStatus`` rows. It reads
  items with ``values()``, the milestones that carry a planned rate, and for the forecast
  only the rate as of the window start (one correlated subquery on the updates' index)
  instead of the whole progress history.
- ``take_snapshots`` writes one week's ``ItemSnapshot`` rows and ``ProgrammeSnapshot``
  totals. Weeks end on Sunday. A snapshot of today copies the current statuses; a snapshot
  of a past Sunday is rebuilt from the progress history (the rate then is the latest update
  on or before that day), which is also how ``backfill_snapshots`` gives a freshly imported
  ledger its real trend. Taken snapshots are kept as they are unless ``replace`` is asked.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connections, models, router, transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.utils import timezone

from shishi.board import permissions
from shishi.board.aggregates import (
    Summary,
    cell_of,
    programme_snapshot_values,
    summarise,
    summarise_by,
)
from shishi.board.models import (
    THRESHOLD_FIELDS,
    ItemSnapshot,
    ItemStatus,
    ProgrammeSnapshot,
    ProgrammeStatus,
    WarningThresholds,
)
from shishi.board.schedule import (
    DEFAULT_THRESHOLDS,
    Assessment,
    ItemFacts,
    Thresholds,
    assess,
)
from shishi.core import audit, sql
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger.models import Item, Lifecycle, Milestone, Programme, ProgressUpdate

log = logging.getLogger(__name__)

BATCH = 2000
COPY_FROM = 200  # rows from which PostgreSQL writes go through COPY
ITEM_CHUNK = 1000

# Columns shared by statuses and snapshots, in the order ``_assessed_values`` yields them.
ASSESSED_COLUMNS = (
    "jurisdiction_id",
    "programme_id",
    "category_id",
    "lead_unit_id",
    "lifecycle",
    "completion_rate",
    "planned_rate",
    "gap",
    "status",
    "light",
    "urgency",
    "cell",
    "reason_code",
    "reasons",
    "days_since_update",
    "update_late",
    "forecast_date",
    "will_miss",
    "planned_investment",
    "done_investment",
)


# --- warning rules ----------------------------------------------------------------------


def thresholds_for(programme_id: int) -> Thresholds:
    row = WarningThresholds.objects.filter(programme_id=programme_id).first()
    return row.as_thresholds() if row else DEFAULT_THRESHOLDS


def _validate_thresholds(values: dict[str, int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    bounds = {
        "behind_points": (1, 100),
        "seriously_behind_points": (1, 100),
        "ahead_points": (1, 100),
        "stale_yellow_days": (1, 365),
        "stale_red_days": (1, 365),
        "not_started_yellow_months": (0, 24),
        "not_started_red_months": (0, 24),
        "forecast_window_days": (14, 365),
    }
    for name, (low, high) in bounds.items():
        if not low <= values[name] <= high:
            errors[name] = f"应在{low}到{high}之间"
    if not errors:
        if values["seriously_behind_points"] < values["behind_points"]:
            errors["seriously_behind_points"] = "严重滞后的百分点不能小于滞后的百分点"
        if values["stale_red_days"] < values["stale_yellow_days"]:
            errors["stale_red_days"] = "红灯天数不能小于黄灯天数"
        if values["not_started_red_months"] < values["not_started_yellow_months"]:
            errors["not_started_red_months"] = "红灯月数不能小于黄灯月数"
    return errors


def set_thresholds(
    programme: Programme, *, actor: Any, expected_version: int | None, **values: Any
) -> WarningThresholds:
    """Set the programme's warning rules (programme office or city office only).

    Unknown fields, non-numbers and out-of-range or contradictory values are refused with
    every bad field named; a stale ``expected_version`` (0 while the defaults apply) is
    refused. On commit the programme's statuses are reassessed under the new rules.
    """
    if not permissions.can_set_thresholds(actor, programme):
        raise PermissionDenied("只有专班可以设置预警规则")
    unknown = sorted(set(values) - set(THRESHOLD_FIELDS))
    if unknown:
        raise ValidationFailed(f"不能设置字段: {', '.join(unknown)}")
    clean: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            errors[name] = "请填写整数"
            continue
        clean[name] = number
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    with transaction.atomic():
        row = WarningThresholds.objects.select_for_update().filter(programme=programme).first()
        version = row.version if row else 0
        if expected_version is not None and expected_version != version:
            raise StaleEdit(
                f"预警规则已被他人修改(当前版本 {version},您编辑的是版本 {expected_version}),"
                "请刷新后重新填写"
            )
        base = row or WarningThresholds(programme=programme)
        before = {f: getattr(base, f) for f in THRESHOLD_FIELDS}
        after = {**before, **clean}
        errors = _validate_thresholds(after)
        if errors:
            raise ValidationFailed("；".join(errors.values()), errors)
        if row is None:
            row = WarningThresholds.objects.create(
                programme=programme, jurisdiction_id=programme.jurisdiction_id, **after
            )
        else:
            updated = WarningThresholds.objects.filter(pk=row.pk, version=version).update(
                version=version + 1, updated_at=timezone.now(), **after
            )
            if updated != 1:
                raise StaleEdit("预警规则已被他人修改,请刷新后重新填写")
            row.refresh_from_db()
        changes = audit.diff(before, after)
        audit.record(
            actor=actor,
            action="board.thresholds",
            target=row,
            changes=changes,
            jurisdiction_id=programme.jurisdiction_id,
        )
        programme_id = programme.pk
        transaction.on_commit(lambda: refresh_statuses(programme_id))
    return row


# --- writing many rows ------------------------------------------------------------------


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _converters(
    model: type[models.Model], columns: Sequence[str], conn: Any, ready: Collection[str]
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, function) for the columns whose values need turning into parameters.

    Ints, strings, booleans and decimals pass as they are on both backends, and so do the
    ``ready`` columns (adapted once by the caller, such as one timestamp for all rows).
    """
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    out: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(columns):
        if column in ready:
            continue
        kind = by_attname[column].get_internal_type()
        if kind == "DateField":
            out.append((i, conn.ops.adapt_datefield_value))
        elif kind == "DateTimeField":
            out.append((i, conn.ops.adapt_datetimefield_value))
        elif kind == "JSONField":
            out.append((i, partial(conn.ops.adapt_json_value, encoder=None)))
    return out


def _write_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    ready: Collection[str] = (),
) -> int:
    """INSERT (or upsert, with ``conflict``) many rows at once.

    ``bulk_create`` is held to SQLite's 999 parameters a statement, about 40 rows of these
    wide tables: 10,000 statuses took 250 statements. SQLite runs one prepared statement
    many times fastest (``executemany``); PostgreSQL takes the rows through COPY into a
    temporary table and one ``INSERT … SELECT`` (10,000 single-row upserts cost 1.4 s of
    round trips there). ``ON CONFLICT … DO UPDATE`` is the same on both.
    """
    db = router.db_for_write(model)
    conn = connections[db]
    quote = conn.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    on_conflict = ""
    if conflict:
        sets = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update)
        on_conflict = f" ON CONFLICT ({', '.join(quote(c) for c in conflict)}) DO UPDATE SET {sets}"
    if conn.vendor == "postgresql":
        source = iter(rows)
        first = list(itertools.islice(source, COPY_FROM))
        if len(first) == COPY_FROM:
            everything = itertools.chain(first, source)
            return _copy_rows(conn, model, table, names, columns, everything, on_conflict)
        rows = first  # a few rows (one item changed): a temporary table costs more
    convert = _converters(model, columns, conn, ready)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    sql += on_conflict
    written = 0
    batch: list[list[Any]] = []
    with transaction.atomic(using=db), conn.cursor() as cursor:
        for row in rows:
            values = list(row)
            for i, fn in convert:
                if values[i] is not None:
                    values[i] = fn(values[i])
            batch.append(values)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _copy_rows(
    conn: Any,
    model: type[models.Model],
    table: str,
    names: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_conflict: str,
) -> int:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    json_columns = [
        i for i, c in enumerate(columns) if by_attname[c].get_internal_type() == "JSONField"
    ]
    temp = conn.ops.quote_name(f"tmp_{model._meta.db_table}")
    written = 0
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # Just the columns written, with their types (no ids, defaults or constraints).
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {table}"
            " WITH NO DATA"
        )
        source = iter(rows)
        while True:
            # Batch by batch: producing rows may query this connection, which it cannot do
            # while a COPY is open.
            batch = list(itertools.islice(source, BATCH))
            if not batch:
                break
            with cursor.cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
                for row in batch:
                    values = list(row)
                    for i in json_columns:
                        if values[i] is not None:
                            values[i] = _json_text(values[i])
                    copy.write_row(values)
            written += len(batch)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {temp}{on_conflict}")
    return written


def _now_param(model: type[models.Model]) -> Any:
    """The current time as a query parameter of ``model``'s database."""
    conn = connections[router.db_for_write(model)]
    return conn.ops.adapt_datetimefield_value(timezone.now())


def _assessed_values(item: dict[str, Any], a: Assessment) -> tuple[Any, ...]:
    fc = a.forecast
    return (
        item["jurisdiction_id"],
        item["programme_id"],
        item["category_id"],
        item["lead_unit_id"],
        item["lifecycle"],
        a.rate,
        a.planned_rate,
        a.gap,
        a.status,
        a.light,
        a.urgency,
        cell_of(a.status, a.light, item["lifecycle"], a.forecast.will_miss, a.update_late),
        a.reason.code,
        [r.as_json() for r in a.reasons],
        a.days_since_update,
        a.update_late,
        fc.projected_date,
        fc.will_miss,
        item["planned_investment"],
        item["done_investment"],
    )


# --- current statuses -------------------------------------------------------------------

ITEM_FIELDS = (
    "id",
    "jurisdiction_id",
    "programme_id",
    "category_id",
    "lead_unit_id",
    "start_date",
    "due_date",
    "is_ongoing",
    "completion_rate",
    "lifecycle",
    "progress_date",
    "planned_investment",
    "done_investment",
    "created_at",
)


def _programme_meta(programme_id: int) -> tuple[int, int] | None:
    row = Programme.objects.filter(pk=programme_id).values_list("year", "jurisdiction_id").first()
    return (row[0], row[1]) if row else None


def _milestone_rates(
    programme_id: int, item_ids: Sequence[int] | None
) -> dict[int, tuple[tuple[dt.date, Decimal], ...]]:
    qs = Milestone.objects.filter(item__programme_id=programme_id, planned_rate__isnull=False)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    found: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for item_id, due, rate in qs.order_by().values_list("item_id", "due_date", "planned_rate"):
        if rate is not None:
            found[item_id].append((due, rate))
    return {k: tuple(sorted(v)) for k, v in found.items()}


def _facts(
    item: dict[str, Any],
    year_start: dt.date,
    milestones: tuple[tuple[dt.date, Decimal], ...],
    history: tuple[tuple[dt.date, Decimal], ...],
) -> ItemFacts:
    return ItemFacts(
        lifecycle=item["lifecycle"],
        completion_rate=Decimal(item["completion_rate"]),
        start_date=item["start_date"],
        due_date=item["due_date"],
        is_ongoing=item["is_ongoing"],
        progress_date=item["progress_date"],
        year_start=year_start,
        milestones=milestones,
        history=history,
        listed_on=item["listed_on"],
    )


def _add_local_dates(items: list[dict[str, Any]]) -> None:
    """``listed_on`` (and ``closed_on`` where read): local dates of the item's timestamps."""
    tz = timezone.get_current_timezone()
    for item in items:
        item["listed_on"] = item.pop("created_at").astimezone(tz).date()
        if "closed_out_at" in item:
            closed = item.pop("closed_out_at")
            item["closed_on"] = closed.astimezone(tz).date() if closed else None


def _current_history(
    item: dict[str, Any], window_start: dt.date
) -> tuple[tuple[dt.date, Decimal], ...]:
    """The two points ``forecast`` reads, from the item and its rate at the window start."""
    updated_on = item["progress_date"]
    if updated_on is None:
        return ()
    now = (updated_on, Decimal(item["completion_rate"]))
    base = item["base_rate"]
    if base is None or updated_on <= window_start:
        return (now,)
    return ((window_start, Decimal(base)), now)


def refresh_statuses(
    programme_id: int, item_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> int:
    """Assess the programme's items (or just ``item_ids``) as of ``today``; upsert statuses.

    Four reads and the write (``_write_rows``), whatever the size of the progress history.
    """
    today = today or timezone.localdate()
    meta = _programme_meta(programme_id)
    if meta is None:
        return 0
    year, jurisdiction_id = meta
    ids = None if item_ids is None else sorted(set(item_ids))
    if ids is not None and not ids:
        return 0
    thresholds = thresholds_for(programme_id)
    year_start = dt.date(year, 1, 1)
    window_start = today - dt.timedelta(days=thresholds.forecast_window_days)
    base_rate = (
        ProgressUpdate.objects.filter(
            item=OuterRef("pk"), is_note=False, rate__isnull=False, reported_on__lte=window_start
        )
        .order_by("-reported_on", "-id")
        .values("rate")[:1]
    )
    qs = Item.objects.filter(programme_id=programme_id)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    # In id order, so concurrent refreshes lock rows in the same order (no deadlocks).
    items = list(
        qs.order_by("pk").annotate(base_rate=Subquery(base_rate)).values(*ITEM_FIELDS, "base_rate")
    )
    milestones = _milestone_rates(programme_id, ids)
    now = _now_param(ItemStatus)
    _add_local_dates(items)

    def rows() -> Iterable[tuple[Any, ...]]:
        for item in items:
            facts = _facts(
                item,
                year_start,
                milestones.get(item["id"], ()),
                _current_history(item, window_start),
            )
            a = assess(facts, thresholds, today)
            yield (item["id"], now, now, *_assessed_values(item, a), today)

    columns = ("item_id", "created_at", "updated_at", *ASSESSED_COLUMNS, "assessed_on")
    with transaction.atomic():
        written = _write_rows(
            ItemStatus,
            columns,
            rows(),
            conflict=("item_id",),
            update=("updated_at", *ASSESSED_COLUMNS, "assessed_on"),
            ready=("created_at", "updated_at"),
        )
        if ids is None:
            _write_programme_totals({programme_id: jurisdiction_id}, today)
        else:
            # Some items changed: the programme's totals are added up again when needed.
            ProgrammeStatus.objects.filter(programme_id=programme_id).delete()
    return written


def _write_programme_totals(jurisdiction_of: dict[int, int], today: dt.date) -> dict[int, Summary]:
    """Add up the statuses of these programmes (one GROUP BY) and keep the totals."""
    found = summarise_by(
        ItemStatus.objects.filter(programme_id__in=list(jurisdiction_of)), "programme_id"
    )
    totals = {pid: found.get((pid,), Summary()) for pid in jurisdiction_of}
    ProgrammeStatus.objects.filter(programme_id__in=list(jurisdiction_of)).delete()
    ProgrammeStatus.objects.bulk_create(
        ProgrammeStatus(
            programme_id=pid,
            jurisdiction_id=jurisdiction_of[pid],
            assessed_on=today,
            **programme_snapshot_values(summary),
        )
        for pid, summary in totals.items()
    )
    return totals


def live_version(programme_id: int, today: dt.date) -> str:
    """A token that changes whenever the programme's current statuses change: the time its
    totals row was written, which every reassessment deletes and writes anew."""
    for _attempt in range(2):
        found = (
            ProgrammeStatus.objects.filter(programme_id=programme_id, assessed_on=today)
            .values_list("created_at", flat=True)
            .first()
        )
        if found is not None:
            return found.isoformat()
        programme_totals([programme_id], today)
    return ""


def programme_totals(programme_ids: Sequence[int], today: dt.date) -> dict[int, Summary]:
    """The current totals of these programmes (their statuses must be fresh: ``ensure_fresh``).

    Reads one row a programme; programmes whose items changed since are added up again.
    """
    rows = {
        row.programme_id: row
        for row in ProgrammeStatus.objects.filter(programme_id__in=programme_ids, assessed_on=today)
    }
    out = {pid: Summary.from_programme_snapshot(row) for pid, row in rows.items()}
    missing = [pid for pid in programme_ids if pid not in rows]
    if missing:
        jurisdiction_of = dict(
            Programme.objects.filter(pk__in=missing).values_list("pk", "jurisdiction_id")
        )
        with transaction.atomic():
            out.update(_write_programme_totals(jurisdiction_of, today))
    return out


def stale_programmes(programme_ids: Sequence[int], today: dt.date) -> list[int]:
    """Programmes whose statuses are missing for some item or not assessed ``today``.

    Two index-only aggregates, whatever the number of programmes.
    """
    if not programme_ids:
        return []
    counts = dict(
        Item.objects.filter(programme_id__in=programme_ids)
        .order_by()
        .values_list("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    statuses = {
        pid: (n, first, last)
        for pid, n, first, last in ItemStatus.objects.filter(programme_id__in=programme_ids)
        .order_by()
        .values_list("programme_id")
        .annotate(n=Count("pk"), first=Min("assessed_on"), last=Max("assessed_on"))
        .values_list("programme_id", "n", "first", "last")
    }
    stale = []
    for pid in programme_ids:
        n_items = counts.get(pid, 0)
        n, first, last = statuses.get(pid, (0, None, None))
        if n != n_items or (n_items and (first != today or last != today)):
            stale.append(pid)
    return stale


# An item whose ledger row changed waits for its reassessment with this date: older than any
# real day, so the freshness check (``min(assessed_on) == today``) sees it at once.
CHANGED = dt.date(1970, 1, 1)
# Up to this many changed items are reassessed alone; more, and the whole programme is.
PARTIAL_LIMIT = 2000


def _changed_items(programme_id: int, today: dt.date) -> list[int] | None:
    """The items marked changed, when they are all that is stale in the programme (every
    item has a status, none from an earlier day, at most ``PARTIAL_LIMIT`` marked)."""
    statuses = ItemStatus.objects.filter(programme_id=programme_id)
    if statuses.exclude(assessed_on__in=[today, CHANGED]).exists():
        return None
    if statuses.count() != Item.objects.filter(programme_id=programme_id).count():
        return None
    changed = list(
        statuses.filter(assessed_on=CHANGED)
        .order_by()
        .values_list("item_id", flat=True)[: PARTIAL_LIMIT + 1]
    )
    return changed if len(changed) <= PARTIAL_LIMIT else None


def ensure_fresh(programme_ids: Sequence[int], today: dt.date | None = None) -> list[int]:
    """Reassess what is stale in these programmes; return the programmes touched.

    Items changed today are reassessed alone (a few milliseconds); a programme whose items
    were assessed on an earlier day, or that gained items, is reassessed whole.
    """
    today = today or timezone.localdate()
    stale = stale_programmes(programme_ids, today)
    for pid in stale:
        changed = _changed_items(pid, today)
        if changed:
            refresh_statuses(pid, changed, today=today)
        else:
            refresh_statuses(pid, today=today)
    return stale


def on_items_changed(
    sender: Any, *, programme_id: int, item_ids: list[int] | None = None, **kwargs: Any
) -> None:
    """Receiver of ``ledger.signals.items_changed`` (sent inside the ledger's transaction).

    The changed items (all of the programme's after an import) are only marked, in one
    UPDATE: posting progress and importing stay cheap, and the board reassesses what is
    marked when it is next read (``ensure_fresh``: the items alone, or the whole programme
    past ``PARTIAL_LIMIT``). The board is derived data: a failure here is logged and never
    undoes or breaks the ledger write that caused it (the savepoint of the inner atomic
    block keeps the ledger's transaction usable after a database error here).
    """
    # Plain SQL: this runs with every progress post, and compiling the two statements with
    # the ORM took longer than running them.
    db = router.db_for_write(ItemStatus)
    mark = f"UPDATE {ItemStatus._meta.db_table} SET assessed_on = %s WHERE programme_id = %s"
    params: list[Any] = [CHANGED, programme_id]
    if item_ids is not None:
        mark += f" AND item_id IN ({sql.marks(len(item_ids))})" if item_ids else " AND 1 = 0"
        params += item_ids
    try:
        with transaction.atomic(using=db), connections[db].cursor() as cursor:
            cursor.execute(mark, params)
            cursor.execute(
                f"DELETE FROM {ProgrammeStatus._meta.db_table} WHERE programme_id = %s",
                [programme_id],
            )
    except Exception:
        log.exception("board: marking programme %s items %s failed", programme_id, item_ids)


# --- weekly snapshots -------------------------------------------------------------------


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


def _copy_statuses(programme_id: int, on: dt.date) -> int:
    """Today's snapshot: the current statuses, copied row for row in one statement."""
    db = router.db_for_write(ItemSnapshot)
    conn = connections[db]
    quote = conn.ops.quote_name
    cols = ", ".join(quote(c) for c in ASSESSED_COLUMNS)
    now = _now_param(ItemSnapshot)
    sql = (
        f"INSERT INTO {quote(ItemSnapshot._meta.db_table)}"
        f" ({quote('item_id')}, {quote('taken_on')}, {quote('created_at')},"
        f" {quote('updated_at')}, {cols})"
        f" SELECT {quote('item_id')}, %s, %s, %s, {cols}"
        f" FROM {quote(ItemStatus._meta.db_table)} WHERE {quote('programme_id')} = %s"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [conn.ops.adapt_datefield_value(on), now, now, programme_id])
        return cursor.rowcount


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
    meta = _programme_meta(programme_id)
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
            ensure_fresh([programme_id], today)
            _copy_statuses(programme_id, on)
            _write_programme_snapshot(programme_id, jurisdiction_id, on)
        else:
            _rebuild_weeks(programme_id, year, jurisdiction_id, [on])
    return True


def backfill_snapshots(
    programme_id: int, *, today: dt.date | None = None, replace: bool = False
) -> int:
    """Fill every missing week of the programme from its progress history; weeks written."""
    today = today or timezone.localdate()
    meta = _programme_meta(programme_id)
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
            ensure_fresh([programme_id], today)
            _copy_statuses(programme_id, today)
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
    reported = _as_of(h.reported_on, h.reported_on, day)
    rate_now = rate if rate is not None else Decimal(0)
    if closed_on is not None and closed_on <= day:
        lifecycle = Lifecycle.CLOSED_OUT.value
    elif rate_now >= 100:
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


def _rebuild_weeks(
    programme_id: int, year: int, jurisdiction_id: int, weeks: Sequence[dt.date]
) -> None:
    """Rebuild the snapshots of past ``weeks`` from the progress history.

    Item by item, a thousand at a time: each item's updates are read once, and its rate,
    last update and investment at each week are found by bisection. Milestones, dates,
    unit and category are today's (the ledger keeps no history of those).
    """
    thresholds = thresholds_for(programme_id)
    year_start = dt.date(year, 1, 1)
    items = list(
        Item.objects.filter(programme_id=programme_id)
        .order_by("pk")
        .values(*ITEM_FIELDS, "closed_out_at")
    )
    _add_local_dates(items)
    milestones = _milestone_rates(programme_id, None)
    now = _now_param(ItemSnapshot)
    window = dt.timedelta(days=thresholds.forecast_window_days)
    columns = ("item_id", "taken_on", "created_at", "updated_at", *ASSESSED_COLUMNS)

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
                    a = assess(_facts(then, year_start, ms, history), thresholds, day)
                    by_week[day].append((item["id"], day, now, now, *_assessed_values(then, a)))
            for day in weeks:
                yield from by_week[day]

    _write_rows(ItemSnapshot, columns, rows(), ready=("created_at", "updated_at"))
    for day in weeks:
        _write_programme_snapshot(programme_id, jurisdiction_id, day)


def active_programme_ids(today: dt.date) -> list[int]:
    """Programmes still snapshotted: this year's and last year's."""
    return list(
        Programme.objects.filter(year__gte=today.year - 1, year__lte=today.year)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
