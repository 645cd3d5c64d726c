"""The calendar keeps loaded years per process: each test starts and ends with none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shishi.workdays import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    calendar.clear_cache()
    yield
    calendar.clear_cache()
