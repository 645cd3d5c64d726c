"""Where an enterprise's contact and a station's staff start: their own pages, not the page
for an account without roles."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.enterprise.models import Contact, Enterprise, Station

pytestmark = pytest.mark.django_db


def _home(world: World) -> str:
    response = client_for(world.resident).get(reverse("home"))
    assert response.status_code == 302
    return str(response["Location"])


def test_a_contact_lands_on_its_enterprise(world: World) -> None:
    firm = Enterprise.objects.create(
        jurisdiction=world.nangang, uscc="91230103000000001X", name="甲"
    )
    Contact.objects.create(enterprise=firm, name="联系人", user=world.resident)
    assert _home(world) == reverse("enterprise:mine")


def test_station_staff_land_on_the_requests(world: World) -> None:
    station = Station.objects.create(jurisdiction=world.nangang, name="益企工作站")
    station.staff.add(world.resident)
    assert _home(world) == reverse("enterprise:requests")
    station.is_active = False
    station.save()
    response = client_for(world.resident).get(reverse("home"))
    assert "您还没有被分配角色" in response.content.decode()
