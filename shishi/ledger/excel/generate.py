"""A synthetic ledger of any size in the office layout (benchmarks and tests).

``write_generated_ledger("/tmp/ledger.xlsx", 10_000)`` writes a sheet shaped like the
districts' own: title and date rows, the two-row merged header, category rows with per-category
numbering, deadlines, rates and leader lists written the many ways people write them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from shishi.ledger.excel.layout import Section, office_columns, write_ledger

DEFAULT_CATEGORIES = ("城建城管执法类", "民生服务类", "文教卫生类", "信访维稳安全类", "其他类")
_DEFAULT_WEIGHTS = (28, 34, 26, 16, 12)  # Nangang's 116 items

_SUBJECTS = (
    ("抢修{p}塌陷及翻浆路段", "对{p}沿线塌陷、翻浆路面进行修复,恢复通行", "排查建档、分段施工"),
    ("改造{p}老旧小区", "完成{p}楼体保温、管网和环境整治", "一区一策,居民议事会全程参与"),
    ("新建{p}便民服务站", "在{p}设立便民服务站,提供代办服务", "整合社区用房,统一标识"),
    ("{p}供热管网改造", "更换{p}老化供热管线,解决供暖不热问题", "供暖期前完工,分段验收"),
    ("{p}噪声扰民专项整治", "整治{p}施工、商铺噪声扰民问题", "夜间巡查、联合执法"),
    ("{p}老年人助餐服务", "在{p}开设老年食堂,为70岁以上老人提供助餐", "政府补贴、社会参与"),
    ("{p}中小学课桌椅更新", "为{p}学校更换可调节课桌椅", "统一招标,暑期安装"),
    ("{p}青少年冰雪活动", "在{p}组织青少年冰雪运动进校园活动", "浇筑冰场,聘请教练"),
)
_PLACES = (
    "一曼街", "红军街", "西大直街", "东大直街", "果戈里大街", "学府路", "和兴路", "中山路",
    "宣化街", "文昌街", "花园街道", "奋斗路街道", "大成街道", "七政街道", "曲线街道",
    "通达街道", "哈西街道", "保健路街道", "荣市街道", "燎原街道", "先锋路街道",
)  # fmt: skip
_LEADERS = (
    "区长", "常务副区长", "副区长(城建)", "副区长(民生)", "副区长(经济)", "区委副书记",
    "区委常委、组织部长", "区委常委、宣传部长", "区委常委、政法委书记", "区政协副主席",
)  # fmt: skip
_UNITS = (
    "区城管局", "区住建局", "区民政局", "区人社局", "区卫健局", "区教育局", "区文体局",
    "区应急管理局", "区委组织部", "区委宣传部", "区政务服务中心", "区营商环境局",
    "区市场监管局", "区残联", "区信访局", "区司法局", "区财政局", "区水务局",
)  # fmt: skip
_STREETS = tuple(f"{p}办事处" for p in _PLACES if p.endswith("街道"))
_PROGRESS = (
    "已完成主体工程,正在收尾", "正在推进", "已完成前期手续,待开工", "未启动",
    "按计划推进", "常态化推进中", "已完成",
)  # fmt: skip
_RATES: tuple[Any, ...] = (
    Decimal(90), "60%", "10%", Decimal(0), Decimal(25), None, "已完成", Decimal(75), "70%",
    Decimal("33.5"), Decimal(100), Decimal(50),
)  # fmt: skip


def _deadlines(year: int) -> tuple[str, ...]:
    return (
        "6月30日前", f"{year}年9月", "年底前", "长期坚持", f"{year}.10.31", "10月底",
        "常态化推进", f"{year}年7月1日前", f"{year}-11-30", "9月30日前", f"{year}年8月中旬",
        f"{year}年12月底前",
    )  # fmt: skip


def _split(n_items: int, weights: Sequence[int]) -> list[int]:
    total = sum(weights)
    counts = [n_items * w // total for w in weights]
    for i in range(n_items - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def write_generated_ledger(
    path: str | Path,
    n_items: int,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
    *,
    seed: int = 2021,
    year: int = 2021,
    jurisdiction_name: str = "南岗区",
    as_of: dt.date | None = None,
) -> Path:
    """Write ``n_items`` items spread over ``categories`` to ``path``; return the path.

    With the default categories the items are spread like Nangang's (28/34/26/16/12 of
    116); other category lists share them out evenly. The same seed gives the same sheet.
    """
    rng = random.Random(seed)
    names = list(categories) or ["其他类"]
    weights = _DEFAULT_WEIGHTS if tuple(names) == DEFAULT_CATEGORIES else (1,) * len(names)
    deadlines = _deadlines(year)
    sections = []
    for name, count in zip(names, _split(n_items, weights), strict=True):
        rows = []
        for seq in range(1, count + 1):
            title, content, measures = rng.choice(_SUBJECTS)
            place = rng.choice(_PLACES)
            lead = rng.choice(_UNITS)
            partners = [u for u in rng.sample(_UNITS + _STREETS, rng.randint(0, 3)) if u != lead]
            leaders = rng.sample(_LEADERS, 1 if rng.random() < 0.8 else 2)
            rows.append(
                {
                    "seq": seq,
                    "name": title.format(p=place) + f"(第{seq}批)",
                    "content": content.format(p=place),
                    "measures": measures,
                    "deadline": rng.choice(deadlines),
                    "leaders": "、".join(leaders),
                    "lead_unit": lead,
                    "partner_units": "、".join(partners),
                    "progress": rng.choice(_PROGRESS),
                    "rate": rng.choice(_RATES),
                    "remarks": "",
                }
            )
        sections.append(Section(name, rows))
    out = Path(path)
    write_ledger(
        out,
        title=f"{jurisdiction_name}{year}年“我为群众办实事”实事清单",
        filler=f"填报单位:{jurisdiction_name}委党史学习教育领导小组办公室",
        as_of=as_of or dt.date(year, 6, 30),
        columns=office_columns(),
        sections=sections,
        constant_memory=False,  # shared strings, as the offices' own sheets have them
    )
    return out
