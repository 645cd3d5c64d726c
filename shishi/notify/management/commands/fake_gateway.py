"""Run the fake SMS gateway, WeCom robot and DingTalk robot (and optionally an SMTP server)
on loopback for the demo: ``shishi fake_gateway --port 9100``. Ctrl-C stops it."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from shishi.notify.fakes import FakeGateway


class Command(BaseCommand):
    help = (
        "Serve a fake SMS gateway, WeCom robot and DingTalk robot on one port (the contract "
        "and the numbers that misbehave: docs/notifications.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100)
        parser.add_argument(
            "--report-url",
            default="",
            help="POST delivery reports here, e.g. http://127.0.0.1:8000/notify/sms/reports/",
        )
        parser.add_argument("--report-delay", type=float, default=2.0, help="seconds")
        parser.add_argument(
            "--sms-key", default="", help="the gateway's API key (default: SHISHI_SMS_KEY)"
        )
        parser.add_argument(
            "--sms-secret", default="", help="its secret (default: SHISHI_SMS_SECRET)"
        )
        parser.add_argument(
            "--dingtalk-secret",
            default=None,
            help="require DingTalk's 加签 with this secret for every robot (default: optional)",
        )
        parser.add_argument(
            "--robot-per-minute", type=int, default=20, help="per robot, 0 for no limit"
        )
        parser.add_argument("--hang-seconds", type=float, default=30.0)
        parser.add_argument("--quiet", action="store_true", help="no line per message")
        parser.add_argument(
            "--sms-only",
            action="store_true",
            help="a line per SMS only (the demo: a resident's code for the public form)",
        )
        parser.add_argument(
            "--smtp-port", type=int, default=0, help="also run an SMTP server here (aiosmtpd)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["sms_key"] or settings.SHISHI_SMS_KEY or "demo-key"
        secret = options["sms_secret"] or settings.SHISHI_SMS_SECRET or "demo-secret"
        self.sms_only = bool(options["sms_only"])
        gateway = FakeGateway(
            host=options["host"],
            port=options["port"],
            sms_key=key,
            sms_secret=secret,
            dingtalk_secret=options["dingtalk_secret"],
            robot_per_minute=options["robot_per_minute"] or None,
            report_url=options["report_url"] or None,
            report_delay=options["report_delay"],
            hang_seconds=options["hang_seconds"],
            echo=None if options["quiet"] else self._echo,
        )
        smtp = None
        if options["smtp_port"]:
            from shishi.notify.fakes.smtp import FakeSmtp  # aiosmtpd: a development package

            smtp = FakeSmtp(host=options["host"], port=options["smtp_port"]).start()
        gateway.start()
        url = gateway.url
        self.stdout.write(f"Fake gateway on {url} (Ctrl-C to stop). The channels' settings:")
        self.stdout.write(f"  SHISHI_SMS_URL={url} SHISHI_SMS_KEY={key} SHISHI_SMS_SECRET=…")
        self.stdout.write(f"  SHISHI_WECOM_URL={url} SHISHI_DINGTALK_URL={url}")
        if smtp is not None:
            self.stdout.write(f"  EMAIL_HOST={smtp.host} EMAIL_PORT={smtp.port}")
        stop = threading.Event()
        # Both stop it, also when SIGINT came ignored from the parent (a shell's background job).
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        finally:
            gateway.stop()
            if smtp is not None:
                smtp.stop()
            sys.stdout.flush()

    def _echo(self, line: str) -> None:
        """One line per message, at once: behind ``make demo`` the output may be a pipe or
        a file, where Python would hold it back (the demo's SMS codes are read there)."""
        if self.sms_only and not line.startswith("SMS "):
            return
        self.stdout.write(line)
        self.stdout.flush()
