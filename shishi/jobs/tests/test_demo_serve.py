"""``make demo``'s launcher: one command serves the web, runs the worker and the fake gateway;
Ctrl-C (SIGINT) stops them all; when one dies the others are stopped and the launcher fails."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from shishi.jobs.models import WorkerHeartbeat
from shishi.jobs.tests.conftest import REPO, LiveDB, wait_for

SCRIPT = REPO / "scripts" / "demo_serve.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(live_db: LiveDB, port: int, gateway_port: int = 0) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": live_db.url,
        "PYTHONPATH": str(REPO),
        "SHISHI_DEMO_GATEWAY_PORT": str(gateway_port or _free_port()),
        "SHISHI_DEMO_SMTP_PORT": str(_free_port()),
    }
    log = (live_db.folder / "demo.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), f"127.0.0.1:{port}"],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    live_db.workers.append(proc)
    return proc


def _serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _up(live_db: LiveDB, port: int) -> int:
    wait_for(lambda: _serves(port), what="the web server")
    row = wait_for(lambda: WorkerHeartbeat.objects.first(), what="the worker's heartbeat")
    return int(row.pid)


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def _gateway_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_fake/messages", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_ctrl_c_stops_the_web_server_the_worker_and_the_gateway(live_db: LiveDB) -> None:
    port, gateway = _free_port(), _free_port()
    demo = _start(live_db, port, gateway)
    worker_pid = _up(live_db, port)
    wait_for(lambda: _gateway_answers(gateway), what="the fake gateway")
    demo.send_signal(signal.SIGINT)
    assert demo.wait(timeout=30) == 0
    assert not _serves(port)
    assert not _gateway_answers(gateway)
    assert _pid_gone(worker_pid)
    assert not WorkerHeartbeat.objects.exists()  # the worker stopped cleanly


def test_when_the_worker_dies_the_web_server_stops_too(live_db: LiveDB) -> None:
    port = _free_port()
    demo = _start(live_db, port)
    worker_pid = _up(live_db, port)
    os.kill(worker_pid, signal.SIGKILL)
    assert demo.wait(timeout=30) != 0
    assert not _serves(port)
    assert "worker exited" in (live_db.folder / "demo.log").read_text()
