"""Demo ledgers: Nangang's 2021 sample sheet through the importer, plus Hulan and
Shuangcheng items from the provincial daily's report, with weeks of progress history.

Everything goes through the services (and the importer), like a real office would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from shishi.ledger import services
from shishi.ledger.models import Item, Programme, ProgressUpdate
from shishi.ledger.services import MilestoneInput, TargetInput
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction

SAMPLE = Path(__file__).resolve().parent / "nangang-ledger-2021.xlsx"
SAMPLE_YEAR = 2021
SAMPLE_AS_OF = dt.date(2021, 6, 20)  # the sheet's 截至时间


def seed_nangang(nangang: Jurisdiction, *, actor: Any) -> Programme:
    """Import the 116-item sample through the same importer the office uses."""
    from shishi.ledger.excel.importing import apply_import, plan_import

    plan = plan_import(SAMPLE, jurisdiction=nangang, year=SAMPLE_YEAR, actor=actor)
    if not plan.ok:
        raise RuntimeError("demo sample does not import: " + "; ".join(map(str, plan.errors)))
    result = apply_import(plan, actor=actor)
    programme = result.programme
    _seed_history(programme, actor=actor, end=SAMPLE_AS_OF, weeks=10)
    return programme


def _seed_history(programme: Programme, *, actor: Any, end: dt.date, weeks: int) -> None:
    """Weekly updates leading up to each started item's current rate (once per programme)."""
    if ProgressUpdate.objects.filter(item__programme=programme).exists():
        return
    items = list(
        Item.objects.filter(programme=programme, completion_rate__gt=0).order_by(
            "category__order", "seq"
        )
    )
    for index, item in enumerate(items):
        final = item.completion_rate
        final_text = item.progress_text or "按计划推进"
        steps = 2 + index % 4
        for step in range(steps):
            day = end - dt.timedelta(weeks=(steps - 1 - step) * max(1, weeks // steps))
            if step == steps - 1:
                rate, text = final, final_text
            else:
                rate = (final * (step + 1) / steps).quantize(Decimal("1"))
                text = _STEP_TEXTS[(index + step) % len(_STEP_TEXTS)]
            fresh = Item.objects.get(pk=item.pk)
            services.record_progress(fresh, actor=actor, text=text, rate=rate, reported_on=day)


_STEP_TEXTS = (
    "完成现场踏查,制定实施方案",
    "召开推进会,明确责任分工和时间节点",
    "完成前期手续,进场施工",
    "按计划推进,完成阶段性任务",
    "集中攻坚,加快推进进度",
)


@dataclass
class DemoItem:
    category: str
    name: str
    lead: str
    leaders: tuple[str, ...]
    deadline: str
    content: str = ""
    measures: str = ""
    partners: tuple[str, ...] = ()
    planned_wan: Decimal | None = None  # 万元
    targets: tuple[tuple[str, str, str], ...] = ()  # (name, value, unit)
    milestones: tuple[tuple[str, str], ...] = ()  # (title, "MM-DD")
    rates: tuple[int, ...] = ()  # weekly rates, oldest first, ending this week
    updates: tuple[str, ...] = ()
    actuals: dict[str, str] = field(default_factory=dict)


def _hulan_items() -> list[DemoItem]:
    return [
        DemoItem(
            "就业创业",
            "开展职业技能培训",
            "区人社局",
            ("区长",),
            "年底前",
            content="面向城乡劳动者开展职业技能培训",
            measures="订单式培训、送训下乡",
            targets=(("培训人数", "3000", "人次"),),
            rates=(10, 20, 35, 45, 55),
            actuals={"培训人数": "1650"},
        ),
        DemoItem(
            "社会保障",
            "困难职工帮扶救助",
            "区总工会",
            ("区委副书记",),
            "长期坚持",
            measures="建档立卡、精准帮扶",
            rates=(30, 40, 50, 60),
        ),
        DemoItem(
            "城市运行",
            "供水和供热管网改造",
            "区住建局",
            ("常务副区长",),
            "10月底",
            partners=("区城管局",),
            planned_wan=Decimal("3200"),
            targets=(("改造管网", "18.5", "公里"),),
            rates=(5, 15, 30, 40, 48),
            actuals={"改造管网": "8.2"},
        ),
        DemoItem(
            "教育",
            "为45所学校配发可调节课桌椅",
            "区教育局",
            ("副区长(民生)",),
            "9月30日前",
            content="为全区45所中小学配发7,823套可调节高度课桌椅",
            targets=(("课桌椅", "7823", "套"), ("学校", "45", "所")),
            rates=(20, 45, 70, 90),
            actuals={"课桌椅": "7040", "学校": "40"},
        ),
        DemoItem(
            "城市运行",
            "修复塌陷和翻浆路段",
            "区城管局",
            ("副区长(城建)",),
            "年底前",
            targets=(("修复路段", "100", "处"),),
            rates=(10, 25, 40, 52),
            actuals={"修复路段": "52"},
        ),
        DemoItem(
            "城市运行",
            "整治噪音扰民问题",
            "区城管局",
            ("副区长(城建)",),
            "长期坚持",
            targets=(("清理噪音扰民", "383", "处"),),
            rates=(40, 60, 80, 100),
            actuals={"清理噪音扰民": "383"},
        ),
        DemoItem(
            "教育",
            "幼儿园改扩建",
            "区教育局",
            ("副区长(民生)",),
            "12月底前",
            partners=("区住建局",),
            planned_wan=Decimal("860"),
            milestones=(("完成设计", "04-30"), ("主体封顶", "08-31"), ("投入使用", "12-31")),
            rates=(0, 0, 0),
        ),
        DemoItem(
            "文化体育", "青少年冰雪活动", "区文体局", ("区委常委、宣传部长",), "年底前", rates=()
        ),
    ]


def _shuangcheng_items() -> list[DemoItem]:
    return [
        DemoItem(
            "城市建设",
            "新建日供水5万吨水厂",
            "区水务局",
            ("区长",),
            "12月25日前",
            content="新建日供水能力5万吨水厂,属7.3亿元供水工程的一部分",
            planned_wan=Decimal("48500"),
            targets=(("日供水能力", "50000", "吨"),),
            milestones=(
                ("土建工程完成70%", "07-31"),
                ("设备安装完毕", "10-31"),
                ("竣工验收", "12-25"),
            ),
            rates=(40, 50, 58, 63, 70),
        ),
        DemoItem(
            "城市建设",
            "19条街路雨污分流改造",
            "区住建局",
            ("常务副区长",),
            "年底前",
            content="沿19条街路实施雨污分流改造",
            planned_wan=Decimal("24500"),
            targets=(("改造街路", "19", "条"),),
            rates=(20, 30, 42, 55),
            actuals={"改造街路": "10"},
        ),
        DemoItem(
            "交通",
            "省道S211维修",
            "区交通运输局",
            ("副区长(城建)",),
            "10月底",
            targets=(
                ("维修用料", "25160", "立方米"),
                ("坑槽修补", "25618", "平方米"),
                ("翻浆处理", "35690", "平方米"),
                ("出动人员", "946", "人次"),
                ("出动车辆", "729", "台次"),
            ),
            rates=(30, 55, 80, 100),
            actuals={
                "维修用料": "25160",
                "坑槽修补": "25618",
                "翻浆处理": "35690",
                "出动人员": "946",
                "出动车辆": "729",
            },
        ),
    ]


def seed_current_year(
    jurisdiction: Jurisdiction, items: list[DemoItem], *, actor: Any
) -> Programme:
    today = timezone.localdate()
    year = today.year
    programme = services.ensure_programme(jurisdiction, year, actor=actor)
    if programme.items.exists():
        return programme
    categories: dict[str, Any] = {}
    for n, spec in enumerate(items, start=1):
        if spec.category not in categories:
            categories[spec.category] = services.ensure_category(
                programme, spec.category, actor=actor, order=len(categories) + 1
            )
        lead = org_services.ensure_unit(jurisdiction, spec.lead, kind="bureau", actor=actor)
        item = services.create_item(
            programme,
            actor=actor,
            number=str(n),
            seq=n,
            name=spec.name,
            category=categories[spec.category],
            lead_unit=lead,
            content=spec.content,
            measures=spec.measures,
            deadline_text=spec.deadline,
            sponsor_leaders=[org_services.ensure_person(jurisdiction, p) for p in spec.leaders],
            partner_units=[org_services.ensure_unit(jurisdiction, u) for u in spec.partners],
            planned_investment=spec.planned_wan * 10000 if spec.planned_wan else None,
            targets=[TargetInput(t[0], Decimal(t[1]), t[2]) for t in spec.targets],
            milestones=[
                MilestoneInput(title, dt.date.fromisoformat(f"{year}-{md}"))
                for title, md in spec.milestones
            ],
        )
        weeks = len(spec.rates)
        for week, rate in enumerate(spec.rates):
            day = today - dt.timedelta(weeks=weeks - 1 - week, days=(n % 3))
            if day.year != year or rate == 0:
                continue
            last = week == weeks - 1
            actuals = {}
            if last and spec.actuals:
                actuals = {
                    t.pk: Decimal(spec.actuals[t.name])
                    for t in item.targets.all()
                    if t.name in spec.actuals
                }
            fresh = Item.objects.get(pk=item.pk)
            services.record_progress(
                fresh,
                actor=actor,
                text=_STEP_TEXTS[(n + week) % len(_STEP_TEXTS)]
                if not last
                else ("已全部完成" if rate >= 100 else "按计划推进,完成阶段性任务"),
                rate=Decimal(rate),
                reported_on=day,
                target_actuals=actuals or None,
            )
    return programme


def seed_ledgers(jurisdictions: dict[str, Jurisdiction], *, actor: Any) -> dict[str, Programme]:
    return {
        "230103": seed_nangang(jurisdictions["230103"], actor=actor),
        "230111": seed_current_year(jurisdictions["230111"], _hulan_items(), actor=actor),
        "230113": seed_current_year(jurisdictions["230113"], _shuangcheng_items(), actor=actor),
    }
