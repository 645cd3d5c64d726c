"""The demands' written SQL: the counts behind the three rates (``demands.rates``).

One statement per table of the page, whatever the number of demands, units or months: the
demands that can count in the window are read once (a ``MATERIALIZED`` CTE, so each one's
call-back time — its closing time, or for a reopened one its last call-back event — is
looked up once, not once per count), then counted per group with ``COUNT(*) FILTER``, six
counts per month. Plain SQL that runs on SQLite (3.35+) and PostgreSQL; names come from
the models' ``_meta``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from shishi.core.sql import Table, fetch
from shishi.demands.models import Demand, DemandEvent, Satisfaction, Status

# The grouping columns a caller may ask for (never text from a request).
GROUPS = ("unit", "category", "street")
COUNTS = ("dispatched", "on_time", "called_back", "satisfied", "basically", "dissatisfied")


def _fetch_without_jit(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL costs the per-demand call-back lookup high and compiles the statement
    (JIT): 40–50 ms of a 200 ms answer spent compiling. Off for this statement."""
    if connection.vendor != "postgresql":
        return fetch(sql, params)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        return fetch(sql, params)


def _bucket(column: str, windows: Sequence[tuple[Any, Any]]) -> tuple[str, list[Any]]:
    """A CASE giving the index of the window ``column`` falls in (NULL for none)."""
    whens, params = [], []
    for i, (s, e) in enumerate(windows):
        whens.append(f"WHEN {column} >= %s AND {column} < %s THEN {i}")
        params += [s, e]
    return f"CASE {' '.join(whens)} END", params


def rate_counts(
    jurisdiction_id: int,
    group: str | None,
    windows: Sequence[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime,
) -> list[tuple[Any, int, list[int]]]:
    """(group key, window index, the six ``COUNTS``) for every group and window with
    something to count; key None when ``group`` is None (the district). ``windows`` must
    not overlap (a demand counts in the first it falls in)."""
    if group is not None and group not in GROUPS:
        raise ValueError(group)
    d, e = Table(Demand), Table(DemandEvent)
    ops = connection.ops
    spans = [
        (ops.adapt_datetimefield_value(s), ops.adapt_datetimefield_value(e_)) for s, e_ in windows
    ]
    start = ops.adapt_datetimefield_value(min(s for s, _e in windows))
    end = ops.adapt_datetimefield_value(max(e_ for _s, e_ in windows))
    key = f"d.{getattr(d, group + '_id')}" if group else "NULL"
    callback = (
        f"CASE WHEN d.{d.satisfaction} <> '' THEN COALESCE(d.{d.closed_at}, ("
        f"SELECT MAX(e.{e.at}) FROM {e} e"
        f" WHERE e.{e.demand_id} = d.{d.id} AND e.{e.action} = %s)) END"
    )
    dispatched_in, dispatched_params = _bucket(f"d.{d.dispatched_at}", spans)
    called_in, called_params = _bucket("c.cb", spans)
    sql = f"""
WITH c AS MATERIALIZED (
  SELECT {key} AS k, d.{d.dispatched_at} AS da, d.{d.accept_by} AS ab,
         d.{d.accepted_at} AS aa, d.{d.status} AS st, d.{d.unit_id} AS u,
         d.{d.satisfaction} AS sat, {callback} AS cb,
         {dispatched_in} AS dm
  FROM {d} d
  WHERE d.{d.jurisdiction_id} = %s AND d.{d.assessed} = %s
    AND ((d.{d.dispatched_at} >= %s AND d.{d.dispatched_at} < %s)
         OR (d.{d.satisfaction} <> '' AND (d.{d.closed_at} IS NULL
             OR (d.{d.closed_at} >= %s AND d.{d.closed_at} < %s))))
), b AS MATERIALIZED (
  SELECT c.*, {called_in} AS cm FROM c
)
SELECT b.k, b.dm, 0,
       COUNT(*),
       COUNT(*) FILTER (WHERE b.aa <= b.ab),
       0, 0, 0, 0
  FROM b
 WHERE b.dm IS NOT NULL AND b.u IS NOT NULL AND b.st <> %s AND (b.aa IS NOT NULL OR b.ab <= %s)
 GROUP BY b.k, b.dm
UNION ALL
SELECT b.k, b.cm, 1, 0, 0,
       COUNT(*),
       COUNT(*) FILTER (WHERE b.sat = %s),
       COUNT(*) FILTER (WHERE b.sat = %s),
       COUNT(*) FILTER (WHERE b.sat = %s)
  FROM b
 WHERE b.cm IS NOT NULL
 GROUP BY b.k, b.cm"""
    params: list[Any] = [
        "call_back",
        *dispatched_params,
        jurisdiction_id,
        True,
        start,
        end,
        start,
        end,
        *called_params,
        Status.SENT_BACK.value,
        ops.adapt_datetimefield_value(now),
        Satisfaction.SATISFIED.value,
        Satisfaction.BASICALLY.value,
        Satisfaction.DISSATISFIED.value,
    ]
    merged: dict[tuple[Any, int], list[int]] = {}
    for row in _fetch_without_jit(sql, params):
        values = merged.setdefault((row[0], int(row[1])), [0] * len(COUNTS))
        for i, v in enumerate(row[3:]):
            values[i] += int(v or 0)
    return [(k, m, values) for (k, m), values in merged.items()]
