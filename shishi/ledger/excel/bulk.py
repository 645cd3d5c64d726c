"""Bulk INSERT and UPDATE for imports of thousands of items, in a few statements.

Ten thousand items make some forty thousand rows (items, leader and partner links, audit
events). Django's ``bulk_create`` compiles SQL for every field of every object, which costs
more than the database's own work; here each value is prepared by its model field (so
dates, decimals and time zones are stored exactly as the ORM would store them) and the rows
go to the database in bulk: on PostgreSQL through ``COPY … FROM STDIN`` (one stream for all
the rows, instead of a statement per row), elsewhere (SQLite) in multi-row ``INSERT …
VALUES`` statements of as many rows as the database takes parameters. New rows' ids are
reserved up front (``allocate_ids``), so no query has to read them back. Callers run inside
a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.db import connection, models

from shishi.core import sql

CHUNK = 2000

_PREPARED_TYPES = frozenset(
    ("DecimalField", "DateField", "DateTimeField", "TimeField", "JSONField", "UUIDField")
)


def _preparer(f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """The field's conversion to a database value, memoised; None where there is none."""
    if f.get_internal_type() not in _PREPARED_TYPES:
        return None
    cache: dict[Any, Any] = {}

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            cache[value] = prepared = f.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable (JSON)
            return f.get_db_prep_save(value, connection)

    return prepare


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for new rows of ``model``, ascending, reserved for the caller.

    PostgreSQL takes them from the table's sequence, so concurrent writers never get the
    same ones. SQLite has one writer at a time: the caller's transaction holds the write
    lock (``BEGIN IMMEDIATE``; should it not, the insert fails rather than overwrite), and
    the next ids follow the largest ever used (``sqlite_sequence``, as AUTOINCREMENT does).
    """
    if count <= 0:
        return []
    pk = model._meta.pk
    assert pk is not None
    qn = connection.ops.quote_name
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), pk.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"allocate_ids: no support for {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({qn(pk.column)}) FROM {qn(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is not None and row[0] is not None:
            top = max(top, row[0])
    return list(range(top + 1, top + 1 + count))


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT rows of values for ``columns`` (attnames); other fields take their defaults.

    The primary key may be one of the columns (ids from ``allocate_ids``).
    """
    table = list(rows)
    if not table:
        return 0
    count = len(table)
    concrete = {f.attname: f for f in model._meta.concrete_fields}
    given = [concrete[name] for name in columns]
    rest = [f for name, f in concrete.items() if name not in columns and not f.primary_key]
    # Column by column: each distinct value is prepared once, and the rest runs in C.
    values: list[Sequence[Any]] = list(zip(*table, strict=True))
    for i, f in enumerate(given):
        if f.get_internal_type() in _PREPARED_TYPES:
            values[i] = _prepared(f, values[i])
    for f in rest:
        values.append([f.get_db_prep_save(f.get_default(), connection)] * count)
    params = list(zip(*values, strict=True))
    columns_db = [f.column for f in (*given, *rest)]
    sql.bulk_insert(connection, model._meta.db_table, columns_db, params, batch=CHUNK)
    return count


def _prepared(f: models.Field[Any, Any], column: Sequence[Any]) -> list[Any]:
    """The column's values as the field stores them (``get_db_prep_save``)."""
    try:
        mapping = {v: None if v is None else f.get_db_prep_save(v, connection) for v in set(column)}
    except TypeError:  # unhashable values (JSON)
        return [None if v is None else f.get_db_prep_save(v, connection) for v in column]
    return list(map(mapping.__getitem__, column))


def update_rows(
    model: type[models.Model],
    rows: Iterable[tuple[dict[str, Any], int, int]],
    *,
    version_field: str = "version",
) -> int:
    """UPDATE rows given as (attname → new value, pk, expected version); return rows matched.

    Rows are grouped by the fields they change: on PostgreSQL one UPDATE … FROM (VALUES …)
    per group and chunk, elsewhere (SQLite, where a statement costs little) one executemany
    per group. The version condition makes a row that someone changed meanwhile match
    nothing, so a caller that compares the count with its rows knows that its plan went
    stale.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields}
    preparers: dict[str, Callable[[Any], Any] | None] = {}
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for values, key, version in rows:
        names = tuple(sorted(values))
        params = []
        for name in names:
            if name not in preparers:
                preparers[name] = _preparer(fields[name])
            prepare = preparers[name]
            params.append(prepare(values[name]) if prepare else values[name])
        groups.setdefault(names, []).append((*params, key, version))
    qn = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    table = qn(model._meta.db_table)
    version_column = fields[version_field]
    matched = 0
    with connection.cursor() as cursor:
        for names, params_list in groups.items():
            if connection.vendor == "postgresql":
                stmt = _update_from_values(table, [fields[n] for n in names], pk, version_column)
                for start in range(0, len(params_list), CHUNK):
                    chunk = params_list[start : start + CHUNK]
                    rows_sql = ", ".join([stmt.row] * len(chunk))
                    flat = list(chain.from_iterable(chunk))
                    cursor.execute(stmt.head + rows_sql + stmt.tail, flat)
                    matched += cursor.rowcount
                continue
            assignments = ", ".join(f"{qn(fields[n].column)} = %s" for n in names)
            where = f"{qn(pk.column)} = %s AND {qn(version_column.column)} = %s"
            sql_one = f"UPDATE {table} SET {assignments} WHERE {where}"
            for start in range(0, len(params_list), CHUNK):
                chunk = params_list[start : start + CHUNK]
                cursor.executemany(sql_one, chunk)
                matched += cursor.rowcount if cursor.rowcount >= 0 else len(chunk)
    return matched


@dataclass(frozen=True)
class _UpdateSQL:
    head: str  # UPDATE … FROM (VALUES
    row: str  # one row's placeholders
    tail: str  # ) AS v(…) WHERE …


def _update_from_values(
    table: str,
    changed: Sequence[models.Field[Any, Any]],
    pk: models.Field[Any, Any],
    version: models.Field[Any, Any],
) -> _UpdateSQL:
    """PostgreSQL: one UPDATE … FROM (VALUES …) for many rows, instead of one a row.

    Each placeholder is cast to its column's type (a VALUES list has no column types of
    its own to give a NULL or a quoted date).
    """
    qn = connection.ops.quote_name
    columns = [*changed, pk, version]
    row = "({})".format(", ".join(f"%s::{f.db_type(connection)}" for f in columns))
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    assignments = ", ".join(f"{qn(f.column)} = v.c{i}" for i, f in enumerate(changed))
    n = len(changed)
    where = f"t.{qn(pk.column)} = v.c{n} AND t.{qn(version.column)} = v.c{n + 1}"
    return _UpdateSQL(
        f"UPDATE {table} AS t SET {assignments} FROM (VALUES ",
        row,
        f") AS v({aliases}) WHERE {where}",
    )
