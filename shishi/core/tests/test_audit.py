from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from shishi.conftest import World
from shishi.core.audit import verify_chain
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.orgs.models import User


def test_chain_verifies_after_service_writes(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    report = verify_chain()
    assert report.ok
    assert report.checked == AuditEvent.objects.count() > 10


def test_editing_an_event_is_detected(world: World) -> None:
    event = AuditEvent.objects.order_by("seq")[5]
    AuditEvent.objects.filter(pk=event.pk).update(changes={"name": ["x", "forged"]})
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == event.seq
    assert report.reason == "hash does not match content"


def test_deleting_an_event_is_detected(world: World) -> None:
    event = AuditEvent.objects.order_by("seq")[3]
    AuditEvent.objects.filter(pk=event.pk).delete()
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == event.seq


def test_truncating_the_tail_is_detected(world: World) -> None:
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    AuditEvent.objects.filter(pk=last.pk).delete()
    assert not verify_chain().ok


def test_rehashing_a_forged_event_breaks_the_next_link(world: World) -> None:
    from shishi.core.audit import _event_hash

    events = list(AuditEvent.objects.order_by("seq")[:3])
    forged = events[1]
    forged.changes = {"forged": [1, 2]}
    forged.hash = _event_hash(forged.prev_hash, forged)
    forged.save()
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == events[2].seq


def test_verify_audit_command(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("verify_audit")
    assert "audit chain intact" in capsys.readouterr().out
    AuditEvent.objects.filter(seq=2).update(actor_name="someone else")
    with pytest.raises(CommandError, match="#2"):
        call_command("verify_audit")


def test_bulk_events_chain_onto_single_events(world: World) -> None:
    from shishi.core.audit import Entry, record_many

    written = record_many(
        actor=world.office,
        entries=[
            Entry(
                "item.update",
                "ledger.item",
                str(world.item_a.pk),
                '引号"与、顿号',
                {"rate": [None, "1.5"], "名称": ["旧", "新"], "n": [1, 2.5], "flag": [True, None]},
                world.nangang.pk,
            )
            for _ in range(3)
        ],
    )
    assert written == 3
    services.record_progress(world.item_b, actor=world.editor_b, text="开工", rate=Decimal(5))
    report = verify_chain()
    assert report.ok, report
    stored = AuditEvent.objects.filter(target_repr='引号"与、顿号').first()
    assert stored is not None
    assert stored.changes["名称"] == ["旧", "新"]


def test_removing_an_account_leaves_its_events_and_the_chain_intact(
    world: World, client: Client
) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    account_id = world.editor_a.pk
    event = AuditEvent.objects.filter(actor_id=account_id).latest("seq")
    world.editor_a.delete()

    event.refresh_from_db()
    assert event.actor_id == account_id  # the hashed id is left as it was
    assert verify_chain().ok
    admin = User.objects.create_superuser("audit-reviewer", password="reviewer-pass-123")
    client.force_login(admin)
    page = client.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert f"#{account_id}（账号已删除）" in page.content.decode()
