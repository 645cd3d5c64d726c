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


def _column(model: Any, name: str, qn: Any) -> str:
    return str(qn(model._meta.get_field(name).column))


def mark_items_changed(programme_id: int, item_ids: Sequence[int] | None, on: dt.date) -> None:
    """Set ``assessed_on`` of the programme's statuses (or of ``item_ids``'s) to ``on``, and
    drop the programme's current totals (they are added up again when next needed)."""
    conn = connections[router.db_for_write(ItemStatus)]
    qn = conn.ops.quote_name
    sql = (
        f"UPDATE {qn(ItemStatus._meta.db_table)} SET {_column(ItemStatus, 'assessed_on', qn)} = %s"
        f" WHERE {_column(ItemStatus, 'programme', qn)} = %s"
    )
    params: list[Any] = [conn.ops.adapt_datefield_value(on), programme_id]
    if item_ids is not None:
        item = _column(ItemStatus, "item", qn)
        marks = ", ".join(["%s"] * len(item_ids))
        sql += f" AND {item} IN ({marks})" if item_ids else " AND 1 = 0"
        params += item_ids
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(
            f"DELETE FROM {qn(ProgrammeStatus._meta.db_table)}"
            f" WHERE {_column(ProgrammeStatus, 'programme', qn)} = %s",
            [programme_id],
        )


def copy_statuses_to_snapshot(
    programme_id: int, on: dt.date, now: dt.datetime, columns: Sequence[str]
) -> int:
    """INSERT the programme's current statuses as its snapshot of ``on`` (``columns``: the
    fields the two share besides the item); the rows copied."""
    conn = connections[router.db_for_write(ItemSnapshot)]
    qn = conn.ops.quote_name
    source = ", ".join(_column(ItemStatus, c, qn) for c in columns)
    target = ", ".join(_column(ItemSnapshot, c, qn) for c in columns)
    item = _column(ItemStatus, "item", qn)
    stamps = ", ".join(
        _column(ItemSnapshot, c, qn) for c in ("taken_on", "created_at", "updated_at")
    )
    sql = (
        f"INSERT INTO {qn(ItemSnapshot._meta.db_table)}"
        f" ({_column(ItemSnapshot, 'item', qn)}, {stamps}, {target})"
        f" SELECT {item}, %s, %s, %s, {source}"
        f" FROM {qn(ItemStatus._meta.db_table)} WHERE {_column(ItemStatus, 'programme', qn)} = %s"
    )
    stamp = conn.ops.adapt_datetimefield_value(now)
    with conn.cursor() as cursor:
        cursor.execute(sql, [conn.ops.adapt_datefield_value(on), stamp, stamp, programme_id])
        return int(cursor.rowcount)
