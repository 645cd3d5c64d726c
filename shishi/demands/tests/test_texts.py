"""SMS to residents: taken in (the tracking code) and resolved (the reply in short, the
tracking link), through the fake gateway with a delivery record; a landline gets none; no
number in the logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.db import connection

from shishi.conftest import World
from shishi.demands import services, texts
from shishi.demands.models import Demand, ResidentText
from shishi.demands.tests.conftest import Dm
from shishi.jobs.worker import run_ready_tasks
from shishi.notify.fakes import FakeGateway

PHONE = "13912345678"


def take(world: World, dm: Dm, capture: Any, *, phone: str = PHONE, landline: str = "") -> Demand:
    with capture(execute=True):
        return services.take_in(
            world.nangang.pk,
            services.IntakeInput(
                kind="help",
                category_id=dm.road.pk,
                description="红旗大街路面塌陷，车辆无法通行",
                channel="phone",
                phone=phone,
                landline=landline,
            ),
            actor=world.operator,
        )


def test_taken_in_and_resolved_texts_reach_the_gateway_with_no_number_logged(
    world: World,
    dm: Dm,
    gateway: FakeGateway,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    demand = take(world, dm, django_capture_on_commit_callbacks)
    assert run_ready_tasks() >= 1
    assert len(gateway.sms) == 1
    first = gateway.sms[0]
    assert first.to == PHONE and first.template_id == "SMS_DEMAND_TAKEN_IN"
    assert first.params["number"] == demand.number and demand.number in first.text
    assert first.params["link"].endswith("/public/demands/track/")
    row = ResidentText.objects.get(purpose="taken_in")
    assert row.status == "sent" and row.provider_id == first.message_id and row.demand == demand

    demand = services.dispatch(demand, world.unit_a, actor=world.operator, expected_version=None)
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    reply = "已组织施工队修补路面，恢复通行，后续将加强巡查，防止再次塌陷发生。" * 2
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve(demand, actor=world.editor_a, reply=reply, expected_version=None)
    run_ready_tasks()
    second = gateway.sms[-1]
    assert second.template_id == "SMS_DEMAND_RESOLVED"
    assert second.params["reply"].startswith("已组织施工队修补路面")
    assert len(second.params["reply"]) <= texts.REPLY_CHARS + 1
    assert "/public/demands/track/" in second.text
    assert ResidentText.objects.get(purpose="resolved").status == "sent"
    assert PHONE not in caplog.text and "5678" not in caplog.text.replace(demand.number, "")


def test_a_landline_gets_no_sms(
    world: World, dm: Dm, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    take(world, dm, django_capture_on_commit_callbacks, phone="", landline="0451-86661234")
    run_ready_tasks()
    assert gateway.sms == [] and not ResidentText.objects.exists()


def test_a_refused_text_is_recorded_failed_with_the_gateways_reason(
    world: World, dm: Dm, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    gateway.templates = {"SMS_DEMAND_CODE"}  # the taken-in template not approved
    take(world, dm, django_capture_on_commit_callbacks)
    run_ready_tasks()
    row = ResidentText.objects.get()
    assert row.status == "failed" and "模板" in row.error and PHONE not in row.error


def test_the_record_keeps_the_number_encrypted_and_no_code_text(
    world: World, dm: Dm, gateway: FakeGateway
) -> None:
    from shishi.core.fields import PersonalNumber

    row = texts.send_code(PersonalNumber.of("phone", PHONE), "123456")
    assert row.status == "sent" and "123456" not in row.text
    assert gateway.sms[-1].params["code"] == "123456"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(ResidentText._meta.db_table)
        cursor.execute(f"SELECT phone FROM {table}")
        stored = cursor.fetchone()[0]
    assert stored and PHONE not in stored
