"""Login throttling: failed logins are counted per account and per client address, and a
locked account or address is refused before its password is hashed.

Why before hashing: a password check is PBKDF2 at Django's strength (about half a second of
CPU), so a flood of guesses costs the server its capacity even when every guess fails. The
backend ``LoginThrottleBackend`` comes first in ``AUTHENTICATION_BACKENDS``: it looks the
account and the address up (one indexed read) and, if either is locked, stops
``authenticate()`` before ``ModelBackend`` hashes anything. Every login path (the login
page, the admin's) goes through ``authenticate()``; the API's tokens are not logins.

The rules (settings ``SHISHI_LOGIN_*``, README):

- an **account** is locked after ``SHISHI_LOGIN_ACCOUNT_FAILURES`` failures within
  ``SHISHI_LOGIN_WINDOW_SECONDS``, for ``SHISHI_LOGIN_ACCOUNT_LOCK_SECONDS`` the first time,
  doubling with each further lock up to ``SHISHI_LOGIN_ACCOUNT_MAX_LOCK_SECONDS``: short, so
  that nobody can lock another person out for long; and the address the account last logged
  in from successfully is not stopped by the account's lock (only by its own limit), so the
  owner at their usual desk gets in while someone elsewhere guesses;
- an **address** is locked after ``SHISHI_LOGIN_ADDRESS_FAILURES`` failures within the window,
  whatever the accounts (a flood, or one address trying many names), for
  ``SHISHI_LOGIN_ADDRESS_LOCK_SECONDS``, doubling up to ``..._MAX_LOCK_SECONDS``;
- attempts refused while locked are not counted (they would only lengthen the lock);
- a successful login clears its account's failures and locks; a lock series is forgotten a
  day after its last lock.

The counts live in the database (``core.models.LoginThrottle``), shared by every server
process; Django's cache is per process here (no shared cache is configured), so N processes
would allow N times the guesses. The address is ``core.ratelimit.client_address``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils import timezone, translation

from shishi.core import audit
from shishi.core.models import LoginThrottle
from shishi.core.ratelimit import client_address

log = logging.getLogger(__name__)

LOCK_ATTR = "login_lock"  # set on the request when a login is refused as locked
FORGET_AFTER = dt.timedelta(days=1)  # a lock series, and rows untouched this long


@dataclass(frozen=True)
class Policy:
    failures: int
    lock_seconds: int
    max_lock_seconds: int


@dataclass(frozen=True)
class Lock:
    """A refused login: which limit, and until when."""

    kind: str
    until: dt.datetime

    def seconds_left(self, now: dt.datetime | None = None) -> int:
        left = (self.until - (now or timezone.now())).total_seconds()
        return max(1, math.ceil(left))

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        return max(1, math.ceil(self.seconds_left(now) / 60))


def _policy(kind: str) -> Policy:
    prefix = f"SHISHI_LOGIN_{kind.upper()}"
    return Policy(
        failures=getattr(settings, f"{prefix}_FAILURES"),
        lock_seconds=getattr(settings, f"{prefix}_LOCK_SECONDS"),
        max_lock_seconds=getattr(settings, f"{prefix}_MAX_LOCK_SECONDS"),
    )


def _key(kind: str, value: str) -> str:
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, f"login:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def account_key(username: str) -> str:
    return _key(LoginThrottle.Kind.ACCOUNT, username.strip().lower())


def address_key(address: str) -> str:
    return _key(LoginThrottle.Kind.ADDRESS, address)


# Address locks this process has read: address key → end. An address lock is never lifted
# early (only an account's is, by a successful login), so a process may refuse a flood from
# a locked address without reading the database again (``known_address_lock``).
_ADDRESS_LOCKS: dict[str, dt.datetime] = {}
_ADDRESS_LOCKS_MAX = 10_000


def known_address_lock(address: str, *, now: dt.datetime | None = None) -> Lock | None:
    """The address's lock if this process has already seen it, without a query."""
    until = _ADDRESS_LOCKS.get(address_key(address))
    if until is None or until <= (now or timezone.now()):
        return None
    return Lock(LoginThrottle.Kind.ADDRESS, until)


@functools.lru_cache(maxsize=256)
def _locked_page(language: str | None, minutes: int) -> str:
    """The page for a lock with ``minutes`` left, rendered once per language and minutes
    (a flood from a locked address would otherwise render it for every request)."""
    return render_to_string("registration/locked.html", {"minutes": minutes})


def locked_response(lock: Lock) -> HttpResponse:
    """429 for a login from a locked address: a small page saying when to try again."""
    page = _locked_page(translation.get_language(), lock.minutes_left())
    response = HttpResponse(page, status=429)
    response["Retry-After"] = str(lock.seconds_left())
    return response


class LockedLoginMiddleware:
    """A login posted from an address this process already knows is locked is refused here,
    before the session, CSRF or authentication middleware run: no query, no view, so a
    flood from a locked address costs the server as little as a request can."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.login_path = ""

    def __call__(self, request: HttpRequest) -> Any:
        if request.method == "POST":
            if not self.login_path:
                self.login_path = resolve_url(settings.LOGIN_URL)
            if request.path_info == self.login_path:
                lock = known_address_lock(client_address(request))
                if lock is not None:
                    return locked_response(lock)
        return self.get_response(request)


def _remember_address_lock(key: str, until: dt.datetime, now: dt.datetime) -> None:
    if len(_ADDRESS_LOCKS) >= _ADDRESS_LOCKS_MAX:
        for stale in [k for k, end in _ADDRESS_LOCKS.items() if end <= now]:
            del _ADDRESS_LOCKS[stale]
        if len(_ADDRESS_LOCKS) >= _ADDRESS_LOCKS_MAX:
            _ADDRESS_LOCKS.clear()
    _ADDRESS_LOCKS[key] = until


def check(username: str, address: str, *, now: dt.datetime | None = None) -> Lock | None:
    """The lock that refuses this login now, if any (the later-ending one of the two)."""
    now = now or timezone.now()
    account, origin = account_key(username), address_key(address)
    rows = LoginThrottle.objects.filter(key__in=[account, origin], locked_until__gt=now)
    locks = [
        Lock(row.kind, row.locked_until)
        for row in rows.only("kind", "key", "locked_until", "trusted")
        if row.locked_until is not None and not (row.key == account and row.trusted == origin)
    ]
    for lock in locks:
        if lock.kind == LoginThrottle.Kind.ADDRESS:
            _remember_address_lock(origin, lock.until, now)
    return max(locks, key=lambda lock: lock.until, default=None)


def _count_failure(row: LoginThrottle, policy: Policy, now: dt.datetime, window: int) -> int:
    """Count one failure on ``row``; the seconds of the lock it starts (0: none)."""
    if row.window_start is None or (now - row.window_start).total_seconds() > window:
        row.failures, row.window_start = 0, now
    if row.locked_until is not None and now - row.locked_until > FORGET_AFTER:
        row.lockouts = 0
    row.failures += 1
    if row.failures < policy.failures:
        return 0
    seconds = min(policy.lock_seconds * 2 ** min(row.lockouts, 20), policy.max_lock_seconds)
    row.lockouts += 1
    row.locked_until = now + dt.timedelta(seconds=seconds)
    row.failures, row.window_start = 0, None
    return seconds


def record_failure(username: str, address: str, *, now: dt.datetime | None = None) -> None:
    """A wrong password (or unknown name) for ``username`` from ``address``."""
    now = now or timezone.now()
    window = settings.SHISHI_LOGIN_WINDOW_SECONDS
    targets = [
        (LoginThrottle.Kind.ACCOUNT, account_key(username)),
        (LoginThrottle.Kind.ADDRESS, address_key(address)),
    ]
    locked = False
    with transaction.atomic():
        for kind, key in targets:
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"kind": kind}
            )
            seconds = _count_failure(row, _policy(kind), now, window)
            row.save()
            if seconds:
                shown = username if kind == LoginThrottle.Kind.ACCOUNT else address
                audit.record(
                    actor=None,
                    action=f"login.lock_{kind}",
                    target=row,
                    changes={kind: [None, shown[:150]], "seconds": [None, seconds]},
                )
                log.warning("login: %s locked for %s s after repeated failures", kind, seconds)
                locked = True
        if locked:  # rare enough to tidy up here: rows nobody touched for a day
            LoginThrottle.objects.filter(updated_at__lt=now - FORGET_AFTER).delete()


def record_success(username: str, address: str) -> None:
    """A successful login: the account's failures and locks are forgotten, and this address
    becomes the one the account's lock lets through."""
    LoginThrottle.objects.update_or_create(
        key=account_key(username),
        defaults={
            "kind": LoginThrottle.Kind.ACCOUNT,
            "failures": 0,
            "window_start": None,
            "locked_until": None,
            "lockouts": 0,
            "trusted": address_key(address),
        },
    )


class LoginThrottleBackend:
    """First of the authentication backends: refuses a locked account or address before
    the next backend hashes the password; otherwise lets the next one decide.

    Not a ``BaseBackend``: without ``get_user`` it can never be the backend a session is
    signed in with (``Client.force_login`` and ``login()`` pick the first that has one)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None or username is None:
            return None
        lock = check(username, client_address(request))
        if lock is not None:
            setattr(request, LOCK_ATTR, lock)
            raise PermissionDenied("login locked")  # authenticate() stops here
        return None


def lock_of(request: HttpRequest | None) -> Lock | None:
    """The lock that refused this request's login, if that is why it failed."""
    return getattr(request, LOCK_ATTR, None) if request is not None else None


@receiver(user_login_failed, dispatch_uid="core.throttle.failed")
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = credentials.get("username")
    if request is None or not isinstance(username, str) or lock_of(request) is not None:
        return
    record_failure(username, client_address(request))


@receiver(user_logged_in, dispatch_uid="core.throttle.succeeded")
def _on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    record_success(user.get_username(), client_address(request))
