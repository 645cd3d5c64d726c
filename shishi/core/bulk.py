"""Writing many rows at once: the one bulk writer of imports, board statuses and audit events.

Ten thousand imported items make some forty thousand rows (items, leader and partner links,
targets, audit events), and a board reassessment rewrites a status row per item. Django's
``bulk_create`` compiles SQL for every field of every object, and on SQLite it is held to a
few dozen rows a statement; that costs more than the database's own work. Here:

- **One way of preparing values.** Callers pass a model, the attnames of the fields they
  give and rows of Python values. Each value is turned into its database form by its
  model field (``Field.get_db_prep_save``, as the ORM does), column by column and once per
  distinct value (ledgers repeat their dates, rates and timestamps); fields the caller
  does not give take their defaults, as with ``bulk_create``. Only ``ready`` fields, which
  the caller has already encoded (the audit log's canonical JSON), pass as they are.
- **Few statements.** PostgreSQL takes the rows through ``COPY … FROM STDIN`` (an upsert:
  COPY into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``); SQLite in
  multi-row ``INSERT … VALUES`` statements of as many rows as it binds parameters, sent
  straight to the driver's connection (the same connection and transaction as the ORM's:
  Django's cursor would rewrite each statement's thousands of ``%s`` into ``?`` with a
  regex, which takes longer than SQLite's own work). Other databases: ``executemany``.
- **Ids up front.** ``reserve_ids`` hands out primary keys for new rows, so that links to
  them can be written in the same pass and no query has to read them back.

Rows may be a generator that itself reads the database: they are taken ``CHUNK`` at a time
and each chunk is written before the next is made. Callers run inside a transaction.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

from django.db import connections, models, router, transaction

CHUNK = 2000
COPY_FROM = 200  # PostgreSQL: upserts of fewer rows skip the temporary table

# Fields whose values the database takes only once their field has prepared them; the rest
# (integers, text, booleans) the drivers take as they are.
_PREPARED_TYPES = frozenset(
    ("DecimalField", "DateField", "DateTimeField", "TimeField", "JSONField", "UUIDField")
)

Row = Sequence[Any]


class _Table:
    """What writing rows of ``fields`` into ``model``'s table needs, worked out once a call."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], ready: Collection[str]):
        self.model = model
        self.conn = connections[router.db_for_write(model)]
        concrete = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in (*fields, *ready) if name not in concrete]
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {unknown}")
        self.given = [concrete[name] for name in fields]
        rest = [f for f in concrete.values() if f.attname not in fields and not f.primary_key]
        self.defaults = [f.get_db_prep_save(f.get_default(), self.conn) for f in rest]
        self.fields = [*self.given, *rest]
        self.preparers = [
            None if name in ready else _preparer(f, self.conn)
            for name, f in zip(fields, self.given, strict=True)
        ]
        qn = self.conn.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.names = ", ".join(qn(f.column) for f in self.fields)

    def column(self, attname: str) -> str:
        field = self.model._meta.get_field(attname)
        assert isinstance(field, models.Field)
        return str(self.conn.ops.quote_name(field.column))

    def prepared(self, chunk: Sequence[Row]) -> list[tuple[Any, ...]]:
        """The chunk's rows as the database takes them, defaults appended."""
        columns: list[Sequence[Any]] = list(zip(*chunk, strict=True))
        for i, prepare in enumerate(self.preparers):
            if prepare is not None:
                columns[i] = prepare(columns[i])
        count = len(chunk)
        columns += [[value] * count for value in self.defaults]
        return list(zip(*columns, strict=True))


def _preparer(f: models.Field[Any, Any], conn: Any) -> Callable[[Sequence[Any]], list[Any]] | None:
    """A column's conversion to database values (``get_db_prep_save``), each distinct value
    converted once for the whole call; None where the driver takes the values as they are."""
    # Fields that say so (core.fields: encrypted personal numbers and their hashes) too.
    if f.get_internal_type() not in _PREPARED_TYPES and not getattr(f, "prepares_values", False):
        return None
    cache: dict[Any, Any] = {None: None}

    def prepare_one(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            cache[value] = prepared = f.get_db_prep_save(value, conn)
            return prepared
        except TypeError:  # unhashable (JSON)
            return f.get_db_prep_save(value, conn)

    def prepare(column: Sequence[Any]) -> list[Any]:
        return [prepare_one(v) for v in column]

    return prepare


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    source = iter(rows)
    while chunk := list(itertools.islice(source, size)):
        yield chunk


def insert_many(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Row],
    *,
    ready: Collection[str] = (),
    chunk_size: int = CHUNK,
) -> int:
    """INSERT rows of values for ``fields`` (attnames); other fields take their defaults.

    The primary key may be one of the fields (ids from ``reserve_ids``). Rows go in
    ``chunk_size`` at a time. Returns the number of rows written.
    """
    t = _Table(model, fields, ready)
    written = 0
    for chunk in _chunks(rows, chunk_size):
        params = t.prepared(chunk)
        if t.conn.vendor == "postgresql":
            _copy(t, t.table, params)
        else:
            _insert(t, params, "")
        written += len(params)
    return written


def upsert_many(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Row],
    *,
    conflict: Sequence[str],
    update: Sequence[str],
    ready: Collection[str] = (),
) -> int:
    """INSERT the rows, or where one with the same ``conflict`` fields exists (a unique
    constraint), set its ``update`` fields to the new row's. With no ``update`` fields, a
    row that conflicts with any unique constraint (partial ones too) is left out and the
    existing one kept. Returns the rows sent (kept or not)."""
    t = _Table(model, fields, ready)
    if update:
        sets = ", ".join(f"{t.column(n)} = EXCLUDED.{t.column(n)}" for n in update)
        targets = ", ".join(t.column(n) for n in conflict)
        on_conflict = f" ON CONFLICT ({targets}) DO UPDATE SET {sets}"
    else:
        on_conflict = " ON CONFLICT DO NOTHING"
    chunks = _chunks(rows, CHUNK)
    if t.conn.vendor != "postgresql":
        written = 0
        for chunk in chunks:
            params = t.prepared(chunk)
            _insert(t, params, on_conflict)
            written += len(params)
        return written
    first = next(chunks, [])
    if not first:  # nothing to write (notify() to recipients that reach nobody)
        return 0
    if len(first) < COPY_FROM:  # a few rows (one item changed): a temporary table costs more
        params = t.prepared(first)
        _executemany(t, params, on_conflict)
        return len(params)
    # COPY into a temporary table of just the columns written (no ids, defaults or
    # constraints), then one INSERT … SELECT: 10,000 single-row upserts cost 1.4 s of
    # round trips.
    temp = t.conn.ops.quote_name(f"tmp_{model._meta.db_table}")
    written = 0
    with transaction.atomic(using=t.conn.alias), t.conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {t.names} FROM {t.table}"
            " WITH NO DATA"
        )
        for chunk in itertools.chain([first], chunks):
            params = t.prepared(chunk)
            _copy(t, temp, params)
            written += len(params)
        cursor.execute(
            f"INSERT INTO {t.table} ({t.names}) SELECT {t.names} FROM {temp}{on_conflict}"
        )
    return written


def _copy(t: _Table, table: str, params: Sequence[Row]) -> None:
    """PostgreSQL: one ``COPY … FROM STDIN`` stream (psycopg adapts each value). The driver's
    errors leave as Django's (``IntegrityError`` for a duplicate key), as from ``execute``."""
    with (
        t.conn.wrap_database_errors,
        t.conn.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({t.names}) FROM STDIN") as copy,
    ):
        write_row = copy.write_row
        for row in params:
            write_row(row)


def _insert(t: _Table, params: Sequence[Row], suffix: str) -> None:
    """SQLite: multi-row INSERTs on the driver's connection; elsewhere ``executemany``."""
    if not params:
        return
    if t.conn.vendor != "sqlite":
        _executemany(t, params, suffix)
        return
    width = len(t.fields)
    t.conn.ensure_connection()
    raw = t.conn.connection
    # SQLite's limit on parameters: 32,766 a statement since 3.32, 999 before.
    per = max(1, min(len(params), raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    one = "({})".format(",".join("?" * width))
    head = f"INSERT INTO {t.table} ({t.names}) VALUES "
    with t.conn.wrap_database_errors:
        for start in range(0, len(params), per):
            chunk = params[start : start + per]
            flat = list(itertools.chain.from_iterable(chunk))
            raw.execute(head + ",".join([one] * len(chunk)) + suffix, flat)


def _executemany(t: _Table, params: Sequence[Row], suffix: str) -> None:
    if not params:
        return
    marks = ", ".join(["%s"] * len(t.fields))
    with t.conn.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {t.table} ({t.names}) VALUES ({marks}){suffix}", params)


def update_many(
    model: type[models.Model],
    rows: Iterable[tuple[dict[str, Any], Any, int]],
    *,
    version_field: str = "version",
) -> int:
    """UPDATE rows given as (attname → new value, pk, expected version); return rows matched.

    Rows are grouped by the fields they change: on PostgreSQL one ``UPDATE … FROM (VALUES
    …)`` per group and chunk, elsewhere (SQLite, where a statement costs little) one
    ``executemany`` per group. The version condition makes a row that someone changed
    meanwhile match nothing, so a caller that compares the count with its rows knows that
    its plan went stale.
    """
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for values, key, version in rows:
        names = tuple(sorted(values))
        groups.setdefault(names, []).append((*(values[n] for n in names), key, version))
    matched = 0
    for names, group in groups.items():
        t = _Table(model, names, ())
        statement = _update_sql(t, version_field)
        with t.conn.cursor() as cursor:
            for chunk in _chunks(group, CHUNK):
                columns: list[Sequence[Any]] = list(zip(*chunk, strict=True))
                for i, prepare in enumerate(t.preparers):  # the changed fields; not the keys
                    if prepare is not None:
                        columns[i] = prepare(columns[i])
                params = list(zip(*columns, strict=True))
                if t.conn.vendor == "postgresql":
                    head, one, tail = statement
                    flat = list(itertools.chain.from_iterable(params))
                    cursor.execute(head + ", ".join([one] * len(params)) + tail, flat)
                    matched += cursor.rowcount
                else:
                    cursor.executemany(statement[0], params)
                    matched += cursor.rowcount if cursor.rowcount >= 0 else len(params)
    return matched


def _update_sql(t: _Table, version_field: str) -> tuple[str, str, str]:
    """PostgreSQL: (``UPDATE … FROM (VALUES``, one row's placeholders, ``) AS v … WHERE``),
    each placeholder cast to its column's type (a VALUES list has no column types of its own
    to give a NULL or a quoted date). Elsewhere: the one-row UPDATE, then two blanks."""
    pk = t.model._meta.pk
    version = t.model._meta.get_field(version_field)
    assert pk is not None and isinstance(version, models.Field)
    qn = t.conn.ops.quote_name
    changed = [qn(f.column) for f in t.given]
    pk_column, version_column = qn(pk.column), qn(version.column)
    if t.conn.vendor != "postgresql":
        sets = ", ".join(f"{c} = %s" for c in changed)
        where = f"{pk_column} = %s AND {version_column} = %s"
        return f"UPDATE {t.table} SET {sets} WHERE {where}", "", ""
    typed = [*t.given, pk, version]
    one = "({})".format(", ".join(f"%s::{f.db_type(t.conn)}" for f in typed))
    aliases = ", ".join(f"c{i}" for i in range(len(typed)))
    sets = ", ".join(f"{c} = v.c{i}" for i, c in enumerate(changed))
    n = len(changed)
    return (
        f"UPDATE {t.table} AS t SET {sets} FROM (VALUES ",
        one,
        f") AS v({aliases}) WHERE t.{pk_column} = v.c{n} AND t.{version_column} = v.c{n + 1}",
    )


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
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
    conn = connections[router.db_for_write(model)]
    qn = conn.ops.quote_name
    table = model._meta.db_table
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [qn(table), pk.column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
    if conn.vendor != "sqlite":
        raise NotImplementedError(f"reserve_ids: no support for {conn.vendor}")
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT MAX({qn(pk.column)}) FROM {qn(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is not None and row[0] is not None:
            top = max(top, row[0])
    return list(range(top + 1, top + 1 + count))
