from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shishi.notify.tests.scripted import CHANNELS, ScriptedChannel


@pytest.fixture
def scripted(settings: Any) -> Iterator[type[ScriptedChannel]]:
    """Every channel answers through ``ScriptedChannel`` (SENT unless scripted)."""
    settings.SHISHI_NOTIFY_CHANNELS = CHANNELS
    ScriptedChannel.reset()
    yield ScriptedChannel
    ScriptedChannel.reset()
