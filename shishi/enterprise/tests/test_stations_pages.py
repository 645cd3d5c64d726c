"""Service stations: the office creates and edits one (a stale edit refused), names its staff
(accounts of the district only) and the enterprises it serves (by USCC, from the district's
register), removes them; staff see their own station read-only; others see none; audited."""

from __future__ import annotations

import pytest

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.enterprise import stations
from shishi.enterprise.models import Station
from shishi.enterprise.tests.requests_world import Ent, build_ent, enterprise, make_uscc, taken

LIST = "/enterprise/stations/"


@pytest.fixture
def ent(world: World) -> Ent:
    return build_ent(world)


def page(pk: int) -> str:
    return f"/enterprise/stations/{pk}/"


def test_the_office_creates_a_station(world: World) -> None:
    office = client_for(world.office)
    assert office.get(LIST).status_code == 200
    refused = office.post(LIST, {"district": "230103", "name": "  ", "is_active": "on"})
    assert refused.status_code == 422 and not Station.objects.exists()
    made = office.post(
        LIST,
        {"district": "230103", "name": "王岗益企工作站", "address": "王岗大街", "is_active": "on"},
    )
    station = Station.objects.get()
    assert made.status_code == 302 and made["Location"] == page(station.pk)
    assert station.jurisdiction_id == world.nangang.pk and station.is_active
    twice = office.post(LIST, {"district": "230103", "name": "王岗益企工作站"})
    assert twice.status_code == 422 and "同名" in twice.content.decode()
    assert AuditEvent.objects.filter(action="enterprise.station_create").count() == 1
    # Another district's office cannot create one in Nangang.
    other = client_for(world.outsider).post(LIST, {"district": "230103", "name": "冒名工作站"})
    assert other.status_code == 403
    assert client_for(world.editor_a).get(LIST).status_code == 403


def test_edit_against_the_stamp(world: World, ent: Ent) -> None:
    station = Station.objects.get(pk=ent.station.pk)
    loaded = stations.stamp(station)
    stations.update_station(
        station,
        name="南岗区益企工作站",
        address="新地址",
        is_active=True,
        actor=world.office,
        expected_stamp=loaded,
    )
    with pytest.raises(StaleEdit):
        stations.update_station(
            station,
            name="又改名",
            address="",
            is_active=False,
            actor=world.office,
            expected_stamp=loaded,
        )
    station.refresh_from_db()
    assert station.name == "南岗区益企工作站" and station.is_active
    office = client_for(world.office)
    stale = office.post(
        page(station.pk), {"action": "edit", "name": "页面上改", "stamp": loaded, "is_active": "on"}
    )
    assert stale.status_code == 409 and 'id="stale"' in stale.content.decode()
    fresh = stations.stamp(Station.objects.get(pk=station.pk))
    ok = office.post(page(station.pk), {"action": "edit", "name": "页面上改", "stamp": fresh})
    assert ok.status_code == 302
    station.refresh_from_db()
    assert station.name == "页面上改" and not station.is_active
    with pytest.raises(PermissionDenied):
        stations.update_station(
            station, name="x", address="", is_active=True, actor=world.outsider, expected_stamp=None
        )


def test_staff_are_accounts_of_the_district(world: World, ent: Ent) -> None:
    office = client_for(world.office)
    foreign = office.post(page(ent.station.pk), {"action": "add_staff", "username": "outsider"})
    assert foreign.status_code == 422 and "不在本区" in foreign.content.decode()
    missing = office.post(page(ent.station.pk), {"action": "add_staff", "username": "nobody"})
    assert missing.status_code == 422
    added = office.post(page(ent.station.pk), {"action": "add_staff", "username": "editor_b"})
    assert added.status_code == 302
    assert set(ent.station.staff.values_list("username", flat=True)) == {
        "station_staff",
        "editor_b",
    }
    removed = office.post(
        page(ent.station.pk), {"action": "remove_staff", "target": world.editor_b.pk}
    )
    assert removed.status_code == 302
    assert list(ent.station.staff.values_list("username", flat=True)) == ["station_staff"]
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "enterprise.station_staff_add" in actions
    assert "enterprise.station_staff_remove" in actions


def test_served_enterprises_by_uscc(world: World, ent: Ent) -> None:
    office = client_for(world.office)
    bad = office.post(page(ent.station.pk), {"action": "add_enterprise", "uscc": "123"})
    assert bad.status_code == 422 and "统一社会信用代码" in bad.content.decode()
    unknown = office.post(
        page(ent.station.pk), {"action": "add_enterprise", "uscc": make_uscc(404)}
    )
    assert unknown.status_code == 422 and "不在本区企业名录中" in unknown.content.decode()
    hulan = enterprise(world, 405, hulan=True)
    other = office.post(page(ent.station.pk), {"action": "add_enterprise", "uscc": hulan.uscc})
    assert other.status_code == 422
    ok = office.post(
        page(ent.station.pk), {"action": "add_enterprise", "uscc": ent.unserved.uscc.lower()}
    )
    assert ok.status_code == 302
    assert ent.station.enterprises.count() == 2
    office.post(page(ent.station.pk), {"action": "remove_enterprise", "target": ent.served.pk})
    assert list(ent.station.enterprises.all()) == [ent.unserved]
    with pytest.raises(ValidationFailed):
        stations.add_enterprise(ent.station, code=ent.unserved.uscc, actor=world.office)


def test_staff_see_their_station_read_only(world: World, ent: Ent) -> None:
    made = taken(world, ent)
    staff = client_for(ent.staff)
    listing = staff.get(LIST).content.decode()
    assert ent.station.name in listing and ent.other_station.name not in listing
    assert 'id="station-new-form"' not in listing
    mine = staff.get(page(ent.station.pk))
    body = mine.content.decode()
    assert mine.status_code == 200 and made.number in body and ent.served.name in body
    assert 'id="add-staff-form"' not in body and 'id="station-received">1<' in body
    assert staff.get(page(ent.other_station.pk)).status_code == 404
    denied = staff.post(page(ent.station.pk), {"action": "add_staff", "username": "editor_b"})
    assert denied.status_code == 403
    assert client_for(world.outsider).get(page(ent.station.pk)).status_code == 404
    assert client_for(None).get(page(ent.station.pk)).status_code == 302


def test_an_inactive_station_takes_no_requests(world: World, ent: Ent) -> None:
    stations.update_station(
        ent.station,
        name=ent.station.name,
        address="",
        is_active=False,
        actor=world.office,
        expected_stamp=None,
    )
    with pytest.raises(PermissionDenied):
        taken(world, ent)


def test_hostile_station_names_are_escaped(world: World) -> None:
    station = stations.create_station(
        world.nangang.pk, name="<script>alert(1)</script>站", actor=world.office
    )
    office = client_for(world.office)
    for response in (office.get(LIST), office.get(page(station.pk))):
        body = response.content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
