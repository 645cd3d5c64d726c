"""The orgs app's written SQL: reads every request or list page makes.

Why written: the first runs on every request (a user's memberships), the second on every
ledger page (a district's units and leaders), and the ORM takes longer to build and compile
them than the database takes to answer (in-process, CPU time per call, bench data on
SQLite: memberships 0.02 ms written against 0.21 ms through the ORM; the district's units
and leaders 0.07 ms in one written query against 0.50 ms in two ORM ones). Names come from
``Model._meta`` (STYLE.md, "SQL and speed"); ``tests/test_queries.py`` holds each to the
ORM.
"""

from __future__ import annotations

import functools

from django.db import connection

from shishi.core import sql
from shishi.core.sql import Table
from shishi.orgs.models import Membership, Person, Unit


@functools.cache
def _memberships_sql(vendor: str) -> str:
    m = Table(Membership)
    return f"SELECT {m.role}, {m.jurisdiction_id}, {m.unit_id} FROM {m} WHERE {m.user_id} = %s"


def memberships(user_id: int) -> list[tuple[str, int, int | None]]:
    """The user's (role, jurisdiction id, unit id) memberships."""
    return sql.fetch(_memberships_sql(connection.vendor), [user_id])


@functools.cache
def _choices_sql(vendor: str) -> str:
    u, p = Table(Unit), Table(Person)
    return (
        f"SELECT 0, {u.id}, {u.name} FROM {u} WHERE {u.jurisdiction_id} = %s"
        f" UNION ALL SELECT 1, {p.id}, {p.name} FROM {p} WHERE {p.jurisdiction_id} = %s"
        " ORDER BY 1, 3, 2"
    )


def district_choices(jurisdiction_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The district's units and people as (id, name) pairs by name, in one query."""
    units: list[tuple[int, str]] = []
    people: list[tuple[int, str]] = []
    for kind, pk, name in sql.fetch(_choices_sql(connection.vendor), [jurisdiction_id] * 2):
        (people if kind else units).append((pk, name))
    return units, people
