"""Current statuses: assessing items as of today, and keeping that assessment fresh.

- ``refresh_statuses`` assesses items as of today and upserts ``ItemStatus`` rows. It reads
  items with ``values()``, the milestones that carry a planned rate, and for the forecast
  only the rate as of the window start (one correlated subquery on the updates' index)
  instead of the whole progress history.
- ``on_items_changed`` (the ledger's ``items_changed`` signal) only marks changed items.
- ``reassess_if_stale`` is the write a board read asks for before it reads (and the
  ``refresh_board`` command runs each morning): it reassesses what is marked or a day old
  and adds up the programmes' totals anew where they are missing. Board selectors only read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import router, transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.utils import timezone

from shishi.board import queries
from shishi.board.aggregates import Summary, programme_snapshot_values, summarise_by
from shishi.board.models import ItemStatus, ProgrammeStatus
from shishi.board.schedule import assess
from shishi.board.services import assessing
from shishi.core import bulk
from shishi.ledger.models import Item, Programme, ProgressUpdate

log = logging.getLogger(__name__)


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

    Four reads and the write (``bulk.upsert_many``), whatever the size of the progress history.
    """
    today = today or timezone.localdate()
    meta = assessing.programme_meta(programme_id)
    if meta is None:
        return 0
    year, jurisdiction_id = meta
    ids = None if item_ids is None else sorted(set(item_ids))
    if ids is not None and not ids:
        return 0
    thresholds = assessing.thresholds_for(programme_id)
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
        qs.order_by("pk")
        .annotate(base_rate=Subquery(base_rate))
        .values(*assessing.ITEM_FIELDS, "base_rate")
    )
    milestones = assessing.milestone_rates(programme_id, ids)
    now = timezone.now()
    assessing.add_local_dates(items)

    def rows() -> Iterable[tuple[Any, ...]]:
        for item in items:
            facts = assessing.item_facts(
                item,
                year_start,
                milestones.get(item["id"], ()),
                _current_history(item, window_start),
            )
            a = assess(facts, thresholds, today)
            yield (item["id"], now, now, *assessing.assessed_values(item, a), today)

    columns = ("item_id", "created_at", "updated_at", *assessing.ASSESSED_COLUMNS, "assessed_on")
    with transaction.atomic():
        written = bulk.upsert_many(
            ItemStatus,
            columns,
            rows(),
            conflict=("item_id",),
            update=("updated_at", *assessing.ASSESSED_COLUMNS, "assessed_on"),
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


def reassess_if_stale(programme_ids: Sequence[int], today: dt.date | None = None) -> list[int]:
    """Reassess what is stale in these programmes and keep their totals; return the
    programmes reassessed. A write: board views call it before they read.

    Items changed today are reassessed alone (a few milliseconds); a programme whose items
    were assessed on an earlier day, or that gained items, is reassessed whole (about 1 s
    for 10,000 items: the first view of the day, unless ``refresh_board`` ran). Programmes
    whose totals are missing (items changed since) have them added up again (one GROUP BY).
    """
    today = today or timezone.localdate()
    stale = stale_programmes(programme_ids, today)
    for pid in stale:
        changed = _changed_items(pid, today)
        if changed:
            refresh_statuses(pid, changed, today=today)
        else:
            refresh_statuses(pid, today=today)
    have = set(
        ProgrammeStatus.objects.filter(
            programme_id__in=programme_ids, assessed_on=today
        ).values_list("programme_id", flat=True)
    )
    missing = [pid for pid in programme_ids if pid not in have]
    if missing:
        jurisdiction_of = dict(
            Programme.objects.filter(pk__in=missing).values_list("pk", "jurisdiction_id")
        )
        with transaction.atomic():
            _write_programme_totals(jurisdiction_of, today)
    return stale


def reassess_before_read(programme_ids: Sequence[int], as_of: dt.date | None) -> list[int]:
    """What a board view asks for before it reads the board as of ``as_of``: a live board
    (today's, ``as_of`` None or not in the past) is reassessed if stale; a past week's
    board is a snapshot, left as it is."""
    today = timezone.localdate()
    if as_of is not None and as_of < today:
        return []
    return reassess_if_stale(programme_ids, today)


def on_items_changed(
    sender: Any, *, programme_id: int, item_ids: list[int] | None = None, **kwargs: Any
) -> None:
    """Receiver of ``ledger.signals.items_changed`` (sent inside the ledger's transaction).

    The changed items (all of the programme's after an import) are only marked, in one
    UPDATE: posting progress and importing stay cheap, and the board reassesses what is
    marked when it is next read (``reassess_if_stale``: the items alone, or the whole programme
    past ``PARTIAL_LIMIT``). The board is derived data: a failure here is logged and never
    undoes or breaks the ledger write that caused it (the savepoint of the inner atomic
    block keeps the ledger's transaction usable after a database error here).
    """
    db = router.db_for_write(ItemStatus)
    try:
        with transaction.atomic(using=db):
            queries.mark_items_changed(programme_id, item_ids, CHANGED)
    except Exception:
        log.exception("board: marking programme %s items %s failed", programme_id, item_ids)
