"""The written SQL of ``core``: the audit chain's head and events, and planner statistics.

Every change in the system appends an audit event under a lock of the chain head; the ORM
would take longer to compile these few statements than the database takes to run them
(each has a parity test against the ORM in ``core/tests/test_queries.py``). Table and
column names come from the models' ``_meta``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from shishi.core.models import AuditChainHead, AuditEvent

HEAD_PK = 1  # the chain has one head row

# The event columns ``insert_event`` writes, in order (every concrete field but the id).
EVENT_FIELDS = (
    "seq", "created_at", "actor_id", "actor_name", "action", "target_type", "target_id",
    "target_repr", "jurisdiction_id", "changes", "prev_hash", "hash",
)  # fmt: skip


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


def _head_sql(conn: Any) -> tuple[str, str]:
    qn = conn.ops.quote_name
    meta = AuditChainHead._meta
    table = qn(meta.db_table)
    seq, last_hash = (qn(_column(AuditChainHead, n)) for n in ("seq", "last_hash"))
    pk = qn(_column(AuditChainHead, "id"))
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    return (
        f"SELECT {seq}, {last_hash} FROM {table} WHERE {pk} = %s{lock}",
        f"UPDATE {table} SET {seq} = %s, {last_hash} = %s WHERE {pk} = %s",
    )


def lock_chain_head(conn: Any) -> tuple[int, str] | None:
    """The chain head's ``(seq, last_hash)``, locked until the transaction ends (None while
    there is no head row yet). PostgreSQL locks the row (``FOR UPDATE``); SQLite's
    transactions take the database's write lock when they begin (``IMMEDIATE``)."""
    with conn.cursor() as cursor:
        cursor.execute(_head_sql(conn)[0], [HEAD_PK])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def move_chain_head(conn: Any, seq: int, last_hash: str) -> None:
    with conn.cursor() as cursor:
        cursor.execute(_head_sql(conn)[1], [seq, last_hash, HEAD_PK])


def insert_event(conn: Any, values: Sequence[Any]) -> int:
    """INSERT one event (``values`` for ``EVENT_FIELDS``, ready for the database); its id."""
    qn = conn.ops.quote_name
    meta = AuditEvent._meta
    columns = ", ".join(qn(_column(AuditEvent, n)) for n in EVENT_FIELDS)
    marks = ", ".join(["%s"] * len(EVENT_FIELDS))
    returning = (
        f" RETURNING {qn(_column(AuditEvent, 'id'))}"
        if conn.features.can_return_columns_from_insert
        else ""
    )
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks}){returning}", values
        )
        return int(cursor.fetchone()[0] if returning else cursor.lastrowid)


def analyze(conn: Any, *, sqlite_analysis_limit: int) -> None:
    """Refresh the planner's statistics (SQLite: sampling each index, ``analysis_limit``)."""
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit={int(sqlite_analysis_limit)}")
        cursor.execute("ANALYZE")
