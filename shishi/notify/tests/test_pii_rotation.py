"""``shishi rotate_pii_keys`` on notify's encrypted columns: contacts' phones, the addresses
copied into deliveries, robots' URLs and secrets move to the newest key and still work."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shishi.conftest import World
from shishi.core import pii
from shishi.core.models import AuditEvent
from shishi.notify.models import Contact, Delivery, Preference, RobotHook
from shishi.notify.services import notify
from shishi.notify.services.engine import Renderer, build_outgoing
from shishi.notify.tests import factories

K1 = "k1:" + "1" * 32
K2 = "k2:" + "2" * 32
CTX = {"number": "1-1", "name": "抢修一曼街", "title": "周报", "due": "周五"}


@pytest.fixture
def written(world: World, settings: Any) -> World:
    settings.SHISHI_PII_KEYS = K1
    factories.contact(world.editor_a, phone="13812341234", email="a@example.org")
    Preference.objects.update_or_create(
        user=world.editor_a, kind="report.due", defaults={"channels": ["sms", "email"]}
    )
    notify([world.editor_a], "report.due", CTX, urgency="urgent")
    factories.hook(world.nangang, kind="dingtalk", secret="SEC-signing-secret")
    return world


def _tokens() -> list[str]:
    contact = Contact.objects.get()
    hook = RobotHook.objects.get()
    return [
        contact.phone_encrypted.token(),
        hook.url_encrypted,
        hook.secret_encrypted,
        *Delivery.objects.exclude(address_encrypted="").values_list("address_encrypted", flat=True),
    ]


def test_rotation_moves_every_column_and_everything_still_reads(
    written: World, settings: Any
) -> None:
    tokens = _tokens()
    assert len(tokens) == 5 and all(t.startswith("aesgcm:k1:") for t in tokens)
    phone_hash = Contact.objects.get().phone_hash
    settings.SHISHI_PII_KEYS = f"{K2},{K1}"
    out = StringIO()
    call_command("rotate_pii_keys", "--batch", "1", stdout=out)
    assert "notify.Delivery.address_encrypted: 2 values, 2 re-encrypted" in out.getvalue()
    assert all(t.startswith("aesgcm:k2:") for t in _tokens())
    settings.SHISHI_PII_KEYS = K2  # the old key can go now
    renderer = Renderer()
    sms = Delivery.objects.get(channel="sms")
    email = Delivery.objects.get(channel="email")
    assert build_outgoing(sms, renderer).address == "13812341234"
    assert build_outgoing(email, renderer).address == "a@example.org"
    hook = RobotHook.objects.get()
    assert pii.decrypt(hook.secret_encrypted, purpose="robot") == "SEC-signing-secret"
    assert Contact.objects.get().phone_hash == phone_hash  # the lookup key did not rotate
    event = AuditEvent.objects.get(action="pii.rotate_keys")
    assert event.target_id == "k2"
    assert event.changes["notify.Contact.phone_encrypted"]["rotated"] == 1
    again = StringIO()
    call_command("rotate_pii_keys", stdout=again)
    assert "0 re-encrypted" in again.getvalue() and "unreadable" in again.getvalue()


def test_a_dry_run_changes_nothing(written: World, settings: Any) -> None:
    before = _tokens()
    settings.SHISHI_PII_KEYS = f"{K2},{K1}"
    out = StringIO()
    call_command("rotate_pii_keys", "--dry-run", stdout=out)
    assert "1 re-encrypted" in out.getvalue() and "dry run" in out.getvalue()
    assert _tokens() == before
    assert not AuditEvent.objects.filter(action="pii.rotate_keys").exists()


def test_rows_under_a_dropped_key_fail_the_command_naming_them(
    written: World, settings: Any
) -> None:
    settings.SHISHI_PII_KEYS = K2  # k1 dropped before rotating
    with pytest.raises(CommandError, match=r"notify\.Contact\.phone_encrypted ids \d+"):
        call_command("rotate_pii_keys", stdout=StringIO())
    assert Contact.objects.get().phone_encrypted.token().startswith("aesgcm:k1:")  # as it was
