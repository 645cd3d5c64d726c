"""Service requests' writes: intake (public and by staff, a new enterprise added, an
existing one kept), assignment with the due date in working days, contacts, closing with
each outcome, the rating once, stale edits, events and audit, SMS queued."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.demands.models import ResidentText
from shishi.demands.tests.fake_sms import gateway  # noqa: F401
from shishi.enterprise import requests as svc
from shishi.enterprise.models import Enterprise, RequestStatus, ServiceRequest
from shishi.enterprise.tests.requests_world import (
    PHONE,
    Ent,
    build_ent,
    enterprise,
    make_uscc,
    public_input,
    taken,
)
from shishi.jobs.worker import run_ready_tasks
from shishi.notify.fakes import FakeGateway


@pytest.fixture
def ent(world: World) -> Ent:
    return build_ent(world)


def _errors(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return exc.value.errors


def test_public_intake_adds_an_enterprise_not_in_the_register(world: World) -> None:
    code = make_uscc(77)
    made = svc.take_in_public(
        world.nangang.pk, public_input(code, enterprise_name="新企业有限公司")
    )
    assert re.fullmatch(r"QY[34679ACDEFGHJKMNPQRTWXY]{8}", made.number)
    added = Enterprise.objects.get(jurisdiction=world.nangang, uscc=code)
    assert added.name == "新企业有限公司" and made.enterprise_id == added.pk
    assert made.channel == "public" and made.status == RequestStatus.RECEIVED
    assert made.limit_days == 10  # the financing default
    assert list(made.events.values_list("action", flat=True)) == ["received"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"enterprise.add_from_request", "enterprise.request_take_in"} <= actions
    text = ResidentText.objects.get(purpose="ent_request")
    assert made.number in text.text and text.phone == PHONE


def test_public_intake_keeps_the_register_data_of_a_known_enterprise(world: World) -> None:
    known = enterprise(world, 5, "哈尔滨原有名称有限公司")
    made = svc.take_in_public(
        world.nangang.pk, public_input(known.uscc, enterprise_name="别的名字")
    )
    known.refresh_from_db()
    assert made.enterprise_id == known.pk and known.name == "哈尔滨原有名称有限公司"
    assert Enterprise.objects.filter(uscc=known.uscc).count() == 1


def test_public_intake_names_every_bad_field(world: World) -> None:
    bad = public_input(
        "91230103MA0000001X",  # wrong check character
        kind="nonsense",
        description="",
        contact_name="",
        contact_phone="123",
    )
    with pytest.raises(ValidationFailed) as exc:
        svc.take_in_public(world.nangang.pk, bad)
    assert set(_errors(exc)) == {"uscc", "kind", "description", "contact_name", "contact_phone"}
    assert "统一社会信用代码" in _errors(exc)["uscc"]
    assert not ServiceRequest.objects.exists() and not Enterprise.objects.exists()


def test_a_new_enterprise_needs_its_name(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        svc.take_in_public(world.nangang.pk, public_input(make_uscc(9), enterprise_name=""))
    assert "enterprise_name" in _errors(exc)
    assert not ServiceRequest.objects.exists()


def test_the_phone_is_stored_encrypted(world: World) -> None:
    made = svc.take_in_public(world.nangang.pk, public_input(make_uscc(3)))
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(ServiceRequest._meta.db_table)
        cursor.execute(f"SELECT contact_phone FROM {table} WHERE id = %s", [made.pk])
        raw = cursor.fetchone()[0]
    assert raw and PHONE not in raw
    assert str(made.contact_phone) != PHONE and made.contact_phone.reveal() == PHONE


def test_station_staff_take_in_only_for_served_enterprises(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    assert made.channel == "station" and made.station_id == ent.station.pk
    with pytest.raises(ValidationFailed) as exc:
        svc.take_in_by_staff(
            world.nangang.pk,
            public_input(ent.unserved.uscc, station_id=ent.station.pk),
            actor=ent.staff,
        )
    assert "uscc" in _errors(exc)
    with pytest.raises(ValidationFailed) as exc:  # not in the register: not added by staff
        svc.take_in_by_staff(
            world.nangang.pk,
            public_input(make_uscc(99), station_id=ent.station.pk),
            actor=ent.staff,
        )
    assert "uscc" in _errors(exc)
    with pytest.raises(ValidationFailed) as exc:  # a station they do not work at
        svc.take_in_by_staff(
            world.nangang.pk,
            public_input(ent.served.uscc, station_id=ent.other_station.pk),
            actor=ent.staff,
        )
    assert "station" in _errors(exc)
    for outsider in (world.editor_a, world.outsider, world.resident):
        with pytest.raises(PermissionDenied):
            svc.take_in_by_staff(world.nangang.pk, public_input(ent.served.uscc), actor=outsider)
    assert ServiceRequest.objects.count() == 1


def test_the_office_takes_in_for_any_enterprise_of_the_district(world: World, ent: Ent) -> None:
    made = svc.take_in_by_staff(
        world.nangang.pk, public_input(ent.unserved.uscc), actor=world.office
    )
    assert made.channel == "office" and made.station_id is None


def test_assign_counts_working_days_over_a_holiday(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    # 2025: National Day 1–8 October off, Saturday 11 October a make-up working day.
    done = svc.assign(
        made,
        unit_id=world.unit_a.pk,
        limit_days=3,
        actor=world.office,
        expected_version=made.version,
        today=dt.date(2025, 9, 30),
    )
    assert done.due_on == dt.date(2025, 10, 11)
    assert done.status == RequestStatus.HANDLING and done.owner_unit_id == world.unit_a.pk
    assert done.version == made.version + 1
    default = svc.assign(
        done,
        unit_id=world.unit_b.pk,
        limit_days=None,
        actor=ent.staff,  # the station's staff may assign too
        expected_version=done.version,
        today=dt.date(2025, 9, 30),
    )
    assert default.limit_days == 10 and default.due_on == dt.date(2025, 10, 21)
    event = AuditEvent.objects.filter(action="enterprise.request_assign").order_by("seq").last()
    assert event is not None
    assert event.changes["owner_unit"] == [world.unit_a.pk, world.unit_b.pk]


def test_assign_refuses_a_unit_of_another_district_and_a_bad_limit(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    with pytest.raises(ValidationFailed) as exc:
        svc.assign(
            made,
            unit_id=world.hulan_unit.pk,
            limit_days=0,
            actor=world.office,
            expected_version=made.version,
        )
    assert set(_errors(exc)) == {"owner_unit", "limit_days"}
    with pytest.raises(PermissionDenied):
        svc.assign(
            made, unit_id=world.unit_a.pk, limit_days=5, actor=world.editor_a, expected_version=1
        )


def test_a_stale_edit_is_refused(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    svc.assign(made, unit_id=world.unit_a.pk, limit_days=5, actor=world.office, expected_version=1)
    with pytest.raises(StaleEdit):
        svc.assign(
            made, unit_id=world.unit_b.pk, limit_days=5, actor=world.office, expected_version=1
        )
    with pytest.raises(StaleEdit):
        svc.record_contact(made, note="电话联系", actor=world.editor_a, expected_version=1)
    made.refresh_from_db()
    assert made.owner_unit_id == world.unit_a.pk


def _assigned(world: World, ent: Ent) -> ServiceRequest:
    made = taken(world, ent)
    return svc.assign(
        made, unit_id=world.unit_a.pk, limit_days=5, actor=world.office, expected_version=1
    )


def test_the_owner_unit_records_contacts_and_closes(world: World, ent: Ent) -> None:
    made = _assigned(world, ent)
    with pytest.raises(PermissionDenied):  # another unit
        svc.record_contact(made, note="电话联系", actor=world.editor_b, expected_version=2)
    with pytest.raises(PermissionDenied):  # a viewer reads, does not write
        svc.record_contact(made, note="电话联系", actor=world.viewer_a, expected_version=2)
    with pytest.raises(ValidationFailed) as exc:
        svc.record_contact(made, note="  ", actor=world.editor_a, expected_version=2)
    assert "note" in _errors(exc)
    made = svc.record_contact(
        made, note="电话联系李经理，约定下周到企业走访", actor=world.editor_a, expected_version=2
    )
    with pytest.raises(PermissionDenied):  # station staff record contacts, do not close
        svc.close(made, outcome="solved", text="", actor=ent.staff, expected_version=made.version)
    closed = svc.close(
        made,
        outcome="solved",
        text="已对接哈尔滨银行，贷款已发放",
        actor=world.editor_a,
        expected_version=made.version,
    )
    assert closed.status == RequestStatus.CLOSED and closed.outcome == "solved"
    assert closed.closed_at is not None
    assert list(closed.events.values_list("action", flat=True)) == [
        "received",
        "assigned",
        "contacted",
        "closed",
    ]
    done_text = ResidentText.objects.get(purpose="ent_request_done")
    assert closed.number in done_text.text and "已解决" in done_text.text
    with pytest.raises(ValidationFailed):  # closed: nothing more
        svc.record_contact(
            closed, note="再联系", actor=world.editor_a, expected_version=closed.version
        )


@pytest.mark.parametrize("outcome", ["solved", "partly", "unsolvable"])
def test_close_with_each_outcome(world: World, ent: Ent, outcome: str) -> None:
    made = _assigned(world, ent)
    closed = svc.close(
        made, outcome=outcome, text="原因和情况说明", actor=world.office, expected_version=2
    )
    assert closed.outcome == outcome and closed.outcome_text == "原因和情况说明"
    assert AuditEvent.objects.filter(action="enterprise.request_close").count() == 1


def test_not_solvable_needs_the_reason(world: World, ent: Ent) -> None:
    made = _assigned(world, ent)
    with pytest.raises(ValidationFailed) as exc:
        svc.close(made, outcome="unsolvable", text=" ", actor=world.editor_a, expected_version=2)
    assert "outcome_text" in _errors(exc)
    with pytest.raises(ValidationFailed) as exc:
        svc.close(made, outcome="maybe", text="", actor=world.editor_a, expected_version=2)
    assert "outcome" in _errors(exc)
    made.refresh_from_db()
    assert made.status == RequestStatus.HANDLING


def test_a_received_request_is_assigned_before_it_is_closed(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    with pytest.raises(ValidationFailed) as exc:
        svc.close(made, outcome="solved", text="", actor=world.office, expected_version=1)
    assert "status" in _errors(exc)


def test_rating_once_and_only_when_closed(world: World, ent: Ent) -> None:
    made = _assigned(world, ent)
    with pytest.raises(ValidationFailed) as exc:
        svc.rate(made, rating=5)
    assert "rating" in _errors(exc)
    svc.close(made, outcome="partly", text="部分解决", actor=world.office, expected_version=2)
    with pytest.raises(ValidationFailed):
        svc.rate(made, rating=6)
    rated = svc.rate(made, rating=4, note="响应及时")
    assert rated.rating == 4 and rated.rating_note == "响应及时" and rated.rated_at
    with pytest.raises(ValidationFailed) as exc:
        svc.rate(made, rating=5)
    assert "评价过" in _errors(exc)["rating"]
    rated.refresh_from_db()
    assert rated.rating == 4


def test_find_for_contact_needs_the_right_last_four(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    assert svc.find_for_contact(made.number.lower(), PHONE[-4:]) == made
    assert svc.find_for_contact(made.number, "0000") is None
    assert svc.find_for_contact(made.number, "56a8") is None
    assert svc.find_for_contact("QYNOTHERE", PHONE[-4:]) is None


def test_overdue_is_past_due_and_not_closed(world: World, ent: Ent) -> None:
    made = _assigned(world, ent)
    assert made.due_on is not None
    assert not svc.is_overdue(made, made.due_on)
    assert svc.is_overdue(made, made.due_on + dt.timedelta(days=1))
    due = made.due_on
    closed = svc.close(made, outcome="solved", text="", actor=world.office, expected_version=2)
    assert not svc.is_overdue(closed, due + dt.timedelta(days=30))
    assert svc.closed_on_time(closed) is (timezone.localdate() <= due)


def test_reveal_phone_is_audited_and_limited(world: World, ent: Ent) -> None:
    made = _assigned(world, ent)
    assert svc.reveal_phone(made, actor=world.editor_a) == PHONE
    event = AuditEvent.objects.filter(action="pii.show").get()
    assert PHONE not in str(event.changes)
    for denied in (world.editor_b, world.viewer_a, world.outsider):
        with pytest.raises(PermissionDenied):
            svc.reveal_phone(made, actor=denied)


def test_the_sms_reach_the_gateway_with_no_number_logged(
    world: World,
    ent: Ent,
    gateway: FakeGateway,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        made = taken(world, ent)
    assert run_ready_tasks() >= 1
    first = gateway.sms[-1]
    assert first.to == PHONE and first.template_id == "SMS_ENT_REQUEST"
    assert made.number in first.text and "/public/enterprise-requests/track/" in first.text
    assert ResidentText.objects.get(purpose="ent_request").status == "sent"
    made = svc.assign(
        made, unit_id=world.unit_a.pk, limit_days=5, actor=world.office, expected_version=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        svc.close(made, outcome="partly", text="", actor=world.office, expected_version=2)
    run_ready_tasks()
    second = gateway.sms[-1]
    assert second.template_id == "SMS_ENT_REQUEST_DONE" and "部分解决" in second.text
    assert PHONE not in caplog.text
