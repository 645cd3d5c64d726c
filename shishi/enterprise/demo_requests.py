"""The demo's service stations (益企工作站) and enterprise service requests for Nangang.

Three stations in the district's office-building and campus areas, each with its staff (the
``yiqi`` login works at the first) and the enterprises of its streets it serves. About five
months of requests in every state: received and not yet assigned, handling on time, handling
past its due date (overdue), closed solved, partly solved and not solvable (with the
reason), some closed late, most closed ones rated by the enterprise; each with its events
(received, assigned, contacts, closed, rated), an owner unit of Nangang's and a due date
counted in working days on the district's calendar (``workdays``). The demo enterprise
(``qiye``'s) has one closed and not yet rated, and one being handled.

Written by the demo itself, not through ``stations`` and ``requests``: ``add_staff`` wants
staff holding a role in the district (the demo's station logins hold none, by design:
``orgs.demo.ENTERPRISE_LOGINS``); taking a request in and closing it queue a real SMS each
to its contact (``request_texts``: some 130 texts dated the day of the seed, sent by the
worker); the number is drawn from ``secrets`` (the demo's are seeded, so a seed on an empty
database makes the same ones); and a request's ``created_at`` is the moment it is made.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from shishi.enterprise.models import (
    Contact,
    Enterprise,
    RequestEvent,
    RequestKind,
    RequestOutcome,
    RequestStatus,
    ServiceRequest,
    Station,
)
from shishi.orgs import services as org_services
from shishi.orgs.demo import ENTERPRISE_LOGINS
from shishi.orgs.models import Jurisdiction, Unit, User
from shishi.workdays import calendar

# (name, address, streets it serves, staff usernames with their display names)
STATIONS: tuple[tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    (
        "学府路科技园区益企工作站",
        "南岗区学府路创业园区服务中心一楼（示例地址）",
        ("和兴路街道办事处", "保健路街道办事处", "荣市街道办事处"),
        (("yiqi", "学府路益企工作站 孙丽"), ("yiqi-xuefu-2", "学府路益企工作站 周凯")),
    ),
    (
        "哈西商务区益企工作站",
        "南岗区中兴大道商务楼宇服务中心三楼（示例地址）",
        ("哈西街道办事处", "通达街道办事处", "先锋路街道办事处"),
        (("yiqi-haxi", "哈西益企工作站 冯雪"),),
    ),
    (
        "红军街商圈益企工作站",
        "南岗区红军街楼宇服务驿站二楼（示例地址）",
        ("花园街道办事处", "大成街道办事处", "七政街道办事处", "曲线街道办事处"),
        (("yiqi-hongjun", "红军街益企工作站 韩冬"),),
    ),
)
SERVED_SHARE = 0.6  # of the enterprises on a station's streets

# The owner units by kind (as Nangang's ledger names them), and the time limits used here.
UNITS = {
    RequestKind.FINANCING: ("区财政局", "区营商环境局"),
    RequestKind.GREEN_CHANNEL: ("区营商环境局", "区市场监管局"),
    RequestKind.SITE: ("区住建局", "区营商环境局"),
    RequestKind.TALENT: ("区人社局",),
    RequestKind.OTHER: ("区营商环境局", "区工信局"),
}
LIMIT_DAYS = {
    RequestKind.FINANCING: 10,
    RequestKind.GREEN_CHANNEL: 3,
    RequestKind.SITE: 15,
    RequestKind.TALENT: 10,
    RequestKind.OTHER: 10,
}
DESCRIPTIONS = {
    RequestKind.FINANCING: (
        "企业计划扩大经营，需流动资金贷款约{n}0万元，希望对接合作银行。",
        "申请小微企业创业担保贷款，咨询贴息政策和办理流程。",
        "现有贷款即将到期，续贷有困难，申请应急转贷支持。",
    ),
    RequestKind.GREEN_CHANNEL: (
        "新设立分公司，申请企业开办绿色通道，希望一天内办结。",
        "办理营业执照变更和税务信息变更，希望专人帮办。",
        "新开门店，申请食品经营许可加急办理。",
    ),
    RequestKind.SITE: (
        "拟在区内租赁约{n}00平方米办公场地，请帮助推荐合适楼宇。",
        "装修改造项目需办理施工许可，请求审批帮办。",
        "新租楼宇需办理消防验收备案，希望上门指导。",
    ),
    RequestKind.TALENT: (
        "招聘软件开发工程师{n}名，希望参加专场招聘会。",
        "新引进硕士研究生，咨询人才安居补贴申报。",
        "需要为员工组织职业技能培训，咨询补贴政策。",
    ),
    RequestKind.OTHER: (
        "企业门前道路积雪影响货车出入，请求协调清运。",
        "咨询高新技术企业认定申报条件和时间安排。",
        "所在楼宇供暖温度不达标，请求协调物业处理。",
    ),
}
CONTACT_NOTES = (
    "电话联系企业负责人，了解具体需求。",
    "上门走访企业，现场核实情况。",
    "组织相关部门和企业召开对接会。",
    "向企业反馈办理进度，约定下一步安排。",
)
SOLVED = {
    RequestKind.FINANCING: "已对接合作银行完成授信，贷款已发放，企业确认问题解决。",
    RequestKind.GREEN_CHANNEL: "已安排专人帮办，相关证照当日办结并送达企业。",
    RequestKind.SITE: "已推荐3处可选场地并陪同查看，企业已签订租赁合同。",
    RequestKind.TALENT: "已安排企业参加专场招聘会，达成录用意向，相关补贴已指导申报。",
    RequestKind.OTHER: "已协调相关部门现场处理完毕，企业表示满意。",
}
PARTLY = {
    RequestKind.FINANCING: "已对接银行，授信额度低于企业申请金额，其余部分继续跟进。",
    RequestKind.GREEN_CHANNEL: "营业执照已办结，食品经营许可因现场条件需整改，整改后再行办理。",
    RequestKind.SITE: "区级审批事项已办结，涉及市级审批的事项已协助企业提交，等待市级部门办理。",
    RequestKind.TALENT: "已推荐部分候选人，岗位尚未全部招满，继续组织对接。",
    RequestKind.OTHER: "已协调物业和供热企业临时处理，根本解决需待管网改造。",
}
UNSOLVABLE = {
    RequestKind.FINANCING: "企业存在贷款逾期记录，暂不符合合作银行授信条件，"
    "已向企业说明并建议改善信用后再申请。",
    RequestKind.GREEN_CHANNEL: "企业拟用住所为住宅，不符合该行业登记要求，无法办理，"
    "已告知企业另选住所。",
    RequestKind.SITE: "企业所需地块规划用途不符，无法办理，已向企业说明原因并推荐其他可选地块。",
    RequestKind.TALENT: "企业所需人才补贴不在区级政策范围内，已告知企业向市人才部门申报。",
    RequestKind.OTHER: "该诉求属于市级事权，区级无法办理，"
    "已告知企业向市相关部门反映并提供联系方式。",
}
RATING_NOTES = {
    5: "响应快，服务周到。",
    4: "办理及时，比较满意。",
    3: "基本解决，希望进一步跟进。",
    2: "解决得不够彻底。",
    1: "问题没有解决。",
}
# The number's characters: capitals and digits that cannot be misread.
NUMBER_CHARS = "ABCDEFGHJKLMNPQRTUWXY346789"
REQUESTS = 72
DAYS = 150


@dataclass(frozen=True)
class StationStaff:
    station: Station
    users: list[User]


def seed_stations(
    district: Jurisdiction,
    enterprises: list[Enterprise],
    street_ids: dict[str, int],
    password_hash: str,
) -> list[StationStaff]:
    """The three stations with their staff and served enterprises (none added twice)."""
    rng = random.Random("enterprise-stations-230103")
    hint = {login.username: login.display_name for login in ENTERPRISE_LOGINS}
    out = []
    for n, (name, address, streets, staff) in enumerate(STATIONS):
        station, _created = Station.objects.get_or_create(
            jurisdiction=district, name=name, defaults={"address": address}
        )
        users = [
            org_services.ensure_user(
                username, password_hash=password_hash, display_name=hint.get(username, shown)
            )
            for username, shown in staff
        ]
        station.staff.add(*users)
        ids = {street_ids[s] for s in streets}
        served = [e for e in enterprises if e.street_id in ids and rng.random() < SERVED_SHARE]
        if n == 0:  # the demo enterprise is served by the first station (``yiqi``'s)
            served = [enterprises[0], *[e for e in served if e.pk != enterprises[0].pk]]
        station.enterprises.add(*served)
        out.append(StationStaff(station, users))
    return out


def _number(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = "QY" + "".join(rng.choice(NUMBER_CHARS) for _ in range(8))
        if number not in taken:
            taken.add(number)
            return number


def _scenario(i: int, age: float, rng: random.Random) -> str:
    if age < 2:
        return "received"
    if age < 12:
        return rng.choice(("handling", "handling", "solved", "received"))
    if i % 9 == 4:
        return "overdue"
    roll = rng.random()
    if roll < 0.55:
        return "solved"
    if roll < 0.72:
        return "partly"
    if roll < 0.84:
        return "unsolvable"
    if roll < 0.92:
        return "late"  # solved after its due date
    return "overdue"


@dataclass
class _Plan:
    request: ServiceRequest
    events: list[tuple[str, str, Any, dt.datetime]]


def seed_requests(
    district: Jurisdiction,
    enterprises: list[Enterprise],
    stations: list[StationStaff],
    office: User | None,
    now: dt.datetime,
) -> int:
    """About five months of requests in every state (the caller checks there are none)."""
    rng = random.Random("enterprise-requests-230103")
    units = {
        name: org_services.ensure_unit(district, name, kind=Unit.Kind.BUREAU)
        for names in UNITS.values()
        for name in names
    }
    served = {
        s.station.pk: list(s.station.enterprises.order_by("pk")) for s in stations
    }  # one query a station
    primary: dict[int, Contact] = {
        c.enterprise_id: c
        for c in Contact.objects.filter(enterprise__in=enterprises, is_primary=True)
    }
    taken = set(ServiceRequest.objects.values_list("number", flat=True))
    plans: list[_Plan] = []
    qiye = enterprises[0]
    for i in range(REQUESTS):
        age = DAYS * (REQUESTS - i) / REQUESTS
        scenario = _scenario(i, age, rng)
        if i >= REQUESTS - 3:  # the last days' ones wait for the office to assign them
            age, scenario = 0.4 * (REQUESTS - i), "received"
        kind = rng.choice(list(RequestKind))
        channel = rng.choice(("station", "station", "public", "office"))
        staff = rng.choice(stations)
        enterprise = (
            rng.choice(served[staff.station.pk])
            if channel == "station" and served[staff.station.pk]
            else rng.choice(enterprises)
        )
        if i in (REQUESTS - 30, REQUESTS - 4):  # the demo enterprise's own two
            enterprise, channel, staff = qiye, "station", stations[0]
            scenario = "solved_unrated" if i == REQUESTS - 30 else "handling"
            kind = RequestKind.FINANCING if i == REQUESTS - 30 else RequestKind.TALENT
        plans.append(
            _plan(
                district, rng, now, age, scenario, kind, channel, enterprise, staff,
                primary.get(enterprise.pk), units, office, _number(rng, taken),
            )
        )  # fmt: skip
    made = [p.request for p in plans]
    created = {id(r): r.created_at for r in made}
    ServiceRequest.objects.bulk_create(made)
    for r in made:  # created_at is set on insert; put back when each was made
        r.created_at = r.updated_at = created[id(r)]
    ServiceRequest.objects.bulk_update(made, ["created_at", "updated_at"])
    RequestEvent.objects.bulk_create(
        RequestEvent(request=p.request, action=action, note=note, actor=actor, at=at)
        for p in plans
        for action, note, actor, at in p.events
    )
    return len(made)


def _plan(
    district: Jurisdiction,
    rng: random.Random,
    now: dt.datetime,
    age: float,
    scenario: str,
    kind: str,
    channel: str,
    enterprise: Enterprise,
    staff: StationStaff,
    contact: Contact | None,
    units: dict[str, Unit],
    office: User | None,
    number: str,
) -> _Plan:
    local = timezone.localtime(now - dt.timedelta(days=age))
    at = local.replace(hour=9 + rng.randint(0, 7), minute=rng.randint(0, 59), second=0)
    at = min(at, now - dt.timedelta(hours=1))
    by = staff.users[0] if channel == "station" else office
    phone = contact.phone if contact is not None and contact.phone else "13900009999"
    request = ServiceRequest(
        jurisdiction=district,
        number=number,
        enterprise=enterprise,
        station=staff.station if channel == "station" else None,
        kind=kind,
        description=rng.choice(DESCRIPTIONS[RequestKind(kind)]).format(n=rng.randint(2, 9)),
        channel=channel,
        contact_name=contact.name if contact is not None else "企业联系人",
        contact_phone=phone,
        status=RequestStatus.RECEIVED,
        created_at=at,
    )
    events: list[tuple[str, str, Any, dt.datetime]] = [
        ("received", "益企工作站代企业登记" if channel == "station" else "受理企业诉求", by, at)
    ]
    if scenario == "received":
        return _Plan(request, events)

    def step(hours: float) -> dt.datetime:
        nonlocal at
        at = min(at + dt.timedelta(hours=hours), now - dt.timedelta(minutes=30))
        return at

    unit = units[rng.choice(UNITS[RequestKind(kind)])]
    limit = LIMIT_DAYS[RequestKind(kind)]
    assigned = step(rng.uniform(1, 20))
    request.owner_unit = unit
    request.limit_days = limit
    request.due_on = calendar.add_working_days(
        timezone.localtime(assigned).date(), limit, jurisdiction=district
    )
    request.status = RequestStatus.HANDLING
    events.append(("assigned", f"交{unit.name}办理，时限{limit}个工作日", office or by, assigned))
    for _n in range(rng.randint(1, 3)):
        events.append(("contacted", rng.choice(CONTACT_NOTES), by, step(rng.uniform(4, 60))))
    if scenario in ("handling", "overdue"):
        return _Plan(request, events)
    due_end = timezone.make_aware(dt.datetime.combine(request.due_on, dt.time(17, 0)))
    if scenario == "late":
        closed = step(max(1.0, (due_end - at).total_seconds() / 3600 + rng.uniform(24, 120)))
    else:
        room = max(1.0, (due_end - at).total_seconds() / 3600 - 1)
        closed = step(rng.uniform(1, room))
    outcome, text = RequestOutcome.SOLVED, SOLVED[RequestKind(kind)]
    if scenario == "partly":
        outcome, text = RequestOutcome.PARTLY, PARTLY[RequestKind(kind)]
    elif scenario == "unsolvable":
        outcome, text = RequestOutcome.UNSOLVABLE, UNSOLVABLE[RequestKind(kind)]
    request.status = RequestStatus.CLOSED
    request.outcome = outcome
    request.outcome_text = text
    request.closed_at = closed
    events.append(("closed", text, by, closed))
    rate_at = closed + dt.timedelta(hours=rng.uniform(2, 72))
    if scenario != "solved_unrated" and rate_at < now and rng.random() < 0.75:
        top = {"solved": 5, "late": 4, "partly": 4}.get(scenario, 3)
        rating = rng.randint(max(1, top - 2), top)
        request.rating = rating
        request.rating_note = RATING_NOTES[rating]
        request.rated_at = rate_at
        events.append(("rated", f"{rating}分：{RATING_NOTES[rating]}", None, rate_at))
    return _Plan(request, events)
