"""The keyed audit chain: what someone with database access but without the key can no
longer hide (issue 13), key rotation, legacy events, SM3, signed checkpoints, replay."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from shishi.conftest import World
from shishi.core import audit, auditkeys, checkpoints
from shishi.core.models import AuditChainHead, AuditCheckpoint, AuditEvent
from shishi.core.replay import replay
from shishi.ledger import services
from shishi.ledger.models import Item

KEY_1 = "k1:first-secret-of-thirty-two-chars!"
KEY_2 = "k2:second-secret-of-thirty-two-chr"


def _rehash_plainly(from_seq: int, *, as_legacy: bool, edit: dict[str, Any] | None = None) -> None:
    """What an attacker with database access does: edit an event, then recompute it and
    every later one with the project's own (unkeyed) hash function, and move the head."""
    events = list(AuditEvent.objects.order_by("seq"))
    prev = events[from_seq - 2].hash if from_seq > 1 else "0" * 64
    for event in events[from_seq - 1 :]:
        if edit and event.seq == from_seq:
            event.changes = edit
        if as_legacy:
            event.key_id, event.algorithm = "", auditkeys.LEGACY
        event.prev_hash = prev
        event.hash = audit._hash(prev, audit._event_body(event, audit._dumps(event.changes)))
        event.save()
        prev = event.hash
    AuditChainHead.objects.filter(pk=1).update(seq=events[-1].seq, last_hash=prev)


def test_events_are_sealed_with_an_hmac_of_the_first_configured_key(
    world: World, settings: Any
) -> None:
    settings.SHISHI_AUDIT_KEYS = f"{KEY_1},{KEY_2}"
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    event = AuditEvent.objects.latest("seq")
    assert (event.key_id, event.algorithm) == ("k1", "hmac-sha256")
    body = audit._event_body(event, audit._dumps(event.changes))
    expected = hmac.new(
        b"first-secret-of-thirty-two-chars!", (event.prev_hash + body).encode(), "sha256"
    )
    assert event.hash == expected.hexdigest()
    assert event.hash != hashlib.sha256((event.prev_hash + body).encode()).hexdigest()
    assert audit.verify_chain().ok


def test_an_event_edited_and_rehashed_with_plain_sha256_is_caught(world: World) -> None:
    # Keeping the events' key ids: the seal no longer matches.
    _rehash_plainly(5, as_legacy=False, edit={"name": ["x", "forged"]})
    report = audit.verify_chain()
    assert not report.ok
    assert (report.first_bad_seq, report.reason) == (5, "hash does not match content")


def test_rehashed_events_passed_off_as_legacy_are_caught(world: World) -> None:
    _rehash_plainly(5, as_legacy=True, edit={"name": ["x", "forged"]})
    report = audit.verify_chain()
    assert not report.ok
    assert (report.first_bad_seq, report.reason) == (5, "unkeyed event after keyed events")


def test_a_whole_chain_rebuilt_as_legacy_is_caught_by_the_checkpoint_file(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.SHISHI_AUDIT_CHECKPOINT_DIR = str(tmp_path / "cp")
    checkpoints.write_checkpoint()
    copy = tmp_path / "offsite.jsonl"
    copy.write_bytes((tmp_path / "cp" / checkpoints.FILE_NAME).read_bytes())
    # The attacker rebuilds everything with bare sha256 and deletes the table's checkpoints;
    # the configured file is out of reach, but here it is gone too: only the copy remains.
    _rehash_plainly(1, as_legacy=True, edit={"name": ["x", "forged"]})
    AuditCheckpoint.objects.all().delete()
    (tmp_path / "cp" / checkpoints.FILE_NAME).unlink()
    assert audit.verify_chain().ok  # nothing left to hold it to: why copies are kept
    report = audit.verify_chain(checkpoint_files=[str(copy)])
    assert not report.ok
    assert "checkpoint" in report.reason
    with pytest.raises(CommandError, match="checkpoint"):
        call_command("verify_audit", "--checkpoints", str(copy))


def test_dropping_the_last_events_and_rewinding_the_head_is_caught(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    mark = checkpoints.write_checkpoint()
    last = AuditEvent.objects.latest("seq")
    assert mark.seq == last.seq
    kept = AuditEvent.objects.get(seq=last.seq - 3)
    AuditEvent.objects.filter(seq__gt=kept.seq).delete()
    AuditChainHead.objects.filter(pk=1).update(seq=kept.seq, last_hash=kept.hash)
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_seq == kept.seq + 1
    assert f"events #{kept.seq + 1}–#{last.seq} are missing" in report.reason


def test_a_forged_checkpoint_is_refused(world: World) -> None:
    mark = checkpoints.write_checkpoint()
    AuditCheckpoint.objects.filter(pk=mark.pk).update(seq=mark.seq + 5)
    report = audit.verify_chain()
    assert not report.ok
    assert "bad signature" in report.reason


def test_key_rotation_keeps_old_events_verifiable(world: World, settings: Any) -> None:
    settings.SHISHI_AUDIT_KEYS = KEY_1
    services.record_progress(world.item_a, actor=world.editor_a, text="一", rate=Decimal(10))
    settings.SHISHI_AUDIT_KEYS = f"{KEY_2},{KEY_1}"  # the new key first
    services.record_progress(world.item_a, actor=world.editor_a, text="二", rate=Decimal(20))
    ids = list(AuditEvent.objects.order_by("-seq").values_list("key_id", flat=True)[:2])
    assert ids == ["k2", "k1"]
    report = audit.verify_chain()
    assert report.ok, report
    settings.SHISHI_AUDIT_KEYS = KEY_2  # the old key dropped: its events cannot be checked
    report = audit.verify_chain()
    assert not report.ok
    assert "'k1' is not configured" in report.reason


def test_events_from_before_keys_still_verify_and_the_first_checkpoint_seals_them(
    world: World,
) -> None:
    _rehash_plainly(1, as_legacy=True)  # the chain as the previous release wrote it
    legacy = AuditEvent.objects.count()
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    report = audit.verify_chain()
    assert report.ok, report
    assert report.legacy == legacy and report.checked == legacy + 1
    assert any("not sealed by a checkpoint" in note for note in report.notes)
    checkpoints.write_checkpoint()
    assert audit.verify_chain().ok and not audit.verify_chain().notes
    # After the checkpoint, an unkeyed event is refused even at the chain's end.
    _rehash_plainly(legacy + 1, as_legacy=True)
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_seq == legacy + 1


def test_sm3_seals_the_chain_when_the_national_algorithms_are_chosen(
    world: World, settings: Any
) -> None:
    assert auditkeys.sm3_available()
    settings.SHISHI_CRYPTO = "gm"
    settings.SHISHI_AUDIT_KEYS = KEY_1
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    event = AuditEvent.objects.latest("seq")
    assert event.algorithm == "hmac-sm3"
    body = audit._event_body(event, audit._dumps(event.changes))
    expected = hmac.new(
        b"first-secret-of-thirty-two-chars!", (event.prev_hash + body).encode(), "sm3"
    )
    assert event.hash == expected.hexdigest()
    settings.SHISHI_CRYPTO = "intl"  # events keep verifying by the algorithm they record
    assert audit.verify_chain().ok
    # SM3 itself, the standard's test vector (GB/T 32905-2016, "abc").
    assert hashlib.new("sm3", b"abc").hexdigest().startswith("66c7f0f462eeedd9d1f2d46bdc10e4e2")


def test_malformed_keys_are_named(settings: Any) -> None:
    with pytest.raises(ValueError, match="SHISHI_AUDIT_KEYS"):
        auditkeys.parse_keys("k1")
    with pytest.raises(ValueError, match="twice"):
        auditkeys.parse_keys("k1:aaaa,k1:bbbb")
    assert repr(auditkeys.parse_keys(KEY_1)[0]) == "AuditKey('k1')"  # no secret printed


def test_checkpoints_go_to_the_table_and_are_appended_to_the_file(
    world: World, settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.SHISHI_AUDIT_CHECKPOINT_DIR = str(tmp_path)
    call_command("audit_checkpoint")
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    call_command("audit_checkpoint")
    lines = (tmp_path / checkpoints.FILE_NAME).read_text().splitlines()
    assert len(lines) == 2 == AuditCheckpoint.objects.count()
    last = json.loads(lines[-1])
    assert last["seq"] == AuditEvent.objects.latest("seq").seq
    assert last["hash"] == AuditEvent.objects.latest("seq").hash
    assert lines[-1] in capsys.readouterr().out
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "held to 4 checkpoints" in out  # two rows and the file's two lines
    assert "rows match the audit log" in out


def test_the_daily_job_writes_a_checkpoint_and_sends_it_to_the_offices(
    world: World, settings: Any, tmp_path: Path
) -> None:
    from shishi.jobs.worker import run_due_jobs
    from shishi.notify.models import Message

    settings.SHISHI_AUDIT_CHECKPOINT_DIR = str(tmp_path)
    slot = dt.datetime(2026, 3, 2, 0, 10, tzinfo=dt.UTC).astimezone(
        dt.timezone(dt.timedelta(hours=8))
    )
    runs = run_due_jobs(now=slot + dt.timedelta(minutes=1), names=["audit.checkpoint"])
    assert [r.status for r in runs] == ["succeeded"]
    mark = AuditCheckpoint.objects.get()
    assert mark.notified_at is not None
    assert (tmp_path / checkpoints.FILE_NAME).read_text().count("\n") == 1
    to = set(Message.objects.filter(kind="audit.checkpoint").values_list("recipient_id", flat=True))
    assert {world.office.pk, world.city_office.pk, world.outsider.pk} <= to
    assert world.editor_a.pk not in to


def test_a_direct_update_of_an_item_is_named(world: World) -> None:
    services.update_item(
        world.item_a, actor=world.office, expected_version=world.item_a.version, name="新名称"
    )
    services.record_progress(world.item_b, actor=world.editor_b, text="开工", rate=Decimal(30))
    assert replay().ok
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Item._meta.db_table)
        cursor.execute(
            f"UPDATE {table} SET name = %s WHERE id = %s", ["改过的名称", world.item_a.pk]
        )
        cursor.execute(
            f"UPDATE {table} SET completion_rate = %s WHERE id = %s", [95, world.item_b.pk]
        )
    report = replay()
    assert report.total == 2
    lines = sorted(str(d) for d in report.differences)
    assert lines[0].startswith(
        f"ledger.item {world.item_a.pk} field name: audit says '新名称', row says '改过的名称'"
    )
    assert lines[1].startswith(
        f"ledger.item {world.item_b.pk} field completion_rate: audit says '30', row says '95'"
    )
    with pytest.raises(CommandError, match="2 rows differ"):
        call_command("verify_audit")


def test_a_row_deleted_behind_the_services_back_is_named(world: World) -> None:
    Item.objects.filter(pk=world.item_b.pk).delete()
    report = replay()
    assert [str(d).split(":")[0] for d in report.differences] == [f"ledger.item {world.item_b.pk}"]


def test_replay_holds_after_the_ledgers_services(world: World) -> None:
    item = world.item_a
    services.record_progress(item, actor=world.editor_a, text="开工", rate=Decimal(40))
    item.refresh_from_db()
    services.update_item(
        item,
        actor=world.office,
        expected_version=item.version,
        deadline_text="2021年10月底前",
        planned_investment=Decimal("12.50"),
    )
    item.refresh_from_db()
    services.record_progress(item, actor=world.office, text="完工", rate=Decimal(100))
    item.refresh_from_db()
    services.close_out_item(item, actor=world.office)
    item.refresh_from_db()
    services.reopen_item(item, actor=world.office, reason="复查")
    pending = services.record_progress(
        world.item_b, actor=world.editor_b, text="进展", rate=Decimal(60)
    )
    services.reject_update(pending, actor=world.office, comment="请补充照片")
    report = replay()
    assert report.ok, [str(d) for d in report.differences]
    assert report.rows >= 3
    assert audit.verify_chain().ok


def test_verify_audit_reports_time_and_counts(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "audit chain intact" in out and "note: no checkpoint yet" in out
    assert timezone.now()  # the command ran against the live chain


def test_audit_retention_under_six_months_stops_start_up() -> None:
    import os
    import subprocess
    import sys

    env = dict(
        os.environ, SHISHI_AUDIT_RETENTION_DAYS="90", DJANGO_SETTINGS_MODULE="shishi.settings"
    )
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "SHISHI_AUDIT_RETENTION_DAYS must be at least 180" in run.stderr


def test_deploy_check_warns_while_the_audit_key_comes_from_secret_key(settings: Any) -> None:
    from django.core.checks import run_checks

    settings.SHISHI_AUDIT_CHECKPOINT_DIR = "/srv/shishi/audit"
    settings.SHISHI_AUDIT_KEYS = ""
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "shishi.W001" in ids
    settings.SHISHI_AUDIT_KEYS = KEY_1
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert not ids & {"shishi.W001", "shishi.W002", "shishi.W003", "shishi.E001"}
    settings.SHISHI_AUDIT_KEYS = "k1:short"
    assert "shishi.W002" in {m.id for m in run_checks(include_deployment_checks=True)}
    settings.SHISHI_AUDIT_KEYS = "bad id:secret-of-enough-length-000"
    assert "shishi.E001" in {m.id for m in run_checks()}


def test_replay_holds_after_imports_and_reimports(world: World, tmp_path: Path) -> None:
    from shishi.ledger.excel.importing import apply_import, plan_import
    from shishi.ledger.tests.sheets import item, write_office

    rows = [
        item(1, "抢修一曼街塌陷路段", rate="60%", progress="正在施工", remarks="备"),
        item(2, "新建幼儿园", lead="区教育局", deadline="年底前", content="扩建"),
    ]
    first = write_office(tmp_path / "a.xlsx", [("城建城管执法类", rows)])
    apply_import(
        plan_import(first, jurisdiction=world.nangang, year=2022, actor=world.office),
        actor=world.office,
    )
    rows[0] = item(1, "抢修一曼街塌陷路段（含翻浆）", rate="100%", deadline="2022年10月底前")
    rows[1] = item(2, "新建幼儿园", lead="区住建局", deadline="长期坚持", partners="区城管局")
    second = write_office(tmp_path / "b.xlsx", [("城建城管执法类", rows)])
    result = apply_import(
        plan_import(second, jurisdiction=world.nangang, year=2022, actor=world.office),
        actor=world.office,
    )
    assert result.updated == 2
    road = Item.objects.get(programme__year=2022, number="1-1")
    assert road.lifecycle == "done" and road.due_date == dt.date(2022, 10, 31)
    report = replay()
    assert report.ok, [str(d) for d in report.differences]
    Item.objects.filter(pk=road.pk).update(due_date=dt.date(2022, 12, 31))
    assert [d.field for d in replay().differences] == ["due_date"]
