"""Django's model backend, with the one read every request makes written out.

Each page and API call with a session loads its user by primary key. Django builds that
read with the ORM, and compiling it took longer than the database took to answer; this
backend reads the same row with written SQL (``core.sql.by_pk``). Logging in, passwords
and permissions are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends

from shishi.core import sql
from shishi.orgs.models import User


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user: User | None = sql.by_pk(User, user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
