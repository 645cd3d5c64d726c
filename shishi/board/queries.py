"""The board's written SQL: two statements the ORM would make slower, each with a parity test
against the ORM (``board/tests/test_queries.py``). Names come from the models' ``_meta``.

- ``mark_items_changed`` runs inside every progress post (the ledger's ``items_changed``
  signal); compiling its two statements with the ORM took longer than running them.
- ``copy_statuses_to_snapshot`` copies a programme's current statuses into a week's
  snapshot row for row in one ``INSERT … SELECT``, without the rows passing through Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connections, router

from shishi.board.models import ItemSnapshot, ItemStatus, ProgrammeStatus
from shishi.core.sql import Table, marks


def mark_items_changed(programme_id: int, item_ids: Sequence[int] | None, on: dt.date) -> None:
    """Set ``assessed_on`` of the programme's statuses (or of ``item_ids``'s) to ``on``, and
    drop the programme's current totals (they are added up again when next needed)."""
    conn = connections[router.db_for_write(ItemStatus)]
    status, totals = Table(ItemStatus, conn), Table(ProgrammeStatus, conn)
    sql = f"UPDATE {status} SET {status.assessed_on} = %s WHERE {status.programme} = %s"
    params: list[Any] = [conn.ops.adapt_datefield_value(on), programme_id]
    if item_ids is not None:
        sql += f" AND {status.item} IN ({marks(len(item_ids))})" if item_ids else " AND 1 = 0"
        params += item_ids
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"DELETE FROM {totals} WHERE {totals.programme} = %s", [programme_id])


def copy_statuses_to_snapshot(
    programme_id: int, on: dt.date, now: dt.datetime, columns: Sequence[str]
) -> int:
    """INSERT the programme's current statuses as its snapshot of ``on`` (``columns``: the
    fields the two share besides the item); the rows copied."""
    conn = connections[router.db_for_write(ItemSnapshot)]
    status, snapshot = Table(ItemStatus, conn), Table(ItemSnapshot, conn)
    source = ", ".join(getattr(status, c) for c in columns)
    target = ", ".join(getattr(snapshot, c) for c in columns)
    sql = (
        f"INSERT INTO {snapshot} ({snapshot.item}, {snapshot.taken_on}, {snapshot.created_at},"
        f" {snapshot.updated_at}, {target})"
        f" SELECT {status.item}, %s, %s, %s, {source} FROM {status} WHERE {status.programme} = %s"
    )
    stamp = conn.ops.adapt_datetimefield_value(now)
    with conn.cursor() as cursor:
        cursor.execute(sql, [conn.ops.adapt_datefield_value(on), stamp, stamp, programme_id])
        return int(cursor.rowcount)
