"""Hand-written reads for the hottest pages, and the value conversions they need.

The ORM builds and compiles a query in about half a millisecond on a small server, more
than SQLite takes to answer it; a ledger page made of a dozen such queries spent more time
writing SQL than running it. The few reads every list and item page makes are therefore
written out here once, as plain SQL that runs unchanged on SQLite and PostgreSQL.

Drivers return most values ready to use (dates, booleans; on SQLite through the converters
Django registers for declared column types). What they do not, these helpers finish the way
the ORM would: decimals (SQLite hands back floats), aware datetimes (SQLite stores UTC
without an offset) and JSON (kept as text on SQLite and read as text on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import ForeignKey, Model

_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float  # as Django's SQLite backend
_QUANTUM = {places: decimal.Decimal(1).scaleb(-places) for places in range(7)}


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` (``%s`` placeholders) on the default database."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def marks(n: int) -> str:
    """``n`` placeholders for an ``IN (…)`` list (``n`` ≥ 1)."""
    return ", ".join(["%s"] * n)


def to_decimal(value: Any, places: int = 2) -> decimal.Decimal | None:
    """A stored decimal as ``Decimal`` with ``places`` digits, as the ORM returns it."""
    if value is None or isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, str):
        return decimal.Decimal(value).quantize(_QUANTUM[places])
    return _FROM_FLOAT(value).quantize(_QUANTUM[places])


def to_date(value: dt.date | str | None) -> dt.date | None:
    """A stored date as ``date`` (a column read through a subquery loses its declared type
    on SQLite, and with it the driver's conversion)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def to_aware(value: dt.datetime | None) -> dt.datetime | None:
    """A stored datetime as an aware one (the database keeps UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def to_json(value: Any) -> Any:
    """A stored JSON value, decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


# --- model instances from written SQL --------------------------------------------------------


class ModelReader:
    """Turns the columns ``select`` lists into a model instance, as the ORM would.

    ``select`` names every concrete field of ``model`` under the table alias ``alias``, in
    the model's field order. ``build`` applies the converters the ORM applies to those
    columns (the backend's, then the field's own) and makes the instance with
    ``Model.from_db``, so it is a full instance: saved state, deferred nothing.
    """

    def __init__(self, model: type[Model], alias: str) -> None:
        qn = connection.ops.quote_name
        fields = model._meta.concrete_fields
        self.model = model
        self.width = len(fields)
        self.pk_index = fields.index(model._meta.pk)
        self.select = ", ".join(f"{alias}.{qn(f.column)}" for f in fields)
        converters = []
        for index, f in enumerate(fields):
            col = f.get_col(alias)
            own = f.get_db_converters(connection)  # type: ignore[attr-defined]
            funcs = tuple(connection.ops.get_db_converters(col) + own)
            if funcs:
                converters.append((index, funcs, col))
        self._converters = tuple(converters)

    def build(self, row: Sequence[Any], start: int = 0) -> Any:
        values = list(row[start : start + self.width])
        conn = connections[DEFAULT_DB_ALIAS]
        for index, funcs, col in self._converters:
            value = values[index]
            for func in funcs:
                value = func(value, col, conn)
            values[index] = value
        return self.model.from_db(conn.alias, None, values)  # type: ignore[arg-type]


@functools.cache
def _reader(vendor: str, model: type[Model], alias: str) -> ModelReader:
    return ModelReader(model, alias)


def reader(model: type[Model], alias: str) -> ModelReader:
    """The (cached) reader of ``model``'s columns under ``alias``."""
    return _reader(connection.vendor, model, alias)


def instances(model: type[Model], alias: str, rest: str, params: Sequence[Any] = ()) -> list[Any]:
    """Instances of ``model`` from ``SELECT <all its columns> <rest>``, ``rest`` being the
    FROM … WHERE … ORDER BY that names the model's table as ``alias``."""
    r = reader(model, alias)
    return [r.build(row) for row in fetch(f"SELECT {r.select} {rest}", params)]


@functools.cache
def _by_pk_plan(
    vendor: str, model: type[Model], related: tuple[str, ...]
) -> tuple[str, ModelReader, tuple[tuple[Any, ModelReader], ...]]:
    qn = connection.ops.quote_name
    main = _reader(vendor, model, "t0")
    selects = [main.select]
    joins = []
    links = []
    for n, name in enumerate(related, start=1):
        field = model._meta.get_field(name)
        if not isinstance(field, ForeignKey):
            raise ValueError(f"{model.__name__}.{name} is not a foreign key")
        target: Any = field.related_model
        r = _reader(vendor, target, f"t{n}")
        selects.append(r.select)
        kind = "LEFT JOIN" if field.null else "JOIN"
        joins.append(
            f"{kind} {qn(target._meta.db_table)} t{n}"
            f" ON t{n}.{qn(field.target_field.column)} = t0.{qn(field.column)}"
        )
        links.append((field, r))
    sql = (
        f"SELECT {', '.join(selects)} FROM {qn(model._meta.db_table)} t0 {' '.join(joins)}"
        f" WHERE t0.{qn(model._meta.pk.column)} = %s"
    )
    return sql, main, tuple(links)


def by_pk(model: type[Model], pk: Any, *, related: Sequence[str] = ()) -> Any:
    """The ``model`` row with this primary key, or None; ``related``: foreign keys read in
    the same query and cached on the instance, as ``select_related`` does (one level)."""
    try:
        pk = model._meta.pk.to_python(pk)
    except ValidationError:
        return None
    if isinstance(pk, int):
        low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type())
        if not low <= pk <= high:  # no such row, and the driver would refuse the number
            return None
    sql, main, links = _by_pk_plan(connection.vendor, model, tuple(related))
    rows = fetch(sql, [pk])
    if not rows:
        return None
    row = rows[0]
    obj = main.build(row)
    start = main.width
    for field, r in links:
        missed = row[start + r.pk_index] is None  # a LEFT JOIN without a match
        field.set_cached_value(obj, None if missed else r.build(row, start))
        start += r.width
    return obj
