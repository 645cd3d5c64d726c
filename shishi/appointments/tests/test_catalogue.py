"""The office's catalogue: the services listed with their counts, a service edited (rules as
rows checked with errors beside the wrong row, staff added from the unit and deactivated, the
ledger target), the matters list kept (add, rename, reorder, deactivate); office only."""

# ruff: noqa: F811  (the shared fixture `visits` is imported, then asked for by name)
from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shishi.appointments.models import BookingStatus, Matter, Service, Staff
from shishi.appointments.tests.visit_fixtures import Visits, visits  # noqa: F401
from shishi.conftest import client_for
from shishi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _form(service: Service, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": "save",
        "name": service.name,
        "unit": service.unit_id,
        "where": service.where,
        "bring": service.bring,
        "per_staff_day": service.per_staff_day,
        "is_active": "on",
        "age_from": service.age_from,
        "match": service.match,
        "target": "",
        "rule_kind": ["age", "confirm", ""],
        "rule_value": ["70", "生活不能自理", ""],
    }
    data.update(over)
    return data


def test_services_listed_with_counts_office_only(visits: Visits) -> None:
    v = visits
    v.book(status=BookingStatus.DONE)
    url = reverse("appointments:services")
    page = client_for(v.world.office).get(url)
    assert page.status_code == 200
    rows = {r.service.code: r for r in page.context["rows"]}
    home = rows["home-visit"]
    assert (home.bookings, home.done, home.staff, home.capacity) == (2, 1, 1, 4)
    assert "70岁以上老人和生活不能自理人员上门帮办代办" in page.content.decode()
    for user in (v.world.operator, v.world.editor_a, v.staffer):
        assert client_for(user).get(url).status_code == 403
    # Another district's office sees its own district, never Nangang's services.
    other = client_for(v.world.outsider).get(url)
    assert other.status_code == 200 and other.context["rows"] == []


def test_service_edited_with_rules_as_rows(visits: Visits) -> None:
    v = visits
    url = reverse("appointments:service", args=[v.home.pk])
    data = _form(
        v.home,
        per_staff_day="6",
        age_from="day_after",
        rule_kind=["age", "place", "disability", ""],
        rule_value=["80", "哈尔滨科技创新城、数字经济产业园", "", ""],
    )
    response = client_for(v.world.office).post(url, data)
    assert response.status_code == 302, response.content.decode()[:400]
    v.home.refresh_from_db()
    assert v.home.per_staff_day == 6 and v.home.age_from == "day_after"
    assert v.home.rules == [
        {"kind": "age", "min": 80},
        {"kind": "place", "places": ["哈尔滨科技创新城", "数字经济产业园"]},
        {"kind": "disability"},
    ]
    event = AuditEvent.objects.get(action="appointments.update_service")
    assert "rules" in event.changes and "per_staff_day" in event.changes
    body = client_for(v.world.office).get(url).content.decode()
    assert 'value="哈尔滨科技创新城、数字经济产业园"' in body


def test_bad_rule_error_beside_its_row_and_nothing_saved(visits: Visits) -> None:
    v = visits
    before = list(v.home.rules)
    response = client_for(v.world.office).post(
        reverse("appointments:service", args=[v.home.pk]),
        _form(v.home, rule_kind=["confirm", "age"], rule_value=["生活不能自理", "七十"]),
    )
    assert response.status_code == 422
    rows = response.context["form"].rule_rows
    assert rows[0].error == "" and rows[1].error.startswith("第2条：年龄应是1到130")
    body = response.content.decode()
    assert "第2条：年龄应是1到130之间的整数" in body and 'value="七十"' in body
    v.home.refresh_from_db()
    assert v.home.rules == before


def test_service_other_fields_named(visits: Visits) -> None:
    v = visits
    response = client_for(v.world.office).post(
        reverse("appointments:service", args=[v.home.pk]),
        _form(v.home, name="", unit=v.world.hulan_unit.pk, per_staff_day="0"),
    )
    assert response.status_code == 422
    assert {"name", "unit", "per_staff_day"} <= set(response.context["form"].errors)


def test_service_pages_refused_to_others(visits: Visits) -> None:
    v = visits
    url = reverse("appointments:service", args=[v.home.pk])
    for user in (v.world.outsider, v.world.operator, v.unit_member):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(url, _form(v.home, name="改")).status_code == 404
    v.home.refresh_from_db()
    assert v.home.name != "改"


def test_staff_added_from_the_unit_and_deactivated(visits: Visits) -> None:
    v = visits
    url = reverse("appointments:service", args=[v.home.pk])
    client = client_for(v.world.office)
    page = client.get(url)
    assert [u.pk for u in page.context["page"].candidates] == [v.unit_member.pk]
    # Someone outside the unit cannot be added.
    refused = client.post(url, {"action": "add_staff", "user": v.world.editor_b.pk})
    assert refused.status_code == 422
    assert client.post(url, {"action": "add_staff", "user": v.unit_member.pk}).status_code == 302
    row = Staff.objects.get(service=v.home, user=v.unit_member)
    assert row.is_active
    assert client.post(url, {"action": "staff_off", "staff": row.pk}).status_code == 302
    row.refresh_from_db()
    assert not row.is_active
    assert AuditEvent.objects.filter(action="appointments.staff_active").count() == 1


def test_matters_added_renamed_reordered_deactivated(visits: Visits) -> None:
    v = visits
    url = reverse("appointments:matters")
    client = client_for(v.world.office)
    assert client.post(url, {"action": "add", "name": "残疾人证"}).status_code == 302
    duplicate = client.post(url, {"action": "add", "name": "户籍"})
    assert duplicate.status_code == 422 and "已有同名" in duplicate.content.decode()
    names = lambda: list(  # noqa: E731
        Matter.objects.filter(jurisdiction=v.world.nangang).values_list("name", flat=True)
    )
    assert names() == ["社保认证", "医保报销", "户籍", "残疾人证"]
    last = Matter.objects.get(name="残疾人证")
    assert client.post(url, {"action": "up", "matter": last.pk}).status_code == 302
    assert names() == ["社保认证", "医保报销", "残疾人证", "户籍"]
    assert (
        client.post(
            url, {"action": "rename", "matter": last.pk, "name": "残疾人证办理"}
        ).status_code
        == 302
    )
    assert client.post(url, {"action": "off", "matter": v.matters[1].pk}).status_code == 302
    assert names() == ["社保认证", "医保报销", "残疾人证办理", "户籍"]
    assert not Matter.objects.get(pk=v.matters[1].pk).is_active
    # The visit form offers the active ones only.
    form = client_for(v.staffer).get(reverse("appointments:visit", args=[v.booking.pk]))
    offered = [label for _value, label in form.context["form"].fields["matters"].choices]
    assert offered == ["社保认证", "残疾人证办理", "户籍"]
    # Not the office: refused; another district's matter: not found.
    assert client_for(v.world.operator).post(url, {"action": "add", "name": "x"}).status_code == 403
    hulan = Matter.objects.create(jurisdiction=v.world.hulan, name="外区事项")
    assert client.post(url, {"action": "off", "matter": hulan.pk}).status_code == 404
