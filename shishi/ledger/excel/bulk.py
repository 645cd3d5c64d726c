"""Bulk INSERT and UPDATE through ``executemany``, for imports of thousands of items.

Ten thousand items make some forty thousand rows (items, leader and partner links, audit
events). Django's ``bulk_create`` compiles SQL for every field of every object, which costs
more than the database's own work; here each value is prepared by its model field (so
dates, decimals and time zones are stored exactly as the ORM would store them) and the rows
go to the database in a few ``executemany`` calls. Callers run inside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

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


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT rows of values for ``columns`` (attnames); other fields take their defaults."""
    concrete = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    given = [concrete[name] for name in columns]
    rest = [f for name, f in concrete.items() if name not in columns]
    tail = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    preparers = [(i, p) for i, f in enumerate(given) if (p := _preparer(f)) is not None]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table),
        ", ".join(qn(f.column) for f in (*given, *rest)),
        ", ".join(["%s"] * (len(given) + len(rest))),
    )
    params: list[tuple[Any, ...]] = []
    for row in rows:
        if preparers:
            values = list(row)
            for i, prepare in preparers:
                values[i] = prepare(values[i])
            params.append((*values, *tail))
        else:
            params.append((*row, *tail))
    if not params:
        return 0
    with connection.cursor() as cursor:
        for start in range(0, len(params), CHUNK):
            cursor.executemany(sql, params[start : start + CHUNK])
    return len(params)


def update_rows(
    model: type[models.Model],
    rows: Iterable[tuple[dict[str, Any], int, int]],
    *,
    version_field: str = "version",
) -> int:
    """UPDATE rows given as (attname → new value, pk, expected version); return rows matched.

    Rows are grouped by the fields they change, one executemany per group. The version
    condition makes a row that someone changed meanwhile match nothing, so a caller that
    compares the count with its rows knows that its plan went stale.
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
    where = f"{qn(pk.column)} = %s AND {qn(fields[version_field].column)} = %s"
    matched = 0
    with connection.cursor() as cursor:
        for names, params_list in groups.items():
            assignments = ", ".join(f"{qn(fields[n].column)} = %s" for n in names)
            sql = f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {where}"
            for start in range(0, len(params_list), CHUNK):
                chunk = params_list[start : start + CHUNK]
                cursor.executemany(sql, chunk)
                matched += cursor.rowcount if cursor.rowcount >= 0 else len(chunk)
    return matched
