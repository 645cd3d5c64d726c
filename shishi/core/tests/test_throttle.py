"""Login throttling: per account and per address, before the password is hashed, with a
message saying when to try again, and no way to lock the owner out for long."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shishi.conftest import PASSWORD, World
from shishi.core import throttle
from shishi.core.models import AuditEvent, LoginThrottle
from shishi.core.ratelimit import client_address


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast, as the suite's) that counts how often a password is checked or hashed."""

    algorithm = "counting_md5"
    calls: ClassVar[int] = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


@pytest.fixture(autouse=True)
def _forget_known_locks() -> Any:
    """The locks a process has seen outlive a rolled-back test: forget them after each."""
    yield
    throttle._ADDRESS_LOCKS.clear()


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_200_wrong_passwords_then_the_right_one_is_refused_with_when_to_retry(
    world: World,
) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(200):
        assert _login(client, "office", "wrong-password").status_code in (200, 429)
    response = _login(client, "office", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)
    text = response.content.decode()
    assert "登录失败次数过多" in text and "分钟后再试" in text
    assert int(response["Retry-After"]) > 0


def test_a_locked_login_is_refused_before_any_password_is_hashed(
    world: World, counting: type[CountingHasher], settings: Any
) -> None:
    world.office.set_password(PASSWORD)  # hashed with the counting hasher
    world.office.save()
    client = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES):
        assert _login(client, "office", "wrong-password").status_code == 200
    hashed = counting.calls
    assert hashed >= settings.SHISHI_LOGIN_ACCOUNT_FAILURES
    for _ in range(30):
        assert _login(client, "office", "wrong-password").status_code == 429
    assert _login(client, "office", PASSWORD).status_code == 429
    assert counting.calls == hashed  # not one hash while locked


def test_the_account_lock_is_short_grows_and_is_capped(world: World, settings: Any) -> None:
    now = timezone.now()
    lock_seconds = []
    for _ in range(8):
        for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES):
            throttle.record_failure("office", "198.51.100.1", now=now)
        lock = throttle.check("office", "198.51.100.2", now=now)
        assert lock is not None and lock.kind == "account"
        lock_seconds.append(round((lock.until - now).total_seconds()))
        now = lock.until + dt.timedelta(seconds=1)
        assert throttle.check("office", "198.51.100.2", now=now) is None  # over when it ends
    assert lock_seconds[:5] == [60, 120, 240, 480, 900]
    assert max(lock_seconds) == settings.SHISHI_LOGIN_ACCOUNT_MAX_LOCK_SECONDS


def test_the_owner_at_the_usual_address_gets_in_while_someone_elsewhere_guesses(
    world: World, settings: Any
) -> None:
    owner = Client(REMOTE_ADDR="10.1.2.3")
    assert _login(owner, "office", PASSWORD).status_code == 302
    owner.logout()
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES):
        _login(attacker, "office", "guess")
    assert _login(attacker, "office", PASSWORD).status_code == 429  # the account is locked
    assert _login(owner, "office", PASSWORD).status_code == 302  # not for its usual address
    assert _signed_in(owner)


def test_an_address_that_tries_many_accounts_is_locked_for_all_of_them(
    world: World, settings: Any
) -> None:
    flood = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(settings.SHISHI_LOGIN_ADDRESS_FAILURES):
        _login(flood, f"nobody{n}", "guess")
    response = _login(flood, "editor_a", PASSWORD)
    assert response.status_code == 429 and not _signed_in(flood)
    # This process now knows the address is locked: the next refusal reads no database at
    # all (no session, no throttle row: core.throttle.LockedLoginMiddleware).
    with CaptureQueriesContext(connection) as queries:
        again = _login(flood, "editor_a", PASSWORD)
    assert queries.captured_queries == []
    assert again.status_code == 429 and "分钟后再试" in again.content.decode()
    assert int(again["Retry-After"]) > 0
    assert throttle.known_address_lock("192.0.2.10") is not None
    other = Client(REMOTE_ADDR="192.0.2.11")  # another address is not stopped
    assert _login(other, "editor_a", PASSWORD).status_code == 302


def test_a_successful_login_forgets_the_accounts_failures(world: World, settings: Any) -> None:
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES - 1):
        _login(client, "viewer_a", "typo")
    assert _login(client, "viewer_a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES - 1):
        _login(client, "viewer_a", "typo")
    assert _login(client, "viewer_a", PASSWORD).status_code == 302


def test_a_lock_is_audited_and_the_table_holds_no_name_or_address(
    world: World, settings: Any
) -> None:
    client = Client(REMOTE_ADDR="192.0.2.99")
    for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES):
        _login(client, "Office", "guess")
    event = AuditEvent.objects.get(action="login.lock_account")
    assert event.changes["account"] == [None, "Office"]
    assert event.changes["seconds"] == [None, settings.SHISHI_LOGIN_ACCOUNT_LOCK_SECONDS]
    for row in LoginThrottle.objects.all():
        assert "office" not in row.key.lower() and "192.0.2.99" not in row.key
    # The name's case does not give another counter.
    assert throttle.check("office", "192.0.2.99") is not None


def test_the_admin_login_is_throttled_too(world: World, settings: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.50")
    for _ in range(settings.SHISHI_LOGIN_ACCOUNT_FAILURES):
        client.post("/admin/login/", {"username": "root", "password": "guess"})
    client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert not _signed_in(client)


def test_client_address_trusts_forwarded_for_only_behind_our_proxies(settings: Any) -> None:
    from django.test import RequestFactory

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4"
    )
    settings.SHISHI_TRUSTED_PROXIES = 0
    assert client_address(request) == "10.0.0.1"  # a client could have sent the header
    settings.SHISHI_TRUSTED_PROXIES = 1
    assert client_address(request) == "198.51.100.4"  # what our proxy saw
    settings.SHISHI_TRUSTED_PROXIES = 2
    assert client_address(request) == "6.6.6.6"
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    settings.SHISHI_TRUSTED_PROXIES = 1
    assert client_address(request) == "unknown"


def test_refusals_are_not_logged_one_by_one(world: World, settings: Any) -> None:
    import logging

    from shishi.core.ratelimit import SkipTooManyRequests

    assert any(
        isinstance(f, SkipTooManyRequests) for f in logging.getLogger("django.request").filters
    )
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "x", None, None)
    record.status_code = 429
    assert not SkipTooManyRequests().filter(record)
    record.status_code = 404
    assert SkipTooManyRequests().filter(record)
