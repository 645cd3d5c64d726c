"""The review queue's API: list units' pending updates, publish them (one or many), send one
back with a comment; and the review fields of a progress update."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shishi.conftest import World
from shishi.ledger import services
from shishi.ledger.models import Attachment, Item, ProgressUpdate, Review
from shishi.ledger.tests.api_client import API


def fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def post(item: Item, actor: Any, rate: int | None = None, **kwargs: Any) -> ProgressUpdate:
    kwargs.setdefault("text", f"进展{rate}")
    value = None if rate is None else Decimal(rate)
    return services.record_progress(fresh(item), actor=actor, rate=value, **kwargs)


def review_of(update: ProgressUpdate) -> str:
    return ProgressUpdate.objects.get(pk=update.pk).review


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


@pytest.fixture
def pending(world: World) -> list[ProgressUpdate]:
    """item_a's (unit A, with a photo, lowering the office's 60%) and item_b's (unit B)."""
    post(world.item_a, world.office, 60, reported_on=dt.date(2021, 4, 1))
    photo = SimpleUploadedFile("现场.png", b"\x89PNG", content_type="image/png")
    first = post(
        world.item_a,
        world.editor_a,
        40,
        text="甲单位填报",
        reason="返工",
        reported_on=dt.date(2021, 5, 1),
        attachments=[photo],
    )
    second = post(world.item_b, world.editor_b, 20, text="乙单位填报")
    post(world.item_a, world.partner_editor, None, text="配合备注", as_note=True)
    return [first, second]


# --- GET /review-queue ------------------------------------------------------------------------


def test_the_queue_lists_pending_updates_oldest_first(
    world: World, pending: list[ProgressUpdate], as_user: Any
) -> None:
    response = as_user(world.office).get("/review-queue")
    assert ids(response) == [u.pk for u in pending]
    body = response.json()
    assert (body["count"], body["page"]) == (2, 1)
    row = body["items"][0]
    assert row["item_id"] == world.item_a.pk
    assert (row["item_number"], row["item_name"]) == ("1-1", world.item_a.name)
    assert row["programme_id"] == world.programme.pk
    assert row["unit"] == "区城管局"
    assert row["reported_on"] == "2021-05-01"
    assert (row["previous_rate"], row["rate"]) == (60, 40)
    assert (row["text"], row["reason"]) == ("甲单位填报", "返工")
    assert row["waiting_days"] == 0
    (photo,) = row["attachments"]
    assert photo["name"] == "现场.png" and photo["content_type"] == "image/png"
    assert photo["url"].startswith("http://testserver/ledger/items/")


def test_the_queue_filters(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    office = as_user(world.office)
    assert ids(office.get("/review-queue", unit=world.unit_b.pk)) == [pending[1].pk]
    assert ids(office.get("/review-queue", programme=world.programme.pk)) == [u.pk for u in pending]
    assert ids(office.get("/review-queue", programme=world.hulan_programme.pk)) == []
    category = world.item_a.category_id
    assert len(ids(office.get("/review-queue", category=category))) == 2
    then = timezone.now() - dt.timedelta(days=10)
    ProgressUpdate.objects.filter(pk=pending[0].pk).update(created_at=then)
    assert ids(office.get("/review-queue", min_age_days=7)) == [pending[0].pk]
    waited = office.get("/review-queue", min_age_days=7).json()["items"][0]["waiting_days"]
    assert waited == 10


def test_the_queue_pages(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    office = as_user(world.office)
    second = office.get("/review-queue", page=2, page_size=1)
    assert ids(second) == [pending[1].pk]
    assert second.json()["count"] == 2


@pytest.mark.parametrize(
    "query",
    [{"colour": "red"}, {"programme": "abc"}, {"min_age_days": "-1"}, {"page": "0"}],
)
def test_bad_or_unknown_query_parameters_are_422(
    world: World, as_user: Any, query: dict[str, str]
) -> None:
    response = as_user(world.office).get("/review-queue", **query)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == set(query)


@pytest.mark.parametrize("persona", ["editor_a", "partner_editor", "viewer_a", "leader"])
def test_only_an_office_reads_the_queue(world: World, as_user: Any, persona: str) -> None:
    response = as_user(getattr(world, persona)).get("/review-queue")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有专班可以审核单位进展"


def test_the_queue_needs_credentials(world: World, as_user: Any) -> None:
    assert as_user(None).get("/review-queue").status_code == 401


def test_another_districts_office_sees_only_its_own(
    world: World, pending: list[ProgressUpdate], as_user: Any
) -> None:
    assert ids(as_user(world.outsider).get("/review-queue")) == []
    assert len(ids(as_user(world.city_office).get("/review-queue"))) == 2


# --- POST /updates/publish --------------------------------------------------------------------


def test_bulk_publish(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    body = {"ids": [u.pk for u in pending]}
    response = as_user(world.office).post("/updates/publish", body)
    assert response.status_code == 200, response.content
    assert sorted(response.json()["published"]) == sorted(u.pk for u in pending)
    assert [review_of(u) for u in pending] == [Review.PUBLISHED, Review.PUBLISHED]
    assert Attachment.objects.get().is_public is True
    # Again: nothing new is published.
    again = as_user(world.office).post("/updates/publish", body)
    assert again.json() == {"published": []}


def test_bulk_publish_without_photos(
    world: World, pending: list[ProgressUpdate], as_user: Any
) -> None:
    response = as_user(world.office).post(
        "/updates/publish", {"ids": [pending[0].pk], "with_photos": False}
    )
    assert response.status_code == 200
    assert review_of(pending[0]) == Review.PUBLISHED
    assert Attachment.objects.get().is_public is False


def test_bulk_publish_refusals(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    note = ProgressUpdate.objects.get(is_note=True)
    office = as_user(world.office)
    refused = office.post("/updates/publish", {"ids": [pending[0].pk, note.pk]})
    assert refused.status_code == 422
    assert "配合单位备注" in refused.json()["detail"]
    gone = office.post("/updates/publish", {"ids": [pending[0].pk, pending[1].pk + 1000]})
    assert gone.status_code == 404
    outsider = as_user(world.outsider).post("/updates/publish", {"ids": [pending[0].pk]})
    assert outsider.status_code == 403
    unit = as_user(world.editor_a).post("/updates/publish", {"ids": [pending[0].pk]})
    assert unit.status_code == 403
    assert [review_of(u) for u in pending] == [Review.PENDING, Review.PENDING]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": []}, "ids"),
        ({}, "ids"),
        ({"ids": ["x"]}, "ids.0"),
        ({"ids": [1], "publish_all": True}, "publish_all"),
        ({"ids": [1], "with_photos": "maybe"}, "with_photos"),
    ],
)
def test_a_bad_publish_body_is_422(
    world: World, as_user: Any, body: dict[str, Any], field: str
) -> None:
    response = as_user(world.office).post("/updates/publish", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_an_unknown_query_parameter_on_a_post_is_422(
    world: World, pending: list[ProgressUpdate], as_user: Any
) -> None:
    caller = as_user(world.office)
    response = caller.client.post(
        f"{API}/updates/publish?dry_run=1",
        json.dumps({"ids": [pending[0].pk]}),
        content_type="application/json",
        **caller.headers,
    )
    assert response.status_code == 422
    assert review_of(pending[0]) == Review.PENDING


# --- POST /updates/{id}/publish ---------------------------------------------------------------


def test_publish_one(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    response = as_user(world.office).post(f"/updates/{pending[0].pk}/publish", {})
    assert response.status_code == 200, response.content
    assert response.json() == {"id": pending[0].pk, "review": "published", "review_comment": ""}
    assert review_of(pending[0]) == Review.PUBLISHED


def test_publish_one_refusals(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    note = ProgressUpdate.objects.get(is_note=True)
    office = as_user(world.office)
    assert office.post(f"/updates/{note.pk}/publish", {}).status_code == 422
    services.reject_update(pending[1], actor=world.office, comment="退回")
    assert office.post(f"/updates/{pending[1].pk}/publish", {}).status_code == 422
    assert office.post(f"/updates/{pending[1].pk + 1000}/publish", {}).status_code == 404
    assert office.post("/updates/0/publish", {}).status_code == 422
    # Another district's office: the update is not there for it.
    outsider = as_user(world.outsider).post(f"/updates/{pending[0].pk}/publish", {})
    assert outsider.status_code == 404
    unit = as_user(world.editor_a).post(f"/updates/{pending[0].pk}/publish", {})
    assert unit.status_code == 403
    assert review_of(pending[0]) == Review.PENDING


# --- POST /updates/{id}/reject ----------------------------------------------------------------


def test_reject_one(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    response = as_user(world.office).post(
        f"/updates/{pending[0].pk}/reject", {"comment": "照片与事项不符"}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": pending[0].pk,
        "review": "rejected",
        "review_comment": "照片与事项不符",
    }
    assert fresh(world.item_a).completion_rate == Decimal(60)  # rolled back
    # The unit reads the comment on the item's updates.
    updates = as_user(world.editor_a).get(f"/items/{world.item_a.pk}/updates").json()["items"]
    rejected = next(u for u in updates if u["id"] == pending[0].pk)
    assert (rejected["review"], rejected["review_comment"]) == ("rejected", "照片与事项不符")
    assert rejected["reason"] == "返工"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"comment": ""}, "comment"), ({"comment": "  "}, "comment"), ({}, "comment")],
)
def test_reject_needs_a_comment(
    world: World, pending: list[ProgressUpdate], as_user: Any, body: dict[str, Any], field: str
) -> None:
    response = as_user(world.office).post(f"/updates/{pending[0].pk}/reject", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert review_of(pending[0]) == Review.PENDING


def test_reject_refusals(world: World, pending: list[ProgressUpdate], as_user: Any) -> None:
    body = {"comment": "退回"}
    office = as_user(world.office)
    services.publish_updates([pending[1].pk], actor=world.office)
    published = office.post(f"/updates/{pending[1].pk}/reject", body)
    assert published.status_code == 422
    assert "只有待审核的进展可以退回" in published.json()["detail"]
    assert office.post(f"/updates/{pending[0].pk + 1000}/reject", body).status_code == 404
    assert as_user(world.outsider).post(f"/updates/{pending[0].pk}/reject", body).status_code == (
        404
    )
    for persona in ("editor_a", "partner_editor", "viewer_a"):
        response = as_user(getattr(world, persona)).post(f"/updates/{pending[0].pk}/reject", body)
        assert response.status_code == 403, persona
    assert as_user(None).post(f"/updates/{pending[0].pk}/reject", body).status_code == 401
    extra = office.post(f"/updates/{pending[0].pk}/reject", {"comment": "x", "notify": True})
    assert extra.status_code == 422
    assert review_of(pending[0]) == Review.PENDING


# --- progress fields --------------------------------------------------------------------------


def test_an_update_carries_its_review_and_the_item_both_versions(
    world: World, as_user: Any
) -> None:
    response = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates", {"text": "填报", "rate": 30}
    )
    assert response.status_code == 201
    update = response.json()["update"]
    assert (update["review"], update["review_comment"], update["reason"]) == ("pending", "", "")
    item = as_user(world.editor_a).get(f"/items/{world.item_a.pk}").json()
    assert (item["version"], item["progress_version"]) == (1, 2)
    note = as_user(world.partner_editor).post(
        f"/items/{world.item_a.pk}/updates", {"text": "备注", "as_note": True}
    )
    assert note.json()["update"]["review"] == "internal"


# --- the schema -------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_review_endpoints(world: World) -> None:
    client = Client()
    client.force_login(world.office)
    schema = client.get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths[f"{API}/review-queue"]
    assert "post" in paths[f"{API}/updates/publish"]
    assert "post" in paths[f"{API}/updates/{{update_id}}/publish"]
    assert "post" in paths[f"{API}/updates/{{update_id}}/reject"]
    progress_in = schema["components"]["schemas"]["ProgressIn"]["properties"]
    assert "reason" in progress_in and "expected_version" in progress_in
    update_out = schema["components"]["schemas"]["UpdateOut"]["properties"]
    assert {"reason", "review", "review_comment"} <= set(update_out)
