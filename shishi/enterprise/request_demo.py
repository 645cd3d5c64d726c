"""Demo service stations and service requests (``seed_demo`` calls ``seed_requests`` after
the register; idempotent): Nangang's three 益企工作站 with a staff login ``yiqi`` and the
enterprises each serves, the financing and business-opening units, and about three months of
requests in every state — received, handling, overdue, closed with each outcome, rated —
written through the services (events, audit, SMS records) with their dates moved back.

Enterprises come from the district's register; while it has fewer than a dozen, fictional
ones with valid USCCs are added (``DEMO_ENTERPRISES``)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core.uscc import check_character
from shishi.enterprise import requests as svc
from shishi.enterprise import stations
from shishi.enterprise.models import Enterprise, RequestEvent, ServiceRequest, Station
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Role, Unit

DISTRICT = "230103"
STATIONS = (
    ("南岗区数字经济产业园益企工作站", "南岗区学府路68号"),
    ("哈尔滨科技创新城益企工作站", "南岗区中兴大道1号"),
    ("红旗大街商圈益企工作站", "南岗区红旗大街301号"),
)
UNITS = {
    "financing": "区金融服务中心",
    "green_channel": "区营商环境建设局",
    "site": "区自然资源局",
    "talent": "区人社局",
    "other": "区营商环境建设局",
}
DEMO_ENTERPRISES = (
    "哈尔滨冰城数智科技有限公司",
    "哈尔滨松北精工机械有限公司",
    "黑龙江北药健康科技有限公司",
    "哈尔滨雪域食品有限公司",
    "哈尔滨学府软件股份有限公司",
    "哈尔滨红旗商贸有限公司",
    "黑龙江寒地新材料有限公司",
    "哈尔滨中兴智能装备有限公司",
    "哈尔滨龙江物流有限公司",
    "哈尔滨冰雪文旅发展有限公司",
    "哈尔滨北方检测认证有限公司",
    "哈尔滨金谷农业科技有限公司",
)
DESCRIPTIONS = {
    "financing": [
        "企业订单增加，需要800万元流动资金贷款，希望对接银行和政府性融资担保",
        "申请科技型中小企业知识产权质押贷款，请帮助对接评估机构和银行",
        "设备更新需要中长期贷款300万元，咨询贷款贴息政策",
    ],
    "green_channel": [
        "新设分公司，希望走开办企业绿色通道，一日内办结执照、刻章和税务登记",
        "变更经营范围并增设门店，需要帮办食品经营许可",
    ],
    "site": [
        "新建生产线需要约20亩工业用地，请帮助选址并办理用地预审",
        "厂房扩建需要办理规划许可和施工许可，请安排帮办",
    ],
    "talent": [
        "招聘30名软件工程师，希望参加人才招聘会并了解人才公寓政策",
        "引进高层次人才2名，咨询安家补贴和子女入学政策",
    ],
    "other": [
        "园区道路夜间照明不足，员工下班出行不便",
        "咨询出口退税办理流程，希望有专人辅导",
    ],
}
PHONES = ("13904510188", "13945012266", "15804519937", "18646023315", "13796601248")
CONTACTS = ("李经理", "王总", "张女士", "刘主任", "陈先生")


def _uscc(serial: int) -> str:
    first = f"91230103MA1D{serial:05d}"[:17]
    return first + check_character(first)


def _enterprises(district: Jurisdiction) -> list[Enterprise]:
    have = list(Enterprise.objects.filter(jurisdiction=district).order_by("id")[:60])
    if len(have) >= len(DEMO_ENTERPRISES):
        return have
    for n, name in enumerate(DEMO_ENTERPRISES, start=1):
        Enterprise.objects.get_or_create(
            jurisdiction=district, uscc=_uscc(n), defaults={"name": name}
        )
    return list(Enterprise.objects.filter(jurisdiction=district).order_by("id")[:60])


def _backdate(made: ServiceRequest, created: dt.datetime) -> None:
    """Move a request and its first event back to ``created``."""
    ServiceRequest.objects.filter(pk=made.pk).update(created_at=created)
    RequestEvent.objects.filter(request=made, action=svc.Action.RECEIVED).update(at=created)
    made.created_at = created


@transaction.atomic
def seed_requests(
    jurisdictions: dict[str, Jurisdiction], password: str, *, now: dt.datetime | None = None
) -> list[str]:
    """Stations and requests of Nangang (once: nothing when its stations exist); the demo
    logins it adds, with what each is for."""
    district = jurisdictions.get(DISTRICT)
    if district is None:
        return []
    logins = ["yiqi                 南岗区数字经济产业园益企工作站 工作人员 宋佳"]
    if Station.objects.filter(jurisdiction=district).exists():
        return logins
    now = now or timezone.now()
    rng = random.Random(18)
    office = org_services.ensure_user("nangang", password=password, display_name="南岗区专班 李强")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
    staff = org_services.ensure_user("yiqi", password=password, display_name="益企工作站 宋佳")
    org_services.grant_role(staff, Role.OPERATOR, district)
    units = {
        kind: org_services.ensure_unit(district, name, kind=Unit.Kind.BUREAU)
        for kind, name in UNITS.items()
    }
    workers = {}
    for kind, unit in units.items():
        login = f"230103-qy-{kind.replace('_', '')}"[:30]
        worker = org_services.ensure_user(
            login, password=password, display_name=f"{unit.name} 企业诉求承办人"
        )
        org_services.grant_role(worker, Role.UNIT_EDITOR, district, unit=unit)
        workers[kind] = worker
    enterprises = _enterprises(district)
    made_stations = []
    for n, (name, address) in enumerate(STATIONS):
        station = stations.create_station(district.pk, name=name, address=address, actor=office)
        for enterprise in enterprises[n::3][:15]:
            stations.add_enterprise(station, code=enterprise.uscc, actor=office)
        made_stations.append(station)
    stations.add_staff(made_stations[0], username="yiqi", actor=office)
    served = list(made_stations[0].enterprises.all())
    kinds = list(DESCRIPTIONS)
    for n in range(36):
        kind = kinds[n % len(kinds)]
        enterprise = rng.choice(enterprises)
        at_station = n % 3 != 2 and enterprise in served
        data = svc.RequestInput(
            kind=kind,
            description=rng.choice(DESCRIPTIONS[kind]),
            contact_name=CONTACTS[n % len(CONTACTS)],
            contact_phone=PHONES[n % len(PHONES)],
            uscc=enterprise.uscc,
            enterprise_name=enterprise.name,
            station_id=made_stations[0].pk if at_station else None,
        )
        made = (
            svc.take_in_by_staff(district.pk, data, actor=staff)
            if at_station
            else svc.take_in_public(district.pk, data)
        )
        days_ago = 90 - n * 2 - rng.randrange(0, 2)
        created = now - dt.timedelta(days=days_ago, hours=rng.randrange(0, 6))
        _backdate(made, created)
        if n % 9 == 8:
            continue  # still waiting to be assigned
        assigned_on = timezone.localdate(created) + dt.timedelta(days=1)
        made = svc.assign(
            made,
            unit_id=units[kind].pk,
            limit_days=None,
            actor=office,
            expected_version=made.version,
            today=assigned_on,
            now=created + dt.timedelta(days=1),
        )
        worker = workers[kind]
        made = svc.record_contact(
            made,
            note="电话联系企业，了解具体需求，约定上门对接",
            actor=worker,
            expected_version=made.version,
            now=created + dt.timedelta(days=2),
        )
        if n % 4 == 3 or days_ago < 10:
            continue  # in hand (overdue when past its due date)
        outcome = ("solved", "solved", "partly", "unsolvable")[n % 4 if n % 4 < 3 else 0]
        if n % 7 == 0:
            outcome = "unsolvable"
        closed_at = created + dt.timedelta(days=rng.randrange(3, 20))
        made = svc.close(
            made,
            outcome=outcome,
            text=(
                "所需地块不在本区产业规划范围内，已推荐到邻区园区对接"
                if outcome == "unsolvable"
                else "已协调办理，企业确认"
            ),
            actor=worker,
            expected_version=made.version,
            now=min(closed_at, now),
        )
        if n % 2 == 0:
            svc.rate(
                made,
                rating=rng.choice((5, 5, 4, 4, 3)),
                note="响应及时",
                now=min(closed_at + dt.timedelta(days=1), now),
            )
    return logins


def counts(district: Jurisdiction) -> dict[str, Any]:
    rows = ServiceRequest.objects.filter(jurisdiction=district)
    return {
        "stations": Station.objects.filter(jurisdiction=district).count(),
        "requests": rows.count(),
    }
