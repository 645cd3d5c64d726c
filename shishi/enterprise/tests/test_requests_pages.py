"""The staff's request pages: the queue per role (the office all of its district's, a unit
only its own, a station's staff their station's, an outsider nothing), the filters, the
intake by staff, a request's actions (assign, contact, close, stale edit refused), the phone
masked with an audited reveal, the figures page; hostile names escaped."""

from __future__ import annotations

from typing import Any

import pytest

from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.enterprise import requests as svc
from shishi.enterprise.models import RequestStatus, ServiceRequest
from shishi.enterprise.tests.requests_world import (
    PHONE,
    Ent,
    build_ent,
    enterprise,
    make_uscc,
    public_input,
    taken,
)

QUEUE = "/enterprise/requests/"
NEW = "/enterprise/requests/new/"
FIGURES = "/enterprise/requests/figures/"


@pytest.fixture
def ent(world: World) -> Ent:
    return build_ent(world)


def page(pk: int) -> str:
    return f"/enterprise/requests/{pk}/"


def _three(world: World, ent: Ent) -> tuple[ServiceRequest, ServiceRequest, ServiceRequest]:
    """One at the station for unit A, one public for unit B, one public not yet assigned;
    and one of Hulan."""
    a = taken(world, ent)
    svc.assign(a, unit_id=world.unit_a.pk, limit_days=5, actor=world.office, expected_version=1)
    b = svc.take_in_public(world.nangang.pk, public_input(make_uscc(11), enterprise_name="乙公司"))
    svc.assign(b, unit_id=world.unit_b.pk, limit_days=5, actor=world.office, expected_version=1)
    c = svc.take_in_public(world.nangang.pk, public_input(make_uscc(12), enterprise_name="丙公司"))
    svc.take_in_public(world.hulan.pk, public_input(make_uscc(13), enterprise_name="呼兰公司"))
    return a, b, c


def _numbers(response: Any) -> set[str]:
    body = response.content.decode()
    return {r.number for r in ServiceRequest.objects.all() if r.number in body}


def test_the_queue_per_role(world: World, ent: Ent) -> None:
    a, b, c = _three(world, ent)
    assert _numbers(client_for(world.office).get(QUEUE)) == {a.number, b.number, c.number}
    assert _numbers(client_for(world.editor_a).get(QUEUE)) == {a.number}
    assert _numbers(client_for(world.viewer_a).get(QUEUE)) == {a.number}
    assert _numbers(client_for(world.editor_b).get(QUEUE)) == {b.number}
    assert _numbers(client_for(ent.staff).get(QUEUE)) == {a.number}
    hulan = ServiceRequest.objects.get(jurisdiction=world.hulan)
    assert _numbers(client_for(world.outsider).get(QUEUE)) == {hulan.number}
    city = _numbers(client_for(world.city_office).get(QUEUE))
    assert city == {a.number, b.number, c.number, hulan.number}
    assert _numbers(client_for(world.partner_editor).get(QUEUE)) == set()
    assert client_for(None).get(QUEUE).status_code == 302


def test_the_queue_filters(world: World, ent: Ent) -> None:
    a, b, c = _three(world, ent)
    office = client_for(world.office)
    assert _numbers(office.get(QUEUE, {"status": "received"})) == {c.number}
    assert _numbers(office.get(QUEUE, {"station": ent.station.pk})) == {a.number}
    assert _numbers(office.get(QUEUE, {"unit": world.unit_b.pk})) == {b.number}
    assert _numbers(office.get(QUEUE, {"kind": "talent"})) == set()
    assert _numbers(office.get(QUEUE, {"q": a.number.lower()})) == {a.number}
    ServiceRequest.objects.filter(pk=b.pk).update(due_on="2020-01-01")
    overdue = office.get(QUEUE, {"overdue": "1"})
    assert _numbers(overdue) == {b.number} and "row-overdue" in overdue.content.decode()
    assert (
        office.get(QUEUE, {"status": "x" * 300, "station": "abc", "page": "-1"}).status_code == 200
    )


def test_other_people_cannot_open_a_request(world: World, ent: Ent) -> None:
    a, b, _c = _three(world, ent)
    assert client_for(world.editor_a).get(page(a.pk)).status_code == 200
    assert client_for(world.editor_b).get(page(a.pk)).status_code == 404
    assert client_for(world.outsider).get(page(a.pk)).status_code == 404
    assert client_for(ent.staff).get(page(b.pk)).status_code == 404


def test_staff_intake_page(world: World, ent: Ent) -> None:
    staff = client_for(ent.staff)
    form = staff.get(NEW)
    assert form.status_code == 200 and ent.station.name in form.content.decode()
    data = {
        "station": ent.station.pk,
        "uscc": ent.unserved.uscc,
        "kind": "site",
        "description": "新厂房选址，需要用地预审和规划许可帮办",
        "contact_name": "赵经理",
        "contact_phone": PHONE,
    }
    refused = staff.post(NEW, data)
    assert (
        refused.status_code == 422 and "不是“南岗益企工作站”服务的企业" in refused.content.decode()
    )
    done = staff.post(NEW, {**data, "uscc": ent.served.uscc})
    made = ServiceRequest.objects.get()
    assert done.status_code == 302 and done["Location"] == page(made.pk)
    assert made.channel == "station" and made.limit_days == 15
    assert client_for(world.editor_a).get(NEW).status_code == 403
    office = client_for(world.office)
    new_one = office.post(
        NEW, {**data, "station": "", "uscc": make_uscc(50), "enterprise_name": "丁公司"}
    )
    assert new_one.status_code == 302
    assert ServiceRequest.objects.filter(channel="office").count() == 1


def test_assign_contact_close_through_the_page(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    office = client_for(world.office)
    shown = office.get(page(made.pk))
    body = shown.content.decode()
    assert PHONE not in body and "139****5678" in body and 'id="assign-form"' in body
    assert 'id="close-form"' not in body  # not assigned yet
    bad = office.post(
        page(made.pk), {"action": "assign", "version": 1, "owner_unit": "", "limit_days": "0"}
    )
    assert bad.status_code == 422
    ok = office.post(
        page(made.pk),
        {"action": "assign", "version": 1, "owner_unit": world.unit_a.pk, "limit_days": ""},
    )
    assert ok.status_code == 302
    made.refresh_from_db()
    assert made.owner_unit_id == world.unit_a.pk and made.limit_days == 10 and made.due_on

    stale = office.post(
        page(made.pk),
        {"action": "assign", "version": 1, "owner_unit": world.unit_b.pk, "limit_days": "3"},
    )
    assert stale.status_code == 409 and 'id="stale"' in stale.content.decode()
    made.refresh_from_db()
    assert made.owner_unit_id == world.unit_a.pk

    unit = client_for(world.editor_a)
    assert 'id="assign-form"' not in unit.get(page(made.pk)).content.decode()
    denied = unit.post(
        page(made.pk),
        {"action": "assign", "version": made.version, "owner_unit": world.unit_b.pk},
    )
    assert denied.status_code == 403
    contact = unit.post(
        page(made.pk), {"action": "contact", "version": made.version, "note": "上门走访企业"}
    )
    assert contact.status_code == 302
    made.refresh_from_db()
    no_reason = unit.post(
        page(made.pk),
        {"action": "close", "version": made.version, "outcome": "unsolvable", "outcome_text": ""},
    )
    assert no_reason.status_code == 422 and "请写明原因" in no_reason.content.decode()
    closed = unit.post(
        page(made.pk),
        {
            "action": "close",
            "version": made.version,
            "outcome": "unsolvable",
            "outcome_text": "企业所需地块不在规划范围内",
        },
    )
    assert closed.status_code == 302
    made.refresh_from_db()
    assert made.status == RequestStatus.CLOSED and made.outcome == "unsolvable"
    final = unit.get(page(made.pk)).content.decode()
    assert "上门走访企业" in final and "企业所需地块不在规划范围内" in final
    assert 'id="close-form"' not in final
    viewer = client_for(world.viewer_a)
    assert (
        viewer.post(page(made.pk), {"action": "contact", "version": 9, "note": "x"}).status_code
        == 403
    )


def test_the_phone_reveal_is_audited(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    staff = client_for(ent.staff)
    shown = staff.post(page(made.pk), {"action": "show_phone"})
    assert shown.status_code == 200 and PHONE in shown.content.decode()
    assert AuditEvent.objects.filter(action="pii.show").count() == 1
    svc.assign(made, unit_id=world.unit_a.pk, limit_days=5, actor=world.office, expected_version=1)
    viewer = client_for(world.viewer_a)
    body = viewer.get(page(made.pk)).content.decode()
    assert 'id="show-phone"' not in body and PHONE not in body
    assert viewer.post(page(made.pk), {"action": "show_phone"}).status_code == 403


def test_hostile_names_are_escaped(world: World, ent: Ent) -> None:
    hostile = enterprise(world, 66, "<script>alert('x')</script>公司")
    made = svc.take_in_by_staff(
        world.nangang.pk,
        public_input(hostile.uscc, description="<img src=x onerror=alert(1)>"),
        actor=world.office,
    )
    office = client_for(world.office)
    for response in (office.get(QUEUE), office.get(page(made.pk))):
        body = response.content.decode()
        assert "<script>alert('x')</script>" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body


def test_the_figures_page(world: World, ent: Ent) -> None:
    a, _b, _c = _three(world, ent)
    svc.close(a, outcome="solved", text="", actor=world.office, expected_version=2)
    response = client_for(world.office).get(FIGURES)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="total-received">3<' in body and 'id="total-closed">1<' in body
    assert "解决率100.0%" in body and ent.station.name in body and world.unit_b.name in body
    unit = client_for(world.editor_b).get(FIGURES).content.decode()
    assert 'id="total-received">1<' in unit
    assert client_for(world.resident).get(FIGURES).status_code == 403
    assert (
        client_for(world.office).get(FIGURES, {"year": "abc", "district": "<x>"}).status_code == 200
    )
