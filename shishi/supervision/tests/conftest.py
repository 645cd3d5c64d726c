"""Supervision fixtures: ``sv`` — a Nangang inspection group (the world's ``inspector``, its
units A and B), a second group with another inspector, and a round ``2021-1`` with a
three-question checklist and both groups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from shishi.conftest import World, _user
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, User
from shishi.supervision.models import InspectionGroup, Round
from shishi.supervision.services import setup

ROUND_START = dt.date(2021, 6, 1)


@dataclass
class Sv:
    group: InspectionGroup
    other_group: InspectionGroup
    other_inspector: User
    round: Round


@pytest.fixture
def sv(world: World) -> Sv:
    other_inspector = _user("other_inspector")
    org_services.grant_role(other_inspector, Role.INSPECTOR, world.nangang)
    group = setup.save_group(
        world.nangang.pk,
        setup.GroupInput(
            "第一巡回指导组",
            leader_name="王组长",
            member_ids=[world.inspector.pk],
            unit_ids=[world.unit_a.pk, world.unit_b.pk],
        ),
        actor=world.office,
    )
    other_group = setup.save_group(
        world.nangang.pk,
        setup.GroupInput(
            "第二巡回指导组", member_ids=[other_inspector.pk], unit_ids=[world.unit_c.pk]
        ),
        actor=world.office,
    )
    round = setup.save_round(
        world.nangang.pk,
        setup.RoundInput(
            code="2021-1",
            name="第一轮巡回指导",
            starts_on=ROUND_START,
            ends_on=dt.date(2021, 6, 30),
            group_ids=[group.pk, other_group.pk],
            checklist=["方案是否完善", "措施是否具体", "台账是否规范"],
        ),
        actor=world.office,
    )
    return Sv(group=group, other_group=other_group, other_inspector=other_inspector, round=round)
