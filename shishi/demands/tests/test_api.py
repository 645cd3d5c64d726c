"""Demands in the API: the pages' permissions, masking and services."""

from __future__ import annotations

import json
from typing import Any

from shishi.conftest import World, client_for
from shishi.demands.models import Demand
from shishi.demands.tests.conftest import Dm

API = "/api/v1/demands"


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def test_a_demand_through_the_api(world: World, dm: Dm) -> None:
    operator = client_for(world.operator)
    made = _post(
        operator,
        API,
        {
            "jurisdiction": "230103",
            "kind": "help",
            "category": "road",
            "description": "一曼街路面塌陷无法通行",
            "phone": "13812345678",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["phone"] == "13812345678" and body["status"] == "received"
    pk = body["id"]
    assert _post(operator, f"{API}/{pk}/dispatch", {"unit_id": world.unit_a.pk}).status_code == 200
    unit = client_for(world.editor_a)
    seen = unit.get(f"{API}/{pk}").json()
    assert seen["phone"] == "138****5678"  # masked for the unit
    assert _post(unit, f"{API}/{pk}/accept", {"version": 1}).status_code == 409  # stale
    assert _post(unit, f"{API}/{pk}/accept", {}).status_code == 200
    assert _post(unit, f"{API}/{pk}/resolve", {"reply": "短"}).status_code == 422
    assert _post(unit, f"{API}/{pk}/resolve", {"reply": "已修复路面，恢复通行"}).status_code == 200
    assert _post(unit, f"{API}/{pk}/call_back", {"satisfaction": "satisfied"}).status_code == 403
    done = _post(operator, f"{API}/{pk}/call_back", {"satisfaction": "satisfied"})
    assert done.status_code == 200 and done.json()["status"] == "closed"
    events = operator.get(f"{API}/{pk}/events").json()
    assert [e["action"] for e in events] == ["intake", "dispatch", "accept", "resolve", "call_back"]
    assert client_for(world.editor_b).get(f"{API}/{pk}").status_code == 404
    assert client_for(world.editor_b).get(API).json()["count"] == 0
    assert operator.get(f"{API}?status=closed").json()["count"] == 1
    assert operator.get(f"{API}?bogus=1").status_code == 422
    assert _post(operator, f"{API}/{pk}/fly", {}).status_code == 404
    assert Demand.objects.count() == 1


def test_a_report_s_filer_is_hidden_from_the_unit(world: World, dm: Dm) -> None:
    operator = client_for(world.operator)
    pk = _post(
        operator,
        API,
        {
            "jurisdiction": "230103",
            "kind": "report",
            "category": "road",
            "description": "有人夜间偷倒建筑垃圾",
            "contact_name": "王某",
            "phone": "13812345678",
        },
    ).json()["id"]
    _post(operator, f"{API}/{pk}/dispatch", {"unit_id": world.unit_a.pk})
    seen = client_for(world.editor_a).get(f"{API}/{pk}").json()
    assert seen["contact_name"] is None and seen["phone"] is None
    assert operator.get(f"{API}/{pk}").json()["contact_name"] == "王某"
