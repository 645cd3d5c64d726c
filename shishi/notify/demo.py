"""The demo's contacts and group robots, through notify's services (idempotent).

Every demo login gets a phone number (the 1380000xxxx numbers go to the demo's fake gateway,
never to a carrier) and an e-mail address on the demo's SMTP server; Nangang's office
registers a DingTalk robot for the district's group and a WeCom robot for the city
management bureau's. ``make demo`` points the channels at ``shishi fake_gateway``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from shishi.notify.models import Channel, RobotHook
from shishi.notify.services import add_robot_hook, save_preferences
from shishi.orgs.models import Jurisdiction, Unit

DEMO_MAIL_DOMAIN = "demo.shishi.local"
DISTRICT_ROBOT = "南岗区为民办实事工作群"
UNIT_ROBOT = "区城管局工作群"


def seed_contacts(users: Sequence[Any]) -> None:
    for n, user in enumerate(users, start=1):
        save_preferences(
            user,
            channels={},
            phone=f"1380000{n:04d}",
            quiet_start=dt.time(22, 0),
            quiet_end=dt.time(7, 0),
            email_digest="immediate",
            email=f"{user.username}@{DEMO_MAIL_DOMAIN}",
        )


def seed_robots(office: Any, district: Jurisdiction, unit: Unit | None) -> None:
    if not RobotHook.objects.filter(jurisdiction=district, name=DISTRICT_ROBOT).exists():
        add_robot_hook(
            actor=office,
            jurisdiction=district,
            unit=None,
            kind=Channel.DINGTALK,
            name=DISTRICT_ROBOT,
            url="https://oapi.dingtalk.com/robot/send?access_token=demo-nangang",
            secret="SECdemo-nangang-secret",
        )
    if unit is not None and not RobotHook.objects.filter(unit=unit, name=UNIT_ROBOT).exists():
        add_robot_hook(
            actor=office,
            jurisdiction=district,
            unit=unit,
            kind=Channel.WECOM,
            name=UNIT_ROBOT,
            url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo-chengguan",
        )
