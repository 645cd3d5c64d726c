"""Local fake servers for the delivery channels (tests and the demo): ``FakeGateway`` (the
SMS gateway, a WeCom robot and a DingTalk robot on one port), ``FakeProxy`` (a forward
proxy) and ``FakeSmtp`` (an SMTP server, from ``shishi.notify.fakes.smtp``; it needs
aiosmtpd). Run the gateway as a process with ``shishi fake_gateway --port 9100``."""

from shishi.notify.fakes.gateway import ROBOT_BEHAVIOURS, SMS_BEHAVIOURS, FakeGateway
from shishi.notify.fakes.proxy import FakeProxy

__all__ = ["ROBOT_BEHAVIOURS", "SMS_BEHAVIOURS", "FakeGateway", "FakeProxy"]
