"""The operator's entry: a phone call or walk-in taken in (a mobile or a landline), the
likely duplicates shown before saving, 422 on bad input, who may use it."""

from __future__ import annotations

from typing import Any

import pytest

from shishi.conftest import World, client_for
from shishi.demands import intake, services, similarity
from shishi.demands.models import Demand
from shishi.demands.tests.conftest import Dm

URL = "/demands/new/"


def data(dm: Dm, **extra: Any) -> dict[str, Any]:
    values = {
        "channel": "phone",
        "urgency": "normal",
        "kind": "complaint",
        "category": str(dm.noise.pk),
        "description": "楼下烧烤店每天晚上十一点以后还很吵，影响休息",
        "address": "西大直街66号",
        "contact_name": "李大爷",
        "landline": "0451-86661234",
    }
    values.update(extra)
    return values


def test_operator_takes_a_landline_call_in(world: World, dm: Dm) -> None:
    client = client_for(world.operator)
    assert client.get(URL).status_code == 200
    response = client.post(URL, data(dm, hotline_number="2021120800123"))
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/demands/{demand.pk}/"
    assert demand.landline == "0451-86661234" and not demand.phone
    assert demand.channel == "phone" and demand.hotline_number == "2021120800123"
    assert demand.status == "dispatched"  # noise dispatches itself to unit B


def test_same_caller_is_shown_as_a_likely_duplicate_before_saving(world: World, dm: Dm) -> None:
    client = client_for(world.operator)
    client.post(URL, data(dm))
    first = Demand.objects.get()
    again = client.post(URL, data(dm, category=str(dm.road.pk), description="路口的井盖丢了"))
    body = again.content.decode()
    assert again.status_code == 200 and 'id="duplicates"' in body
    assert first.number in body and "同一来电人" in body
    assert Demand.objects.count() == 1
    confirmed = client.post(
        URL, data(dm, category=str(dm.road.pk), description="路口的井盖丢了", confirmed="on")
    )
    assert confirmed.status_code == 302 and Demand.objects.count() == 2


def test_similar_text_at_the_same_place_is_a_likely_duplicate(world: World, dm: Dm) -> None:
    client = client_for(world.operator)
    client.post(URL, data(dm))
    other_caller = data(
        dm,
        landline="",
        phone="13800001111",
        description="楼下烧烤店每天晚上十一点以后还很吵，严重影响休息",
    )
    response = client.post(URL, other_caller)
    assert response.status_code == 200 and "相似内容" in response.content.decode()
    elsewhere = {**other_caller, "address": "学府路1号"}
    assert client.post(URL, elsewhere).status_code == 302


def test_bigram_jaccard_measure() -> None:
    assert similarity.bigrams("路灯不亮") == {"路灯", "灯不", "不亮"}
    assert similarity.text_similarity("路灯不亮", "路灯不亮了") == pytest.approx(0.75)
    assert similarity.text_similarity("路灯不亮", "井盖丢失") == 0
    assert similarity.text_similarity("", "路灯不亮") == 0


def test_old_demands_are_no_duplicates(world: World, dm: Dm) -> None:
    import datetime as dt

    from django.utils import timezone

    client = client_for(world.operator)
    client.post(URL, data(dm))
    Demand.objects.update(created_at=timezone.now() - dt.timedelta(days=intake.DUPLICATE_DAYS + 1))
    assert client.post(URL, data(dm)).status_code == 302


@pytest.mark.parametrize(
    "changes",
    [
        {"landline": "", "phone": ""},
        {"phone": "123"},
        {"landline": "86661"},
        {"channel": "web"},
        {"urgency": "panic"},
        {"category": "0"},
        {"street": "99999"},
        {"description": "吵"},
        {"lat": "x"},
    ],
)
def test_bad_input_is_422_naming_the_field(world: World, dm: Dm, changes: dict[str, str]) -> None:
    response = client_for(world.operator).post(URL, data(dm, **changes))
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert not Demand.objects.exists()


def test_only_operators_and_the_office_enter_demands(world: World, dm: Dm) -> None:
    assert client_for(world.office).get(URL).status_code == 200
    for user in (world.editor_a, world.viewer_a, world.leader, world.resident):
        assert client_for(user).get(URL).status_code == 403, user
        assert client_for(user).post(URL, data(dm)).status_code == 403, user
    # Hulan's office enters Hulan's demands, never Nangang's.
    outsider = client_for(world.outsider)
    assert "呼兰区" in outsider.get(URL).content.decode()
    assert outsider.get(URL + "?district=230103").status_code == 403
    assert outsider.post(URL + "?district=230103", data(dm)).status_code == 403
    assert outsider.post(URL, data(dm)).status_code == 422  # Nangang's category
    assert not Demand.objects.exists()


def test_the_same_duplicates_from_the_service_side(world: World, dm: Dm) -> None:
    services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind="help",
            category_id=dm.road.pk,
            description="路面塌陷了一块",
            channel="phone",
            phone="13912345678",
        ),
        actor=world.operator,
    )
    found = intake.likely_duplicates(world.nangang.pk, phone="139 1234 5678")
    assert [d.reason for d in found] == ["同一来电人"]
    assert intake.likely_duplicates(world.hulan.pk, phone="13912345678") == []
