"""``GET /api/v1/enterprises/{uscc}/matches``: the exact shape, and who may ask — the office
(another district's 404), a city office naming the district, an enterprise's contact (its own
only, by session or token), nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from shishi.conftest import client_for
from shishi.enterprise.models import ConditionKind, PolicyCondition, Station
from shishi.enterprise.tests import push_fixtures
from shishi.enterprise.tests.push_fixtures import Reg, policy, uscc
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db
reg = push_fixtures.reg


def _url(code: str) -> str:
    return f"/api/v1/enterprises/{code}/matches"


def test_the_answer_has_exactly_the_documented_shape(reg: Reg) -> None:
    text = policy(reg.world, "研发费用补助")
    PolicyCondition.objects.create(
        policy=text, kind=ConditionKind.TEXT, params={"text": "上年度研发投入不低于50万元"}, order=1
    )
    r = client_for(reg.world.office).get(_url(reg.rich.uscc))
    assert r.status_code == 200
    assert r.json() == [
        {
            "policy_id": reg.policy.pk,
            "title": "软件企业营业收入奖励",
            "verdict": "eligible",
            "conditions": [
                {"condition": "营业收入不少于500万元", "met": True, "detail": "营业收入800万元"}
            ],
        },
        {
            "policy_id": text.pk,
            "title": "研发费用补助",
            "verdict": "possible",
            "conditions": [
                {"condition": "营业收入不少于500万元", "met": True, "detail": "营业收入800万元"},
                {"condition": "上年度研发投入不低于50万元", "met": None, "detail": "需人工核实"},
            ],
        },
    ]
    poor = client_for(reg.world.office).get(_url(reg.poor.uscc)).json()
    assert [(p["verdict"], p["conditions"][0]["met"]) for p in poor] == [
        ("ineligible", False),
        ("ineligible", False),
    ]
    lower = client_for(reg.world.office).get(_url(reg.rich.uscc.lower()))
    assert lower.status_code == 200


def test_bad_and_unknown_codes(reg: Reg) -> None:
    office = client_for(reg.world.office)
    for bad in ("123", reg.rich.uscc[:17] + ("0" if reg.rich.uscc[17] != "0" else "1")):
        r = office.get(_url(bad))
        assert r.status_code == 422
        assert set(r.json()) == {"detail", "errors"} and "uscc" in r.json()["errors"]
    r = office.get(_url(uscc(999)))
    assert r.status_code == 404 and r.json()["errors"] == {}
    r = office.get(_url(reg.rich.uscc), {"verdict": "eligible"})
    assert r.status_code == 422 and "verdict" in r.json()["errors"]


def test_another_districts_office_gets_404(reg: Reg) -> None:
    assert client_for(reg.world.outsider).get(_url(reg.rich.uscc)).status_code == 404
    assert client_for(reg.world.office).get(_url(reg.hulan.uscc)).status_code == 404
    assert client_for(reg.world.outsider).get(_url(reg.hulan.uscc)).status_code == 200


def test_a_city_office_names_the_district(reg: Reg) -> None:
    city = client_for(reg.world.city_office)
    r = city.get(_url(reg.rich.uscc))
    assert r.status_code == 422 and "jurisdiction" in r.json()["errors"]
    assert city.get(_url(reg.rich.uscc), {"jurisdiction": "230103"}).status_code == 200
    assert city.get(_url(reg.rich.uscc), {"jurisdiction": "230111"}).status_code == 404
    assert city.get(_url(reg.hulan.uscc), {"jurisdiction": "230111"}).status_code == 200
    r = city.get(_url(reg.rich.uscc), {"jurisdiction": "999999"})
    assert r.status_code == 404
    r = city.get(_url(reg.rich.uscc), {"jurisdiction": "abc"})
    assert r.status_code == 422 and "jurisdiction" in r.json()["errors"]


def test_a_contacts_token_sees_its_own_enterprise_only(reg: Reg) -> None:
    key = org_services.create_api_token(reg.contact_user, name="企业自查")
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bearer.get(_url(reg.rich.uscc)).status_code == 200
    assert bearer.get(_url(reg.poor.uscc)).status_code == 404
    assert bearer.get(_url(reg.hulan.uscc)).status_code == 404
    session = client_for(reg.other_contact_user)
    assert session.get(_url(reg.poor.uscc)).status_code == 200
    assert session.get(_url(reg.rich.uscc)).status_code == 404


def test_people_without_an_enterprise_role(reg: Reg) -> None:
    for who in (reg.world.editor_a, reg.world.resident, reg.world.operator):
        r = client_for(who).get(_url(reg.rich.uscc))
        assert r.status_code == 403, who
        assert set(r.json()) == {"detail", "errors"}
    assert client_for(None).get(_url(reg.rich.uscc)).status_code == 401


def test_station_staff_see_the_enterprises_their_station_serves(reg: Reg) -> None:
    staff = org_services.ensure_user("station_staff", password="pw-test-123")
    station = Station.objects.create(jurisdiction=reg.world.nangang, name="学府路益企工作站")
    station.staff.add(staff)
    station.enterprises.add(reg.rich)
    assert client_for(staff).get(_url(reg.rich.uscc)).status_code == 200
    assert client_for(staff).get(_url(reg.poor.uscc)).status_code == 404
