"""What the service-request and station tests share: enterprises with valid USCCs, a station
of Nangang with its staff member and the enterprises it serves."""

from __future__ import annotations

from dataclasses import dataclass

from shishi.conftest import World, _user
from shishi.core.uscc import check_character
from shishi.enterprise import requests as svc
from shishi.enterprise import stations
from shishi.enterprise.models import Enterprise, ServiceRequest, Station
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, User

PHONE = "13912345678"


def make_uscc(serial: int) -> str:
    first = f"91230103MA{serial:07d}"[:17]
    return first + check_character(first)


def enterprise(world: World, serial: int, name: str = "", *, hulan: bool = False) -> Enterprise:
    return Enterprise.objects.create(
        jurisdiction=world.hulan if hulan else world.nangang,
        uscc=make_uscc(serial),
        name=name or f"哈尔滨测试企业{serial}有限公司",
    )


@dataclass
class Ent:
    station: Station
    other_station: Station
    staff: User  # works at ``station``
    served: Enterprise  # served by ``station``
    unserved: Enterprise  # in the register, served by no station


def build_ent(world: World) -> Ent:
    staff = _user("station_staff")
    org_services.grant_role(staff, Role.OPERATOR, world.nangang)
    station = stations.create_station(
        world.nangang.pk, name="南岗益企工作站", address="红旗大街1号", actor=world.office
    )
    other = stations.create_station(world.nangang.pk, name="哈西益企工作站", actor=world.office)
    stations.add_staff(station, username=staff.username, actor=world.office)
    served = enterprise(world, 1, "哈尔滨冰城软件有限公司")
    unserved = enterprise(world, 2, "哈尔滨松花江食品有限公司")
    stations.add_enterprise(station, code=served.uscc, actor=world.office)
    return Ent(station=station, other_station=other, staff=staff, served=served, unserved=unserved)


def public_input(code: str, **changes: object) -> svc.RequestInput:
    data = svc.RequestInput(
        kind="financing",
        description="企业扩大生产需要500万元流动资金贷款，希望对接银行",
        contact_name="李经理",
        contact_phone=PHONE,
        uscc=code,
        enterprise_name="哈尔滨冰城软件有限公司",
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def taken(world: World, ent: Ent, **changes: object) -> ServiceRequest:
    """A request of the served enterprise taken in at the station."""
    return svc.take_in_by_staff(
        world.nangang.pk,
        public_input(ent.served.uscc, station_id=ent.station.pk, **changes),
        actor=ent.staff,
    )
