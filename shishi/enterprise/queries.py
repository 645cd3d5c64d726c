"""Enterprise services' written SQL: storing a policy's matches in one statement.

``insert_matches`` wraps the ORM's own query for the policy's enterprises (the predicates
``matching.compile_policy`` builds, with the verdict as a ``CASE``) in an ``INSERT … SELECT``,
so the database writes the matches without a row passing through Python: on PostgreSQL,
storing the matches of 344 policies against 100,000 enterprises one ``bulk`` insert at a
time spent most of its time moving ids to Python and back (bench: ``bench.enterprisebench``).
Plain SQL that runs on SQLite and PostgreSQL; names come from the models' ``_meta``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from shishi.core.sql import Table
from shishi.enterprise.models import Match


def insert_matches(policy_id: int, rows: QuerySet[Any]) -> dict[str, int]:
    """Store ``rows`` as ``policy_id``'s matches; ``rows`` is a ``values("e", "v")`` query of
    enterprise ids (``e``) and verdicts (``v``). Returns how many of each verdict were
    written (on PostgreSQL counted from the insert's own ``RETURNING``, not read back)."""
    inner, params = rows.query.sql_with_params()
    m = Table(Match)
    insert = (
        f"INSERT INTO {m} ({m.policy_id}, {m.enterprise_id}, {m.verdict}) "
        f"SELECT %s, s.e, s.v FROM ({inner}) s"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH ins AS ({insert} RETURNING {m.verdict}) "
                f"SELECT {m.verdict}, COUNT(*) FROM ins GROUP BY {m.verdict}",
                (policy_id, *params),
            )
        else:
            cursor.execute(insert, (policy_id, *params))
            cursor.execute(
                f"SELECT {m.verdict}, COUNT(*) FROM {m} WHERE {m.policy_id} = %s "
                f"GROUP BY {m.verdict}",
                (policy_id,),
            )
        return {verdict: int(n) for verdict, n in cursor.fetchall()}
