"""A backup restores into an empty database with the same rows and an intact audit chain
(SQLite: the online backup API; PostgreSQL: pg_dump -Fc and pg_restore, in make test-pg)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from shishi.conftest import World
from shishi.core import backups, checkpoints
from shishi.core.models import AuditEvent
from shishi.ledger import services

pytestmark = pytest.mark.django_db(transaction=True)


def _shishi(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``shishi ARGS`` in its own process on the restored database, as an operator runs it."""
    env = dict(os.environ, DATABASE_URL=database_url, SHISHI_AUDIT_CHECKPOINT_DIR="")
    env["SECRET_KEY"] = django_settings.SECRET_KEY  # the same (derived) audit key
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [str(Path(sys.executable).with_name("shishi")), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def _restore(backup: Path, cleanup: list[Any]) -> str:
    """The backup restored into an empty database; its DATABASE_URL."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{backup}"
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:  # an empty database, then pg_restore into it
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")

    def drop() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")

    cleanup.append(drop)
    args, env = backups.pg_args(connection.settings_dict)
    subprocess.run(
        [backups.pg_tool("pg_restore"), "--no-owner", "--exit-on-error", *args,
         "--dbname", name, str(backup)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def cleanup() -> Iterator[list[Any]]:
    steps: list[Any] = []
    yield steps
    for step in steps:
        step()


def test_a_backup_restores_with_the_same_rows_and_an_intact_chain(
    world: World, settings: Any, tmp_path: Path, cleanup: list[Any]
) -> None:
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "photo.jpg").write_bytes(b"\xff\xd8photo")
    (media / "public-photos").mkdir()
    (media / "public-photos" / "derived.jpg").write_bytes(b"derived")
    settings.MEDIA_ROOT = str(media)
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(10))
    checkpoints.write_checkpoint()

    call_command("backup", str(tmp_path / "backup"))
    (made,) = (tmp_path / "backup").glob("shishi-*.json")
    manifest = json.loads(made.read_text())
    database = tmp_path / "backup" / manifest["database"]
    assert manifest["counts"] == backups.row_counts()
    with tarfile.open(tmp_path / "backup" / manifest["media"]) as tar:
        assert tar.getnames() == ["media", "media/attachments", "media/attachments/photo.jpg"]

    url = _restore(database, cleanup)
    rows = _shishi(url, "check_restore", str(made))
    assert rows.returncode == 0, rows.stderr
    assert "rows match the backup" in rows.stdout
    checked = _shishi(url, "verify_audit")
    assert checked.returncode == 0, checked.stderr
    assert f"audit chain intact: {manifest['audit_head']['seq']} events verified" in checked.stdout
    assert "held to 1 checkpoints" in checked.stdout
    assert "rows match the audit log" in checked.stdout
    events = AuditEvent._meta.db_table
    assert manifest["counts"][events] > 20
    # A restore that lost rows is told apart.
    services.record_progress(world.item_b, actor=world.editor_b, text="开工", rate=Decimal(5))
    (tmp_path / "later").mkdir()
    later = backups.backup(tmp_path / "later", media=False)
    wrong = _shishi(url, "check_restore", str(later.manifest))
    assert wrong.returncode == 1
    assert f"{events}: backup" in wrong.stderr
