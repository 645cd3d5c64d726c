"""The demand's life through the services: intake, dispatch, accept or send back, reply,
call-back, reopen, extension, appeal; time limits through the calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.demands import services
from shishi.demands.models import Channel, Demand, Kind, Satisfaction, Status, Urgency
from shishi.demands.tests.conftest import Dm
from shishi.notify.models import Message

CN = ZoneInfo("Asia/Shanghai")
# Thursday 2021-09-30, the day before the National Day week (1–7 October off, 9 October a
# Saturday worked).
EVE = dt.datetime(2021, 9, 30, 10, 0, tzinfo=CN)


def _intake(world: World, dm: Dm, **over: object) -> Demand:
    data = services.IntakeInput(
        kind=Kind.HELP,
        category_id=dm.road.pk,
        description="一曼街路面塌陷，车辆无法通行",
        channel=Channel.PHONE,
        address="一曼街与西大直街交口",
        phone="138 1234 5678",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return services.take_in(world.nangang.pk, data, actor=world.operator, now=EVE)


def test_the_whole_life_of_a_demand(world: World, dm: Dm) -> None:
    demand = _intake(world, dm)
    assert demand.status == Status.RECEIVED and len(demand.number) == 10
    assert demand.phone.reveal() == "13812345678"
    demand = services.dispatch(
        demand, world.unit_a, actor=world.operator, expected_version=demand.version, now=EVE
    )
    assert demand.status == Status.DISPATCHED
    # One working day to sign for it: the National Day week is not counted.
    assert demand.accept_by is not None
    assert demand.accept_by.astimezone(CN).date() == dt.date(2021, 10, 8)
    assert Message.objects.filter(recipient=world.editor_a, kind="demand.dispatched").exists()
    demand = services.accept(demand, actor=world.editor_a, expected_version=demand.version, now=EVE)
    assert demand.status == Status.ACCEPTED
    assert demand.resolve_by is not None and demand.accepted_at is not None
    assert demand.resolve_by > demand.accepted_at
    demand = services.resolve(
        demand, actor=world.editor_a, reply="已组织抢修，路面恢复通行", expected_version=None
    )
    assert demand.status == Status.RESOLVED
    demand = services.call_back(
        demand,
        actor=world.operator,
        satisfaction=Satisfaction.SATISFIED,
        expected_version=demand.version,
    )
    assert demand.status == Status.CLOSED and demand.satisfaction == Satisfaction.SATISFIED
    actions = list(demand.events.values_list("action", flat=True))
    assert actions == ["intake", "dispatch", "accept", "resolve", "call_back"]


def test_dissatisfied_reopens_and_the_office_extends(world: World, dm: Dm) -> None:
    demand = _intake(world, dm)
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    demand = services.resolve(
        demand, actor=world.editor_a, reply="已经处理完毕", expected_version=None
    )
    demand = services.call_back(
        demand, actor=world.operator, satisfaction=Satisfaction.DISSATISFIED, expected_version=None
    )
    assert demand.status == Status.ACCEPTED and demand.reopened == 1 and demand.reply == ""
    before = demand.resolve_by
    assert before is not None
    demand = services.extend(
        demand, actor=world.office, workdays=5, reason="需协调供热公司", expected_version=None
    )
    assert demand.resolve_by is not None and demand.resolve_by > before
    with pytest.raises(PermissionDenied):
        services.extend(demand, actor=world.editor_a, workdays=5, reason="x", expected_version=None)


def test_send_back_and_dispatch_again(world: World, dm: Dm) -> None:
    demand = _intake(world, dm)
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    with pytest.raises(ValidationFailed) as exc:
        services.send_back(demand, actor=world.editor_a, reason=" ", expected_version=None)
    assert "reason" in exc.value.errors
    demand = services.send_back(
        demand, actor=world.editor_a, reason="不属于本单位职责", expected_version=None
    )
    assert demand.status == Status.SENT_BACK
    demand = services.dispatch(demand, world.unit_b, actor=world.operator, expected_version=None)
    assert demand.status == Status.DISPATCHED and demand.unit_id == world.unit_b.pk
    with pytest.raises(PermissionDenied):  # no longer unit A's
        services.accept(demand, actor=world.editor_a, expected_version=None)


def test_transitions_out_of_order_are_refused(world: World, dm: Dm) -> None:
    demand = _intake(world, dm)
    with pytest.raises(PermissionDenied):
        services.accept(demand, actor=world.editor_a, expected_version=None)  # not its unit yet
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    with pytest.raises(ValidationFailed):
        services.resolve(demand, actor=world.editor_a, reply="已经处理完毕", expected_version=None)
    stale = demand.version
    services.accept(demand, actor=world.editor_a, expected_version=stale)
    with pytest.raises(StaleEdit):
        services.send_back(demand, actor=world.editor_a, reason="x", expected_version=stale)


def test_auto_dispatch_and_urgent_hours(world: World, dm: Dm) -> None:
    demand = _intake(world, dm, category_id=dm.noise.pk, urgency=Urgency.URGENT)
    assert demand.status == Status.DISPATCHED and demand.unit_id == world.unit_b.pk
    # Urgent: one office hour from 10:00 on a working day.
    assert demand.accept_by is not None
    assert demand.accept_by.astimezone(CN) == dt.datetime(2021, 9, 30, 11, 0, tzinfo=CN)
    assert list(demand.events.values_list("action", flat=True)) == ["intake", "dispatch"]


def test_intake_checks_its_input_and_writes_nothing_when_bad(world: World, dm: Dm) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _intake(world, dm, description="坏", phone="12345", category_id=None)
    assert {"description", "phone", "category"} <= set(exc.value.errors)
    with pytest.raises(ValidationFailed) as exc:
        _intake(world, dm, phone="", landline="")
    assert "phone" in exc.value.errors
    # A landline instead of a mobile; a report may be anonymous.
    assert _intake(world, dm, phone="", landline="0451-87654321").landline.reveal() == (
        "045187654321"
    )
    assert _intake(world, dm, phone="", kind=Kind.REPORT).status == Status.RECEIVED
    assert Demand.objects.count() == 2
    with pytest.raises(PermissionDenied):
        services.take_in(
            world.nangang.pk,
            services.IntakeInput(
                kind=Kind.HELP,
                category_id=dm.road.pk,
                description="路面塌陷无法通行",
                channel=Channel.PHONE,
                phone="13812345678",
            ),
            actor=world.editor_a,
        )


def test_open311_takes_only_public_categories_and_kinds(world: World, dm: Dm) -> None:
    base = {
        "description": "路灯不亮已经三天",
        "channel": Channel.OPEN311,
        "phone": "13812345678",
    }
    with pytest.raises(ValidationFailed):
        services.take_in(
            world.nangang.pk,
            services.IntakeInput(kind=Kind.HELP, category_id=dm.road.pk, **base),  # type: ignore[arg-type]
        )
    with pytest.raises(ValidationFailed):
        services.take_in(
            world.nangang.pk,
            services.IntakeInput(kind=Kind.REPORT, category_id=dm.light.pk, **base),  # type: ignore[arg-type]
        )
    taken = services.take_in(
        world.nangang.pk,
        services.IntakeInput(kind=Kind.HELP, category_id=dm.light.pk, **base),  # type: ignore[arg-type]
    )
    assert taken.channel == Channel.OPEN311


def test_appeal_takes_a_demand_out_of_the_rates(world: World, dm: Dm) -> None:
    demand = _intake(world, dm)
    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    with pytest.raises(ValidationFailed):  # no appeal filed yet
        services.rule_on_appeal(
            demand, actor=world.office, upheld=True, reason="x", expected_version=None
        )
    demand = services.file_appeal(
        demand, actor=world.editor_a, reason="重复诉求，已在另一单办理", expected_version=None
    )
    with pytest.raises(PermissionDenied):
        services.rule_on_appeal(
            demand, actor=world.operator, upheld=True, reason="x", expected_version=None
        )
    demand = services.rule_on_appeal(
        demand, actor=world.office, upheld=True, reason="确属重复", expected_version=None
    )
    assert demand.assessed is False and demand.appeal == "upheld"
