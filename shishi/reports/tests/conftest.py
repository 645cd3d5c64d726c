"""Fixtures of the reports tests: Nangang's weekly report on the world's programme; files
(compiled reports, templates, photos) go to a temporary MEDIA_ROOT, never the project's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from shishi.conftest import World
from shishi.reports.models import Cycle, CycleFigure, CycleSection


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def weekly(world: World) -> Cycle:
    """Weekly, due Friday 17:00, units A and B, one section and one figure."""
    cycle = Cycle.objects.create(
        jurisdiction=world.nangang,
        programme=world.programme,
        code="weekly",
        name="为民办实事周报告",
        cadence="weekly",
        due_weekday=4,
        due_time=dt.time(17, 0),
    )
    cycle.units.set([world.unit_a, world.unit_b])
    CycleSection.objects.create(cycle=cycle, title="下周工作安排", order=1)
    CycleFigure.objects.create(cycle=cycle, name="本周办理健康证人数", unit_label="人")
    return cycle
