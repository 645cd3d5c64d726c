"""Serve the demo: the web server, the background worker and the local fake gateway, one
command (``make demo``).

Starts ``shishi runserver --noreload ADDRESS``, ``shishi worker`` and ``shishi fake_gateway``
(the demo's SMS gateway, WeCom and DingTalk robots and SMTP server on loopback, so that every
channel delivers somewhere and the office's delivery log fills) from the same venv,
each in its own session so that a terminal's Ctrl-C reaches this script alone; on SIGINT or
SIGTERM the script sends each child SIGTERM (which all three handle, even if they inherited an
ignored SIGINT; the worker finishes its current task, and a second Ctrl-C stops it at once).
When any child exits by itself the others are stopped too, and the script exits with the
first one's status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import FrameType

GRACE_SECONDS = 30
# The fake gateway's ports (SHISHI_DEMO_GATEWAY_PORT, SHISHI_DEMO_SMTP_PORT to move them).
GATEWAY_PORT = int(os.environ.get("SHISHI_DEMO_GATEWAY_PORT", "9100"))
SMTP_PORT = int(os.environ.get("SHISHI_DEMO_SMTP_PORT", "2525"))


def demo_channels(address: str) -> dict[str, str]:
    """The environment that points every channel at the fake gateway (unless already set)."""
    gateway = f"http://127.0.0.1:{GATEWAY_PORT}"
    wanted = {
        "SHISHI_SMS_URL": gateway,
        "SHISHI_SMS_KEY": "demo-key",
        "SHISHI_SMS_SECRET": "demo-secret",
        "SHISHI_WECOM_URL": gateway,
        "SHISHI_DINGTALK_URL": gateway,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "SHISHI_SITE_URL": f"http://{address}",
    }
    return {k: os.environ.get(k, v) for k, v in wanted.items()}


def terminate(children: Iterable[subprocess.Popen[bytes]]) -> None:
    """Send SIGTERM to the children still running: handled by all three, even when they
    inherited an ignored SIGINT (a shell's background job)."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)


def main(argv: list[str]) -> int:
    address = argv[1] if len(argv) > 1 else "127.0.0.1:8000"
    shishi = str(Path(sys.executable).parent / "shishi")
    env = {**os.environ, **demo_channels(address)}
    commands = {
        "gateway": [
            "fake_gateway",
            f"--port={GATEWAY_PORT}",
            f"--smtp-port={SMTP_PORT}",
            f"--report-url=http://{address}/notify/sms/reports/",
            "--sms-only",  # a line per SMS: the public form's codes are read there
        ],
        "web": ["runserver", "--noreload", address],
        "worker": ["worker"],
    }
    children = {
        name: subprocess.Popen([shishi, *args], start_new_session=True, env=env)
        for name, args in commands.items()
    }
    stopped_by: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        stopped_by.append(signum)
        terminate(children.values())

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)

    first_status: int | None = None
    while first_status is None:
        for name, child in children.items():
            status = child.poll()
            if status is not None:
                if not stopped_by:
                    print(f"demo: {name} exited ({status}); stopping the rest", file=sys.stderr)
                first_status = status
                break
        else:
            time.sleep(0.2)

    if not stopped_by:  # (when stopped on purpose, all have the signal already)
        terminate(children.values())
    deadline = time.monotonic() + GRACE_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    if stopped_by:
        # Stopped on purpose: a clean stop of all is success.
        return 0 if all(c.returncode in (0, -signal.SIGTERM) for c in children.values()) else 1
    return first_status or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
