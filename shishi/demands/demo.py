"""Demo demands (``seed_demo`` calls ``seed_demands``; idempotent: a district that has
demands already keeps them, its categories are only completed).

For each of the three demo districts: the categories with their lead units and time limits
(道路, 路灯, 井盖, 供热 open to Open311; 噪声扰民, 环境卫生, 物业管理, 教育, 医疗 not), a few
streets, and about six months of demands in every state — received, dispatched, sent back,
accepted, overdue, replied, closed satisfied, basically satisfied or dissatisfied and
reopened, closed with the resident unreached, an upheld appeal, a pending request for more
time, a report (举报) — all made
through the services with ``now=`` in the past, so their events and deadlines are real.
Nangang's noise complaints (噪声扰民) are many and alike, about one barbecue place on 学府路,
and linked to its ledger item 集中整治噪音扰民 when the demo ledger has it.

Who acts: the district's operator (Nangang's ``operator``; elsewhere the office), each
unit's demo editor (a ``demands-<unit id>`` login is made for a unit that has none), the
office for appeals. Random choices come from a generator seeded per district, so two runs
on an empty database give the same demands.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from shishi.demands import clusters, services
from shishi.demands.models import Category, Channel, Demand, Kind, Satisfaction, Status, Urgency
from shishi.ledger.models import Item
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Membership, Role, Unit, User


@dataclass(frozen=True)
class DemoCategory:
    code: str
    name: str
    unit: str
    resolve_workdays: int = 7
    open311: bool = False
    auto_dispatch: bool = False


CATEGORIES = (
    DemoCategory("road", "道路", "区城管局", 7, open311=True),
    DemoCategory("streetlight", "路灯", "区城管局", 5, open311=True),
    DemoCategory("manhole", "井盖", "区城管局", 3, open311=True),
    DemoCategory("heating", "供热", "区住建局", 3, open311=True),
    DemoCategory("noise", "噪声扰民", "区城管局", 5, auto_dispatch=True),
    DemoCategory("sanitation", "环境卫生", "区城管局", 5),
    DemoCategory("property", "物业管理", "区住建局", 10),
    DemoCategory("education", "教育", "区教育局", 10),
    DemoCategory("medical", "医疗", "区卫健局", 10),
)
STREETS = {
    "230103": ("和兴路街道办事处", "哈西街道办事处", "花园街道办事处", "大成街道办事处"),
    "230111": ("呼兰街道办事处", "兰河街道办事处", "腰堡街道办事处"),
    "230113": ("双城街道办事处", "承恩街道办事处", "永和街道办事处"),
}
DEMANDS_PER_DISTRICT = {"230103": 90, "230111": 40, "230113": 30}
NOISE_COMPLAINTS = 24  # Nangang's, about one place
NOISE_ITEM_TITLE = "集中整治噪音扰民"
DAYS = 182
# The last demands of a district, in its last days: one in each early state.
RECENT = ("sent_back", "resolved", "accepted", "dispatched", "resolved", "received", "received")

TEXTS = {
    "road": ("{place}路面塌陷，车辆绕行", "{place}路面坑洼积水，行人难走"),
    "streetlight": ("{place}路灯不亮已经一周", "{place}一排路灯夜里全灭"),
    "manhole": ("{place}井盖缺失，很危险", "{place}井盖松动，车过时响"),
    "heating": ("{place}暖气不热，室温只有十四度", "{place}楼里暖气漏水"),
    "noise": ("{place}夜间施工，噪音扰民", "{place}商铺外放音响，吵得睡不着"),
    "sanitation": ("{place}垃圾堆放多日无人清运", "{place}背街小巷积雪未清"),
    "property": ("{place}物业不作为，电梯坏了没人修", "{place}物业乱收停车费"),
    "education": ("{place}学校门口接送孩子拥堵", "咨询{place}附近小学的入学政策"),
    "medical": ("{place}社区卫生服务站排队太久", "咨询{place}附近门诊的医保报销"),
}
PLACES = ("一曼街", "红军街", "西大直街", "学府路", "和兴路", "宣化街", "文昌街", "花园街")
NOISE_TEXTS = (
    "学府路52号烧烤店夜里外放音响，吵到凌晨两点",
    "学府路烧烤店每天晚上唱歌喝酒，噪音太大睡不着",
    "学府路52号烧烤店门口夜里喧哗，噪音扰民",
    "学府路那家烧烤店音响声音太大，老人孩子休息不了",
)
NOISE_PLACE = "学府路52号烧烤店"
REPLY = "已到现场核实并处理，问题已解决，请您监督"


@dataclass
class _Actors:
    operator: User
    office: User
    handlers: dict[int, User]  # unit id → a login that edits it


def _members(jurisdiction: Jurisdiction, role: str) -> User | None:
    found = (
        Membership.objects.filter(jurisdiction=jurisdiction, role=role)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return found.user if found else None


def _handler(jurisdiction: Jurisdiction, unit: Unit) -> User:
    found = (
        Membership.objects.filter(unit=unit, role=Role.UNIT_EDITOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found.user
    user = org_services.ensure_user(
        f"demands-{unit.pk}", display_name=f"{jurisdiction.name}{unit.name} 诉求承办"
    )
    org_services.grant_role(user, Role.UNIT_EDITOR, jurisdiction, unit=unit)
    return user


def seed_categories(jurisdiction: Jurisdiction) -> dict[str, Category]:
    out = {}
    for order, c in enumerate(CATEGORIES):
        unit = org_services.ensure_unit(jurisdiction, c.unit, kind=Unit.Kind.BUREAU)
        category, _created = Category.objects.get_or_create(
            jurisdiction=jurisdiction,
            code=c.code,
            defaults={
                "name": c.name,
                "lead_unit": unit,
                "resolve_workdays": c.resolve_workdays,
                "open311": c.open311,
                "auto_dispatch": c.auto_dispatch,
                "order": order,
            },
        )
        out[c.code] = category
    return out


def seed_demands(
    jurisdictions: dict[str, Jurisdiction], *, now: dt.datetime | None = None
) -> dict[str, int]:
    """Categories and demands for every demo district present; the number of demands each
    has afterwards, by district code."""
    now = now or timezone.now()
    counts = {}
    for code, jurisdiction in sorted(jurisdictions.items()):
        if code not in STREETS:
            continue
        with transaction.atomic():
            categories = seed_categories(jurisdiction)
            if not Demand.objects.filter(jurisdiction=jurisdiction).exists():
                _seed_district(jurisdiction, categories, now)
        counts[code] = Demand.objects.filter(jurisdiction=jurisdiction).count()
    return counts


def _seed_district(
    jurisdiction: Jurisdiction, categories: dict[str, Category], now: dt.datetime
) -> None:
    office = _members(jurisdiction, Role.PROGRAMME_OFFICE)
    if office is None:
        return
    operator = _members(jurisdiction, Role.OPERATOR) or office
    handlers = {
        c.lead_unit_id: _handler(jurisdiction, c.lead_unit)
        for c in categories.values()
        if c.lead_unit is not None and c.lead_unit_id is not None
    }
    actors = _Actors(operator=operator, office=office, handlers=handlers)
    streets = [
        org_services.ensure_unit(jurisdiction, name, kind=Unit.Kind.STREET)
        for name in STREETS[jurisdiction.code]
    ]
    rng = random.Random(f"demands-{jurisdiction.code}")
    plain = [
        c for code, c in categories.items() if code != "noise" or jurisdiction.code != "230103"
    ]
    total = DEMANDS_PER_DISTRICT[jurisdiction.code]
    for i in range(total):
        age = DAYS * (total - i) / total  # oldest first, the last ones today
        scenario = _scenario(i, age, rng)
        if i >= total - len(RECENT):  # the last days: every early state
            age = 0.4 * (total - i)
            scenario = RECENT[i - (total - len(RECENT))]
        category = rng.choice(plain)
        place = rng.choice(PLACES)
        text = rng.choice(TEXTS[category.code]).format(place=place)
        _life(
            actors,
            jurisdiction,
            category,
            rng,
            now,
            age,
            text=text,
            address=f"{place}{rng.randint(1, 300)}号",
            street=rng.choice(streets),
            kind=Kind.COMPLAINT if i % 5 == 0 else Kind.HELP,
            scenario=scenario,
        )
    if jurisdiction.code == "230103":
        _nangang_noise(actors, jurisdiction, categories["noise"], streets[0], rng, now)


def _scenario(i: int, age: float, rng: random.Random) -> str:
    """What happens to the i-th demand, by its age in days."""
    fixed = {3: "appeal", 7: "report", 11: "unreached", 15: "reopened", 19: "sent_back"}
    if i in fixed and age > 10:
        return fixed[i]
    if i == 23 and age >= 1:  # the unit asked for more time; the office has not decided
        return "extension"
    if age < 1:
        return rng.choice(("received", "dispatched"))
    if age < 4:
        return rng.choice(("accepted", "resolved", "dispatched", "sent_back"))
    if age < 25 and rng.random() < 0.3:
        return "overdue"
    roll = rng.random()
    if roll < 0.6:
        return "satisfied"
    if roll < 0.78:
        return "basically"
    if roll < 0.9:
        return "dissatisfied"
    return "late"


def _phone(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.2:  # an elderly caller's landline
        return {"landline": f"0451-8{rng.randint(0, 9999999):07d}", "phone": ""}
    return {"phone": f"139{rng.randint(0, 99999999):08d}", "landline": ""}


def _life(
    actors: _Actors,
    jurisdiction: Jurisdiction,
    category: Category,
    rng: random.Random,
    now: dt.datetime,
    age: float,
    *,
    text: str,
    address: str,
    street: Unit,
    kind: str,
    scenario: str,
) -> Demand:
    local = timezone.localtime(now - dt.timedelta(days=age))
    at = local.replace(hour=9 + rng.randint(0, 7), minute=rng.randint(0, 59), second=0)
    at = min(at, now - dt.timedelta(minutes=30))
    contact = _phone(rng) if scenario != "report" else {"phone": "", "landline": ""}
    data = services.IntakeInput(
        kind=Kind.REPORT if scenario == "report" else kind,
        category_id=category.pk,
        description=text if scenario != "report" else f"举报：{text}，有人收取好处费后不处理",
        channel=rng.choice((Channel.PHONE, Channel.PHONE, Channel.WEB, Channel.HOTLINE)),
        urgency=Urgency.URGENT if rng.random() < 0.08 else Urgency.NORMAL,
        address=address,
        street_id=street.pk,
        contact_name=rng.choice(("王女士", "李先生", "张大爷", "刘女士", "")),
        phone=contact["phone"],
        landline=contact["landline"],
    )
    op, office = actors.operator, actors.office

    def step(minutes: float) -> dt.datetime:
        nonlocal at
        at = min(at + dt.timedelta(minutes=minutes), now - dt.timedelta(minutes=1))
        return at

    d = services.take_in(jurisdiction.pk, data, actor=op, now=at)
    if scenario == "received":
        return d
    unit = category.lead_unit
    assert unit is not None
    handler = actors.handlers[unit.pk]
    if d.status == Status.RECEIVED:
        d = services.dispatch(d, unit, actor=op, expected_version=None, now=step(15))
    if scenario == "dispatched":
        return d
    if scenario == "sent_back":
        return services.send_back(
            d, actor=handler, reason="不属于本单位职责，请改派", expected_version=None,
            now=step(60),
        )  # fmt: skip
    late = scenario == "late"
    d = services.accept(
        d, actor=handler, expected_version=None, now=step(60 * 24 * 4 if late else 45)
    )
    if scenario in ("accepted", "overdue"):
        return d
    if scenario == "extension":
        return services.request_extension(
            d, actor=handler, workdays=5, reason="需燃气、电力等多家单位联合施工，申请延期",
            expected_version=None, now=step(60 * 3),
        )  # fmt: skip
    if scenario == "appeal":
        d = services.file_appeal(
            d, actor=handler, reason="经核实属供热公司职责，非本单位管辖", expected_version=None,
            now=step(60),
        )  # fmt: skip
        return services.rule_on_appeal(
            d, actor=office, upheld=True, reason="确属供热企业职责，已转交", expected_version=None,
            now=step(60 * 24),
        )  # fmt: skip
    d = services.resolve(
        d, actor=handler, reply=REPLY, expected_version=None, now=step(60 * 24 * rng.randint(1, 4))
    )
    if scenario == "resolved":
        return d
    if scenario == "unreached":
        return services.close_unreached(
            d, actor=op, note="三次回访电话均无人接听", expected_version=None, now=step(60 * 24)
        )
    answer = {
        "basically": Satisfaction.BASICALLY,
        "dissatisfied": Satisfaction.DISSATISFIED,
        "reopened": Satisfaction.DISSATISFIED,
    }.get(scenario, Satisfaction.SATISFIED)
    d = services.call_back(
        d, actor=op, satisfaction=answer, note="电话回访", expected_version=None,
        now=step(60 * 24),
    )  # fmt: skip
    if scenario == "reopened":  # handled again and then satisfied
        d = services.resolve(
            d, actor=handler, reply="再次到现场处理，已彻底解决", expected_version=None,
            now=step(60 * 24 * 2),
        )  # fmt: skip
        d = services.call_back(
            d, actor=op, satisfaction=Satisfaction.SATISFIED, note="二次回访",
            expected_version=None, now=step(60 * 24),
        )  # fmt: skip
    return d


def _nangang_noise(
    actors: _Actors,
    jurisdiction: Jurisdiction,
    noise: Category,
    street: Unit,
    rng: random.Random,
    now: dt.datetime,
) -> None:
    """Many alike complaints about one barbecue place, linked to the noise ledger item."""
    made = []
    for i in range(NOISE_COMPLAINTS):
        age = 60 * (NOISE_COMPLAINTS - i) / NOISE_COMPLAINTS
        scenario = "satisfied" if age > 10 else ("accepted" if age > 2 else "dispatched")
        if i % 6 == 5 and age > 10:
            scenario = "dissatisfied"
        made.append(
            _life(
                actors,
                jurisdiction,
                noise,
                rng,
                now,
                age,
                text=NOISE_TEXTS[i % len(NOISE_TEXTS)],
                address=NOISE_PLACE,
                street=street,
                kind=Kind.COMPLAINT,
                scenario=scenario,
            ).pk
        )
    item = (
        Item.objects.filter(
            programme__jurisdiction=jurisdiction, name__contains=NOISE_ITEM_TITLE[-4:]
        )
        .order_by("-programme__year", "pk")
        .first()
    )
    if item is not None:
        # The office links the cluster to its ledger item, as on its page.
        clusters.link_to_item(made, item, actor=actors.office)


def district_summary(jurisdiction: Jurisdiction) -> dict[str, Any]:
    """Counts by status, for the command's output and the tests."""
    rows = (
        Demand.objects.filter(jurisdiction=jurisdiction)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(rows)
