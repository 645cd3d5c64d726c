"""The education demo (``seed_demo`` calls ``seed_education``; docs/education.md, "Demo").

Idempotent the way the other demos are: each part is made only when its district has none
of it yet, and a second run changes nothing.

- **Nangang** (230103): a dozen party committees (street 党工委 and bureau 党委) with 3–8
  branches each; 16 red landmarks — the 东北抗联博物馆 at 一曼街241号 and 15 places plainly
  marked as samples (``is_sample``, "（示例）" in the name) — three themed routes, eight
  weeks of check-ins (``Landmark.check_ins`` equal to its rows) and a few words on the
  sensitive-word list; this year's 十百千万 targets (10 / 100 / 1,000 / 10,000) filled part
  of the way by approved study activities of all five ways, a few waiting for review and one
  returned; 103 accounts and 400+ LED screens, the column 学党史·办实事 with posts.
- **Hulan** (230111): 64 committees (the supervision demo's, ``HULAN_COMMITTEES``) and 665
  branches with exactly 19,141 members; its WeChat account 呼兰发布 with six columns, 230+
  posts this year with over 10,000 views, and 60+ reports in central, provincial and city
  media.

Everything is written through the services real use goes through, with ``actor=None`` (the
system) unless a demo login plays its part, so the demo passes the same validation and leaves
the same audit trail: units through ``orgs.services.ensure_unit``; landmarks, routes and
sensitive words through ``landmark_services`` (``create_landmark``, ``save_route``,
``add_sensitive_words``); targets through ``campaign.set_target``; study activities entered
through ``study_services.enter_activity`` (by the login ``dangwei`` for its committee and
branches) and reviewed by the district's office (``approve_activities`` as its review page
passes the ticked ones, ``return_activity`` with a note); channels, columns, posts and media
reports through ``publicity_services``. Only the check-ins — standing for thousands of
public requests — go in bulk (``core.bulk``), each landmark's ``check_ins`` then set to its
rows; and the members on the branches' rolls. One more audit event sums up what a run made.

The services date entries and reviews by the clock and refuse a date after today, so
``now`` (which dates the activities, posts and check-ins) must not be later than the clock.
Random choices come from generators seeded with fixed strings, so every run makes the same
demo.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from shishi.core import audit, bulk
from shishi.education import campaign, landmark_services, permissions, publicity_services
from shishi.education import study_services as study
from shishi.education.landmark_services import LandmarkInput, RouteInput
from shishi.education.models import (
    CampaignLine,
    CampaignTarget,
    Channel,
    CheckIn,
    Column,
    Landmark,
    MediaLevel,
    MediaReport,
    Post,
    Route,
    SensitiveWord,
    StudyActivity,
    StudyKind,
)
from shishi.education.publicity_services import ChannelInput, ColumnInput, MediaInput, PostInput
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Membership, Role, Unit, User
from shishi.supervision.demo import HULAN_COMMITTEES, HULAN_TOWNS

NANGANG, HULAN = "230103", "230111"
DANGWEI = "dangwei"  # orgs.demo.DEMO_LOGINS: an editor of the first Nangang committee
DANGWEI_COMMITTEE = "花园街道党工委"
CHECK_IN_WEEKS = 8
HULAN_BRANCHES, HULAN_MEMBERS = 665, 19_141
NANGANG_ACCOUNTS = 103
TARGETS = {
    CampaignLine.EXPERT_TOUR: 10,
    CampaignLine.SECRETARY_LECTURE: 100,
    CampaignLine.VETERAN_STORY: 1_000,
    CampaignLine.BASE_VISIT: 10_000,
}
Row = tuple[Any, ...]

# --- Nangang: party organisations -----------------------------------------------------------

NANGANG_COMMITTEES: tuple[tuple[str, int], ...] = (  # (committee, branches)
    (DANGWEI_COMMITTEE, 7),
    ("大成街道党工委", 6),
    ("七政街道党工委", 5),
    ("曲线街道党工委", 6),
    ("通达街道党工委", 5),
    ("和兴路街道党工委", 8),
    ("哈西街道党工委", 4),
    ("保健路街道党工委", 6),
    ("区教育局党委", 5),
    ("区卫健局党委", 4),
    ("区城管局党委", 3),
    ("区住建局党委", 3),
)
COMMUNITIES = (
    "文化", "光芒", "宣西", "龙江", "联发", "马端", "红霞", "清滨", "建设", "复华", "海城",
    "耀景", "中兴", "和平", "邮政", "十字", "大成", "鞍山", "新中", "文兴", "学府", "革新",
    "花园", "中山", "铁路", "工程", "教化", "河沟", "河柳", "宣庆", "宣礼", "安广", "文昌",
    "民益", "先锋", "通达", "哈西", "保健", "曲线", "七政", "红军", "黄河", "长江", "珠江",
    "嵩山", "华山", "衡山", "泰山", "恒山", "奋斗", "燎原", "大直", "芦家", "松花江", "跃进",
)  # fmt: skip
BUREAU_BRANCHES = (
    "机关第一党支部", "机关第二党支部", "机关第三党支部", "离退休干部党支部", "执法大队党支部",
)  # fmt: skip

# --- Nangang: red landmarks -------------------------------------------------------------------

MUSEUM = "东北抗联博物馆"


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    lat: str
    lon: str
    hours: str
    description: str


HOURS = "周二至周日 9:00—16:00（周一闭馆）"
LANDMARKS = (
    Place(
        MUSEUM,
        "哈尔滨市南岗区一曼街241号",
        "45.757300",
        "126.640200",
        HOURS,
        "以东北抗日联军十四年艰苦斗争为主线，陈列抗联将士的遗物、文献和照片，"
        "是全国爱国主义教育示范基地。",
    ),
    Place(
        "一曼街红色记忆墙（示例）",
        "哈尔滨市南岗区一曼街18号",
        "45.758100",
        "126.637600",
        "全天开放",
        "示例地标：沿街浮雕墙讲述抗日英雄赵一曼的故事，待区里导入正式名录后替换。",
    ),
    Place(
        "红军街红色文化长廊（示例）",
        "哈尔滨市南岗区红军街36号",
        "45.760400",
        "126.632100",
        "全天开放",
        "示例地标：以图文展板展示哈尔滨解放和城市建设中的红色历史。",
    ),
    Place(
        "西大直街校园红色文化展厅（示例）",
        "哈尔滨市南岗区西大直街92号",
        "45.748200",
        "126.630500",
        "周一至周五 8:30—16:30",
        "示例地标：高校党史教育展厅，展示老一辈科学家扎根边疆、科技报国的事迹。",
    ),
    Place(
        "东大直街革命旧址陈列室（示例）",
        "哈尔滨市南岗区东大直街215号",
        "45.755600",
        "126.650300",
        HOURS,
        "示例地标：复原地下党秘密联络点的陈设，讲述隐蔽战线的斗争故事。",
    ),
    Place(
        "花园街红色街区（示例）",
        "哈尔滨市南岗区花园街56号",
        "45.758700",
        "126.643900",
        "全天开放",
        "示例地标：历史建筑群中的党史宣传点位，设有二维码导览。",
    ),
    Place(
        "邮政街地下交通站旧址（示例）",
        "哈尔滨市南岗区邮政街112号",
        "45.752400",
        "126.644800",
        "周三至周日 9:00—15:30",
        "示例地标：抗战时期地下交通员传递情报的旧址，现为社区党史学习点。",
    ),
    Place(
        "革新街党群服务中心红色书屋（示例）",
        "哈尔滨市南岗区革新街145号",
        "45.761200",
        "126.660300",
        "每天 9:00—20:00",
        "示例地标：藏有党史图书三千余册，定期举办红色经典诵读活动。",
    ),
    Place(
        "果戈里大街英烈纪念园（示例）",
        "哈尔滨市南岗区果戈里大街301号",
        "45.751900",
        "126.655700",
        "每天 8:00—18:00",
        "示例地标：纪念在解放战争中牺牲的南岗籍英烈，清明节前后举行祭扫活动。",
    ),
    Place(
        "宣化街老党员故事馆（示例）",
        "哈尔滨市南岗区宣化街279号",
        "45.745300",
        "126.655100",
        "周一至周六 9:00—16:00",
        "示例地标：收集辖区老党员口述历史和老物件，由老党员志愿者讲解。",
    ),
    Place(
        "中山路抗战纪念广场（示例）",
        "哈尔滨市南岗区中山路88号",
        "45.744700",
        "126.665200",
        "全天开放",
        "示例地标：广场纪念碑记录东北人民十四年抗战历程。",
    ),
    Place(
        "文昌街社区党史馆（示例）",
        "哈尔滨市南岗区文昌街160号",
        "45.745900",
        "126.675400",
        "周二至周日 9:00—16:00",
        "示例地标：社区党组织建设历程展，展示基层为民办实事的典型事例。",
    ),
    Place(
        "黄河路红色教育基地（示例）",
        "哈尔滨市南岗区黄河路120号",
        "45.730100",
        "126.665800",
        "周二至周日 9:00—16:00",
        "示例地标：以“北大荒精神”和“大庆精神”为主题的综合性红色教育基地。",
    ),
    Place(
        "和兴路青年党史学习驿站（示例）",
        "哈尔滨市南岗区和兴路52号",
        "45.735200",
        "126.615300",
        "每天 9:00—21:00",
        "示例地标：面向青年学生的党史学习驿站，设有沉浸式体验区。",
    ),
    Place(
        "学府路红色文化主题公园（示例）",
        "哈尔滨市南岗区学府路318号",
        "45.718400",
        "126.628900",
        "全天开放",
        "示例地标：以党史大事年表为步道的主题公园，适合团队开展主题党日活动。",
    ),
    Place(
        "红旗大街东北抗联英雄雕塑园（示例）",
        "哈尔滨市南岗区红旗大街226号",
        "45.736800",
        "126.689500",
        "全天开放",
        "示例地标：抗联英雄群像雕塑，配有语音导览。",
    ),
)
ROUTES: tuple[tuple[str, str, tuple[int, ...]], ...] = (  # (name, description, stops)
    (
        "抗联足迹",
        "追寻东北抗日联军英雄足迹，从博物馆出发走进英雄的故事。",
        (0, 1, 15, 10, 8),
    ),
    (
        "城市红色记忆",
        "穿行老城街区，寻访隐蔽战线旧址和党史学习点位。",
        (2, 5, 6, 4, 7, 9),
    ),
    ("校园红色线路", "走进高校和青年驿站，感受科技报国的初心。", (3, 13, 14, 12)),
)
NICKNAMES = (
    "小红", "小明", "红星", "青松", "向阳", "星火", "燎原", "丁香", "雪松", "北国", "冰城人",
    "松花江", "小李", "老王", "张阿姨", "志愿者小刘", "学生小陈", "老党员", "南岗居民",
    "红领巾", "追光者", "初心", "晨曦", "白桦林", "小雨", "阳光", "暖暖", "平安", "赵大爷",
    "孙老师", "小周", "林间", "青年志愿者", "冰凌花", "小马", "王师傅", "刘大姐", "石头",
)  # fmt: skip
SENSITIVE_WORDS = ("法轮功", "台独", "赌博", "色情", "傻逼")

# --- Nangang: study activities ----------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
)
GIVEN = (
    "桂兰", "秀英", "玉珍", "淑芬", "凤英", "建国", "国庆", "振华", "德明", "志刚", "永祥",
    "长海", "福林", "宝山", "文军", "立新", "红梅", "丽华", "春生", "庆余", "学文", "海波",
    "金凤", "玉兰", "树林", "兆丰", "庆华", "荣生", "广福", "明远", "占山", "雅琴", "秀云",
    "淑珍", "敬文", "跃进", "卫东", "向东", "胜利", "和平", "援朝", "继红", "爱民", "守仁",
)  # fmt: skip
EXPERTS = (
    "赵立新（区委宣讲团专家）",
    "孙丽华（区委宣讲团专家）",
    "王建民（区委宣讲团专家）",
    "李红梅（区委宣讲团专家）",
    "陈志刚（区委宣讲团专家）",
    "张秀云（区委宣讲团专家）",
)
EXPERT_TOPICS = (
    "百年党史中的初心使命",
    "东北抗联精神的时代价值",
    "伟大建党精神的丰富内涵",
    "从党史中汲取为民办实事的力量",
    "党的创新理论的实践伟力",
)
LECTURE_TOPICS = (
    "学党史、悟思想、办实事、开新局",
    "从“一大”到新时代：百年奋斗的历史经验",
    "党员如何在为民办实事中践行初心",
    "发扬东北抗联精神，做合格共产党员",
    "学习《中国共产党简史》体会",
    "牢记“国之大者”，做好社区服务",
)
STORIES = (
    "赵一曼在哈尔滨的战斗岁月",
    "杨靖宇将军的最后时刻",
    "八女投江的故事",
    "我参加抗美援朝的经历",
    "北大荒开荒记",
    "我入党那一年",
    "哈尔滨解放前夜的地下工作",
    "老工业基地建设中的共产党员",
    "三十年社区工作的点点滴滴",
    "铁人精神伴我一生",
)
OTHER_BASES = ("侵华日军第七三一部队罪证陈列馆", "区党群服务中心红色教育展厅")
SELF_STUDY = (
    "自学《中国共产党简史》并撰写心得",
    "原原本本学习党的重要文献",
    "“学习强国”每日学习打卡",
)
ONLINE_STUDY = (
    "线上观看党史专题片《敢教日月换新天》",
    "“云课堂”党史学习专题讲座",
    "网上党史知识答题",
)
CARRIER_STUDY = ("党史知识竞赛", "红色经典诵读会", "“学党史、办实事”主题征文", "红歌合唱比赛")

# --- publicity ----------------------------------------------------------------------------------

NANGANG_STREETS = (
    "花园街道", "大成街道", "七政街道", "曲线街道", "通达街道", "和兴路街道", "哈西街道",
    "保健路街道", "革新街道", "奋斗路街道", "芦家街道", "燎原街道", "荣市街道", "先锋路街道",
    "新春街道", "跃进街道", "王岗镇", "红旗满族乡",
)  # fmt: skip
NANGANG_BUREAUS = (
    "区委组织部", "区委宣传部", "区委政法委", "区纪委监委", "区发改局", "区教育局",
    "区科工信局", "区民政局", "区司法局", "区财政局", "区人社局", "区住建局", "区交通运输局",
    "区商务局", "区文体旅局", "区卫健局", "区退役军人事务局", "区应急管理局", "区市场监管局",
    "区医保局", "区城管局", "区信访局", "区营商环境局", "区融媒体中心", "区总工会", "团区委",
    "区妇联", "区残联", "区税务局", "区公安分局", "区消防救援大队", "区人民法院", "区人民检察院",
    "区政务服务中心", "区图书馆", "区文化馆", "区疾控中心", "区统计局", "区审计局",
    "区农业农村局", "区水务局", "区机关事务服务中心", "区科协", "区红十字会", "区工商联",
)  # fmt: skip
LED_SCREENS = (
    ("区融媒体中心户外LED屏", 96),
    ("街道社区LED屏", 168),
    ("商圈楼宇LED屏", 72),
    ("公交站亭LED屏", 48),
    ("校园LED屏", 36),
)
LEARN_COLUMN = "学党史·办实事"
HULAN_ACCOUNT = "呼兰发布"
HULAN_COLUMNS = (
    LEARN_COLUMN,
    "我为群众办实事",
    "呼兰要闻",
    "乡村振兴",
    "新时代文明实践",
    "政务服务",
)
HULAN_POSTS = 236
POST_TITLES = {
    LEARN_COLUMN: (
        "{place}：把党史学习成果转化为办实事的具体行动",
        "{place}开展“学党史、办实事”主题党日活动",
        "{place}老党员讲红色故事走进社区",
        "{place}组织党员参观红色教育基地",
        "{place}书记讲党课：{topic}",
    ),
    "我为群众办实事": (
        "{place}解决群众“急难愁盼”问题",
        "{place}为群众办实事清单晒成绩单",
        "{place}：民生实事件件有回音",
        "{place}为老旧小区解决供暖难题",
    ),
    "呼兰要闻": (
        "{place}召开党史学习教育推进会",
        "{place}部署“我为群众办实事”实践活动",
        "{place}专题研究民生项目建设",
    ),
    "乡村振兴": (
        "{place}特色产业助农增收",
        "{place}村容村貌焕然一新",
        "{place}春耕备耕有序推进",
    ),
    "新时代文明实践": (
        "{place}新时代文明实践站开展志愿服务",
        "{place}举办红色经典诵读活动",
    ),
    "政务服务": (
        "{place}推行“办事不求人”",
        "{place}便民服务中心实现“一窗通办”",
    ),
}
OUTLETS = {
    MediaLevel.CENTRAL: ("人民网", "新华网", "光明网", "中国新闻网", "央广网", "学习强国"),
    MediaLevel.PROVINCIAL: ("黑龙江日报", "东北网", "黑龙江广播电视台", "极光新闻", "黑龙江新闻网"),
    MediaLevel.CITY: ("哈尔滨日报", "新晚报", "哈尔滨新闻网", "哈尔滨广播电视台"),
}
REPORTS = {MediaLevel.CENTRAL: 9, MediaLevel.PROVINCIAL: 23, MediaLevel.CITY: 32}
REPORT_TITLES = (
    "哈尔滨呼兰区：“我为群众办实事”办到群众心坎上",
    "呼兰区{place}：党史学习教育走深走实",
    "呼兰区{place}把实事办在群众家门口",
    "呼兰区64个党委扎实开展“学党史、办实事”",
    "呼兰区{place}老党员讲述红色故事",
    "呼兰区：6个专栏讲好党史故事",
    "呼兰区{place}解决民生难题{n}件",
    "呼兰区{place}：红色教育基地迎来参观热",
    "呼兰区巡回指导推动实践活动见实效",
    "呼兰区{place}便民服务再提速",
)


@dataclass
class Summary:
    landmarks: int = 0
    check_ins: int = 0
    activities: int = 0
    hulan_committees: int = 0
    hulan_branches: int = 0
    hulan_members: int = 0
    posts: int = 0
    views: int = 0
    reports: int = 0

    def line(self) -> str:
        return (
            f"学习教育：红色地标 {self.landmarks} 个，打卡 {self.check_ins} 次，"
            f"学习活动 {self.activities} 场；呼兰区党委 {self.hulan_committees} 个、"
            f"党支部 {self.hulan_branches} 个、党员 {self.hulan_members} 名；"
            f"宣传稿件 {self.posts} 篇（阅读 {self.views} 次），媒体报道 {self.reports} 篇"
        )


def seed_education(
    jurisdictions: dict[str, Jurisdiction], *, now: dt.datetime | None = None
) -> Summary:
    """The education demo of Nangang and Hulan, where the demo has them; the counts after."""
    now = now or timezone.now()
    made: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        nangang = jurisdictions.get(NANGANG)
        if nangang is not None:
            made[NANGANG] = _seed_nangang(nangang, now)
        hulan = jurisdictions.get(HULAN)
        if hulan is not None:
            made[HULAN] = _seed_hulan(hulan, now)
        for code, parts in made.items():
            if parts:
                audit.record(
                    actor=None,
                    action="education.demo_seed",
                    target=jurisdictions[code],
                    changes={key: [None, n] for key, n in parts.items()},
                    jurisdiction_id=jurisdictions[code].pk,
                )
    return _summary(jurisdictions)


def _summary(jurisdictions: dict[str, Jurisdiction]) -> Summary:
    summary = Summary()
    ids = [j.pk for j in jurisdictions.values()]
    summary.landmarks = Landmark.objects.filter(jurisdiction_id__in=ids).count()
    summary.check_ins = CheckIn.objects.filter(landmark__jurisdiction_id__in=ids).count()
    summary.activities = StudyActivity.objects.filter(jurisdiction_id__in=ids).count()
    hulan = jurisdictions.get(HULAN)
    if hulan is not None:
        party = Unit.objects.filter(jurisdiction=hulan)
        summary.hulan_committees = party.filter(kind=Unit.Kind.PARTY_COMMITTEE).count()
        summary.hulan_branches = party.filter(kind=Unit.Kind.PARTY_BRANCH).count()
        summary.hulan_members = party_members(hulan)
    posts = Post.objects.filter(channel__jurisdiction_id__in=ids)
    summary.posts = posts.count()
    summary.views = posts.aggregate(n=Sum("views"))["n"] or 0
    summary.reports = MediaReport.objects.filter(jurisdiction_id__in=ids).count()
    return summary


def party_members(district: Jurisdiction) -> int:
    """The members on the rolls of the district's committees and branches."""
    kinds = (Unit.Kind.PARTY_COMMITTEE, Unit.Kind.PARTY_BRANCH)
    found = Unit.objects.filter(jurisdiction=district, kind__in=kinds).aggregate(n=Sum("members"))
    return int(found["n"] or 0)


# --- Nangang ----------------------------------------------------------------------------------


def _seed_nangang(district: Jurisdiction, now: dt.datetime) -> dict[str, int]:
    made: dict[str, int] = {}
    today = timezone.localdate(now)
    committees = _nangang_orgs(district)
    branches = [b for _c, bs in committees for b in bs]
    if not Landmark.objects.filter(jurisdiction=district).exists():
        made["landmarks"] = _seed_landmarks(district)
    landmarks = list(Landmark.objects.filter(jurisdiction=district).order_by("order", "pk"))
    if not Route.objects.filter(jurisdiction=district).exists() and len(landmarks) == 16:
        made["routes"] = _seed_routes(district, landmarks)
    if not SensitiveWord.objects.filter(jurisdiction=district).exists():
        added = landmark_services.add_sensitive_words(
            district, "\n".join(SENSITIVE_WORDS), actor=None
        )
        made["sensitive_words"] = len(added)
    if not CheckIn.objects.filter(landmark__jurisdiction=district).exists() and landmarks:
        made["check_ins"] = _seed_check_ins(landmarks, branches, today)
    year = today.year
    if not CampaignTarget.objects.filter(jurisdiction=district, year=year).exists():
        made["targets"] = _seed_targets(district, year, committees)
    if not StudyActivity.objects.filter(jurisdiction=district).exists():
        made["activities"] = _seed_activities(district, committees, landmarks, now)
    if not Channel.objects.filter(jurisdiction=district).exists():
        made["channels"], made["posts"] = _seed_nangang_publicity(district, today)
    return made


def _committee(district: Jurisdiction, name: str) -> Unit:
    """The committee of this name, a party committee whatever made it first (the demo's
    login list creates its units as bureaus)."""
    unit = org_services.ensure_unit(district, name, kind=Unit.Kind.PARTY_COMMITTEE)
    if unit.kind != Unit.Kind.PARTY_COMMITTEE:
        Unit.objects.filter(pk=unit.pk).update(kind=Unit.Kind.PARTY_COMMITTEE)
        unit.kind = Unit.Kind.PARTY_COMMITTEE
    return unit


def _nangang_orgs(district: Jurisdiction) -> list[tuple[Unit, list[Unit]]]:
    """Nangang's committees and their branches, members on the rolls of the new ones."""
    rng = random.Random("education-orgs-230103")
    communities = list(COMMUNITIES)
    out: list[tuple[Unit, list[Unit]]] = []
    for name, count in NANGANG_COMMITTEES:
        committee = _committee(district, name)
        if name.endswith("街道党工委"):
            names = [f"{communities.pop(0)}社区党支部" for _ in range(count)]
        else:
            names = list(BUREAU_BRANCHES[:count])
        branches = [
            org_services.ensure_unit(
                district, branch, kind=Unit.Kind.PARTY_BRANCH, parent=committee
            )
            for branch in names
        ]
        _fill_members(committee, 0, branches, [rng.randint(18, 85) for _ in branches])
        out.append((committee, branches))
    return out


def _fill_members(
    committee: Unit, own: int, branches: Sequence[Unit], members: Sequence[int]
) -> None:
    """Members on the rolls of a committee and its branches, where none are yet."""
    changed = []
    for unit, n in ((committee, own), *zip(branches, members, strict=True)):
        if unit.members is None:
            unit.members = n
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["members"], batch_size=500)


def _seed_landmarks(district: Jurisdiction) -> int:
    """The 16 places through ``create_landmark``, as the office would enter them (WGS-84)."""
    for n, place in enumerate(LANDMARKS):
        landmark_services.create_landmark(
            district,
            LandmarkInput(
                name=place.name,
                address=place.address,
                lat=Decimal(place.lat),
                lon=Decimal(place.lon),
                datum="wgs84",
                opening_hours=place.hours,
                description=place.description,
                order=(n + 1) * 10,
                is_sample=place.name != MUSEUM,
            ),
            actor=None,
        )
    return len(LANDMARKS)


def _seed_routes(district: Jurisdiction, landmarks: Sequence[Landmark]) -> int:
    for name, description, stops in ROUTES:
        landmark_services.save_route(
            district,
            RouteInput(name, description, [landmarks[stop].pk for stop in stops]),
            actor=None,
        )
    return len(ROUTES)


def _seed_check_ins(landmarks: Sequence[Landmark], branches: Sequence[Unit], today: dt.date) -> int:
    """The last eight weeks (before today) of check-ins: the museum busiest, weekends
    busier; a person once per landmark and day; about a third in a branch's group."""
    rng = random.Random("education-check-ins-230103")
    groups = [b.name for b in branches]
    rows: list[Row] = []
    for landmark in landmarks:
        busy = 6.0 if not landmark.is_sample else rng.uniform(0.6, 1.8)
        for back in range(CHECK_IN_WEEKS * 7, 0, -1):
            day = today - dt.timedelta(days=back)
            mean = busy * (1.8 if day.weekday() >= 5 else 1.0)
            seen: set[str] = set()
            for _ in range(_poisson(rng, mean)):
                if rng.random() < 0.6:
                    nickname = rng.choice(NICKNAMES)
                    who = f"n:{nickname}"
                else:
                    nickname = ""
                    who = f"p:{rng.randint(0, 9999):04d}"
                if who in seen:
                    continue
                seen.add(who)
                group = rng.choice(groups) if groups and rng.random() < 0.35 else ""
                at = dt.datetime.combine(
                    day, dt.time(rng.randint(9, 16), rng.randint(0, 59), rng.randint(0, 59))
                )
                rows.append((landmark.pk, day, who, nickname, group, "", timezone.make_aware(at)))
    written = bulk.insert_many(
        CheckIn, ("landmark_id", "day", "who", "nickname", "group", "client", "at"), rows
    )
    counts = dict(
        CheckIn.objects.filter(landmark__in=landmarks)
        .values_list("landmark_id")
        .annotate(n=Count("pk"))
        .values_list("landmark_id", "n")
    )
    for landmark in landmarks:
        landmark.check_ins = counts.get(landmark.pk, 0)
    Landmark.objects.bulk_update(landmarks, ["check_ins"])
    return written


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: small means only)."""
    limit, n, p = pow(2.718281828459045, -mean), 0, rng.random()
    while p > limit:
        n += 1
        p *= rng.random()
    return n


def _seed_targets(
    district: Jurisdiction, year: int, committees: Sequence[tuple[Unit, list[Unit]]]
) -> int:
    """The district's 十百千万 targets, and two lines' targets for each committee, set as
    the office sets them (``campaign.set_target``, none stored yet: version 0)."""
    made = 0
    for line, n in TARGETS.items():
        campaign.set_target(district.pk, year, line, n, version=0, actor=None)
        made += 1
    for committee, branches in committees:
        for line, n in (
            (CampaignLine.SECRETARY_LECTURE, len(branches) + 2),
            (CampaignLine.BASE_VISIT, 800),
        ):
            campaign.set_target(district.pk, year, line, n, version=0, actor=None, unit=committee)
            made += 1
    return made


def _names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct fictional names."""
    pool = [s + g for s in SURNAMES for g in GIVEN]
    rng.shuffle(pool)
    return pool[:count]


def _office(district: Jurisdiction) -> User | None:
    found = (
        Membership.objects.filter(jurisdiction=district, role=Role.PROGRAMME_OFFICE)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return found.user if found else None


@dataclass
class _Activity:
    unit: Unit
    kind: str
    line: str
    title: str
    speaker: str = ""
    place: str = ""
    participants: int = 0
    landmark: Landmark | None = None
    status: str = StudyActivity.Status.APPROVED
    review_note: str = ""
    days_ago: int | None = None  # None: any day of the year so far


def _seed_activities(
    district: Jurisdiction,
    committees: Sequence[tuple[Unit, list[Unit]]],
    landmarks: Sequence[Landmark],
    now: dt.datetime,
) -> int:
    """Approved activities of all five ways filling the campaign part-way — 6 experts, 60
    secretaries, 550 veterans, about 6,000 visitors — and a few waiting, one returned."""
    rng = random.Random("education-activities-230103")
    units = [c for c, _bs in committees]
    branches = [b for _c, bs in committees for b in bs]
    landmark_list = list(landmarks)
    acts: list[_Activity] = []
    group, visit = StudyKind.GROUP, StudyKind.VISIT
    for expert in EXPERTS:  # 十名专家巡回宣讲: six of the ten so far
        for committee in rng.sample(units, 3):
            topic = rng.choice(EXPERT_TOPICS)
            acts.append(
                _Activity(
                    committee,
                    group,
                    CampaignLine.EXPERT_TOUR,
                    f"“{topic}”专题宣讲（{committee.name}站）",
                    expert,
                    f"{committee.name}党员活动室",
                    rng.randint(60, 180),
                )
            )
    names = _names(rng, 60 + 550 + 10)
    secretaries, veterans, newcomers = names[:60], names[60:610], names[610:]
    for secretary, branch in zip(secretaries, rng.sample(branches, 60), strict=True):
        for _ in range(2 if rng.random() < 0.25 else 1):
            acts.append(
                _Activity(
                    branch,
                    group,
                    CampaignLine.SECRETARY_LECTURE,
                    f"书记讲党课：{rng.choice(LECTURE_TOPICS)}",
                    f"{secretary}（{branch.name}书记）",
                    f"{branch.name}活动室",
                    rng.randint(15, 50),
                )
            )
    for veteran in veterans:
        for _ in range(2 if rng.random() < 0.04 else 1):
            acts.append(
                _Activity(
                    rng.choice(branches),
                    rng.choice((StudyKind.CARRIER, group)),
                    CampaignLine.VETERAN_STORY,
                    f"老党员讲红色故事：{rng.choice(STORIES)}",
                    veteran,
                    "社区党群服务中心",
                    rng.randint(10, 40),
                )
            )
    visitors = 0
    while visitors < 6_000:  # 万名党员群众走进红色教育基地
        unit = rng.choice(branches + units)
        people = min(rng.randint(20, 70), 6_000 - visitors + 20)
        visitors += people
        landmark = rng.choice(landmark_list[:1] * 6 + landmark_list) if landmark_list else None
        if landmark is None or rng.random() < 0.2:
            place, landmark = rng.choice(OTHER_BASES), None
        else:
            place = landmark.name
        acts.append(
            _Activity(
                unit,
                visit,
                CampaignLine.BASE_VISIT,
                f"组织党员群众参观{place}",
                place=place,
                participants=people,
                landmark=landmark,
            )
        )
    for kind, titles, count in (
        (StudyKind.SELF, SELF_STUDY, 25),
        (StudyKind.ONLINE, ONLINE_STUDY, 25),
        (StudyKind.CARRIER, CARRIER_STUDY, 15),
    ):
        for _ in range(count):
            unit = rng.choice(branches)
            acts.append(
                _Activity(
                    unit,
                    kind,
                    "",
                    rng.choice(titles),
                    place=f"{unit.name}活动室" if kind != StudyKind.ONLINE else "线上",
                    participants=unit.members or rng.randint(15, 60),
                )
            )
    # Waiting for the office this week, and one it returned.
    waiting = StudyActivity.Status.SUBMITTED
    acts += [
        _Activity(
            branches[0],
            group,
            CampaignLine.SECRETARY_LECTURE,
            f"书记讲党课：{LECTURE_TOPICS[0]}",
            f"{newcomers[0]}（{branches[0].name}书记）",
            f"{branches[0].name}活动室",
            32,
            status=waiting,
            days_ago=2,
        ),
        _Activity(
            branches[1],
            StudyKind.CARRIER,
            CampaignLine.VETERAN_STORY,
            f"老党员讲红色故事：{STORIES[0]}",
            newcomers[1],
            "社区党群服务中心",
            26,
            status=waiting,
            days_ago=1,
        ),
        _Activity(
            units[0],
            visit,
            CampaignLine.BASE_VISIT,
            f"组织党员群众参观{MUSEUM}",
            place=MUSEUM,
            participants=45,
            landmark=landmark_list[0] if landmark_list else None,
            status=waiting,
            days_ago=3,
        ),
        _Activity(
            branches[2],
            StudyKind.ONLINE,
            "",
            ONLINE_STUDY[0],
            place="线上",
            participants=28,
            status=waiting,
            days_ago=1,
        ),
        _Activity(
            branches[3],
            visit,
            CampaignLine.BASE_VISIT,
            f"组织党员群众参观{OTHER_BASES[0]}",
            place=OTHER_BASES[0],
            participants=120,
            status=StudyActivity.Status.RETURNED,
            review_note="参加人数与签到表不符，请核实后重新提交。",
            days_ago=6,
        ),
    ]
    return _write_activities(district, acts, rng, now)


def _write_activities(
    district: Jurisdiction, acts: Sequence[_Activity], rng: random.Random, now: dt.datetime
) -> int:
    """Each activity entered through ``study_services.enter_activity`` — by the committee
    login ``dangwei`` for the units it enters for, by the system for the others — then
    reviewed by the district's office as its review page does: the approved ones ticked
    and passed together (``approve_activities``), the returned one sent back with its note."""
    today = timezone.localdate(now)
    span = (today - dt.date(today.year, 1, 1)).days
    office = _office(district)
    dangwei = User.objects.filter(username=DANGWEI).first()
    entering = permissions.entering_unit_ids(dangwei) if dangwei is not None else set()
    summaries = {
        StudyKind.SELF: "党员结合工作实际自学，撰写学习心得。",
        StudyKind.GROUP: "集中学习研讨，交流学习体会。",
        StudyKind.ONLINE: "通过线上平台组织学习，党员在线交流。",
        StudyKind.VISIT: "参观学习，重温入党誓词，接受红色教育。",
        StudyKind.CARRIER: "以活动为载体，推动党史学习教育走深走实。",
    }
    approve: list[int] = []
    returned: list[tuple[StudyActivity, str]] = []
    for act in acts:
        back = act.days_ago if act.days_ago is not None else rng.randint(min(7, span), span)
        held = max(today - dt.timedelta(days=min(back, span)), dt.date(today.year, 1, 1))
        entered = study.enter_activity(
            study.ActivityInput(
                kind=act.kind,
                title=act.title,
                unit_id=act.unit.pk,
                held_on=held,
                line=act.line,
                landmark_id=act.landmark.pk if act.landmark is not None else None,
                speaker=act.speaker,
                place=act.place,
                participants=act.participants,
                summary=summaries[StudyKind(act.kind)],
            ),
            actor=dangwei if act.unit.pk in entering else None,
        )
        if act.status == StudyActivity.Status.APPROVED:
            approve.append(entered.pk)
        elif act.status == StudyActivity.Status.RETURNED:
            returned.append((entered, act.review_note))
    if office is not None:
        for start in range(0, len(approve), ACTIVITIES_AT_ONCE):
            study.approve_activities(approve[start : start + ACTIVITIES_AT_ONCE], actor=office)
    else:
        for activity in StudyActivity.objects.filter(pk__in=approve).order_by("pk"):
            study.approve_activity(activity, actor=None)
    for activity, note in returned:
        study.return_activity(activity, note, actor=office)
    return len(acts)


ACTIVITIES_AT_ONCE = 1000  # the most the review page passes at once (approve_activities)


def _seed_nangang_publicity(district: Jurisdiction, today: dt.date) -> tuple[int, int]:
    """103 accounts, LED screens totalling 424, and the column 学党史·办实事 on 南岗发布."""
    rng = random.Random("education-publicity-230103")
    kinds = Channel.Kind
    accounts: list[tuple[str, str]] = [
        ("南岗发布", kinds.WECHAT),
        ("南岗发布（微博）", kinds.WEIBO),
        ("南岗发布（抖音）", kinds.VIDEO),
        ("南岗融媒", kinds.APP),
    ]
    for street in NANGANG_STREETS:
        accounts += [
            (f"南岗{street}", kinds.WECHAT),
            (f"南岗{street}（微博）", kinds.WEIBO),
            (f"南岗{street}（抖音）", kinds.VIDEO),
        ]
    accounts += [(f"南岗{bureau}", kinds.WECHAT) for bureau in NANGANG_BUREAUS]
    assert len(accounts) == NANGANG_ACCOUNTS
    channels = [ChannelInput(kind=kind, name=name) for name, kind in accounts] + [
        ChannelInput(kind=kinds.LED, name=name, screens=screens) for name, screens in LED_SCREENS
    ]
    saved = [publicity_services.save_channel(district, c, actor=None) for c in channels]
    main = saved[0]
    opened = min(dt.date(today.year, 2, 20), today)
    column = publicity_services.save_column(
        main, ColumnInput(LEARN_COLUMN, opened_on=opened), actor=None
    )
    places = [c for c, _n in NANGANG_COMMITTEES] + list(NANGANG_STREETS)
    posts = _posts(rng, main, column, POST_TITLES[LEARN_COLUMN], places, 40, opened, today)
    return len(saved), _save_posts(district, posts)


def _save_posts(district: Jurisdiction, posts: Sequence[PostInput]) -> int:
    for post in posts:
        publicity_services.save_post(district, post, actor=None)
    return len(posts)


def _posts(
    rng: random.Random,
    channel: Channel,
    column: Column | None,
    templates: Sequence[str],
    places: Sequence[str],
    count: int,
    first: dt.date,
    today: dt.date,
    views: tuple[int, int] = (300, 2_500),
) -> list[PostInput]:
    """``count`` posts of distinct titles between ``first`` and ``today``."""
    span = max((today - first).days, 0)
    titles: set[str] = set()
    rows: list[PostInput] = []
    while len(rows) < count:
        title = rng.choice(templates).format(
            place=rng.choice(places), topic=rng.choice(LECTURE_TOPICS)
        )
        if title in titles:
            title = f"{title}（{len(rows) + 1}）"
        titles.add(title)
        day = first + dt.timedelta(days=rng.randint(0, span))
        rows.append(
            PostInput(
                channel_id=channel.pk,
                title=title,
                published_on=day,
                column_id=column.pk if column is not None else None,
                views=rng.randint(*views),
            )
        )
    return rows


# --- Hulan ------------------------------------------------------------------------------------


def _seed_hulan(district: Jurisdiction, now: dt.datetime) -> dict[str, int]:
    made: dict[str, int] = {}
    today = timezone.localdate(now)
    committees = [_committee(district, name) for name in HULAN_COMMITTEES]
    has_branches = Unit.objects.filter(parent__in=committees, kind=Unit.Kind.PARTY_BRANCH).exists()
    if not has_branches:
        made["branches"] = _seed_hulan_branches(district, committees)
    if not Channel.objects.filter(jurisdiction=district).exists():
        made["posts"] = _seed_hulan_account(district, today)
    if not MediaReport.objects.filter(jurisdiction=district).exists():
        made["reports"] = _seed_reports(district, today)
    return made


def _cn_number(n: int) -> str:
    """1–99 in Chinese numerals (第一, 第十二, 第二十)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


def _village_names(rng: random.Random, count: int) -> list[str]:
    first = "永长兴富新东西南北前后双太和丰胜利安康红金"
    second = "安发胜丰合兴利强家井台山河岗屯林泉田光明福"
    pool = [a + b for a in first for b in second if a != b]
    rng.shuffle(pool)
    return pool[:count]


def _seed_hulan_branches(district: Jurisdiction, committees: Sequence[Unit]) -> int:
    """665 branches, every committee's first one 第一党支部; towns and streets with their
    village and community branches; members summing to exactly 19,141."""
    rng = random.Random("education-orgs-230111")
    towns = {f"{town}党委" for town in HULAN_TOWNS}
    counts = {c.pk: (1 if c.name in towns else rng.randint(2, 6)) for c in committees}
    town_ids = [c.pk for c in committees if c.name in towns]
    for _ in range(HULAN_BRANCHES - sum(counts.values())):
        counts[rng.choice(town_ids)] += 1
    made: list[Unit] = []
    weights: list[int] = []
    for committee in committees:
        count = counts[committee.pk]
        if committee.name in towns:
            numbered = [f"第{_cn_number(n)}党支部" for n in range(1, min(count, 2) + 1)]
            word = "社区" if committee.name.endswith("街道党委") else "村"
            names = numbered + [
                f"{v}{word}党支部" for v in _village_names(rng, count - len(numbered))
            ]
        else:
            names = [f"第{_cn_number(n)}党支部" for n in range(1, count)]
            names.append("离退休党支部" if count > 2 else f"第{_cn_number(count)}党支部")
        branches = [
            org_services.ensure_unit(district, name, kind=Unit.Kind.PARTY_BRANCH, parent=committee)
            for name in names
        ]
        made += branches
        weights += [
            rng.randint(18, 45) if "村" in b.name or "社区" in b.name else rng.randint(12, 40)
            for b in branches
        ]
    members = _exactly(rng, weights, HULAN_MEMBERS)
    for committee in committees:
        if committee.members is None:
            committee.members = 0  # everyone is on a branch's roll
    Unit.objects.bulk_update(list(committees), ["members"])
    for branch, n in zip(made, members, strict=True):
        branch.members = n
    Unit.objects.bulk_update(made, ["members"], batch_size=500)
    return len(made)


def _exactly(rng: random.Random, weights: Sequence[int], total: int) -> list[int]:
    """Whole numbers (at least 3) in proportion to ``weights`` summing to ``total``."""
    scale = total / sum(weights)
    out = [max(3, int(w * scale)) for w in weights]
    while (diff := total - sum(out)) != 0:
        i = rng.randrange(len(out))
        if diff > 0:
            out[i] += 1
        elif out[i] > 3:
            out[i] -= 1
    return out


def _seed_hulan_account(district: Jurisdiction, today: dt.date) -> int:
    """呼兰发布 with six columns and 236 posts this year."""
    rng = random.Random("education-publicity-230111")
    channel = publicity_services.save_channel(
        district,
        ChannelInput(kind=Channel.Kind.WECHAT, name=HULAN_ACCOUNT, account="hulanfabu"),
        actor=None,
    )
    jan1 = dt.date(today.year, 1, 1)
    columns = {
        name: publicity_services.save_column(
            channel,
            ColumnInput(name, opened_on=min(jan1 + dt.timedelta(days=n * 9), today)),
            actor=None,
        )
        for n, name in enumerate(HULAN_COLUMNS)
    }
    places = [name.removesuffix("党委") for name in HULAN_COMMITTEES[:30]]
    posts: list[PostInput] = []
    per_column = _exactly(rng, [60, 56, 40, 30, 26, 24], HULAN_POSTS)
    for (name, column), count in zip(columns.items(), per_column, strict=True):
        first = column.opened_on or jan1
        posts += _posts(
            rng, channel, column, POST_TITLES[name], places, count, first, today, (20, 110)
        )
    # Distinct across columns too: (channel, title, day) identifies a post.
    seen: set[tuple[str, dt.date | None]] = set()
    unique: list[PostInput] = []
    for post in posts:
        while (post.title, post.published_on) in seen:
            post = dataclasses.replace(post, title=f"{post.title}（续）")
        seen.add((post.title, post.published_on))
        unique.append(post)
    return _save_posts(district, unique)


def _seed_reports(district: Jurisdiction, today: dt.date) -> int:
    """64 reports: 9 central, 23 provincial, 32 city."""
    rng = random.Random("education-reports-230111")
    jan1 = dt.date(today.year, 1, 1)
    span = (today - jan1).days
    places = [name.removesuffix("党委") for name in HULAN_COMMITTEES]
    seen: set[tuple[str, str, dt.date]] = set()
    for level, count in REPORTS.items():
        made = 0
        while made < count:
            outlet = rng.choice(OUTLETS[level])
            title = rng.choice(REPORT_TITLES).format(
                place=rng.choice(places), n=rng.randint(12, 96)
            )
            day = jan1 + dt.timedelta(days=rng.randint(0, span))
            if (outlet, title, day) in seen:
                continue
            seen.add((outlet, title, day))
            report = MediaInput(outlet=outlet, level=level, title=title, published_on=day)
            publicity_services.save_media(district, report, actor=None)
            made += 1
    return len(seen)
