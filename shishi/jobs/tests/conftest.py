"""A database that worker processes share with the test (``live_db``), and worker processes.

On SQLite the test database lives in memory, out of another process's reach: ``live_db``
copies it (schema and all) to a file with SQLite's backup and points this process's
connection at the file for the test; workers get it through ``DATABASE_URL``. On PostgreSQL
the test database is already shared. Either way the test runs outside a transaction
(``transactional_db``), so workers see what it writes.
"""

from __future__ import annotations

import importlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connections

SHISHI = str(Path(sys.executable).parent / "shishi")
REPO = Path(__file__).resolve().parents[3]


@dataclass
class LiveDB:
    url: str
    folder: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self, *args: str, name: str = "worker") -> subprocess.Popen[bytes]:
        """``shishi worker`` on this database, with short intervals, logging to a file."""
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "shishi.settings",
            "PYTHONPATH": str(REPO),
        }
        log = (self.folder / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [
                SHISHI,
                "worker",
                "--interval=0.05",
                "--heartbeat=0.2",
                "--stale-after=1",
                "--import=shishi.jobs.tests.sample_tasks",
                "--import=shishi.jobs.tests.sample_jobs",
                f"--worker-id={name}",
                *args,
            ],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
        if proc.poll() is None:
            proc.send_signal(sig)
        return proc.wait(timeout=20)


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}")


@pytest.fixture
def live_db(transactional_db: None, django_db_blocker: Any, tmp_path: Path) -> Iterator[LiveDB]:
    conn = connections["default"]
    if conn.vendor == "sqlite":
        with django_db_blocker.unblock():
            conn.ensure_connection()
            path = tmp_path / "live.sqlite3"
            target = sqlite3.connect(path)
            conn.connection.backup(target)
            # WAL now: processes that each switch the copy to WAL at connect collide.
            target.execute("PRAGMA journal_mode=WAL")
            target.close()
            saved_connection, saved_name = conn.connection, conn.settings_dict["NAME"]
            # Detached, not closed: closing the last connection to the in-memory test
            # database would drop it.
            conn.connection = None
            conn.settings_dict["NAME"] = str(path)
            live = LiveDB(url=f"sqlite:///{path}", folder=tmp_path)
            try:
                yield live
            finally:
                _stop_all(live)
                conn.close()
                conn.settings_dict["NAME"] = saved_name
                conn.connection = saved_connection
    else:
        s = conn.settings_dict
        url = (
            f"postgres://{quote(s['USER'] or '')}:{quote(s['PASSWORD'] or '')}"
            f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'])}"
        )
        live = LiveDB(url=url, folder=tmp_path)
        try:
            yield live
        finally:
            _stop_all(live)


@pytest.fixture
def sample_jobs() -> Iterator[ModuleType]:
    """The test jobs (``sample_jobs``), in the registry for this test only."""
    from shishi.jobs.schedule import REGISTRY

    module = importlib.import_module("shishi.jobs.tests.sample_jobs")
    REGISTRY.update(module.JOBS)
    module.HOURLY_SLOTS.clear()
    yield module
    for name in module.JOBS:
        REGISTRY.pop(name, None)


def _stop_all(live: LiveDB) -> None:
    for proc in live.workers:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
