"""The demo's stations and service requests: every state present, idempotent."""

from __future__ import annotations

from django.utils import timezone

from shishi.conftest import World
from shishi.enterprise import request_demo
from shishi.enterprise import requests as svc
from shishi.enterprise.models import RequestStatus, ServiceRequest, Station


def test_demo_requests_in_every_state_once(world: World) -> None:
    logins = request_demo.seed_requests({"230103": world.nangang}, "demo-pass")
    assert logins and logins[0].startswith("yiqi")
    rows = list(ServiceRequest.objects.filter(jurisdiction=world.nangang))
    assert len(rows) == 36 and Station.objects.filter(jurisdiction=world.nangang).count() == 3
    statuses = {r.status for r in rows}
    assert statuses == {RequestStatus.RECEIVED, RequestStatus.HANDLING, RequestStatus.CLOSED}
    assert {r.outcome for r in rows if r.outcome} == {"solved", "partly", "unsolvable"}
    assert any(r.rating for r in rows) and any(r.status == "closed" and not r.rating for r in rows)
    today = timezone.localdate()
    assert any(svc.is_overdue(r, today) for r in rows)
    assert {r.channel for r in rows} == {"public", "station"}
    assert all(r.closed_at is None or r.closed_at >= r.created_at for r in rows)
    again = request_demo.seed_requests({"230103": world.nangang}, "demo-pass")
    assert again == logins and ServiceRequest.objects.count() == 36
    assert request_demo.seed_requests({}, "demo-pass") == []
