"""The registry makes each channel of this part, and each keeps the lead's contract."""

from __future__ import annotations

import pytest

from shishi.notify.channels.base import Channel
from shishi.notify.channels.email import EmailChannel
from shishi.notify.channels.registry import get_channel
from shishi.notify.channels.robots import DingtalkChannel, WecomChannel
from shishi.notify.channels.sms import SmsChannel

# Checked by mypy: each class has the Channel protocol's shape.
CLASSES: dict[str, type[Channel]] = {
    "email": EmailChannel,
    "sms": SmsChannel,
    "wecom": WecomChannel,
    "dingtalk": DingtalkChannel,
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_registry_makes_each_channel_with_its_name(name: str) -> None:
    channel = get_channel(name)

    assert type(channel) is CLASSES[name]
    assert channel.name == name
    channel.close()
    channel.close()  # closing twice, or before any send, is harmless
