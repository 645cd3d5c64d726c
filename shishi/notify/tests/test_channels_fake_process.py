"""The fake gateway as the demo runs it: a process of its own (``shishi fake_gateway``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from shishi.notify.channels.base import Outcome, Outgoing
from shishi.notify.channels.robots import WecomChannel
from shishi.notify.channels.sms import SmsChannel

SHISHI = Path(sys.executable).with_name("shishi")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_fake_gateway_command_serves_sms_and_robots_until_interrupted() -> None:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shishi.settings", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(SHISHI), "fake_gateway", "--port", str(port), "--sms-key", "k", "--sms-secret", "s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"Fake gateway on http://127.0.0.1:{port}" in first
        base = f"http://127.0.0.1:{port}"
        sms = SmsChannel(base_url=base, key="k", secret="s", sign="【测试】")
        sent = sms.send(Outgoing(channel="sms", address="13912345678", key="p-1", template_id="T"))
        robot = WecomChannel(base_url=base)
        posted = robot.send(
            Outgoing(channel="wecom", address="robot-key-1", key="p-2", markdown="**hi**")
        )
        sms.close()
        robot.close()
        listed = httpx.get(f"{base}/_fake/messages", trust_env=False).json()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)

    assert sent.outcome == Outcome.SENT
    assert posted.outcome == Outcome.DELIVERED
    assert [m["to"] for m in listed["sms"]] == ["139****5678"]
    assert [m["token"] for m in listed["wecom"]] == ["***"]
    assert process.returncode == 0
    assert "SMS 139****5678 T {} -> fake-" in output
    assert "13912345678" not in output and "robot-key-1" not in output


def test_sms_only_prints_each_sms_at_once_and_no_robots() -> None:
    """As ``make demo`` runs it: a resident reads the public form's code from this line, so
    it must come out while the gateway runs, though its output is a pipe."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shishi.settings", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(SHISHI), "fake_gateway", "--port", str(port), "--sms-key", "k", "--sms-secret", "s",
         "--sms-only"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        while "SHISHI_SMS_URL" not in process.stdout.readline():
            pass
        base = f"http://127.0.0.1:{port}"
        robot = WecomChannel(base_url=base)
        robot.send(Outgoing(channel="wecom", address="robot-key-1", key="p-2", markdown="hi"))
        robot.close()
        sms = SmsChannel(base_url=base, key="k", secret="s", sign="【测试】")
        sms.send(
            Outgoing(
                channel="sms",
                address="13912345678",
                key="p-1",
                template_id="SMS_DEMAND_CODE",
                params={"code": "246810"},
            )
        )
        sms.close()
        line = process.stdout.readline()  # before the process ends: flushed
        while not line.startswith("SMS "):
            assert "wecom" not in line
            line = process.stdout.readline()
        assert "SMS 139****5678 SMS_DEMAND_CODE {'code': '246810'}" in line
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert "wecom" not in output
