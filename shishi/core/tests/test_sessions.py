from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import PASSWORD, World


def test_the_store_reads_what_django_wrote(world: World) -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    store = SessionStore()
    store["district"] = "230103"
    store.set_expiry(3600)
    store.save()

    again = SessionStore(store.session_key)
    assert again["district"] == "230103"
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_as_empty(world: World) -> None:
    store = SessionStore()
    store["district"] = "230103"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}
    assert SessionStore("short").load() == {}  # not a well-formed key


def test_logging_in_and_out_through_the_pages(world: World) -> None:
    client = Client()
    assert client.get(reverse("ledger:list")).status_code == 302  # to the login page
    assert client.login(username=world.office.username, password=PASSWORD)
    assert client.get(reverse("ledger:list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("ledger:list")).status_code == 302
