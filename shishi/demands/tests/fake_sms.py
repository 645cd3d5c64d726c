"""The local fake SMS gateway for the intake's tests (as ``notify``'s tests use it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shishi.notify.fakes import FakeGateway

KEY, SECRET = "test-key", "test-secret-0123456789"


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeGateway]:
    with FakeGateway(sms_key=KEY, sms_secret=SECRET, hang_seconds=1.0) as fake:
        settings.SHISHI_SMS_URL = fake.url
        settings.SHISHI_SMS_KEY = KEY
        settings.SHISHI_SMS_SECRET = SECRET
        settings.SHISHI_SMS_SIGN = "【南岗区接诉即办】"
        settings.SHISHI_NOTIFY_CONNECT_TIMEOUT = 0.5
        settings.SHISHI_NOTIFY_READ_TIMEOUT = 0.5
        settings.SHISHI_OUTBOUND_PROXY = ""
        settings.SHISHI_NOTIFY_CHANNELS = {}
        yield fake


def last_code(fake: FakeGateway) -> str:
    """The code in the last SMS the gateway took."""
    return fake.sms[-1].params["code"]
