"""The demo's enterprise register for Nangang: 400 fictional enterprises, mostly services,
software, retail, catering, construction and manufacturing, each with a valid USCC, an
existing GB/T 4754-2017 class code, a founding date, figures (some not reported: NULL), an
address on one of Nangang's streets, its size by the 2017 standard (``size.classify``),
qualifications in realistic shares, and contacts.

Everything is fictional: the USCCs are ``91`` (an enterprise registered by the market
regulator) + ``230103`` (Nangang) + an organisation-code part ``Y0000nnnn`` that no real
organisation code takes, with the GB 32100 check character computed; the names are made of
a fictional brand and a trade; the contacts' mobiles are ``1390000xxxx`` (the range of the
demo's other fictional people; the demo's fake gateway gets what is sent to them) and their
e-mail addresses are at example.com. The roads are Nangang's, put on plausible streets
(not geocoded). Random choices come from one generator seeded with a fixed string, so a
seed on an empty database always makes the same register.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from shishi.core import uscc
from shishi.enterprise import size as sizes
from shishi.enterprise.demo_policies import CXX, GX, KJX, XJR, ZJTX
from shishi.enterprise.models import Contact, Enterprise, Qualification
from shishi.orgs.models import Jurisdiction

ENTERPRISES = 400
PHONE_FIRST = 1000  # the contacts' mobiles are 1390000{n:04d} from here on
MAIL_DOMAIN = "example.com"
# The demo's own enterprise (the ``qiye`` login is its contact): always the first one.
QIYE_ENTERPRISE = "哈尔滨北辰云启软件科技有限公司"


@dataclass(frozen=True)
class Sector:
    key: str
    weight: float
    codes: tuple[str, ...]
    trades: tuple[str, ...]
    employees: int  # median head count
    per_head: float  # 万元 of revenue per employee, median


SECTORS = (
    Sector(
        "software",
        0.17,
        ("I6511", "I6513", "I6513", "I6519", "I6520", "I6531", "I6532", "I6540", "I6550",
         "I6560", "I6572", "I6450", "I6432"),
        ("软件科技", "信息技术", "网络科技", "数据科技", "智能科技", "数字技术"),
        22,
        35,
    ),  # fmt: skip
    Sector(
        "services",
        0.23,
        ("L7212", "L7239", "L7241", "L7243", "L7251", "L7259", "L7262", "L7263", "L7281",
         "L7291", "L7297", "M7484", "M7482", "M7452", "M7491", "M7520", "M7530", "O8010",
         "O8040", "O8053", "K7020", "K7030", "P8391", "P8393", "Q8491", "N7723"),
        ("企业管理咨询", "商务服务", "文化传媒", "人力资源服务", "工程设计", "检测技术",
         "知识产权代理", "家政服务", "物业服务", "教育咨询", "会展服务", "健康管理"),
        12,
        25,
    ),  # fmt: skip
    Sector(
        "retail",
        0.17,
        ("F5211", "F5212", "F5213", "F5223", "F5226", "F5232", "F5234", "F5251", "F5263",
         "F5272", "F5273", "F5281", "F5292", "F5124", "F5165", "F5176", "F5154"),
        ("商贸", "商业连锁", "超市", "医药连锁", "电子商务", "贸易", "建材经销"),
        9,
        60,
    ),  # fmt: skip
    Sector(
        "catering",
        0.12,
        ("H6210", "H6210", "H6220", "H6231", "H6232", "H6291", "H6241", "H6121", "H6130"),
        ("餐饮管理", "餐饮", "饮品", "酒店管理", "食品"),
        16,
        12,
    ),
    Sector(
        "construction",
        0.12,
        ("E4710", "E4790", "E4813", "E4852", "E4891", "E4910", "E4920", "E4999", "E5011",
         "E5012", "E5013", "E5022"),
        ("建筑工程", "建设工程", "装饰工程", "市政工程", "机电安装", "园林绿化"),
        35,
        45,
    ),  # fmt: skip
    Sector(
        "manufacturing",
        0.13,
        ("C1411", "C1431", "C1462", "C1492", "C2682", "C2740", "C2770", "C3099", "C3484",
         "C3491", "C3525", "C3581", "C3591", "C3823", "C3874", "C3912", "C3983", "C4011",
         "C4014", "C4021"),
        ("机械制造", "电子科技", "医疗器械", "食品", "仪器仪表", "新材料", "自动化设备"),
        55,
        50,
    ),  # fmt: skip
    Sector(
        "transport",
        0.04,
        ("G5431", "G5437", "G5438", "G5821", "G5920", "G5930"),
        ("物流", "供应链管理", "运输"),
        20,
        30,
    ),
    Sector(
        "other",
        0.02,
        ("R8810", "R8870", "R8911", "M7320", "M7340"),
        ("文化艺术", "体育文化", "技术研究院"),
        15,
        20,
    ),
)
BRANDS = (
    "北辰", "云启", "松江", "龙腾", "雪域", "金桥", "华信", "远航", "新程", "博远", "恒通",
    "鼎盛", "启明", "瑞丰", "嘉禾", "丁香", "冰原", "寒梅", "朔方", "兴安", "松北", "江畔",
    "晨曦", "星河", "雪松", "青禾", "弘毅", "致远", "卓越", "同创", "汇智", "聚力", "长盈",
    "盛景", "润泽", "拓维", "思创", "格致", "知行", "敬业", "鸿运", "德昌", "和泰", "永信",
    "嘉诚", "宏图", "瑞景", "浩然", "天衡", "中盛", "凯程", "明远", "安和", "福满", "佳和",
    "悦来", "老街坊", "百味", "香江", "北国", "冰城", "雪韵", "林海", "银杏", "紫丁",
    "青松", "白桦", "黑土", "沃野", "长风", "海川", "鼎新", "睿思", "易达", "捷顺", "众和",
    "信达", "诚泰", "锦程", "万象", "奥维", "索维", "合力", "金石", "玉泉", "春晖", "晓光",
)  # fmt: skip
FORMS = ("有限公司",) * 8 + ("有限责任公司",)
# Roads of Nangang on the street office they are put on (plausible, not geocoded).
ROADS = {
    "花园街道办事处": ("花园街", "红军街", "邮政街"),
    "大成街道办事处": ("大成街", "西大直街", "东大直街"),
    "七政街道办事处": ("七政街", "民益街"),
    "曲线街道办事处": ("曲线街", "西大直街"),
    "通达街道办事处": ("通达街", "中山路"),
    "和兴路街道办事处": ("和兴路", "学府路"),
    "哈西街道办事处": ("哈西大街", "中兴大道"),
    "保健路街道办事处": ("保健路", "学府路"),
    "荣市街道办事处": ("荣市街", "文昌街"),
    "燎原街道办事处": ("燎原街", "哈平路"),
    "先锋路街道办事处": ("先锋路", "文政街"),
    "奋斗路街道办事处": ("奋斗路", "果戈里大街"),
    "新春街道办事处": ("新春街", "宣化街"),
    "跃进街道办事处": ("跃进街", "一曼街"),
}
BUILDINGS = ("商务大厦", "科技大厦", "国际广场", "写字楼", "创业园", "金融中心")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀兰", "霞", "平", "刚", "桂英", "海燕", "建华", "晓东", "雪", "宏伟", "丹",
    "博文", "思远", "佳琪", "子涵", "雨欣", "浩然", "立新", "春梅", "志强", "玉兰", "国庆",
)  # fmt: skip
# Shares of the qualifications among a sector's enterprises (those that can hold them).
TECH_SECTORS = ("software", "manufacturing", "other")


def uscc_for(n: int) -> str:
    """The ``n``-th demo enterprise's USCC (fictional organisation-code part)."""
    first17 = f"91230103Y0000{n:04d}"
    return first17 + uscc.check_character(first17)


def _pick_sector(rng: random.Random) -> Sector:
    return rng.choices(SECTORS, weights=[s.weight for s in SECTORS])[0]


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _founded(rng: random.Random, today: dt.date) -> dt.date:
    roll = rng.random()
    if roll < 0.3:
        days = rng.randint(30, 3 * 365)
    elif roll < 0.6:
        days = rng.randint(3 * 365, 8 * 365)
    elif roll < 0.92:
        days = rng.randint(8 * 365, 20 * 365)
    else:
        days = rng.randint(20 * 365, 35 * 365)
    return today - dt.timedelta(days=days)


def _qualifications(rng: random.Random, sector: str, size: str) -> list[str]:
    held: list[str] = []
    tech = sector in TECH_SECTORS
    if size == "large":
        return [GX] if tech and rng.random() < 0.6 else []
    if rng.random() < (0.35 if tech else 0.03):
        held.append(KJX)
    if rng.random() < (0.28 if tech else 0.02):
        held.append(GX)
    if tech and size in ("medium", "small") and rng.random() < 0.18:
        held.append(ZJTX)
        if rng.random() < 0.2:
            held.append(XJR)
    if rng.random() < (0.15 if tech else 0.03):
        held.append(CXX)
    return held


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@dataclass
class Register:
    enterprises: list[Enterprise]
    contacts: list[Contact]
    by_sector: dict[str, list[Enterprise]]


def seed_register(
    district: Jurisdiction, street_ids: dict[str, int], today: dt.date
) -> Register:
    """The fictional register in ``district`` (the caller checks it has none yet)."""
    rng = random.Random("enterprise-register-230103")
    names: set[str] = set()
    enterprises: list[Enterprise] = []
    sectors: list[str] = []
    held: list[list[str]] = []
    streets = list(ROADS)
    for n in range(1, ENTERPRISES + 1):
        sector = next(s for s in SECTORS if s.key == "software") if n == 1 else _pick_sector(rng)
        code = rng.choice(sector.codes)
        name = QIYE_ENTERPRISE if n == 1 else ""
        while not name or name in names:
            prefix = rng.choice(("哈尔滨", "哈尔滨", "哈尔滨市", "黑龙江"))
            name = f"{prefix}{rng.choice(BRANDS)}{rng.choice(sector.trades)}{rng.choice(FORMS)}"
        names.add(name)
        employees: int | None = max(1, round(_lognormal(rng, sector.employees, 1.0)))
        revenue: Decimal | None = _money(
            (employees or 1) * _lognormal(rng, sector.per_head, 0.5)
        )
        assets: Decimal | None = _money(float(revenue or 0) * rng.uniform(0.4, 2.2))
        tax: Decimal | None = _money(float(revenue or 0) * rng.uniform(0.01, 0.06))
        founded: dt.date | None = _founded(rng, today)
        if n == 1:  # the demo contact's enterprise: a small software firm, all figures known
            code, employees, founded = "I6513", 46, today - dt.timedelta(days=6 * 365 + 40)
            revenue, assets, tax = Decimal("2860.00"), Decimal("1950.00"), Decimal("128.50")
        else:
            employees = None if rng.random() < 0.06 else employees
            revenue = None if rng.random() < 0.12 else revenue
            assets = None if rng.random() < 0.35 else assets
            tax = None if rng.random() < 0.25 else tax
            founded = None if rng.random() < 0.03 else founded
        street = rng.choice(streets) if n > 1 else "和兴路街道办事处"
        road = rng.choice(ROADS[street])
        address = f"南岗区{road}{rng.randint(1, 399)}号"
        if sector.key in ("software", "services") and rng.random() < 0.5:
            address += f"{rng.choice(BUILDINGS)}{rng.randint(2, 28)}层"
        street_known = n == 1 or rng.random() >= 0.04
        industry_code = code if n == 1 or rng.random() >= 0.02 else ""
        size = ""
        if industry_code:
            size = (
                sizes.classify(
                    industry_code, employees=employees, revenue=revenue, total_assets=assets
                ).size
                or ""
            )
        enterprises.append(
            Enterprise(
                jurisdiction=district,
                uscc=uscc_for(n),
                name=name,
                industry_code=industry_code,
                founded_on=founded,
                employees=employees,
                revenue=revenue,
                total_assets=assets,
                tax_paid=tax,
                address=address,
                street_id=street_ids[street] if street_known else None,
                size=size,
            )
        )
        sectors.append(sector.key)
        held.append(
            [GX, KJX, CXX] if n == 1 else _qualifications(rng, sector.key, size or "small")
        )
    Enterprise.objects.bulk_create(enterprises)
    Qualification.objects.bulk_create(
        Qualification(enterprise=e, name=q)
        for e, names_held in zip(enterprises, held, strict=True)
        for q in names_held
    )
    contacts: list[Contact] = []
    phone = PHONE_FIRST
    for i, enterprise in enumerate(enterprises):
        for k in range(2 if rng.random() < 0.3 else 1):
            has_phone = i == 0 or rng.random() >= 0.08
            contacts.append(
                Contact(
                    enterprise=enterprise,
                    name=_person(rng),
                    phone=f"1390000{phone:04d}" if has_phone else "",
                    email=f"qy{i + 1:03d}-{k + 1}@{MAIL_DOMAIN}"
                    if i == 0 or rng.random() < 0.8
                    else "",
                    is_primary=k == 0,
                )
            )
            phone += 1
    Contact.objects.bulk_create(contacts)
    by_sector: dict[str, list[Enterprise]] = {}
    for e, key in zip(enterprises, sectors, strict=True):
        by_sector.setdefault(key, []).append(e)
    return Register(enterprises, contacts, by_sector)
