"""Where each role lands after login (the site's ``/``)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from shishi.conftest import PASSWORD, World, client_for
from shishi.ledger import services as ledger_services
from shishi.orgs import services as org_services
from shishi.orgs.models import Role

pytestmark = pytest.mark.django_db


def _lands(user: object) -> str:
    response = client_for(user).get(reverse("home"))  # type: ignore[arg-type]
    assert response.status_code == 302
    return str(response["Location"])


def test_programme_office_lands_on_its_programmes_board(world: World) -> None:
    assert _lands(world.office) == reverse("board:programme", args=[world.programme.pk])


def test_programme_office_lands_on_its_latest_programme(world: World) -> None:
    newer = ledger_services.ensure_programme(world.nangang, 2026, actor=world.office)
    assert _lands(world.office) == reverse("board:programme", args=[newer.pk])


def test_programme_office_without_a_programme_lands_on_the_ledger(world: World) -> None:
    shuangcheng = org_services.ensure_jurisdiction(
        code="230113", name="双城区", level="district", parent=world.city
    )
    office = org_services.ensure_user("sc_office", password="x", display_name="双城区专班")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, shuangcheng)
    assert _lands(office) == reverse("ledger:list")


def test_city_office_lands_on_the_city_board(world: World) -> None:
    assert _lands(world.city_office) == reverse("board:city", args=[world.city.code])


def test_unit_editor_lands_on_its_units_items(world: World) -> None:
    url = _lands(world.editor_a)
    assert url == f"{reverse('ledger:list')}?{urlencode({'unit': world.unit_a.pk})}"
    page = client_for(world.editor_a).get(url).content.decode()
    assert world.item_a.name in page
    assert world.item_b.name not in page  # unit B's item is not on unit A's list


def test_unit_viewer_lands_on_its_units_items(world: World) -> None:
    url = _lands(world.viewer_a)
    assert url == f"{reverse('ledger:list')}?{urlencode({'unit': world.unit_a.pk})}"


def test_sponsor_leader_lands_on_my_items(world: World) -> None:
    url = _lands(world.leader)
    assert url == reverse("ledger:mine")
    assert world.item_a.name in client_for(world.leader).get(url).content.decode()


def test_other_members_land_on_the_ledger(world: World) -> None:
    assert _lands(world.inspector) == reverse("ledger:list")
    assert _lands(world.operator) == reverse("ledger:list")


def test_a_login_without_roles_sees_the_no_role_page(world: World) -> None:
    response = client_for(world.resident).get(reverse("home"))
    assert response.status_code == 200
    assert "您还没有被分配角色" in response.content.decode()


def test_login_form_takes_the_leader_to_my_items(world: World) -> None:
    response = Client().post(
        reverse("login"), {"username": "leader", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("ledger:mine")
