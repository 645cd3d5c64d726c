"""Hostile text in a message, a person's name or a robot's name shows as text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from shishi.conftest import World, client_for
from shishi.notify.models import Delivery, Status
from shishi.notify.services import notify
from shishi.notify.tests import factories
from shishi.orgs.models import User

pytestmark = pytest.mark.django_db
HOSTILE = '<img src=x onerror=alert(1)>"><script>'


def test_notify_pages_escape_hostile_text(world: World) -> None:
    User.objects.filter(pk=world.editor_a.pk).update(display_name=HOSTILE)
    factories.contact(world.editor_a, email="a@example.org")
    hook = factories.hook(world.nangang, unit=world.unit_a, name=HOSTILE)
    notify(
        [world.editor_a, hook],
        "demand.dispatched",
        {"number": HOSTILE, "title": HOSTILE, "due": "x", "unit": HOSTILE},
        jurisdiction=world.nangang,
    )
    Delivery.objects.update(last_error=HOSTILE, status=Status.UNKNOWN)
    pages = [
        (world.editor_a, reverse("notify:inbox")),
        (world.office, reverse("notify:log")),
        (world.office, reverse("notify:hooks")),
    ]
    for user, url in pages:
        body = client_for(user).get(url).content.decode()
        assert HOSTILE not in body, url
        assert escape(HOSTILE) in body, url
