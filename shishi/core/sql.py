"""What the apps' ``queries.py`` modules share: running written SQL, naming tables and
columns from ``Model._meta``, and finishing the values the drivers return.

The ORM builds and compiles a query in about half a millisecond on a small server, more
than SQLite takes to answer it; the few reads every list and item page makes are therefore
written out, each in its app's ``queries.py`` (STYLE.md, "SQL and speed"), as plain SQL that
runs unchanged on SQLite and PostgreSQL.

Drivers return most values ready to use (dates, booleans; on SQLite through the converters
Django registers for declared column types). What they do not, these helpers finish the way
the ORM would: decimals (SQLite hands back floats), aware datetimes (SQLite stores UTC
without an offset) and JSON (kept as text on SQLite and read as text on PostgreSQL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float  # as Django's SQLite backend
_QUANTUM = {places: decimal.Decimal(1).scaleb(-places) for places in range(7)}


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` (``%s`` placeholders) on the default database."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class Table:
    """A model's table for written SQL: ``str(t)`` is its quoted name, ``t.<field>`` the
    quoted column of that field (or attname: ``t.lead_unit_id``), both from ``Model._meta``;
    quoted for ``conn`` (the default database when not given).
    """

    def __init__(self, model: type[Model], conn: Any = None) -> None:
        self._model = model
        self._ops = (conn or connection).ops
        self._name = self._ops.quote_name(model._meta.db_table)

    def __str__(self) -> str:
        return self._name

    def __getattr__(self, field: str) -> str:
        if field.startswith("_"):
            raise AttributeError(field)
        column = self._model._meta.get_field(field).column  # type: ignore[union-attr]
        return str(self._ops.quote_name(str(column)))


@contextlib.contextmanager
def custom_plans() -> Iterator[None]:
    """Plan this block's statements for their actual parameters (PostgreSQL).

    With prepared statements (settings: ``prepare_threshold``) PostgreSQL switches to one
    generic plan after a few runs of a statement. A generic plan guesses an average
    selectivity for ``review = %s``; for a rare value (the few updates waiting for review
    among a million) it then prefers to walk the table in id order and filter: the review
    queue's page went from 10 ms to 190 ms. Inside this block each statement is planned for
    its parameters again (a fraction of a millisecond). A no-op elsewhere.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


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
