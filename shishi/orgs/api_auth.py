"""How API callers prove who they are: a bearer token, or the browser's Django session.

``API_AUTH`` is the list the NinjaAPI uses; the first method that returns a user wins.

- ``BearerAuth``: ``Authorization: Bearer <key>``. Only the SHA-256 of a key is stored
  (``ApiToken.key_hash``), so a key is looked up by its hash. The token's user becomes
  ``request.user``; inactive users are refused.
- ``SessionAuth``: the Django session of the browser pages. Cookies are sent by the browser
  on its own, so unsafe methods (POST, PUT, PATCH, DELETE) must carry the CSRF token
  (``X-CSRFToken`` header) — ninja checks it in ``APIKeyCookie._get_key``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from shishi.orgs.models import ApiToken, User
from shishi.orgs.services import hash_token

# Recording every use would be one write per request; a minute is precise enough to tell
# a live token from a forgotten one.
TOUCH_INTERVAL = dt.timedelta(minutes=1)
MAX_KEY_LENGTH = 200


def user_for_token(key: str) -> User | None:
    """The active user owning this key, noting when the token was last used."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    last_used_at = token.last_used_at
    if last_used_at is None or now - last_used_at >= TOUCH_INTERVAL:
        # Usage bookkeeping, not a domain change: no audit event, no ``updated_at`` bump.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerAuth(HttpBearer):
    """``Authorization: Bearer ss_…`` — keys made by ``shishi create_api_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token.strip())
        if user is not None:
            request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The Django session, with ninja's CSRF check on unsafe methods.

    The CSRF check runs only when there is a logged-in session: a caller with neither a
    session nor a valid token gets 401, not a confusing CSRF 403.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return super().__call__(request)


API_AUTH = [BearerAuth(), SessionAuth()]
