"""Demands fixtures: ``dm`` — Nangang's categories (道路 to unit A, 噪声扰民 dispatched by
itself to unit B, 路灯 open to Open311) and an operator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shishi.conftest import World
from shishi.demands.models import Category


@dataclass
class Dm:
    road: Category
    noise: Category
    light: Category


@pytest.fixture
def dm(world: World) -> Dm:
    road = Category.objects.create(
        jurisdiction=world.nangang, code="road", name="道路", lead_unit=world.unit_a
    )
    noise = Category.objects.create(
        jurisdiction=world.nangang,
        code="noise",
        name="噪声扰民",
        lead_unit=world.unit_b,
        auto_dispatch=True,
    )
    light = Category.objects.create(
        jurisdiction=world.nangang,
        code="streetlight",
        name="路灯",
        lead_unit=world.unit_a,
        open311=True,
    )
    return Dm(road=road, noise=noise, light=light)


# The public intake's tests (shishi/demands/tests/fake_sms.py): the local fake SMS gateway.
from shishi.demands.tests.fake_sms import gateway  # noqa: E402, F401
