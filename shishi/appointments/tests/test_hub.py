"""The appointments' front page and its nav link: each user sees the parts they work in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shishi.appointments.demo import seed_services
from shishi.conftest import World, client_for
from shishi.orgs.models import User

pytestmark = pytest.mark.django_db


def _sections(world: World, user: User) -> str:
    response = client_for(user).get(reverse("appointments:index"))
    assert response.status_code == 200
    return response.content.decode()


def test_each_role_sees_its_parts(world: World) -> None:
    seed_services({"230103": world.nangang})
    office = _sections(world, world.office)
    for url in ("book", "bookings", "exams", "certificates", "services", "matters"):
        assert reverse(f"appointments:{url}") in office
    assert reverse("appointments_public:book", args=["230103", "home-visit"]) in office
    # The clinic service is booked at the clinic's own page, not the public list of visits.
    assert reverse("appointments_public:book", args=["230103", "health-exam"]) not in office

    operator = _sections(world, world.operator)
    assert reverse("appointments:book") in operator
    assert reverse("appointments:services") not in operator
    assert reverse("appointments:exams") not in operator

    # A unit whose services none are: nothing to do here, and it says so.
    unit = _sections(world, world.editor_a)
    assert reverse("appointments:mine") not in unit and "没有预约服务方面的工作" in unit


def test_the_nav_links_the_hub_for_offices_operators_and_units_only(world: World) -> None:
    link = f'href="{reverse("appointments:index")}"'
    home = reverse("ledger:list")
    assert link in client_for(world.operator).get(reverse("demands:index")).content.decode()
    assert link in client_for(world.office).get(home).content.decode()
    assert link not in client_for(world.leader).get(home).content.decode()
