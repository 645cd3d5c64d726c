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

Written through the register's services (``save_enterprise``, ``add_contact``) with the
district's office as the actor, like an office entering it by hand: the same checks, the
derived size, and an audit event per enterprise and contact (never a phone or e-mail).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from shishi.core import uscc
from shishi.enterprise import register_services
from shishi.enterprise import size as sizes
from shishi.enterprise.demo_policies import CXX, GX, KJX, XJR, ZJTX
from shishi.enterprise.models import Contact, Enterprise
from shishi.enterprise.register_services import ContactInput, EnterpriseInput
from shishi.orgs.models import Jurisdiction, User

ENTERPRISES = 400
PHONE_FIRST = 1000  # the contacts' mobiles are 1390000{n:04d} from here on
MAIL_DOMAIN = "example.com"
# The demo's own enterprise (the ``qiye`` login is its contact): always the first one.
QIYE_ENTERPRISE = "哈尔滨北辰云启软件科技有限公司"


@dataclass(frozen=True)
class Sector:
    key: str
    weight: float
    # Class codes, each with the trades a name of that class takes.
    codes: tuple[tuple[str, tuple[str, ...]], ...]
    employees: int  # median head count
    per_head: float  # 万元 of revenue per employee, median


SECTORS = (
    Sector(
        "software",
        0.17,
        (
            ("I6511", ("软件科技", "软件技术")),
            ("I6513", ("软件科技", "信息技术", "数字技术")),
            ("I6519", ("软件开发", "智能科技")),
            ("I6520", ("微电子", "芯片设计")),
            ("I6531", ("信息技术", "系统集成")),
            ("I6532", ("物联网科技", "智能科技")),
            ("I6540", ("网络技术", "信息技术")),
            ("I6550", ("数据科技", "云计算")),
            ("I6560", ("信息咨询", "数字技术")),
            ("I6572", ("动漫文化", "数字娱乐")),
            ("I6450", ("数据科技", "大数据")),
            ("I6432", ("网络科技", "互联网科技")),
        ),
        22,
        35,
    ),
    Sector(
        "services",
        0.23,
        (
            ("L7212", ("投资管理", "资产管理")),
            ("L7241", ("财务咨询", "税务师事务所")),
            ("L7243", ("企业管理咨询", "经济信息咨询")),
            ("L7251", ("网络传媒", "广告")),
            ("L7259", ("文化传媒", "广告")),
            ("L7262", ("人力资源服务", "职业介绍")),
            ("L7263", ("劳务派遣", "人力资源")),
            ("L7281", ("会展服务", "科技会展")),
            ("L7291", ("旅行社", "国际旅行社")),
            ("L7297", ("商务代理", "企业服务")),
            ("M7484", ("工程设计", "建筑设计")),
            ("M7482", ("工程监理", "建设监理")),
            ("M7452", ("检测技术", "检验检测")),
            ("M7491", ("工业设计", "设计")),
            ("M7520", ("知识产权代理", "专利代理")),
            ("M7530", ("科技服务", "科技咨询")),
            ("O8010", ("家政服务", "家庭服务")),
            ("O8040", ("美容美发", "形象设计")),
            ("O8053", ("养生保健", "健康管理")),
            ("K7020", ("物业服务", "物业管理")),
            ("K7030", ("房地产经纪", "房屋中介")),
            ("P8391", ("职业技能培训学校", "培训")),
            ("P8393", ("艺术培训", "文化艺术培训")),
            ("Q8491", ("健康体检", "健康管理")),
            ("N7723", ("环保科技", "环境工程")),
        ),
        12,
        25,
    ),
    Sector(
        "retail",
        0.17,
        (
            ("F5211", ("百货", "商业")),
            ("F5212", ("超市", "商业连锁")),
            ("F5213", ("便利店", "连锁便利")),
            ("F5223", ("果蔬", "生鲜")),
            ("F5226", ("茶叶", "酒业")),
            ("F5232", ("服饰", "服装")),
            ("F5234", ("化妆品", "日化")),
            ("F5251", ("医药连锁", "大药房")),
            ("F5263", ("汽车配件", "汽配")),
            ("F5272", ("家电", "电器")),
            ("F5273", ("电脑", "数码")),
            ("F5281", ("五金", "五金机电")),
            ("F5292", ("电子商务", "网络商贸")),
            ("F5124", ("食品", "冷链食品")),
            ("F5165", ("建材", "建材经销")),
            ("F5176", ("计算机设备", "信息设备")),
            ("F5154", ("医疗器械", "医疗用品")),
        ),
        9,
        60,
    ),
    Sector(
        "catering",
        0.12,
        (
            ("H6210", ("餐饮管理", "餐饮", "饭店")),
            ("H6220", ("快餐", "餐饮管理")),
            ("H6231", ("茶馆", "茶文化")),
            ("H6232", ("咖啡", "咖啡馆")),
            ("H6291", ("小吃", "面食")),
            ("H6241", ("餐饮配送", "团餐")),
            ("H6121", ("酒店管理", "连锁酒店")),
            ("H6130", ("民宿", "客栈")),
        ),
        16,
        12,
    ),
    Sector(
        "construction",
        0.12,
        (
            ("E4710", ("建筑工程", "建设工程")),
            ("E4790", ("建筑工程", "建设")),
            ("E4813", ("市政工程", "市政建设")),
            ("E4852", ("管道工程", "管网工程")),
            ("E4891", ("园林绿化", "园林工程")),
            ("E4910", ("电气安装", "机电安装")),
            ("E4920", ("设备安装", "暖通工程")),
            ("E4999", ("安装工程", "建筑安装")),
            ("E5011", ("装饰工程", "建筑装饰")),
            ("E5012", ("家居装饰", "装饰设计工程")),
            ("E5013", ("幕墙工程", "幕墙装饰")),
            ("E5022", ("土石方工程", "建设工程")),
        ),
        35,
        45,
    ),
    Sector(
        "manufacturing",
        0.13,
        (
            ("C1411", ("食品", "烘焙食品")),
            ("C1431", ("食品", "米面制品")),
            ("C1462", ("酿造", "调味品")),
            ("C1492", ("生物科技", "保健食品")),
            ("C2682", ("日化", "生物科技")),
            ("C2740", ("制药", "药业")),
            ("C2770", ("医用材料", "卫生材料")),
            ("C3099", ("新材料", "材料科技")),
            ("C3484", ("机械制造", "精密机械")),
            ("C3491", ("机器人", "智能装备")),
            ("C3525", ("模具", "精密模具")),
            ("C3581", ("医疗器械", "医疗设备")),
            ("C3591", ("环保设备", "环保科技")),
            ("C3823", ("电气设备", "电气")),
            ("C3874", ("照明科技", "智能照明")),
            ("C3912", ("电子科技", "计算机设备")),
            ("C3983", ("传感器", "传感技术")),
            ("C4011", ("自动化设备", "自动化控制")),
            ("C4014", ("仪器仪表", "分析仪器")),
            ("C4021", ("环境监测仪器", "仪器仪表")),
        ),
        55,
        50,
    ),
    Sector(
        "transport",
        0.04,
        (
            ("G5431", ("物流", "运输")),
            ("G5437", ("城市配送", "物流")),
            ("G5438", ("搬家", "搬家服务")),
            ("G5821", ("货运代理", "国际货运代理")),
            ("G5920", ("仓储", "仓储服务")),
            ("G5930", ("冷链仓储", "冷链物流")),
        ),
        20,
        30,
    ),
    Sector(
        "other",
        0.02,
        (
            ("R8810", ("文化艺术", "演艺")),
            ("R8870", ("文体活动策划", "文化活动")),
            ("R8911", ("体育赛事运营", "冰雪体育")),
            ("M7320", ("技术研究院", "工程技术研究")),
            ("M7340", ("医学科技", "医学研究")),
        ),
        15,
        20,
    ),
)
BRANDS = (
    "北辰", "云启", "松江", "龙腾", "雪域", "金桥", "华信", "远航", "新程", "博远", "恒通",
    "鼎盛", "启明", "瑞丰", "嘉禾", "丁香", "冰原", "寒梅", "朔方", "兴安", "松韵", "江畔",
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
    district: Jurisdiction, street_ids: dict[str, int], today: dt.date, *, actor: User
) -> Register:
    """The fictional register in ``district`` (the caller checks it has none yet), written as
    the office would: each enterprise with its qualifications through
    ``register_services.save_enterprise`` and each contact through ``add_contact`` (``actor``:
    the district's office), so every row passes their checks and leaves their audit events.
    A row they refuse is a bug of this demo (``ValidationFailed`` propagates)."""
    rng = random.Random("enterprise-register-230103")
    names: set[str] = set()
    rows: list[EnterpriseInput] = []
    sectors: list[str] = []
    streets = list(ROADS)
    for n in range(1, ENTERPRISES + 1):
        sector = next(s for s in SECTORS if s.key == "software") if n == 1 else _pick_sector(rng)
        code, trades = rng.choice(sector.codes)
        name = QIYE_ENTERPRISE if n == 1 else ""
        while not name or name in names:
            prefix = rng.choice(("哈尔滨", "哈尔滨", "哈尔滨市", "黑龙江"))
            name = f"{prefix}{rng.choice(BRANDS)}{rng.choice(trades)}{rng.choice(FORMS)}"
        names.add(name)
        founded: dt.date | None = _founded(rng, today)
        # A firm in its first year is small yet.
        young = 0.2 if founded is not None and (today - founded).days < 365 else 1.0
        heads = max(1, round(_lognormal(rng, sector.employees, 1.0) * young))
        sales = heads * _lognormal(rng, sector.per_head, 0.5)
        employees: int | None = heads
        revenue: Decimal | None = _money(sales)
        assets: Decimal | None = _money(sales * rng.uniform(0.4, 2.2))
        tax: Decimal | None = _money(sales * rng.uniform(0.01, 0.06))
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
        # The size the qualifications are drawn for (the service derives the stored one alike).
        size = ""
        if industry_code:
            size = (
                sizes.classify(
                    industry_code, employees=employees, revenue=revenue, total_assets=assets
                ).size
                or ""
            )
        held = [GX, KJX, CXX] if n == 1 else _qualifications(rng, sector.key, size or "small")
        rows.append(
            EnterpriseInput(
                name=name,
                uscc=uscc_for(n),
                industry_code=industry_code,
                founded_on=founded,
                employees=employees,
                revenue=revenue,
                total_assets=assets,
                tax_paid=tax,
                address=address,
                street_id=street_ids[street] if street_known else None,
                qualifications=tuple(held),
            )
        )
        sectors.append(sector.key)
    enterprises = [register_services.save_enterprise(district, row, actor=actor) for row in rows]
    contacts: list[Contact] = []
    phone = PHONE_FIRST
    for i, enterprise in enumerate(enterprises):
        for k in range(2 if rng.random() < 0.3 else 1):
            has_phone = i == 0 or rng.random() >= 0.08
            person = _person(rng)  # the generator's draws in the order they always were
            email = f"qy{i + 1:03d}-{k + 1}@{MAIL_DOMAIN}" if i == 0 or rng.random() < 0.8 else ""
            contact = ContactInput(
                name=person,
                phone=f"1390000{phone:04d}" if has_phone else "",
                email=email,
                is_primary=k == 0,
            )
            contacts.append(register_services.add_contact(enterprise, contact, actor=actor))
            phone += 1
    by_sector: dict[str, list[Enterprise]] = {}
    for e, key in zip(enterprises, sectors, strict=True):
        by_sector.setdefault(key, []).append(e)
    return Register(enterprises, contacts, by_sector)
