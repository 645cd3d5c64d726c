"""Django's database sessions, read with one plain query.

Every page a person opens reads its session first. Django's store builds that read with the
ORM, and compiling it took longer than the database took to answer; this store sends the
same SELECT as written SQL. Everything else (saving, cycling keys, expiry, clearing) is
Django's own ``db`` backend.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        key = self.session_key  # None unless the cookie held a well-formed key
        if key:
            model = self.model
            conn = connections[router.db_for_read(model)]
            now = conn.ops.adapt_datetimefield_value(timezone.now())
            with conn.cursor() as cursor:
                cursor.execute(
                    f"SELECT session_data FROM {model._meta.db_table}"
                    " WHERE session_key = %s AND expire_date > %s",
                    [key, now],
                )
                row = cursor.fetchone()
            if row is not None:
                return self.decode(row[0])
        self._session_key = None
        return {}
