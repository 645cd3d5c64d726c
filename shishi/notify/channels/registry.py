"""Which class sends on which channel: ``SHISHI_NOTIFY_CHANNELS`` maps a channel's name to a
dotted path (tests and deployments swap one without touching the engine)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from shishi.notify.channels.base import Channel

DEFAULT_CHANNELS = {
    "email": "shishi.notify.channels.email.EmailChannel",
    "sms": "shishi.notify.channels.sms.SmsChannel",
    "wecom": "shishi.notify.channels.robots.WecomChannel",
    "dingtalk": "shishi.notify.channels.robots.DingtalkChannel",
}


def channel_paths() -> dict[str, str]:
    return {**DEFAULT_CHANNELS, **getattr(settings, "SHISHI_NOTIFY_CHANNELS", {})}


@cache
def _channel_class(path: str) -> type[Channel]:
    cls: type[Channel] = import_string(path)
    return cls


def channel_class(name: str) -> type[Channel]:
    """The class that sends on ``name`` (for its class-level checks, e.g. a webhook's form)."""
    return _channel_class(channel_paths()[name])


def get_channel(name: str) -> Channel:
    """A new sender for ``name`` (a worker keeps it for a batch, then closes it)."""
    return channel_class(name)()
