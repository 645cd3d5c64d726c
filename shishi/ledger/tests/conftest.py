"""Ledger tests write uploads to a temporary MEDIA_ROOT, never to the project's; API tests
call as a persona with ``as_user(user)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from shishi.ledger.tests.api_client import Caller
from shishi.orgs.models import User


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def as_user(client: Client) -> Any:
    def make(user: User | None) -> Caller:
        return Caller(client, user)

    return make
