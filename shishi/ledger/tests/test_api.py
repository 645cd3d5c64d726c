"""The ledger API at /api/v1/: every endpoint against the personas, errors, query counts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from shishi.conftest import PASSWORD, World
from shishi.ledger import services
from shishi.ledger.models import Item, ProgressUpdate
from shishi.ledger.schemas import ItemOut
from shishi.ledger.tests.api_client import API, Caller
from shishi.ledger.tests.factories import ItemFactory


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


def _updates(item: Item) -> int:
    return ProgressUpdate.objects.filter(item=item).count()


# --- authentication -------------------------------------------------------------------


def _all_endpoints(world: World) -> list[tuple[str, str]]:
    pk = world.item_a.pk
    return [
        ("get", "/me"),
        ("get", "/items"),
        ("get", f"/items/{pk}"),
        ("get", f"/items/{pk}/updates"),
        ("post", f"/items/{pk}/updates"),
        ("get", "/programmes"),
        ("get", "/categories"),
        ("get", "/units"),
        ("get", "/leaders"),
    ]


@pytest.mark.parametrize("key", [None, "ss_not-a-real-token", "", "x" * 500])
def test_every_endpoint_refuses_anonymous_and_bad_tokens(
    world: World, client: Client, key: str | None
) -> None:
    caller = Caller(client, key=key)
    for method, path in _all_endpoints(world):
        if method == "get":
            response = caller.get(path)
        else:
            response = caller.post(path, {"text": "x", "rate": 10})
        assert response.status_code == 401, (method, path, response.content)
        assert response.json()["detail"] == "未登录或 API 令牌无效"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert _updates(world.item_a) == 0


def test_other_authorization_scheme_is_refused(world: World, client: Client) -> None:
    response = client.get(f"{API}/items", HTTP_AUTHORIZATION="Basic dXNlcjpwdw==")
    assert response.status_code == 401


def test_me_reports_username_display_name_and_roles(world: World, as_user: Any) -> None:
    body = as_user(world.editor_a).get("/me").json()
    assert body["username"] == "editor_a"
    assert body["display_name"] == "editor_a"
    assert body["roles"] == ["unit_editor"]
    assert [j["code"] for j in body["jurisdictions"]] == ["230103"]
    city = as_user(world.city_office).get("/me").json()
    assert city["roles"] == ["city_office"]
    assert {j["code"] for j in city["jurisdictions"]} == {"230100", "230103", "230111"}


def test_session_login_reads_the_api(world: World, client: Client) -> None:
    assert client.login(username="editor_a", password=PASSWORD)
    assert _ids(client.get(f"{API}/items")) == {world.item_a.pk, world.item_b.pk}


def test_session_post_needs_the_csrf_token(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="editor_a", password=PASSWORD)
    url = f"{API}/items/{world.item_a.pk}/updates"
    body = json.dumps({"text": "路面修复过半", "rate": 50})
    refused = browser.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert _updates(world.item_a) == 0

    browser.get(f"{API}/docs")  # any page rendering {% csrf_token %} sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content
    assert _updates(world.item_a) == 1


def test_bearer_post_needs_no_csrf_token(world: World) -> None:
    caller = Caller(Client(enforce_csrf_checks=True), world.editor_a)
    response = caller.post(f"/items/{world.item_a.pk}/updates", {"text": "已开工", "rate": 5})
    assert response.status_code == 201, response.content


# --- who sees what --------------------------------------------------------------------


def test_resident_without_role_sees_nothing(world: World, as_user: Any) -> None:
    resident = as_user(world.resident)
    listing = resident.get("/items")
    assert listing.json()["count"] == 0
    assert _ids(listing) == set()
    assert resident.get(f"/items/{world.item_a.pk}").status_code == 404
    assert resident.get(f"/items/{world.item_a.pk}/updates").status_code == 404
    response = resident.post(f"/items/{world.item_a.pk}/updates", {"text": "x"})
    assert response.status_code == 404
    for path in ("/programmes", "/categories", "/units", "/leaders"):
        assert resident.get(path).json() == [], path
    assert _updates(world.item_a) == 0


def test_outsider_cannot_see_other_districts_items(world: World, as_user: Any) -> None:
    outsider = as_user(world.outsider)
    assert _ids(outsider.get("/items")) == {world.hulan_item.pk}
    assert _ids(outsider.get("/items", jurisdiction="230103")) == set()
    assert _ids(outsider.get("/items", programme=world.programme.pk)) == set()
    assert outsider.get("/items", programme=world.programme.pk).json()["count"] == 0
    assert outsider.get("/items", programme=999_999).json()["count"] == 0
    for path in (f"/items/{world.item_a.pk}", f"/items/{world.item_a.pk}/updates"):
        response = outsider.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "事项不存在或无权查看", "errors": {}}
    response = outsider.post(f"/items/{world.item_a.pk}/updates", {"text": "x", "rate": 10})
    assert response.status_code == 404
    assert _updates(world.item_a) == 0
    assert {u["name"] for u in outsider.get("/units").json()} == {"呼兰区人社局"}
    assert outsider.get("/leaders").json() == []
    assert [p["jurisdiction"] for p in outsider.get("/programmes").json()] == ["230111"]


def test_city_office_sees_both_districts(world: World, as_user: Any) -> None:
    city = as_user(world.city_office)
    assert _ids(city.get("/items")) == {world.item_a.pk, world.item_b.pk, world.hulan_item.pk}
    assert _ids(city.get("/items", jurisdiction="230111")) == {world.hulan_item.pk}
    assert city.get(f"/items/{world.hulan_item.pk}").status_code == 200
    assert {p["jurisdiction"] for p in city.get("/programmes").json()} == {"230103", "230111"}
    units = city.get("/units", jurisdiction="230103").json()
    assert {u["name"] for u in units} == {"区城管局", "区教育局", "区住建局"}


def test_unit_viewer_and_leader_read_their_district(world: World, as_user: Any) -> None:
    for user in (world.viewer_a, world.leader, world.inspector, world.operator, world.office):
        assert _ids(as_user(user).get("/items")) == {world.item_a.pk, world.item_b.pk}


# --- the list -------------------------------------------------------------------------


def test_list_row_has_the_documented_fields(world: World, as_user: Any) -> None:
    body = as_user(world.office).get("/items").json()
    assert (body["count"], body["page"], body["page_size"]) == (2, 1, 25)
    row = body["items"][0]
    assert row["id"] == world.item_a.pk  # seq 1 before seq 2
    assert row["number"] == "1-1"
    assert row["name"] == "抢修一曼街塌陷及翻浆路段"
    assert row["jurisdiction"] == "230103"
    assert row["category"]["name"] == "城建城管执法类"
    assert row["lead_unit"] == {"id": world.unit_a.pk, "name": "区城管局"}
    assert row["partner_units"] == [{"id": world.unit_c.pk, "name": "区住建局"}]
    assert row["sponsor_leaders"] == [{"id": world.leader_person.pk, "name": "常务副区长"}]
    assert row["deadline_text"] == "2021年12月底前"
    assert row["due_date"] == "2021-12-31"
    assert row["is_ongoing"] is False
    assert row["completion_rate"] == 0
    assert row["lifecycle"] == "not_started"
    assert row["lifecycle_display"] == "未启动"
    assert row["version"] == 1
    assert "updated_at" in row and "progress_text" in row and "progress_date" in row


def test_list_rows_equal_the_schema_rendering_of_the_items(world: World, as_user: Any) -> None:
    """The list builds its JSON by hand; it must be exactly what ``ItemOut`` would give."""
    services.record_progress(
        world.item_a, actor=world.editor_a, text="开工\n第二行", rate=Decimal(30)
    )
    body = as_user(world.office).get("/items").json()
    assert len(body["items"]) == 2
    for row in body["items"]:
        item = Item.objects.get(pk=row["id"])
        # What ninja renders for a validated ItemOut: model_dump, then its JSON encoder.
        schema_out = ItemOut.model_validate(item).model_dump()
        expected = json.loads(json.dumps(schema_out, cls=NinjaJSONEncoder))
        assert row == expected
        assert list(row) == list(ItemOut.model_fields)  # the documented field order


def test_list_filters(world: World, as_user: Any) -> None:
    office = as_user(world.office)
    a, b = world.item_a.pk, world.item_b.pk
    services.record_progress(world.item_a, actor=world.editor_a, text="开工", rate=Decimal(30))
    assert _ids(office.get("/items", q="幼儿园")) == {b}
    assert _ids(office.get("/items", q="一曼街 翻浆")) == {a}
    assert _ids(office.get("/items", q="一曼街\u3000幼儿园")) == set()
    assert _ids(office.get("/items", q="1-2")) == {b}
    assert _ids(office.get("/items", unit=world.unit_c.pk)) == {a}  # a partner unit
    assert _ids(office.get("/items", unit=world.unit_b.pk)) == {b}
    assert _ids(office.get("/items", leader=world.leader_person.pk)) == {a}
    assert _ids(office.get("/items", lifecycle="in_progress")) == {a}
    assert _ids(office.get("/items", lifecycle="not_started")) == {b}
    assert _ids(office.get("/items", category=world.item_a.category_id)) == {a, b}
    assert _ids(office.get("/items", programme=world.programme.pk, year=2021)) == {a, b}
    assert _ids(office.get("/items", year=2022)) == set()
    assert _ids(office.get("/items", overdue="true")) == {a, b}  # due end of 2021


def test_list_paginates(world: World, as_user: Any) -> None:
    office = as_user(world.office)
    first = office.get("/items", page_size=1).json()
    second = office.get("/items", page_size=1, page=2).json()
    beyond = office.get("/items", page_size=1, page=3).json()
    assert first["count"] == second["count"] == beyond["count"] == 2
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [
        world.item_a.pk,
        world.item_b.pk,
    ]
    assert beyond["items"] == []


def _make_items(world: World, n: int) -> None:
    for _ in range(n):
        item = cast(Item, ItemFactory(programme=world.programme, lead_unit=world.unit_a))
        item.sponsor_leaders.add(world.leader_person)
        item.partner_units.add(world.unit_c, world.unit_b)


def _queries_for_list(caller: Caller) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = caller.get("/items", page_size=100)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def test_list_query_count_does_not_grow_with_data(
    world: World, client: Client, django_assert_max_num_queries: Any
) -> None:
    caller = Caller(client, world.office)
    caller.get("/me")  # the token's first use is recorded; later uses within a minute are not
    _make_items(world, 8)
    small, small_count = _queries_for_list(caller)
    _make_items(world, 50)
    large, large_count = _queries_for_list(caller)
    assert (small_count, large_count) == (10, 60)
    assert small == large
    with django_assert_max_num_queries(small):
        assert len(caller.get("/items", page_size=100).json()["items"]) == 60


# --- the detail -----------------------------------------------------------------------


def test_detail_has_targets_milestones_programme_and_money(world: World, as_user: Any) -> None:
    services.add_milestone(
        world.item_a,
        services.MilestoneInput("完成勘察", due_date=dt.date(2021, 6, 30)),
        actor=world.office,
    )
    services.update_item(
        world.item_a,
        actor=world.office,
        expected_version=None,
        planned_investment=Decimal("730000000.00"),
        measures="分段施工",
    )
    body = as_user(world.editor_a).get(f"/items/{world.item_a.pk}").json()
    assert body["programme"] == {
        "id": world.programme.pk,
        "year": 2021,
        "name": body["programme"]["name"],
    }
    assert body["measures"] == "分段施工"
    assert body["planned_investment"] == "730000000.00"
    assert body["done_investment"] is None
    target = world.item_a.targets.get()
    assert body["targets"] == [
        {"id": target.pk, "name": "修复路段", "value": "20.00", "unit": "处", "actual": None}
    ]
    assert [m["title"] for m in body["milestones"]] == ["完成勘察"]
    assert body["milestones"][0]["done_date"] is None
    assert body["version"] == 3  # adding a milestone is an edit of the item, as is update_item
    assert body["partner_units"][0]["name"] == "区住建局"


# --- small lists ----------------------------------------------------------------------


def test_small_lists_for_the_district(world: World, as_user: Any) -> None:
    editor = as_user(world.editor_a)
    programmes = editor.get("/programmes").json()
    assert programmes == [
        {
            "id": world.programme.pk,
            "year": 2021,
            "name": world.programme.name,
            "jurisdiction": "230103",
        }
    ]
    categories = editor.get("/categories", programme=world.programme.pk).json()
    assert [c["name"] for c in categories] == ["城建城管执法类"]
    assert editor.get("/categories", year=2020).json() == []
    assert editor.get("/categories", jurisdiction="230111").json() == []
    leaders = editor.get("/leaders", jurisdiction="230103").json()
    assert [(p["id"], p["name"]) for p in leaders] == [(world.leader_person.pk, "常务副区长")]
    assert {u["id"] for u in editor.get("/units").json()} == {
        world.unit_a.pk,
        world.unit_b.pk,
        world.unit_c.pk,
    }


# --- bad input never gives a 500 -----------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"page": "-1"},
        {"page": "0"},
        {"page": "abc"},
        {"page_size": "10000"},
        {"page_size": "0"},
        {"programme": "99999999999999999999999"},
        {"unit": "-5"},
        {"year": "1900"},
        {"jurisdiction": "南岗"},
        {"lifecycle": "bogus"},
        {"overdue": "maybe"},
        {"q": "长" * 101},
        {"lifecyle": "done"},  # misspelt: refused rather than ignored
        {"foo": "bar"},
    ],
)
def test_bad_list_parameters_are_4xx(world: World, as_user: Any, params: dict[str, str]) -> None:
    response = as_user(world.office).get("/items", **params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    assert set(body["errors"]) == set(params)


def test_a_nul_in_a_parameter_is_a_400_naming_it(world: World, as_user: Any) -> None:
    """Refused at the root before the endpoint runs (core/inputs.py), not as a 422."""
    response = as_user(world.office).get("/items", q="a\x00b")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"q"}


@pytest.mark.parametrize("item_id", ["0", "-1", "abc", "99999999999999999999999", "1.5"])
def test_bad_item_ids_are_4xx(world: World, as_user: Any, item_id: str) -> None:
    office = as_user(world.office)
    for response in (
        office.get(f"/items/{item_id}"),
        office.get(f"/items/{item_id}/updates"),
        office.post(f"/items/{item_id}/updates", {"text": "x"}),
    ):
        assert 400 <= response.status_code < 500, response.content


def test_missing_item_is_404(world: World, as_user: Any) -> None:
    assert as_user(world.office).get("/items/987654321").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        ("", 422),
        ("[]", 422),
        ('"text"', 422),
        ({}, 422),
        ({"text": "x", "rate": "abc"}, 422),
        ({"text": "x", "rate": "NaN"}, 422),
        ({"text": "x", "rate": "Infinity"}, 422),
        ({"text": "x", "rate": 33.333}, 422),
        ({"text": "x", "done_investment": "1e30"}, 422),
        ({"text": "x", "reported_on": "2021-13-45"}, 422),
        ({"text": "x", "target_actuals": {"abc": 1}}, 422),
        ({"text": "x", "target_actuals": [1, 2]}, 422),
        ({"text": "x", "expected_version": -1}, 422),
        ({"text": "x", "as_note": "perhaps"}, 422),
        ({"text": "x", "unknown": 1}, 422),
        ({"text": "a\x00b"}, 400),  # the input rule at the root (core/inputs.py)
        ({"text": 5}, 422),
    ],
)
def test_bad_progress_bodies_are_4xx(world: World, as_user: Any, body: Any, status: int) -> None:
    response = as_user(world.editor_a).post(f"/items/{world.item_a.pk}/updates", body)
    assert response.status_code == status, response.content
    assert response.json()["detail"]
    assert _updates(world.item_a) == 0


def test_body_field_errors_name_the_field(world: World, as_user: Any) -> None:
    response = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates", {"text": "x", "rate": "abc"}
    )
    assert set(response.json()["errors"]) == {"rate"}


def test_unknown_query_parameter_on_post_is_refused(world: World, as_user: Any) -> None:
    response = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates?dry_run=1", {"text": "x", "rate": 1}
    )
    assert response.status_code == 422
    assert _updates(world.item_a) == 0


def test_wrong_method_is_405(world: World, as_user: Any) -> None:
    caller = as_user(world.office)
    response = caller.client.delete(f"{API}/items/{world.item_a.pk}", **caller.headers)
    assert response.status_code == 405


# --- the schema -----------------------------------------------------------------------


def test_openapi_document_and_docs_are_served(client: Client, db: None) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/items",
        "/api/v1/items/{item_id}",
        "/api/v1/items/{item_id}/updates",
        "/api/v1/categories",
        "/api/v1/units",
        "/api/v1/programmes",
        "/api/v1/leaders",
        "/api/v1/me",
    ):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/v1/items/{item_id}/updates"]) == {"get", "post"}
    assert set(spec["components"]["securitySchemes"]) == {"BearerAuth", "SessionAuth"}
    assert client.get(f"{API}/docs").status_code == 200
