"""``POST /api/v1/services/{code}/eligibility``: the answer, its errors, who may ask, and the
ID number never in an address or an answer."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.test import Client

from shishi.appointments.models import Match, Service, Where
from shishi.conftest import World, client_for
from shishi.core import pii

pytestmark = pytest.mark.django_db

URL = "/api/v1/services/home-visit/eligibility"


@pytest.fixture
def home_visit(world: World) -> Service:
    return Service.objects.create(
        jurisdiction=world.nangang,
        code="home-visit",
        name="70岁以上老人上门帮办代办",
        unit=world.unit_a,
        where=Where.HOME,
        rules=[{"kind": "age", "min": 70}, {"kind": "confirm", "text": "生活不能自理"}],
        match=Match.ANY,
    )


def _number(born: dt.date) -> str:
    first17 = f"230103{born:%Y%m%d}123"
    return first17 + pii.id_check_character(first17)


def _post(client: Client, body: dict[str, object], url: str = URL) -> Any:
    return client.post(url, body, content_type="application/json")


def test_the_answer_on_each_side_of_the_70th_birthday(
    world: World, home_visit: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    operator = client_for(world.operator)
    number = _number(dt.date(1956, 3, 2))
    r = _post(operator, {"id_number": number, "on": "2026-03-02", "jurisdiction": "230103"})
    assert r.status_code == 200
    assert r.json() == {
        "eligible": True,
        "reasons": ["年满70周岁（1956-03-02出生）"],
        "to_confirm": ["生活不能自理"],
    }
    r = _post(operator, {"id_number": number, "on": "2026-03-01"})  # one district: optional
    body = r.json()
    assert body["eligible"] is False
    assert body["reasons"] == ["未满70周岁（1956-03-02出生，2026-03-02年满70周岁）"]
    assert number not in caplog.text


@pytest.mark.parametrize(
    "bad",
    [
        "230103195603021230",  # a wrong check character
        "23010319560302123",  # 17 characters
        "230103195613021234",  # month 13
        "hello",
    ],
)
def test_a_malformed_number_is_422_naming_id_number(
    world: World, home_visit: Service, bad: str
) -> None:
    if bad == "230103195603021230" and pii.id_check_character(bad[:17]) == "0":
        bad = bad[:17] + "1"
    r = _post(client_for(world.operator), {"id_number": bad, "on": "2026-03-02"})
    assert r.status_code == 422
    text = r.content.decode()
    assert "id_number" in text and bad not in text


def test_bad_requests_and_who_may_ask(world: World, home_visit: Service) -> None:
    number = _number(dt.date(1950, 1, 1))
    operator = client_for(world.operator)
    assert _post(operator, {"id_number": number, "on": "2026-02-30"}).status_code == 422
    assert _post(operator, {"id_number": number, "extra": 1}).status_code == 422
    assert _post(operator, {"id_number": number, "jurisdiction": "230111"}).status_code == 404
    unknown = "/api/v1/services/no-such/eligibility"
    assert _post(operator, {"id_number": number}, unknown).status_code == 404
    assert _post(client_for(world.office), {"id_number": number}).status_code == 200
    for name in ("editor_a", "leader", "resident"):
        r = _post(client_for(getattr(world, name)), {"id_number": number})
        assert r.status_code == 403, name
    assert _post(client_for(world.outsider), {"id_number": number}).status_code == 404
    assert _post(client_for(None), {"id_number": number}).status_code == 401
    home_visit.is_active = False
    home_visit.save()
    assert _post(operator, {"id_number": number}).status_code == 404


def test_the_demo_has_the_home_visit(world: World) -> None:
    from shishi.appointments.demo import seed_services

    count = seed_services({"230103": world.nangang})
    assert count == 3 and seed_services({"230103": world.nangang}) == 3  # idempotent
    r = _post(
        client_for(world.operator),
        {"id_number": _number(dt.date(1950, 3, 2)), "on": "2026-12-05"},
    )
    assert r.status_code == 200 and r.json()["eligible"] is True
