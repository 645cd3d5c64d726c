"""Change requests through the API: file, list, approve, reject; roles, 422, 409."""

from __future__ import annotations

from typing import Any

import pytest

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import ChangeRequest, Item

DEADLINE = {"changes": {"deadline_text": "2022年6月底前"}, "reason": "冬季无法施工"}


def _file(as_user: Any, world: World, body: Any = DEADLINE) -> Any:
    return as_user(world.editor_a).post(f"/items/{world.item_a.pk}/change-requests", body)


def test_lead_unit_files_and_gets_201(as_user: Any, world: World) -> None:
    response = _file(as_user, world)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["changes"] == {"deadline_text": "2022年6月底前"}
    assert body["before"] == {"deadline_text": "2021年12月底前"}
    assert body["unit"] == {"id": world.unit_a.pk, "name": world.unit_a.name}
    assert body["item_id"] == world.item_a.pk


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner_editor", 403),
        ("editor_b", 403),
        ("viewer_a", 403),
        ("leader", 403),
        ("office", 403),
        ("outsider", 404),
        ("resident", 404),
    ],
)
def test_filing_refused_for_other_roles(as_user: Any, world: World, who: str, status: int) -> None:
    response = as_user(getattr(world, who)).post(
        f"/items/{world.item_a.pk}/change-requests", DEADLINE
    )
    assert response.status_code == status
    assert not ChangeRequest.objects.exists()


def test_anonymous_is_401(as_user: Any, world: World) -> None:
    assert as_user(None).get("/change-requests").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changes": {"deadline_text": "某个时候"}, "reason": "r"}, "deadline_text"),
        ({"changes": {"remarks": "x"}, "reason": "r"}, "remarks"),
        ({"changes": {"partner_units": ["a"]}, "reason": "r"}, "partner_units"),
        ({"changes": {"due_date": "2027-02-30"}, "reason": "r"}, "due_date"),
        ({"changes": {"deadline_text": "2022年6月底前"}, "reason": ""}, "reason"),
        ({"changes": {}, "reason": "r"}, "changes"),
        ({"changes": {"name": "x"}}, "reason"),
        ({"changes": {"name": "x"}, "reason": "r", "extra": 1}, "extra"),
    ],
)
def test_bad_request_is_422_naming_the_field(
    as_user: Any, world: World, body: dict, field: str
) -> None:
    response = _file(as_user, world, body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]


def test_office_queue_and_units_own_list(as_user: Any, world: World) -> None:
    cr_id = _file(as_user, world).json()["id"]
    queue = as_user(world.office).get("/change-requests", status="pending").json()
    assert [r["id"] for r in queue["items"]] == [cr_id] and queue["count"] == 1
    assert as_user(world.editor_a).get("/change-requests").json()["count"] == 1
    assert as_user(world.editor_b).get("/change-requests").json()["count"] == 0
    assert as_user(world.outsider).get("/change-requests").json()["count"] == 0
    assert as_user(world.office).get("/change-requests", unit=world.unit_b.pk).json()["count"] == 0
    assert as_user(world.office).get("/change-requests", bogus=1).status_code == 422
    assert as_user(world.office).get("/change-requests", status="nope").status_code == 422


def test_office_approves_and_item_changes_with_audit(as_user: Any, world: World) -> None:
    cr_id = _file(as_user, world).json()["id"]
    assert as_user(world.editor_a).post(f"/change-requests/{cr_id}/approve", {}).status_code == 403
    assert as_user(world.outsider).post(f"/change-requests/{cr_id}/approve", {}).status_code == 404
    response = as_user(world.office).post(f"/change-requests/{cr_id}/approve", {"comment": "同意"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.deadline_text == "2022年6月底前"
    assert item.original_deadline_text == "2021年12月底前"
    event = AuditEvent.objects.get(action="item.update", target_id=str(item.pk))
    assert event.actor_id == world.office.pk
    assert event.changes["change_request"] == [None, cr_id]
    detail = as_user(world.office).get(f"/items/{item.pk}").json()
    assert detail["deadline_text"] == "2022年6月底前"


def test_reject_needs_comment_and_the_unit_reads_it(as_user: Any, world: World) -> None:
    cr_id = _file(as_user, world).json()["id"]
    refused = as_user(world.office).post(f"/change-requests/{cr_id}/reject", {"comment": ""})
    assert refused.status_code == 422 and "comment" in refused.json()["errors"]
    ok = as_user(world.office).post(f"/change-requests/{cr_id}/reject", {"comment": "不同意"})
    assert ok.status_code == 200 and ok.json()["status"] == "rejected"
    mine = as_user(world.editor_a).get(f"/change-requests/{cr_id}").json()
    assert mine["comment"] == "不同意" and mine["status"] == "rejected"


def test_stale_approval_is_409(as_user: Any, world: World) -> None:
    cr_id = _file(as_user, world).json()["id"]
    services.update_item(
        world.item_a, actor=world.office, expected_version=None, deadline_text="2021年10月底前"
    )
    response = as_user(world.office).post(f"/change-requests/{cr_id}/approve", {})
    assert response.status_code == 409
    assert "完成时限" in response.json()["detail"]


def test_unit_withdraws(as_user: Any, world: World) -> None:
    cr_id = _file(as_user, world).json()["id"]
    assert as_user(world.office).post(f"/change-requests/{cr_id}/withdraw", {}).status_code == 403
    response = as_user(world.editor_a).post(f"/change-requests/{cr_id}/withdraw", {})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_endpoints_are_in_the_openapi_schema(as_user: Any, world: World) -> None:
    paths = as_user(world.office).client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/items/{item_id}/change-requests" in paths
    assert "/api/v1/change-requests" in paths
    assert "/api/v1/change-requests/{request_id}/approve" in paths
    assert "/api/v1/change-requests/{request_id}/reject" in paths
