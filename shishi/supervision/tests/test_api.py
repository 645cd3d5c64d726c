"""Supervision in the API: the same permissions and services as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from shishi.conftest import World, client_for
from shishi.supervision.models import Finding, Instruction
from shishi.supervision.services import findings
from shishi.supervision.tests.conftest import Sv

API = "/api/v1/supervision"


def _json(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def _finding(world: World, sv: Sv) -> Finding:
    return findings.add_finding(
        findings.FindingInput(
            kind=Finding.Kind.TO_RECTIFY,
            problem="措施不具体",
            measure="细化措施",
            deadline=dt.date(2030, 1, 10),
            responsible_person="赵科长",
        ),
        round=sv.round,
        group=sv.group,
        unit=world.unit_a,
        actor=world.inspector,
    )


def test_rectify_and_verify_through_the_api(world: World, sv: Sv) -> None:
    finding = _finding(world, sv)
    unit = client_for(world.editor_a)
    listed = unit.get(f"{API}/findings?status=open").json()
    assert listed["count"] == 1 and listed["items"][0]["problem"] == "措施不具体"
    assert client_for(world.editor_b).get(f"{API}/findings").json()["count"] == 0
    assert client_for(world.editor_b).get(f"{API}/findings/{finding.pk}").status_code == 404
    done = _json(unit, f"{API}/findings/{finding.pk}/rectifications", {"measures": "已细化"})
    assert done.status_code == 201 and done.json()["status"] == "submitted"
    refused = _json(
        client_for(world.editor_a), f"{API}/findings/{finding.pk}/verdict", {"accept": True}
    )
    assert refused.status_code == 403
    closed = _json(
        client_for(world.inspector), f"{API}/findings/{finding.pk}/verdict", {"accept": True}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert unit.get(f"{API}/findings?status=nonsense").status_code == 422
    assert unit.get(f"{API}/findings?bogus=1").status_code == 422


def test_instructions_through_the_api(world: World) -> None:
    leader = client_for(world.leader)
    made = _json(
        leader,
        f"{API}/instructions",
        {
            "jurisdiction": "230103",
            "text": "请加快",
            "answer_by": "2030-01-15",
            "item_id": world.item_b.pk,
        },
    )
    assert made.status_code == 201
    body = made.json()
    assert body["unit"]["id"] == world.unit_b.pk and body["status"] == "open"
    assert (
        _json(
            client_for(world.editor_a), f"{API}/instructions/{body['id']}/answer", {"text": "x"}
        ).status_code
        == 404  # another unit's instruction does not exist for it
    )
    answered = _json(
        client_for(world.editor_b), f"{API}/instructions/{body['id']}/answer", {"text": "已加快"}
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert Instruction.objects.get().steps.count() == 1
    assert client_for(world.office).get(f"{API}/instructions?status=answered").json()["count"] == 1
    no_district = _json(
        client_for(world.outsider),
        f"{API}/instructions",
        {
            "jurisdiction": "230103",
            "text": "x",
            "answer_by": "2030-01-15",
            "unit_id": world.unit_b.pk,
        },
    )
    assert no_district.status_code == 404
