"""A unit asks for more time (申请延期); the office approves — for the days asked or as many
as it grants — or refuses with a reason; each side is told; the page, the queue and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import services
from shishi.demands.models import Channel, Demand, Kind
from shishi.demands.tests.conftest import Dm
from shishi.notify.models import Message

pytestmark = pytest.mark.django_db


def _in_progress(world: World, dm: Dm) -> Demand:
    d = services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind=Kind.HELP,
            category_id=dm.road.pk,
            description="一曼街路面塌陷，车辆无法通行",
            channel=Channel.PHONE,
            phone="13812345678",
        ),
        actor=world.operator,
    )
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None)
    return services.accept(d, actor=world.editor_a, expected_version=None)


def _fresh(d: Demand) -> Demand:
    return Demand.objects.get(pk=d.pk)


def test_the_unit_asks_and_the_office_approves_the_days_asked(world: World, dm: Dm) -> None:
    d = _in_progress(world, dm)
    before = d.resolve_by
    with pytest.raises(ValidationFailed) as exc:
        services.request_extension(
            d, actor=world.editor_a, workdays=0, reason=" ", expected_version=None
        )
    assert set(exc.value.errors) == {"workdays", "reason"}
    with pytest.raises(PermissionDenied):
        services.request_extension(
            d, actor=world.editor_b, workdays=3, reason="待协调", expected_version=None
        )
    d = services.request_extension(
        d, actor=world.editor_a, workdays=3, reason="需协调燃气公司停气施工", expected_version=None
    )
    assert d.extension_days == 3 and d.resolve_by == before  # the limit runs on meanwhile
    assert Message.objects.filter(recipient=world.office, kind="demand.extension").exists()
    with pytest.raises(ValidationFailed):  # one request at a time
        services.request_extension(
            d, actor=world.editor_a, workdays=5, reason="再延", expected_version=None
        )
    with pytest.raises(PermissionDenied):  # the unit does not decide
        services.decide_extension(
            d, actor=world.editor_a, approve=True, workdays=None, note="", expected_version=None
        )
    d = services.decide_extension(
        d, actor=world.office, approve=True, workdays=None, note="", expected_version=None
    )
    assert d.extension_days is None and d.extension_reason == ""
    assert before is not None and d.resolve_by is not None and d.resolve_by > before
    assert Message.objects.filter(recipient=world.editor_a, kind="demand.extension").exists()
    actions = list(d.events.values_list("action", flat=True))
    assert actions[-2:] == ["request_extension", "approve_extension"]
    assert "同意延期3个工作日" in d.events.get(action="approve_extension").note


def test_the_office_refuses_with_a_reason_or_grants_fewer_days(world: World, dm: Dm) -> None:
    d = _in_progress(world, dm)
    before = d.resolve_by
    d = services.request_extension(
        d, actor=world.editor_a, workdays=10, reason="材料未到", expected_version=None
    )
    with pytest.raises(ValidationFailed) as exc:
        services.decide_extension(
            d, actor=world.office, approve=False, workdays=None, note="", expected_version=None
        )
    assert "note" in exc.value.errors
    d = services.decide_extension(
        d,
        actor=world.office,
        approve=False,
        workdays=None,
        note="可先行处置",
        expected_version=None,
    )
    assert d.extension_days is None and d.resolve_by == before
    assert d.events.filter(action="refuse_extension", note="不同意延期：可先行处置").exists()
    with pytest.raises(ValidationFailed):  # nothing left to decide
        services.decide_extension(
            d, actor=world.office, approve=True, workdays=None, note="", expected_version=None
        )
    d = services.request_extension(
        d, actor=world.editor_a, workdays=10, reason="材料未到", expected_version=None
    )
    one_day = services.decide_extension(
        d, actor=world.office, approve=True, workdays=1, note="只给一天", expected_version=None
    )
    assert before is not None and one_day.resolve_by is not None
    assert before < one_day.resolve_by
    assert "同意延期1个工作日：只给一天" in one_day.events.get(action="approve_extension").note


def test_through_the_page_and_the_queue(world: World, dm: Dm) -> None:
    d = _in_progress(world, dm)
    unit, office = client_for(world.editor_a), client_for(world.office)
    page = reverse("demands:demand", args=[d.pk])
    assert 'id="do-request_extension"' in unit.get(page).content.decode()
    assert 'id="do-request_extension"' not in office.get(page).content.decode()
    url = reverse("demands:act", args=[d.pk, "request_extension"])
    r = unit.post(url, {"version": d.version, "workdays": "", "reason": ""})
    assert r.status_code == 422 and "workdays" in r.content.decode()
    r = unit.post(url, {"version": d.version, "workdays": "4", "reason": "等待施工条件"})
    assert r.status_code == 302
    d = _fresh(d)
    body = office.get(page).content.decode()
    assert 'id="extension-pending"' in body and "申请延长4个工作日" in body
    assert 'id="do-decide_extension"' in body and 'id="do-extend"' not in body
    assert "延期待审批" in office.get(reverse("demands:index"), {"tab": "all"}).content.decode()
    decide = reverse("demands:act", args=[d.pk, "decide_extension"])
    r = unit.post(decide, {"version": d.version, "decision": "approve"})
    assert r.status_code == 403
    r = office.post(decide, {"version": d.version, "decision": "refuse", "note": ""})
    assert r.status_code == 422
    r = office.post(decide, {"version": d.version, "decision": "approve", "workdays": "2"})
    assert r.status_code == 302
    d = _fresh(d)
    assert d.extension_days is None
    assert 'id="do-request_extension"' in unit.get(page).content.decode()


def test_through_the_api(world: World, dm: Dm) -> None:
    d = _in_progress(world, dm)
    unit, office = client_for(world.editor_a), client_for(world.office)
    base = f"/api/v1/demands/{d.pk}/"
    r = unit.post(
        base + "request_extension",
        {"version": d.version, "workdays": 3, "reason": "等待施工条件"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["extension_days"] == 3
    r = office.post(base + "decide_extension", {"note": "x"}, content_type="application/json")
    assert r.status_code == 422 and "approve" in r.json()["errors"]
    r = office.post(base + "decide_extension", {"approve": True}, content_type="application/json")
    assert r.status_code == 200 and r.json()["extension_days"] is None
