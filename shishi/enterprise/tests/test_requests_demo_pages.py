"""The demo's stations and requests (``demo_requests``, written row by row) read well on the
request pages: the queue, every request's page, a station's page and the figures, for the
office, a station's staff and an owner unit — no error, the events named."""

from __future__ import annotations

from django.utils import timezone

from shishi.conftest import World, client_for
from shishi.enterprise import demo_requests
from shishi.enterprise.models import Enterprise, RequestEvent, ServiceRequest
from shishi.enterprise.tests.requests_world import make_uscc
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, Unit, User


def test_demo_requests_on_the_pages(world: World) -> None:
    streets = {
        name: org_services.ensure_unit(world.nangang, name, kind=Unit.Kind.STREET).pk
        for station in demo_requests.STATIONS
        for name in station[2]
    }
    names = list(streets)
    register = [
        Enterprise.objects.create(
            jurisdiction=world.nangang,
            uscc=make_uscc(500 + n),
            name=f"示例企业{n}有限公司",
            street_id=streets[names[n % len(names)]],
        )
        for n in range(30)
    ]
    staff = demo_requests.seed_stations(world.nangang, register, streets, "!")
    now = timezone.now()
    made = demo_requests.seed_requests(world.nangang, register, staff, world.office, now)
    assert made == ServiceRequest.objects.count() > 0
    office = client_for(world.office)
    queue = office.get("/enterprise/requests/")
    assert queue.status_code == 200
    for request in ServiceRequest.objects.all():
        page = office.get(f"/enterprise/requests/{request.pk}/")
        assert page.status_code == 200, request.number
    contacted = RequestEvent.objects.filter(action="contacted").first()
    if contacted is not None:
        body = office.get(f"/enterprise/requests/{contacted.request_id}/").content.decode()
        assert "对接企业" in body
    yiqi = User.objects.get(username="yiqi")
    station = staff[0].station
    assert client_for(yiqi).get(f"/enterprise/stations/{station.pk}/").status_code == 200
    assert client_for(yiqi).get("/enterprise/requests/").status_code == 200
    owned = ServiceRequest.objects.exclude(owner_unit=None).first()
    assert owned is not None and owned.owner_unit is not None
    worker = org_services.ensure_user("demo_unit_worker", password="x", display_name="承办人")
    org_services.grant_role(worker, Role.UNIT_EDITOR, world.nangang, unit=owned.owner_unit)
    assert client_for(worker).get(f"/enterprise/requests/{owned.pk}/").status_code == 200
    year = timezone.localdate().year
    figures = office.get("/enterprise/requests/figures/", {"year": year})
    assert figures.status_code == 200
    last_year = office.get("/enterprise/requests/figures/", {"year": year - 1})
    assert last_year.status_code == 200
