"""Residents: registered once per district with a checked ID number, found by ID number,
mobile or landline through the keyed hashes, shown to the operator with the ID's last four."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.db import connection

from shishi.appointments import selectors, services
from shishi.appointments.models import Resident
from shishi.conftest import World
from shishi.core import pii
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _number(born: dt.date, serial: str = "123") -> str:
    first17 = f"230103{born:%Y%m%d}{serial}"
    return first17 + pii.id_check_character(first17)


def _register(world: World, **over: object) -> Resident:
    data = services.ResidentInput(
        name="张桂兰",
        id_number=_number(dt.date(1948, 6, 15)),
        phone="13912345678",
        landline="0451-86661234",
        address="南岗区学府路12号",
    )
    for key, value in over.items():
        setattr(data, key, value)
    return services.register_resident(world.nangang.pk, data, actor=world.operator)


def test_registered_encrypted_found_by_each_number(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    resident = _register(world)
    number = _number(dt.date(1948, 6, 15))
    assert resident.birth_date == dt.date(1948, 6, 15)
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Resident._meta.db_table)
        cursor.execute(f"SELECT id_number, phone, landline FROM {table}")
        raw = " ".join(cursor.fetchone())
    assert number not in raw and "13912345678" not in raw and "86661234" not in raw
    for query in (
        number,
        number.lower(),
        "139 1234 5678",
        "0451-86661234",
        number[:6] + number[8:17],
    ):
        # (the last: the old 15-digit form of this 1948 birth, converted)
        found = selectors.find_residents(world.operator, world.nangang.pk, query, on=TODAY)
        assert [f.resident.pk for f in found] == [resident.pk], query
        assert found[0].id_tail == number[-4:] and found[0].age == 78
    assert selectors.find_residents(world.operator, world.nangang.pk, "张桂兰", on=TODAY) == []
    # Another district's office searching its own district finds nobody of Nangang's.
    assert selectors.find_residents(world.outsider, world.hulan.pk, number, on=TODAY) == []
    event = AuditEvent.objects.get(action="appointments.register_resident")
    assert number not in str(event.changes) and "13912345678" not in str(event.changes)
    assert number not in caplog.text and "13912345678" not in caplog.text


def test_bad_input_and_one_record_per_person(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _register(world, name=" ", id_number="230103194806151230", phone="123")
    assert set(exc.value.errors) >= {"name", "phone"}
    first17 = "23010319480615123"
    wrong = "X" if pii.id_check_character(first17) != "X" else "0"
    with pytest.raises(ValidationFailed) as exc:
        _register(world, id_number=first17 + wrong)
    assert "id_number" in exc.value.errors
    _register(world)
    with pytest.raises(ValidationFailed) as exc:
        _register(world, name="张桂兰（重复）")
    assert exc.value.errors == {"id_number": "这个身份证号已经登记过，请直接查找"}
    assert Resident.objects.count() == 1


def test_who_may_register_and_search(world: World) -> None:
    for name in ("editor_a", "leader", "outsider", "resident"):
        with pytest.raises(PermissionDenied):
            services.register_resident(
                world.nangang.pk,
                services.ResidentInput(name="李四", id_number=_number(dt.date(1950, 1, 1))),
                actor=getattr(world, name),
            )
        with pytest.raises(PermissionDenied):
            selectors.find_residents(
                getattr(world, name), world.nangang.pk, "13912345678", on=TODAY
            )
    assert services.register_resident(
        world.nangang.pk,
        services.ResidentInput(name="李四", id_number=_number(dt.date(1950, 1, 1))),
        actor=world.office,
    ).pk


def test_a_text_not_about_a_demand_is_queued_sent_and_recorded(
    world: World, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """``appointments.texts.send`` goes through the residents' texts: a delivery record with
    the number encrypted, sent by the worker through the SMS channel with its template."""
    from shishi.appointments import texts
    from shishi.demands.models import ResidentText
    from shishi.jobs.worker import run_ready_tasks

    with django_capture_on_commit_callbacks(execute=True):
        row = texts.send(
            jurisdiction_id=world.nangang.pk,
            phone="13912345678",
            purpose="booking",
            text="您已预约上门服务。",
        )
    assert row is not None and row.demand_id is None
    assert run_ready_tasks() >= 1
    sent = gateway.sms[-1]
    assert sent.to == "13912345678" and sent.template_id == "SMS_BOOKING"
    assert sent.params == {"text": "您已预约上门服务。"}
    assert ResidentText.objects.get(pk=row.pk).status == "sent"
    assert (
        texts.send(jurisdiction_id=world.nangang.pk, phone="", purpose="booking", text="x") is None
    )
