"""Overdue demands: the unit and its head are told once per stage and deadline; the office
too once a day late."""

from __future__ import annotations

import datetime as dt

from shishi.conftest import World, _user
from shishi.demands import overdue, services
from shishi.demands.models import Channel, Kind
from shishi.demands.tests.conftest import Dm
from shishi.notify.models import Message
from shishi.orgs import services as org_services
from shishi.orgs.models import Role


def test_overdue_demands_are_told_once_and_escalated(world: World, dm: Dm) -> None:
    head = _user("head_a")
    org_services.grant_role(head, Role.UNIT_HEAD, world.nangang, unit=world.unit_a)
    demand = services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind=Kind.HELP,
            category_id=dm.road.pk,
            description="一曼街路面塌陷无法通行",
            channel=Channel.PHONE,
            phone="13812345678",
        ),
        actor=world.operator,
    )
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    assert demand.accept_by is not None
    assert overdue.remind(now=demand.accept_by - dt.timedelta(minutes=1)) == 0
    just_late = demand.accept_by + dt.timedelta(minutes=5)
    assert overdue.remind(now=just_late) == 1
    told = set(Message.objects.filter(kind="demand.overdue").values_list("recipient", flat=True))
    assert {world.editor_a.pk, head.pk} <= told and world.office.pk not in told
    assert overdue.remind(now=just_late + dt.timedelta(minutes=15)) == 0  # once
    # A day late: the same deadline, so no one is told twice (the office is told with the
    # next stage's notices); a new stage is told again.
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    assert demand.resolve_by is not None
    later = demand.resolve_by + dt.timedelta(days=2)
    assert overdue.remind(now=later) == 1
    told = set(Message.objects.filter(kind="demand.overdue").values_list("recipient", flat=True))
    assert world.office.pk in told
    # Replied: nothing more.
    services.resolve(
        demand, actor=world.editor_a, reply="已修复路面，恢复通行", expected_version=None
    )
    assert overdue.remind(now=later + dt.timedelta(hours=1)) == 0
