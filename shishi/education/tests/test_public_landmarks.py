"""The public landmark endpoints: the open data's exact shape, the landmark page with its
form, and the check-in's answers (201, 422 naming the field, 429 with Retry-After, 404),
under Django's CSRF protection."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import Client

from shishi.conftest import World
from shishi.education.models import CheckIn, Landmark

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    caches["ratelimit"].clear()


def _landmarks(world: World) -> tuple[Landmark, Landmark]:
    museum = Landmark.objects.create(
        jurisdiction=world.nangang,
        name="东北抗联博物馆",
        address="南岗区一曼街241号",
        lat=Decimal("45.755000"),
        lon=Decimal("126.640000"),
        check_ins=3,
    )
    Landmark.objects.create(
        jurisdiction=world.nangang, name="已关闭", address="某处", is_active=False
    )
    sample = Landmark.objects.create(
        jurisdiction=world.nangang, name="示例地标", address="南岗区某街1号", is_sample=True
    )
    return museum, sample


def test_landmarks_json_has_exactly_the_documented_shape(world: World) -> None:
    museum, sample = _landmarks(world)
    response = Client().get("/public/230103/landmarks.json")
    assert response.status_code == 200
    assert response.json() == {
        "district_code": "230103",
        "count": 2,
        "landmarks": [
            {
                "id": museum.pk,
                "name": "东北抗联博物馆",
                "address": "南岗区一曼街241号",
                "lat": 45.755,
                "long": 126.64,
                "check_ins": 3,
            },
            {
                "id": sample.pk,
                "name": "示例地标",
                "address": "南岗区某街1号",
                "lat": None,
                "long": None,
                "check_ins": 0,
            },
        ],
    }
    assert Client().get("/public/999999/landmarks.json").status_code == 404


def _token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found
    return found.group(1)


def test_check_in_from_the_page(world: World) -> None:
    museum, _sample = _landmarks(world)
    client = Client(enforce_csrf_checks=True)
    page = f"/public/230103/landmarks/{museum.pk}/"
    post = f"{page}check-in"
    # Without the page's token: refused, nothing counted.
    assert client.post(post, {"nickname": "小红"}).status_code == 403
    token = _token(client, page)
    made = client.post(post, {"nickname": "小红", "csrfmiddlewaretoken": token})
    assert made.status_code == 201
    assert made.json() == {"landmark_id": museum.pk, "check_ins": 4}
    again = client.post(post, {"nickname": "小红", "csrfmiddlewaretoken": token})
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    bad = client.post(post, {"phone_tail": "12a4", "csrfmiddlewaretoken": token})
    assert bad.status_code == 422 and "phone_tail" in bad.json()["errors"]
    missing = client.post(
        "/public/230103/landmarks/999999/check-in", {"nickname": "x", "csrfmiddlewaretoken": token}
    )
    assert missing.status_code == 404
    # The page's htmx form gets the count as a fragment.
    shown = client.post(
        post,
        {"phone_tail": "5678", "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true"},
    )
    assert shown.status_code == 201 and 'id="check-in-count">5<' in shown.content.decode()
    assert CheckIn.objects.count() == 2


def test_the_landmark_page(world: World) -> None:
    museum, sample = _landmarks(world)
    body = Client().get(f"/public/230103/landmarks/{museum.pk}/").content.decode()
    assert "东北抗联博物馆" in body and "一曼街241号" in body and 'id="check-in-form"' in body
    assert "示例" in Client().get(f"/public/230103/landmarks/{sample.pk}/").content.decode()
    closed = Landmark.objects.get(name="已关闭")
    assert Client().get(f"/public/230103/landmarks/{closed.pk}/").status_code == 404
    assert Client().get(f"/public/230111/landmarks/{museum.pk}/").status_code == 404
