"""The written SQL of ``core``: the audit chain's head and events, and planner statistics.

Every change in the system appends an audit event under a lock of the chain head; the ORM
would take longer to compile these few statements than the database takes to run them
(each has a parity test against the ORM in ``core/tests/test_queries.py``). Table and
column names come from the models' ``_meta``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from shishi.core.models import AuditChainHead, AuditEvent
from shishi.core.sql import Table, marks

HEAD_PK = 1  # the chain has one head row

# The event columns ``insert_event`` writes, in order (every concrete field but the id).
EVENT_FIELDS = (
    "seq", "created_at", "actor_id", "actor_name", "action", "target_type", "target_id",
    "target_repr", "jurisdiction_id", "changes", "prev_hash", "hash", "key_id", "algorithm",
)  # fmt: skip


@functools.cache  # built once per database vendor: every write appends an audit event
def _head_sql(vendor: str, lock: str) -> tuple[str, str]:
    head = Table(AuditChainHead)
    return (
        f"SELECT {head.seq}, {head.last_hash} FROM {head} WHERE {head.id} = %s{lock}",
        f"UPDATE {head} SET {head.seq} = %s, {head.last_hash} = %s WHERE {head.id} = %s",
    )


def _head_sql_of(conn: Any) -> tuple[str, str]:
    return _head_sql(conn.vendor, " FOR UPDATE" if conn.features.has_select_for_update else "")


def lock_chain_head(conn: Any) -> tuple[int, str] | None:
    """The chain head's ``(seq, last_hash)``, locked until the transaction ends (None while
    there is no head row yet). PostgreSQL locks the row (``FOR UPDATE``); SQLite's
    transactions take the database's write lock when they begin (``IMMEDIATE``)."""
    with conn.cursor() as cursor:
        cursor.execute(_head_sql_of(conn)[0], [HEAD_PK])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def move_chain_head(conn: Any, seq: int, last_hash: str) -> None:
    with conn.cursor() as cursor:
        cursor.execute(_head_sql_of(conn)[1], [seq, last_hash, HEAD_PK])


def insert_event(conn: Any, values: Sequence[Any]) -> int:
    """INSERT one event (``values`` for ``EVENT_FIELDS``, ready for the database); its id."""
    returning = conn.features.can_return_columns_from_insert
    with conn.cursor() as cursor:
        cursor.execute(_insert_event_sql(conn.vendor, returning), values)
        return int(cursor.fetchone()[0] if returning else cursor.lastrowid)


@functools.cache
def _insert_event_sql(vendor: str, returning: bool) -> str:
    event = Table(AuditEvent)
    columns = ", ".join(getattr(event, n) for n in EVENT_FIELDS)
    tail = f" RETURNING {event.id}" if returning else ""
    return f"INSERT INTO {event} ({columns}) VALUES ({marks(len(EVENT_FIELDS))}){tail}"


def analyze(conn: Any, *, sqlite_analysis_limit: int) -> None:
    """Refresh the planner's statistics (SQLite: sampling each index, ``analysis_limit``)."""
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={int(sqlite_analysis_limit)}")
        cursor.execute("ANALYZE")
