"""The demo's policy library (惠企政策) for Nangang: 60 sample policies in the spirit of the
district's 344 — national, Heilongjiang's, Harbin's and Nangang's own — each with its level,
benefit, amount text, guide, materials, contact, validity and status (mostly published, a few
drafts and expired ones), and structured conditions covering every ``ConditionKind``; seven
are 免申即享 (all conditions structured).

**They are samples.** The titles and amounts follow the spirit of policies of their kind,
but the document numbers are made up (``国惠企示例〔2025〕3号``: "示例" in every one) and
every guide says so: the office imports its own library (``import_policies``). Validity is
relative to the day the demo is seeded, so the library stays in force in a demo loaded years
later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shishi.enterprise import policy_services
from shishi.enterprise.matching import Condition
from shishi.enterprise.models import (
    Benefit,
    ConditionKind,
    Level,
    Policy,
    PolicyStatus,
)
from shishi.enterprise.policy_services import (
    ConditionRow,
    PolicyInput,
    condition_words,
    content_hash,
)
from shishi.orgs.models import Jurisdiction

K = ConditionKind
GX = "高新技术企业"
ZJTX = "专精特新中小企业"
XJR = "专精特新“小巨人”企业"
KJX = "科技型中小企业"
CXX = "创新型中小企业"
QUALIFICATIONS = (GX, ZJTX, XJR, KJX, CXX)

# Nangang's street offices, as its ledger names them (the demo's street units).
STREETS = (
    "花园街道办事处",
    "大成街道办事处",
    "七政街道办事处",
    "曲线街道办事处",
    "通达街道办事处",
    "和兴路街道办事处",
    "哈西街道办事处",
    "保健路街道办事处",
    "荣市街道办事处",
    "燎原街道办事处",
    "先锋路街道办事处",
    "奋斗路街道办事处",
    "新春街道办事处",
    "跃进街道办事处",
)
# The streets with the district's main office buildings (楼宇经济).
BUILDING_STREETS = ("花园街道办事处", "大成街道办事处", "哈西街道办事处", "通达街道办事处")

SAMPLE_NOTE = (
    "【演示数据】本条为示例政策，依据同类惠企政策的精神编写，文号为虚构，"
    "不作为申报依据，实际以发文单位公布的政策原文为准。"
    "区营商环境局可通过政策库导入本区整理的344条惠企政策。"
)
PREFIX = {
    Level.NATIONAL: "国惠企示例",
    Level.PROVINCIAL: "黑惠企示例",
    Level.CITY: "哈惠企示例",
    Level.DISTRICT: "南惠企示例",
}
HOTLINE = "12345政务服务便民热线"
DISTRICT_DESK = "南岗区营商环境局企业服务科（区政务服务中心二楼企业服务专区）"

Conditions = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class DemoPolicy:
    title: str
    level: str
    benefit: str
    issuer: str
    amount: str
    guide: str
    materials: str
    conditions: Conditions
    contact: str = DISTRICT_DESK
    no_apply: bool = False
    status: str = PolicyStatus.PUBLISHED
    # Valid from 1 January of (this year + first) to 31 December of (this year + second).
    years: tuple[int, int] = (-1, 2)
    published_days_ago: int = 120


TAX_MATERIALS = "无需单独申请，企业在纳税申报时自行判别、申报享受，相关资料留存备查。"
COMMON_MATERIALS = "申报表；营业执照复印件；上年度财务报表；纳税证明；其他佐证材料。"

POLICIES: tuple[DemoPolicy, ...] = (
    # --- national ---------------------------------------------------------------------------
    DemoPolicy(
        "小型微利企业所得税优惠",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局",
        "年应纳税所得额不超过300万元的部分，减按25%计入应纳税所得额，按20%的税率缴纳企业所得税。",
        "符合条件的小型微利企业在预缴和汇算清缴时通过填写纳税申报表即可享受。",
        TAX_MATERIALS,
        (
            (K.EMPLOYEES_MAX, 300),
            (K.TEXT, "资产总额不超过5000万元，年度应纳税所得额不超过300万元"),
        ),
        contact=HOTLINE,
        years=(-2, 1),
        published_days_ago=330,
    ),
    DemoPolicy(
        "增值税小规模纳税人减免增值税",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局",
        "月销售额10万元以下（含本数）的增值税小规模纳税人免征增值税；"
        "适用3%征收率的应税销售收入减按1%征收率征收。",
        "小规模纳税人在增值税纳税申报时直接享受。",
        TAX_MATERIALS,
        ((K.REVENUE_MAX, 500), (K.TEXT, "登记为增值税小规模纳税人")),
        contact=HOTLINE,
        years=(-2, 1),
        published_days_ago=330,
    ),
    DemoPolicy(
        "研发费用税前加计扣除",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局",
        "研发费用未形成无形资产计入当期损益的，在据实扣除的基础上再按实际发生额的100%"
        "在税前加计扣除；形成无形资产的，按无形资产成本的200%在税前摊销。",
        "企业在预缴申报或年度汇算清缴时自行计算加计扣除金额，填报研发费用辅助账。",
        "研发项目立项文件；研发费用辅助账；研发人员名单；留存备查资料。",
        (
            (K.INDUSTRY_NONE, ["C16", "F", "H", "K", "L", "R90"]),
            (K.TEXT, "开展符合规定的研发活动，研发费用单独归集核算"),
        ),
        contact=HOTLINE,
        years=(-2, 2),
        published_days_ago=300,
    ),
    DemoPolicy(
        "高新技术企业减按15%税率征收企业所得税",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局",
        "经认定的高新技术企业，减按15%的税率征收企业所得税。",
        "取得高新技术企业证书后，在证书有效期内自行申报享受。",
        TAX_MATERIALS,
        ((K.QUALIFICATION_ALL, [GX]),),
        contact=HOTLINE,
        years=(-3, 3),
        published_days_ago=360,
    ),
    DemoPolicy(
        "“六税两费”减半征收",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局",
        "对小型微利企业和个体工商户，按50%的税额幅度减征资源税、城市维护建设税、房产税、"
        "城镇土地使用税、印花税（不含证券交易印花税）、耕地占用税和教育费附加、地方教育附加。",
        "纳税申报时系统自动带出减免，企业确认即可享受。",
        TAX_MATERIALS,
        ((K.SIZE_IN, ["small", "micro"]),),
        contact=HOTLINE,
        years=(-2, 1),
        published_days_ago=320,
    ),
    DemoPolicy(
        "失业保险稳岗返还",
        Level.NATIONAL,
        Benefit.SUBSIDY,
        "人力资源社会保障部、财政部",
        "中小微企业按上年度实际缴纳失业保险费的60%返还，大型企业按30%返还。",
        "免申即享：人社部门根据参保和缴费数据筛选符合条件的企业，直接将返还资金拨付至企业"
        "对公账户，企业无需申报。",
        "无需提交材料。",
        ((K.YEARS_MIN, 1), (K.EMPLOYEES_MIN, 1)),
        contact="南岗区人力资源和社会保障局就业科",
        no_apply=True,
        years=(-1, 1),
        published_days_ago=200,
    ),
    DemoPolicy(
        "一次性扩岗补助",
        Level.NATIONAL,
        Benefit.SUBSIDY,
        "人力资源社会保障部",
        "企业招用毕业年度或离校2年内未就业高校毕业生、16—24岁登记失业青年，签订劳动合同并"
        "参加失业保险的，按每招用1人1500元的标准发放一次性扩岗补助。",
        "企业在人社部门网上经办平台提交申请，审核通过后拨付。",
        "劳动合同；失业保险缴费记录；招用人员身份证明。",
        ((K.EMPLOYEES_MIN, 1), (K.TEXT, "招用符合条件的高校毕业生或登记失业青年")),
        contact="南岗区人力资源和社会保障局就业科",
        published_days_ago=150,
    ),
    DemoPolicy(
        "小微企业创业担保贷款贴息",
        Level.NATIONAL,
        Benefit.INTEREST,
        "财政部、人力资源社会保障部、中国人民银行",
        "小微企业创业担保贷款额度最高不超过400万元，贷款期限最长不超过2年，按规定给予财政贴息。",
        "企业向经办银行和担保机构提出申请，人社部门审核资格后放款。",
        "贷款申请书；营业执照；新招用人员劳动合同和社保缴费记录；财务报表。",
        (
            (K.SIZE_IN, ["small", "micro"]),
            (K.TEXT, "当年新招用符合条件人员达到现有在职职工人数的一定比例"),
        ),
        contact="南岗区创业担保贷款经办窗口",
        published_days_ago=260,
    ),
    DemoPolicy(
        "先进制造业企业增值税加计抵减",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局",
        "允许先进制造业企业按照当期可抵扣进项税额加计5%抵减应纳增值税税额。",
        "企业在增值税纳税申报时自行声明并享受。",
        TAX_MATERIALS,
        ((K.INDUSTRY_ANY, ["C"]), (K.QUALIFICATION_ALL, [GX])),
        contact=HOTLINE,
        years=(-2, 1),
        published_days_ago=280,
    ),
    DemoPolicy(
        "软件和集成电路设计企业所得税优惠",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局、发展改革委、工业和信息化部",
        "符合条件的软件企业和集成电路设计企业，自获利年度起第一年至第二年免征企业所得税，"
        "第三年至第五年按照25%的法定税率减半征收。",
        "企业在汇算清缴时自行判别、申报享受，相关资料留存备查。",
        TAX_MATERIALS,
        (
            (K.INDUSTRY_ANY, ["I6511", "I6512", "I6513", "I6519", "I6520"]),
            (K.TEXT, "符合软件企业或集成电路设计企业条件"),
        ),
        contact=HOTLINE,
        years=(-2, 3),
        published_days_ago=290,
    ),
    DemoPolicy(
        "重点专精特新“小巨人”企业中央财政支持",
        Level.NATIONAL,
        Benefit.SUBSIDY,
        "财政部、工业和信息化部",
        "对重点“小巨人”企业给予资金支持，用于企业研发投入、数字化转型等，"
        "具体标准以年度申报通知为准。",
        "按年度申报通知，经省工业和信息化厅推荐上报。",
        "申报书；“小巨人”企业认定文件；研发投入和数字化项目材料。",
        ((K.QUALIFICATION_ALL, [XJR]), (K.INDUSTRY_ANY, ["C", "I65"])),
        contact="南岗区工业和信息化局",
        published_days_ago=240,
    ),
    DemoPolicy(
        "政府性融资担保降费",
        Level.NATIONAL,
        Benefit.SUBSIDY,
        "财政部、工业和信息化部",
        "政府性融资担保机构对小微企业的担保费率原则上不超过1%，财政给予担保机构降费补贴。",
        "企业向政府性融资担保机构申请担保，费率在办理时直接降低。",
        "担保申请书；营业执照；财务报表；贷款用途说明。",
        ((K.SIZE_IN, ["small", "micro"]), (K.TEXT, "通过政府性融资担保机构获得担保贷款")),
        contact="哈尔滨市政府性融资担保机构",
        published_days_ago=230,
    ),
    DemoPolicy(
        "小微企业免征残疾人就业保障金",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部",
        "在职职工总数30人（含）以下的企业，暂免征收残疾人就业保障金。",
        "申报时系统按在职职工人数自动判别，企业无需申请。",
        TAX_MATERIALS,
        ((K.EMPLOYEES_MAX, 30),),
        contact=HOTLINE,
        years=(-2, 2),
        published_days_ago=310,
    ),
    DemoPolicy(
        "重点群体创业就业税收扣减",
        Level.NATIONAL,
        Benefit.TAX,
        "财政部、税务总局、人力资源社会保障部",
        "企业招用脱贫人口、登记失业半年以上人员，签订1年以上劳动合同并缴纳社会保险的，"
        "在3年内按实际招用人数定额依次扣减增值税、城市维护建设税等。",
        "企业向人社部门申请认定后，在纳税申报时扣减。",
        "劳动合同；社会保险缴费记录；重点群体人员证明。",
        ((K.EMPLOYEES_MIN, 1), (K.TEXT, "招用重点群体人员并签订1年以上劳动合同")),
        contact=HOTLINE,
        published_days_ago=210,
    ),
    # --- Heilongjiang ------------------------------------------------------------------------
    DemoPolicy(
        "黑龙江省专精特新中小企业认定奖励",
        Level.PROVINCIAL,
        Benefit.AWARD,
        "黑龙江省工业和信息化厅",
        "对新认定的省级专精特新中小企业给予一次性奖励（示例标准：每户20万元）。",
        "按认定名单直接兑现，企业无需另行申请。",
        "无需提交材料。",
        ((K.QUALIFICATION_ANY, [ZJTX, XJR]), (K.INDUSTRY_ANY, ["C", "I65", "M"])),
        contact="南岗区工业和信息化局",
        published_days_ago=180,
    ),
    DemoPolicy(
        "国家级专精特新“小巨人”企业省级奖励",
        Level.PROVINCIAL,
        Benefit.AWARD,
        "黑龙江省工业和信息化厅、黑龙江省财政厅",
        "新获评国家级专精特新“小巨人”企业的，省级给予一次性奖励（示例标准：每户50万元）。",
        "免申即享：按国家公布的名单直接兑现，资金拨付至企业对公账户。",
        "无需提交材料。",
        ((K.QUALIFICATION_ALL, [XJR]),),
        contact="南岗区工业和信息化局",
        no_apply=True,
        published_days_ago=170,
    ),
    DemoPolicy(
        "科技型中小企业入库奖励",
        Level.PROVINCIAL,
        Benefit.AWARD,
        "黑龙江省科学技术厅",
        "首次入库的科技型中小企业给予一次性奖励（示例标准：每户2万元）。",
        "免申即享：按入库名单和企业规模数据筛选，直接兑现。",
        "无需提交材料。",
        (
            (K.QUALIFICATION_ALL, [KJX]),
            (K.EMPLOYEES_MAX, 500),
            (K.REVENUE_MAX, 20000),
        ),
        contact="南岗区科学技术局",
        no_apply=True,
        published_days_ago=160,
    ),
    DemoPolicy(
        "黑龙江省高新技术企业认定奖励",
        Level.PROVINCIAL,
        Benefit.AWARD,
        "黑龙江省科学技术厅、黑龙江省财政厅",
        "对首次认定的高新技术企业给予一次性奖励（示例标准：省级10万元）。",
        "免申即享：按认定公告名单直接兑现。",
        "无需提交材料。",
        ((K.QUALIFICATION_ALL, [GX]),),
        contact="南岗区科学技术局",
        no_apply=True,
        published_days_ago=150,
    ),
    DemoPolicy(
        "数字经济企业营业收入跨档奖励",
        Level.PROVINCIAL,
        Benefit.AWARD,
        "黑龙江省工业和信息化厅",
        "数字经济企业年营业收入首次超过500万元、1000万元、5000万元的，分档给予奖励。",
        "每年二季度集中申报，经区、市、省逐级审核。",
        COMMON_MATERIALS,
        (
            (K.INDUSTRY_ANY, ["I63", "I64", "I65", "C39"]),
            (K.REVENUE_MIN, 500),
            (K.TEXT, "营业收入为首次跨越相应档次"),
        ),
        contact="南岗区工业和信息化局",
        published_days_ago=140,
    ),
    DemoPolicy(
        "中小企业数字化改造补助",
        Level.PROVINCIAL,
        Benefit.SUBSIDY,
        "黑龙江省工业和信息化厅",
        "对实施数字化改造的中小制造业企业，按项目设备和软件投资额的一定比例给予补助。",
        "项目完成后申报，经专家评审后拨付。",
        "项目申报书；设备和软件采购合同、发票；项目验收材料。",
        (
            (K.INDUSTRY_ANY, ["C"]),
            (K.SIZE_IN, ["medium", "small", "micro"]),
            (K.TEXT, "数字化改造项目设备和软件投资100万元以上"),
        ),
        contact="南岗区工业和信息化局",
        published_days_ago=130,
    ),
    DemoPolicy(
        "创新型中小企业融资和项目对接服务",
        Level.PROVINCIAL,
        Benefit.SERVICE,
        "黑龙江省工业和信息化厅",
        "优先推荐申报省级科技和产业项目，组织银企对接和投融资路演。",
        "企业通过区营商环境局或益企工作站登记服务需求。",
        "服务需求登记表。",
        ((K.QUALIFICATION_ANY, [CXX, KJX]),),
        published_days_ago=100,
    ),
    DemoPolicy(
        "首台（套）重大技术装备保险补偿",
        Level.PROVINCIAL,
        Benefit.SUBSIDY,
        "黑龙江省工业和信息化厅",
        "对投保首台（套）重大技术装备综合险的企业，按保费的一定比例给予补偿。",
        "产品列入推广应用指导目录并投保后申报。",
        "保险合同和保费发票；产品销售合同；目录证明。",
        (
            (K.INDUSTRY_ANY, ["C34", "C35", "C38", "C40"]),
            (K.TEXT, "产品列入省首台（套）重大技术装备推广应用指导目录"),
        ),
        contact="南岗区工业和信息化局",
        published_days_ago=190,
    ),
    DemoPolicy(
        "专精特新中小企业贷款贴息",
        Level.PROVINCIAL,
        Benefit.INTEREST,
        "黑龙江省工业和信息化厅、黑龙江省财政厅",
        "按企业年度实际支付贷款利息的50%给予贴息，单户最高100万元（示例标准）。",
        "每年一季度申报上年度贷款利息。",
        "贷款合同；利息支付凭证；纳税证明。",
        ((K.QUALIFICATION_ANY, [ZJTX, XJR]), (K.TAX_MIN, 10)),
        contact="南岗区工业和信息化局",
        published_days_ago=110,
    ),
    DemoPolicy(
        "冰雪经济企业运营补贴",
        Level.PROVINCIAL,
        Benefit.SUBSIDY,
        "黑龙江省文化和旅游厅、黑龙江省体育局",
        "对开展冰雪旅游、冰雪体育经营的企业，按雪季经营情况给予运营补贴。",
        "雪季结束后申报。",
        "经营情况说明；门票或服务收入凭证；安全生产承诺书。",
        (
            (K.INDUSTRY_ANY, ["R89", "R90", "H61", "L7291"]),
            (K.TEXT, "雪季持续开展冰雪旅游或冰雪体育经营"),
        ),
        contact="南岗区文体广电和旅游局",
        published_days_ago=60,
    ),
    DemoPolicy(
        "小微企业吸纳就业社会保险补贴",
        Level.PROVINCIAL,
        Benefit.SUBSIDY,
        "黑龙江省人力资源和社会保障厅",
        "小微企业吸纳就业困难人员并为其缴纳社会保险的，按实际缴费给予社会保险补贴。",
        "企业按季度向人社部门申报。",
        "劳动合同；社保缴费记录；就业困难人员认定证明。",
        (
            (K.SIZE_IN, ["small", "micro"]),
            (K.EMPLOYEES_MIN, 5),
            (K.TEXT, "吸纳就业困难人员并缴纳社会保险"),
        ),
        contact="南岗区人力资源和社会保障局就业科",
        published_days_ago=90,
    ),
    DemoPolicy(
        "省级科技企业孵化器和众创空间奖励",
        Level.PROVINCIAL,
        Benefit.AWARD,
        "黑龙江省科学技术厅",
        "新认定的省级科技企业孵化器、众创空间给予一次性奖励。",
        "按认定结果申报。",
        "认定文件；运营情况报告。",
        ((K.INDUSTRY_ANY, ["M7540", "L7221"]), (K.TEXT, "经认定为省级科技企业孵化器或众创空间")),
        contact="南岗区科学技术局",
        status=PolicyStatus.DRAFT,
        published_days_ago=0,
    ),
    # --- Harbin -------------------------------------------------------------------------------
    DemoPolicy(
        "哈尔滨市企业研发投入后补助",
        Level.CITY,
        Benefit.SUBSIDY,
        "哈尔滨市科学技术局、哈尔滨市财政局",
        "对上年度研发投入较前一年度增长的企业，按增量部分的一定比例给予后补助。",
        "每年研发费用加计扣除汇算清缴后集中申报。",
        "研发费用专项审计报告；加计扣除申报表。",
        (
            (K.QUALIFICATION_ANY, [GX, KJX]),
            (K.INDUSTRY_NONE, ["F", "H", "K"]),
            (K.TEXT, "上年度研发投入较前一年度有增长"),
        ),
        contact="南岗区科学技术局",
        published_days_ago=175,
    ),
    DemoPolicy(
        "哈尔滨市高新技术企业认定奖励",
        Level.CITY,
        Benefit.AWARD,
        "哈尔滨市科学技术局",
        "对首次认定和重新认定的高新技术企业，分别给予一次性奖励（示例标准）。",
        "按认定公告名单申报，区科技局初审。",
        "高新技术企业证书；奖励申请表。",
        ((K.QUALIFICATION_ALL, [GX]), (K.TEXT, "在哈尔滨市注册并纳税")),
        contact="南岗区科学技术局",
        published_days_ago=165,
    ),
    DemoPolicy(
        "哈尔滨市瞪羚企业培育奖励",
        Level.CITY,
        Benefit.AWARD,
        "哈尔滨市工业和信息化局",
        "对认定的瞪羚企业给予一次性奖励，并优先推荐融资对接。",
        "每年三季度申报认定。",
        COMMON_MATERIALS,
        (
            (K.YEARS_MAX, 10),
            (K.REVENUE_MIN, 1000),
            (K.INDUSTRY_ANY, ["C", "I", "M"]),
            (K.TEXT, "近三年营业收入年均增长20%以上"),
        ),
        contact="南岗区工业和信息化局",
        published_days_ago=120,
    ),
    DemoPolicy(
        "哈尔滨市中小微企业应急转贷服务",
        Level.CITY,
        Benefit.SERVICE,
        "哈尔滨市财政局、哈尔滨市工业和信息化局",
        "为按期还贷暂有困难的中小微企业提供应急转贷资金，费率低于市场水平（示例）。",
        "企业向合作银行和转贷服务机构提出申请，银行出具续贷承诺后办理。",
        "转贷申请书；银行续贷承诺函；营业执照；财务报表。",
        ((K.SIZE_IN, ["medium", "small", "micro"]), (K.YEARS_MIN, 1)),
        contact="哈尔滨市中小企业应急转贷服务窗口",
        published_days_ago=250,
    ),
    DemoPolicy(
        "哈尔滨市商贸企业入统升限奖励",
        Level.CITY,
        Benefit.AWARD,
        "哈尔滨市商务局",
        "首次纳入限额以上统计的批发、零售、住宿和餐饮企业，给予一次性奖励（示例标准）。",
        "纳入统计后次年一季度申报。",
        "统计部门入库证明；奖励申请表。",
        (
            (K.INDUSTRY_ANY, ["F", "H"]),
            (K.REVENUE_MIN, 200),
            (K.TEXT, "首次纳入限额以上批发零售住宿餐饮业统计"),
        ),
        contact="南岗区商务局",
        published_days_ago=145,
    ),
    DemoPolicy(
        "哈尔滨市企业引进高层次人才住房补贴",
        Level.CITY,
        Benefit.SUBSIDY,
        "哈尔滨市人才工作领导小组办公室",
        "企业全职引进的高层次人才，按人才类别给予住房补贴（示例标准：最高每人100万元，分期发放）。",
        "人才到岗后由企业代为申报。",
        "人才劳动合同；学历学位和职称证明；社保缴费记录。",
        (
            (K.EMPLOYEES_MIN, 10),
            (K.INDUSTRY_ANY, ["C", "I", "M"]),
            (K.TEXT, "全职引进经认定的高层次人才"),
        ),
        contact="南岗区委人才工作领导小组办公室",
        published_days_ago=220,
    ),
    DemoPolicy(
        "哈尔滨市知识产权质押融资贴息",
        Level.CITY,
        Benefit.INTEREST,
        "哈尔滨市市场监督管理局",
        "以专利、商标等知识产权质押获得贷款的企业，按实际支付利息的一定比例给予贴息。",
        "贷款结清或年度付息后申报。",
        "质押登记证明；贷款合同；利息支付凭证。",
        (
            (K.QUALIFICATION_ANY, [KJX, GX, ZJTX]),
            (K.TEXT, "以知识产权质押方式获得银行贷款"),
        ),
        contact="南岗区市场监督管理局",
        published_days_ago=200,
    ),
    DemoPolicy(
        "哈尔滨市外贸企业出口信用保险补贴",
        Level.CITY,
        Benefit.SUBSIDY,
        "哈尔滨市商务局",
        "对投保短期出口信用保险的外贸企业，按保费的一定比例给予补贴。",
        "每年集中申报一次。",
        "保险单和保费发票；进出口实绩证明。",
        ((K.INDUSTRY_ANY, ["F51", "C"]), (K.TEXT, "有进出口实绩并投保出口信用保险")),
        contact="南岗区商务局",
        published_days_ago=185,
    ),
    DemoPolicy(
        "哈尔滨市住宿餐饮企业纾困补贴（2022年度）",
        Level.CITY,
        Benefit.SUBSIDY,
        "哈尔滨市商务局",
        "对受疫情影响较大的小微住宿餐饮企业给予一次性纾困补贴（已到期）。",
        "申报期已结束。",
        "无。",
        ((K.INDUSTRY_ANY, ["H"]), (K.SIZE_IN, ["small", "micro"])),
        contact="南岗区商务局",
        status=PolicyStatus.EXPIRED,
        years=(-4, -3),
        published_days_ago=1100,
    ),
    DemoPolicy(
        "哈尔滨市建筑业企业资质升级奖励",
        Level.CITY,
        Benefit.AWARD,
        "哈尔滨市住房和城乡建设局",
        "首次取得施工总承包一级及以上资质的建筑业企业，给予一次性奖励（示例标准）。",
        "取得资质后6个月内申报。",
        "资质证书；奖励申请表；上年度建筑业产值报表。",
        (
            (K.INDUSTRY_ANY, ["E"]),
            (K.REVENUE_MIN, 5000),
            (K.TEXT, "首次取得施工总承包一级及以上资质"),
        ),
        contact="南岗区住房和城乡建设局",
        published_days_ago=155,
    ),
    DemoPolicy(
        "哈尔滨市规模以上服务业企业首次入统奖励",
        Level.CITY,
        Benefit.AWARD,
        "哈尔滨市发展和改革委员会",
        "首次纳入规模以上服务业统计的企业，给予一次性奖励（示例标准：5万元）。",
        "纳入统计后次年申报。",
        "统计部门入库证明；奖励申请表。",
        (
            (K.INDUSTRY_ANY, ["I", "L", "M", "O", "K7020"]),
            (K.REVENUE_MIN, 1000),
            (K.TEXT, "首次纳入规模以上服务业统计"),
        ),
        contact="南岗区发展和改革局",
        published_days_ago=95,
    ),
    DemoPolicy(
        "哈尔滨市高校毕业生创业补贴",
        Level.CITY,
        Benefit.SUBSIDY,
        "哈尔滨市人力资源和社会保障局",
        "高校毕业生在哈初次创办企业并正常经营1年以上的，给予一次性创业补贴（示例标准）。",
        "企业经营满1年后向人社部门申报。",
        "毕业证书；营业执照；经营场所证明；纳税或社保缴费记录。",
        (
            (K.YEARS_MAX, 3),
            (K.EMPLOYEES_MAX, 50),
            (K.TEXT, "法定代表人为毕业5年内的高校毕业生且为初次创业"),
        ),
        contact="南岗区人力资源和社会保障局就业科",
        published_days_ago=80,
    ),
    # --- Nangang --------------------------------------------------------------------------------
    DemoPolicy(
        "南岗区首次升规工业企业奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区人民政府",
        "首次纳入规模以上工业统计的企业，给予一次性奖励（示例标准：10万元）。",
        "免申即享：区工信局按统计入库名单和营业收入数据核定，直接兑现。",
        "无需提交材料。",
        ((K.INDUSTRY_ANY, ["B", "C", "D"]), (K.REVENUE_MIN, 2000), (K.YEARS_MIN, 1)),
        contact="南岗区工业和信息化局",
        no_apply=True,
        published_days_ago=140,
    ),
    DemoPolicy(
        "南岗区重点楼宇入驻企业租金补贴",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区人民政府",
        "新入驻区内重点商务楼宇的企业，给予三年租金补贴：第一年50%，第二、三年30%（示例标准）。",
        "入驻后由楼宇运营方协助向区营商环境局申报。",
        "租赁合同；租金支付凭证；营业执照。",
        (
            (K.STREET_IN, list(BUILDING_STREETS)),
            (K.INDUSTRY_ANY, ["I", "L", "M", "J"]),
            (K.TEXT, "新入驻重点商务楼宇，租赁办公面积200平方米以上"),
        ),
        published_days_ago=125,
    ),
    DemoPolicy(
        "南岗区楼宇经济纳税贡献奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区人民政府",
        "重点楼宇内年纳税额100万元以上的企业，按区级贡献的一定比例给予奖励（示例标准：最高50万元）。",
        "免申即享：区财政局、税务部门按纳税数据核定，直接兑现。",
        "无需提交材料。",
        (
            (K.STREET_IN, list(BUILDING_STREETS)),
            (K.TAX_MIN, 100),
            (K.INDUSTRY_NONE, ["K7010"]),
        ),
        contact="南岗区财政局",
        no_apply=True,
        published_days_ago=110,
    ),
    DemoPolicy(
        "南岗区人才安居补贴",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区委人才工作领导小组",
        "区内企业新引进的博士、硕士及紧缺专业本科人才，分别按每月2000元、1000元、"
        "500元发放安居补贴，最长3年（示例标准）。",
        "企业按季度代为申报。",
        "学历学位证书；劳动合同；社保缴费记录；无自有住房承诺书。",
        (
            (K.INDUSTRY_ANY, ["I", "M", "C"]),
            (K.TEXT, "人才在区内无自有住房，与企业签订3年以上劳动合同"),
        ),
        contact="南岗区委人才工作领导小组办公室",
        published_days_ago=100,
    ),
    DemoPolicy(
        "南岗区企业开办绿色通道",
        Level.DISTRICT,
        Benefit.SERVICE,
        "南岗区营商环境局",
        "企业开办全程网办，1个工作日内办结；免费刻制首套公章，当天送出“开业大礼包”。",
        "到区政务服务中心企业开办专区或通过益企工作站预约专人帮办。",
        "名称自主申报结果；法定代表人身份证；住所使用证明。",
        ((K.YEARS_MAX, 1), (K.TEXT, "新设立企业")),
        published_days_ago=300,
    ),
    DemoPolicy(
        "南岗区科技园区入驻企业扶持",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区科学技术局",
        "入驻区内大学科技园、孵化载体的科技企业，给予房租和研发补贴（示例标准）。",
        "每年申报一次。",
        COMMON_MATERIALS,
        (
            (K.QUALIFICATION_ANY, [KJX, GX, CXX]),
            (K.YEARS_MAX, 8),
            (K.TEXT, "入驻区内大学科技园或孵化载体"),
        ),
        contact="南岗区科学技术局",
        published_days_ago=90,
    ),
    DemoPolicy(
        "南岗区融资一对一服务",
        Level.DISTRICT,
        Benefit.SERVICE,
        "南岗区营商环境局",
        "联合合作银行为企业一对一对接融资需求，3个工作日内回应，量身定制融资方案。",
        "通过企业诉求表单或益企工作站提出融资需求。",
        "融资需求登记表；近期财务报表。",
        ((K.SIZE_IN, ["medium", "small", "micro"]),),
        published_days_ago=280,
    ),
    DemoPolicy(
        "南岗区小微企业贷款贴息",
        Level.DISTRICT,
        Benefit.INTEREST,
        "南岗区财政局",
        "按实际支付利息的30%给予贴息，单户每年最高20万元（示例标准）。",
        "每年一季度申报上年度利息。",
        "贷款合同；利息支付凭证；纳税证明。",
        (
            (K.SIZE_IN, ["small", "micro"]),
            (K.YEARS_MIN, 1),
            (K.EMPLOYEES_MAX, 100),
            (K.TAX_MIN, 1),
        ),
        contact="南岗区财政局",
        published_days_ago=75,
    ),
    DemoPolicy(
        "南岗区专精特新企业配套奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区人民政府",
        "获评省级专精特新中小企业或国家级“小巨人”企业的，区级给予配套奖励（示例标准：10万元）。",
        "免申即享：按认定名单直接兑现。",
        "无需提交材料。",
        ((K.QUALIFICATION_ANY, [ZJTX, XJR]), (K.STREET_IN, list(STREETS))),
        contact="南岗区工业和信息化局",
        no_apply=True,
        published_days_ago=60,
    ),
    DemoPolicy(
        "南岗区商贸企业升限入库奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区商务局",
        "新纳入限额以上统计的商贸企业，区级给予一次性奖励（示例标准：3万元）。",
        "入库后次年申报。",
        "统计部门入库证明；奖励申请表。",
        (
            (K.INDUSTRY_ANY, ["F", "H"]),
            (K.REVENUE_MIN, 500),
            (K.YEARS_MAX, 5),
            (K.TEXT, "首次纳入限额以上统计"),
        ),
        contact="南岗区商务局",
        published_days_ago=50,
    ),
    DemoPolicy(
        "南岗区文化创意企业扶持",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区文体广电和旅游局",
        "对原创设计、数字内容、广告创意等文化创意企业给予项目扶持（示例标准）。",
        "按年度申报通知申报项目。",
        "项目申报书；作品或项目成果材料。",
        (
            (K.INDUSTRY_ANY, ["R88", "I6572", "L7251", "L7259", "M7492"]),
            (K.TEXT, "项目具有原创性并在区内实施"),
        ),
        contact="南岗区文体广电和旅游局",
        published_days_ago=40,
    ),
    DemoPolicy(
        "南岗区招商引资企业落户奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区人民政府",
        "新落户的企业总部、区域总部，按实缴注册资本和地方经济贡献给予奖励（示例标准）。",
        "落户满1年后申报。",
        "营业执照；实缴资本证明；纳税证明；总部认定材料。",
        ((K.YEARS_MAX, 2), (K.REVENUE_MIN, 5000), (K.TEXT, "总部或区域总部新落户南岗区")),
        published_days_ago=35,
    ),
    DemoPolicy(
        "南岗区稳岗扩岗吸纳就业奖励",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区人力资源和社会保障局",
        "当年新增就业岗位10个以上的企业，按新增人数给予奖励（示例标准：每人1000元）。",
        "每年12月集中申报。",
        "新增人员劳动合同；社保缴费记录。",
        ((K.EMPLOYEES_MIN, 20), (K.TAX_MIN, 5), (K.TEXT, "当年新增就业岗位10个以上")),
        contact="南岗区人力资源和社会保障局就业科",
        published_days_ago=25,
    ),
    DemoPolicy(
        "南岗区建筑业企业发展奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区住房和城乡建设局",
        "年营业收入1亿元以上的区内建筑业企业，按产值增量给予奖励（示例标准）。",
        "每年一季度申报上年度数据。",
        "建筑业产值统计报表；纳税证明。",
        ((K.INDUSTRY_ANY, ["E"]), (K.REVENUE_MIN, 10000), (K.YEARS_MIN, 2)),
        contact="南岗区住房和城乡建设局",
        published_days_ago=20,
    ),
    DemoPolicy(
        "南岗区科技成果转化支持",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区科学技术局",
        "企业承接区内高校院所科技成果转化的，按技术合同成交额的一定比例给予补助（示例标准）。",
        "技术合同登记后申报。",
        "技术合同及登记证明；付款凭证。",
        (
            (K.INDUSTRY_ANY, ["M73", "M75", "C", "I65"]),
            (K.QUALIFICATION_ANY, [GX, KJX]),
            (K.TEXT, "与区内高校院所签订技术转让或许可合同"),
        ),
        contact="南岗区科学技术局",
        published_days_ago=12,
    ),
    DemoPolicy(
        "南岗区企业上市挂牌奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区人民政府",
        "在境内外证券交易所上市或在新三板挂牌的企业，分阶段给予奖励（示例标准）。",
        "完成各阶段后申报。",
        "辅导备案、受理或上市挂牌证明材料。",
        (
            (K.SIZE_IN, ["medium", "small"]),
            (K.REVENUE_MIN, 3000),
            (K.TEXT, "已启动上市辅导或挂牌程序"),
        ),
        published_days_ago=6,
    ),
    DemoPolicy(
        "南岗区个体工商户转型升级为企业奖励",
        Level.DISTRICT,
        Benefit.AWARD,
        "南岗区市场监督管理局",
        "个体工商户转型升级为企业的，给予一次性奖励（示例标准：5000元）。",
        "转型登记后3个月内申报。",
        "转型前后营业执照；奖励申请表。",
        ((K.YEARS_MAX, 1), (K.TEXT, "由个体工商户转型升级设立")),
        contact="南岗区市场监督管理局",
        published_days_ago=3,
    ),
    DemoPolicy(
        "南岗区夜经济餐饮企业支持",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区商务局",
        "在重点商圈开展夜间经营的餐饮企业，给予经营补贴（示例标准，征求意见中）。",
        "待政策发布后申报。",
        "待定。",
        (
            (K.INDUSTRY_ANY, ["H62"]),
            (K.STREET_IN, ["花园街道办事处", "大成街道办事处", "曲线街道办事处"]),
            (K.TEXT, "每日经营至22时以后"),
        ),
        contact="南岗区商务局",
        status=PolicyStatus.DRAFT,
        published_days_ago=0,
    ),
    DemoPolicy(
        "南岗区老字号企业传承发展扶持",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区商务局",
        "获“中华老字号”或“黑龙江老字号”认定的企业，给予品牌推广和门店改造补助（示例标准）。",
        "每年申报一次。",
        "老字号认定文件；项目材料。",
        (
            (K.YEARS_MIN, 30),
            (K.INDUSTRY_ANY, ["H", "F", "C14"]),
            (K.TEXT, "获中华老字号或黑龙江老字号认定"),
        ),
        contact="南岗区商务局",
        published_days_ago=45,
    ),
    DemoPolicy(
        "南岗区助企纾困房租减免（2023年度）",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区人民政府",
        "承租区属国有房屋的小微企业，减免3个月房租（已到期）。",
        "申报期已结束。",
        "无。",
        ((K.SIZE_IN, ["small", "micro"]), (K.TEXT, "承租区属国有经营性房屋")),
        status=PolicyStatus.EXPIRED,
        years=(-3, -3),
        published_days_ago=900,
    ),
    DemoPolicy(
        "南岗区消费提振商户补贴（2024年度）",
        Level.DISTRICT,
        Benefit.SUBSIDY,
        "南岗区商务局",
        "参加全区消费季活动的零售、餐饮商户，按活动让利金额的一定比例给予补贴（已到期）。",
        "申报期已结束。",
        "无。",
        ((K.INDUSTRY_ANY, ["F52", "H62"]), (K.EMPLOYEES_MAX, 100)),
        contact="南岗区商务局",
        status=PolicyStatus.EXPIRED,
        years=(-2, -2),
        published_days_ago=600,
    ),
    DemoPolicy(
        "南岗区数字化转型服务券",
        Level.DISTRICT,
        Benefit.SERVICE,
        "南岗区工业和信息化局",
        "向中小企业发放数字化转型服务券，用于购买上云、数字化诊断等服务（示例标准，拟发布）。",
        "待政策发布后申领。",
        "待定。",
        ((K.SIZE_IN, ["small", "micro"]), (K.INDUSTRY_ANY, ["C", "F", "H"])),
        contact="南岗区工业和信息化局",
        status=PolicyStatus.DRAFT,
        published_days_ago=0,
    ),
)


def _params(kind: str, value: Any, street_ids: dict[str, int]) -> dict[str, Any]:
    if kind in (K.INDUSTRY_ANY, K.INDUSTRY_NONE):
        return {"codes": list(value)}
    if kind == K.SIZE_IN:
        return {"sizes": list(value)}
    if kind == K.STREET_IN:
        return {"streets": [street_ids[name] for name in value]}
    if kind in (K.QUALIFICATION_ALL, K.QUALIFICATION_ANY):
        return {"names": list(value)}
    if kind == K.TEXT:
        return {"text": str(value)}
    return {"value": value}


def seed_policies(
    district: Jurisdiction, street_ids: dict[str, int], now: dt.datetime, *, actor: Any
) -> list[Policy]:
    """The sample library in ``district`` (the caller checks it has none yet).

    Each policy is saved as the office would save it (``policy_services.create_policy``, its
    conditions in the words the form and the sheet use): the library's checks and an
    ``enterprise.policy_create`` audit event each. ``actor``: the district's office, or
    ``None`` (the system) when it has none. A policy the service refuses is a bug of this
    demo (``ValidationFailed`` propagates).

    The published and expired ones are then given their status, ``published_at`` in the past
    and ``content_hash`` directly, *not* through ``publish_policy``: that one stamps the
    present moment and enqueues ``match_policy_task`` on commit, whose ``push_after_match``
    would, once the worker runs, push the policies published this last week (which the demo
    leaves for the office to push: ``demo.UNPUSHED_DAYS``) and send their messages — other
    push counts than the demo's. The demo stores the matches and pushes itself afterwards
    (``demo.seed_enterprise``); the hash is the service's own ``content_hash``.
    """
    today = now.date()
    streets = policy_services.street_units(district.pk)
    names = {pk: name for name, pk in streets.items()}
    made = []
    for n, spec in enumerate(POLICIES, start=1):
        start = dt.date(today.year + spec.years[0], 1, 1)
        end = dt.date(today.year + spec.years[1], 12, 31)
        rows = [
            ConditionRow(kind, condition_words(kind, _params(kind, value, street_ids), names))
            for kind, value in spec.conditions
        ]
        policy = policy_services.create_policy(
            district.pk,
            PolicyInput(
                title=spec.title,
                level=spec.level,
                benefit=spec.benefit,
                doc_number=f"{PREFIX[Level(spec.level)]}〔{start.year}〕{n}号",
                issuer=spec.issuer,
                valid_from=start,
                valid_until=end,
                amount_text=spec.amount,
                guide=f"{spec.guide}\n\n{SAMPLE_NOTE}",
                materials=spec.materials,
                contact=spec.contact,
                no_apply=spec.no_apply,
                conditions=rows,
            ),
            actor=actor,
        )
        if spec.status != PolicyStatus.DRAFT:
            # What the enterprises were told, as on publish.
            told = content_hash(
                policy.title,
                policy.benefit,
                policy.amount_text,
                [Condition(c.kind, c.params) for c in policy.conditions.order_by("order", "pk")],
                names,
            )
            Policy.objects.filter(pk=policy.pk).update(
                status=spec.status,
                published_at=now - dt.timedelta(days=spec.published_days_ago, hours=n % 7),
                content_hash=told,
            )
        made.append(policy)
    return made
