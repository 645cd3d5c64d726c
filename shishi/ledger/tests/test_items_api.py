"""The API's items by hand: create and edit items, their targets and milestones, completing a
milestone — who may, stale versions, field errors, the deadline as text or date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.ledger import permissions, services
from shishi.ledger.models import Item, Milestone, ProgressUpdate, Target
from shishi.ledger.tests.api_client import API, Caller
from shishi.orgs.models import User


@pytest.fixture
def api(client: Client) -> Any:
    def make(user: User | None) -> Caller:
        return Caller(client, user)

    return make


def _fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def _new_item_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "programme_id": world.programme.pk,
        "number": "9-1",
        "name": "新建口袋公园",
        "lead_unit_id": world.unit_b.pk,
        "partner_unit_ids": [world.unit_c.pk],
        "sponsor_leader_ids": [world.leader_person.pk],
        "content": "建设口袋公园3处",
        "measures": "年内完工",
        "deadline_text": "2021年10月底前",
        "planned_investment": "1500000",
        "targets": [{"name": "口袋公园", "value": 3, "unit": "处"}],
        "milestones": [{"title": "开工", "due_date": "2021-05-01", "planned_rate": 20}],
        **extra,
    }


# --- POST /items ----------------------------------------------------------------------


def test_office_creates_an_item_with_targets_and_milestones(world: World, api: Any) -> None:
    response = api(world.office).post("/items", _new_item_body(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "9-1"
    assert body["due_date"] == "2021-10-31"
    assert body["lead_unit"]["id"] == world.unit_b.pk
    assert [u["id"] for u in body["partner_units"]] == [world.unit_c.pk]
    assert [p["id"] for p in body["sponsor_leaders"]] == [world.leader_person.pk]
    assert body["planned_investment"] == "1500000.00"
    assert [(t["name"], t["value"], t["unit"]) for t in body["targets"]] == [
        ("口袋公园", "3.00", "处")
    ]
    assert [(m["title"], m["due_date"]) for m in body["milestones"]] == [("开工", "2021-05-01")]
    assert AuditEvent.objects.filter(action="item.create", target_id=str(body["id"])).exists()


def test_a_date_alone_writes_its_text_on_create(world: World, api: Any) -> None:
    body = _new_item_body(world, deadline_text=None, due_date="2021-06-30")
    response = api(world.office).post("/items", body)
    assert response.status_code == 201, response.content
    assert response.json()["deadline_text"] == "2021年6月30日前"
    assert response.json()["due_date"] == "2021-06-30"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_office", 201),
        ("editor_a", 403),
        ("editor_b", 403),
        ("partner_editor", 403),
        ("viewer_a", 403),
        ("leader", 403),
        ("outsider", 404),
        ("resident", 404),
    ],
)
def test_who_may_create_an_item(world: World, api: Any, who: str, status: int) -> None:
    before = Item.objects.count()
    response = api(getattr(world, who)).post("/items", _new_item_body(world))
    assert response.status_code == status, response.content
    assert Item.objects.count() == before + (1 if status == 201 else 0)


def test_duplicate_number_is_refused_naming_the_field(world: World, api: Any) -> None:
    response = api(world.office).post("/items", _new_item_body(world, number="1-1"))
    assert response.status_code == 422
    assert "1-1" in response.json()["errors"]["number"]
    assert "已被" in response.json()["errors"]["number"]


def test_create_names_every_bad_field(world: World, api: Any) -> None:
    body = _new_item_body(
        world,
        name="",
        lead_unit_id=world.hulan_unit.pk,
        category_id=999999,
        deadline_text="某时候",
        targets=[{"name": "", "value": 3}],
        milestones=[{"title": " ", "due_date": "2021-05-01"}],
    )
    response = api(world.office).post("/items", body)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert set(errors) == {
        "name",
        "lead_unit_id",
        "category_id",
        "deadline_text",
        "targets.0.name",
        "milestones.0.title",
    }
    assert not Item.objects.filter(number="9-1").exists()


def test_create_rate_out_of_range_names_the_milestone_field(world: World, api: Any) -> None:
    body = _new_item_body(
        world, milestones=[{"title": "开工", "due_date": "2021-05-01", "planned_rate": 120}]
    )
    response = api(world.office).post("/items", body)
    assert response.status_code == 422
    assert "milestones.0.planned_rate" in response.json()["errors"]


def test_create_refuses_unknown_fields(world: World, api: Any) -> None:
    response = api(world.office).post("/items", _new_item_body(world, colour="red"))
    assert response.status_code == 422
    assert "colour" in response.json()["errors"]


# --- PATCH /items/{id} ------------------------------------------------------------------


def test_office_patches_an_item_and_the_version_goes_up(world: World, api: Any) -> None:
    item = world.item_a
    response = api(world.office).patch(
        f"/items/{item.pk}",
        {"name": "抢修一曼街路段", "measures": "分段施工", "expected_version": item.version},
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "抢修一曼街路段"
    assert response.json()["version"] == item.version + 1
    assert _fresh(item).measures == "分段施工"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_office", 200),
        ("editor_a", 403),
        ("editor_b", 403),
        ("partner_editor", 403),
        ("viewer_a", 403),
        ("leader", 403),
        ("outsider", 404),
        ("resident", 404),
    ],
)
def test_who_may_patch_an_item(world: World, api: Any, who: str, status: int) -> None:
    response = api(getattr(world, who)).patch(f"/items/{world.item_a.pk}", {"name": "改名"})
    assert response.status_code == status, response.content
    assert (_fresh(world.item_a).name == "改名") is (status == 200)


def test_lead_unit_editor_is_pointed_to_change_requests(world: World, api: Any) -> None:
    response = api(world.editor_a).patch(
        f"/items/{world.item_a.pk}", {"deadline_text": "2027年12月底前"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == permissions.ASK_FOR_CHANGE
    assert _fresh(world.item_a).deadline_text == "2021年12月底前"


def test_patch_deadline_text_sets_its_date(world: World, api: Any) -> None:
    response = api(world.office).patch(f"/items/{world.item_a.pk}", {"deadline_text": "9月底前"})
    assert response.status_code == 200, response.content
    assert response.json()["due_date"] == "2021-09-30"
    assert response.json()["deadline_text"] == "9月底前"


def test_patch_due_date_alone_writes_the_text(world: World, api: Any) -> None:
    response = api(world.office).patch(f"/items/{world.item_a.pk}", {"due_date": "2027-06-30"})
    assert response.status_code == 200, response.content
    assert response.json()["deadline_text"] == "2027年6月30日前"
    assert response.json()["due_date"] == "2027-06-30"
    item = _fresh(world.item_a)
    assert (item.deadline_text, item.due_date) == ("2027年6月30日前", dt.date(2027, 6, 30))


def test_patch_text_and_date_that_disagree_is_422(world: World, api: Any) -> None:
    response = api(world.office).patch(
        f"/items/{world.item_a.pk}", {"deadline_text": "9月底前", "due_date": "2021-10-31"}
    )
    assert response.status_code == 422
    assert "due_date" in response.json()["errors"]
    assert _fresh(world.item_a).deadline_text == "2021年12月底前"


def test_patch_bad_deadline_text_names_the_field(world: World, api: Any) -> None:
    response = api(world.office).patch(f"/items/{world.item_a.pk}", {"deadline_text": "看情况"})
    assert response.status_code == 422
    assert "deadline_text" in response.json()["errors"]


def test_patch_links_checked_against_the_district(world: World, api: Any) -> None:
    response = api(world.office).patch(
        f"/items/{world.item_a.pk}",
        {"lead_unit_id": world.hulan_unit.pk, "partner_unit_ids": [world.hulan_unit.pk]},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"lead_unit_id", "partner_unit_ids"}


def test_patch_links(world: World, api: Any) -> None:
    response = api(world.office).patch(
        f"/items/{world.item_a.pk}",
        {"lead_unit_id": world.unit_b.pk, "partner_unit_ids": [], "sponsor_leader_ids": []},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lead_unit"]["id"] == world.unit_b.pk
    assert body["partner_units"] == [] and body["sponsor_leaders"] == []


def test_stale_patch_is_409(world: World, api: Any) -> None:
    item = world.item_a
    office = api(world.office)
    assert (
        office.patch(f"/items/{item.pk}", {"remarks": "一", "expected_version": 1}).status_code
        == 200
    )
    stale = office.patch(f"/items/{item.pk}", {"remarks": "二", "expected_version": 1})
    assert stale.status_code == 409
    assert _fresh(item).remarks == "一"


# --- targets ----------------------------------------------------------------------------


def test_office_adds_edits_moves_and_removes_targets(world: World, api: Any) -> None:
    item = world.item_a
    office = api(world.office)
    first = Target.objects.get(item=item)
    added = office.post(
        f"/items/{item.pk}/targets", {"name": "惠及居民", "value": "3000", "unit": "户"}
    )
    assert added.status_code == 201, added.content
    target_id = added.json()["target"]["id"]
    assert added.json()["item"]["version"] == item.version + 1
    edited = office.patch(f"/items/{item.pk}/targets/{target_id}", {"value": 3500, "position": 1})
    assert edited.status_code == 200, edited.content
    assert edited.json()["target"]["value"] == "3500.00"
    detail = office.get(f"/items/{item.pk}").json()
    assert [t["id"] for t in detail["targets"]] == [target_id, first.pk]
    removed = office.delete(f"/items/{item.pk}/targets/{first.pk}", reason="已并入其他事项")
    assert removed.status_code == 200, removed.content
    assert removed.json()["removed_reason"] == "已并入其他事项"
    detail = office.get(f"/items/{item.pk}").json()
    assert [t["id"] for t in detail["targets"]] == [target_id]
    assert Target.all_objects.filter(pk=first.pk).exists()  # soft: the row stays


def test_remove_target_reason_in_the_body(world: World, api: Any) -> None:
    target = Target.objects.get(item=world.item_a)
    response = api(world.office).delete(
        f"/items/{world.item_a.pk}/targets/{target.pk}",
        {"reason": "目标重复", "expected_version": world.item_a.version},
    )
    assert response.status_code == 200, response.content
    assert Target.all_objects.get(pk=target.pk).removed_reason == "目标重复"


def test_remove_target_without_reason_is_422(world: World, api: Any) -> None:
    target = Target.objects.get(item=world.item_a)
    response = api(world.office).delete(f"/items/{world.item_a.pk}/targets/{target.pk}")
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    assert Target.objects.filter(pk=target.pk).exists()


def test_removed_target_is_404_afterwards(world: World, api: Any) -> None:
    target = Target.objects.get(item=world.item_a)
    office = api(world.office)
    office.delete(f"/items/{world.item_a.pk}/targets/{target.pk}", reason="重复")
    again = office.patch(f"/items/{world.item_a.pk}/targets/{target.pk}", {"value": 1})
    assert again.status_code == 404


def test_target_of_another_item_is_404(world: World, api: Any) -> None:
    target = Target.objects.get(item=world.item_a)
    response = api(world.office).patch(
        f"/items/{world.item_b.pk}/targets/{target.pk}", {"value": 1}
    )
    assert response.status_code == 404


def test_stale_target_add_is_409(world: World, api: Any) -> None:
    office = api(world.office)
    url = f"/items/{world.item_a.pk}/targets"
    assert office.post(url, {"name": "甲", "value": 1, "expected_version": 1}).status_code == 201
    response = office.post(url, {"name": "乙", "value": 1, "expected_version": 1})
    assert response.status_code == 409
    assert not Target.objects.filter(name="乙").exists()


def test_bad_target_names_the_field(world: World, api: Any) -> None:
    response = api(world.office).post(
        f"/items/{world.item_a.pk}/targets", {"name": " ", "value": -1}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"name", "value"}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_office", 201),
        ("editor_a", 403),
        ("editor_b", 403),
        ("partner_editor", 403),
        ("viewer_a", 403),
        ("leader", 403),
        ("outsider", 404),
        ("resident", 404),
    ],
)
def test_who_may_add_targets_and_milestones(world: World, api: Any, who: str, status: int) -> None:
    caller = api(getattr(world, who))
    target = caller.post(f"/items/{world.item_a.pk}/targets", {"name": "新目标", "value": 1})
    milestone = caller.post(
        f"/items/{world.item_a.pk}/milestones", {"title": "新节点", "due_date": "2021-07-01"}
    )
    assert (target.status_code, milestone.status_code) == (status, status)
    if who == "editor_a":
        assert target.json()["detail"] == permissions.ASK_FOR_CHANGE


# --- milestones -------------------------------------------------------------------------


def _milestone(world: World, title: str = "招标", due: dt.date = dt.date(2021, 4, 30)) -> Milestone:
    return services.add_milestone(
        world.item_a, services.MilestoneInput(title, due), actor=world.office
    )


def test_office_edits_moves_and_removes_milestones(world: World, api: Any) -> None:
    first = _milestone(world, "招标", dt.date(2021, 4, 30))
    second = _milestone(world, "开工", dt.date(2021, 6, 1))
    office = api(world.office)
    url = f"/items/{world.item_a.pk}/milestones"
    edited = office.patch(f"{url}/{second.pk}", {"due_date": "2021-06-15", "planned_rate": 30})
    assert edited.status_code == 200, edited.content
    assert edited.json()["milestone"]["due_date"] == "2021-06-15"
    assert edited.json()["milestone"]["planned_rate"] == 30
    moved = office.patch(f"{url}/{second.pk}", {"position": 1})
    assert moved.status_code == 200
    detail = office.get(f"/items/{world.item_a.pk}").json()
    assert {m["id"] for m in detail["milestones"]} == {first.pk, second.pk}
    removed = office.delete(f"{url}/{first.pk}", {"reason": "招标取消"})
    assert removed.status_code == 200, removed.content
    detail = office.get(f"/items/{world.item_a.pk}").json()
    assert [m["id"] for m in detail["milestones"]] == [second.pk]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("city_office", 200),
        ("editor_a", 200),
        ("editor_b", 403),
        ("partner_editor", 403),
        ("viewer_a", 403),
        ("leader", 403),
        ("outsider", 404),
        ("resident", 404),
    ],
)
def test_who_may_complete_a_milestone(world: World, api: Any, who: str, status: int) -> None:
    milestone = _milestone(world)
    response = api(getattr(world, who)).post(
        f"/items/{world.item_a.pk}/milestones/{milestone.pk}/complete",
        {"done_date": "2021-05-02", "text": "已完成招标"},
    )
    assert response.status_code == status, response.content
    milestone.refresh_from_db()
    if status == 200:
        body = response.json()
        assert body["milestone"]["done_date"] == "2021-05-02"
        update = ProgressUpdate.objects.get(pk=body["update"]["id"])
        assert update.text == "节点完成：招标。已完成招标"
        assert update.rate is None
        assert milestone.done_update_id == update.pk
    else:
        assert milestone.done_date is None


def test_completing_in_the_future_is_422(world: World, api: Any) -> None:
    milestone = _milestone(world)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = api(world.editor_a).post(
        f"/items/{world.item_a.pk}/milestones/{milestone.pk}/complete",
        {"done_date": tomorrow.isoformat()},
    )
    assert response.status_code == 422
    assert "done_date" in response.json()["errors"]


def test_completion_keeps_the_rate(world: World, api: Any) -> None:
    services.record_progress(world.item_a, actor=world.office, text="过半", rate=Decimal(55))
    milestone = _milestone(world)
    api(world.editor_a).post(
        f"/items/{world.item_a.pk}/milestones/{milestone.pk}/complete", {"text": "完成"}
    )
    assert _fresh(world.item_a).completion_rate == Decimal(55)


# --- the OpenAPI document ---------------------------------------------------------------


def test_every_endpoint_is_in_the_openapi_schema(world: World, client: Client) -> None:
    client.force_login(world.office)
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert {"post"} <= set(paths["/api/v1/items"])
    assert {"get", "patch"} <= set(paths["/api/v1/items/{item_id}"])
    assert "post" in paths["/api/v1/items/{item_id}/targets"]
    assert {"patch", "delete"} <= set(paths["/api/v1/items/{item_id}/targets/{target_id}"])
    assert "post" in paths["/api/v1/items/{item_id}/milestones"]
    assert {"patch", "delete"} <= set(paths["/api/v1/items/{item_id}/milestones/{milestone_id}"])
    assert "post" in paths["/api/v1/items/{item_id}/milestones/{milestone_id}/complete"]
