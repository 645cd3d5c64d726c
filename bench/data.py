"""The benchmark dataset: one district's programme with N items and M progress updates.

This is benchmark SET-UP, not an application write path. The bulk of the rows (items, their
targets, milestones, sponsor leaders and partner units, and the progress updates) is
inserted with the ORM's ``bulk_create`` in big batches, on purpose bypassing the services:
500,000 calls of ``record_progress`` would take far longer than the benchmark itself. The
rows a person creates one by one (jurisdictions, units, people, users, roles, the
programme and its categories) and the whole history of the item measured on its own page
go through the real services, so they are exactly what production would hold. The bulk rows
get their audit events through ``audit.record_many``, so the hash chain stays valid.

    python -m bench.data build --items N --updates M   # DATABASE_URL from the environment
    python -m bench.data info                           # ids, a login and a fresh API token
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import Counter
from decimal import Decimal
from typing import Any

CITY_CODE = "230100"
DISTRICT_CODE = "230103"
# The city's districts and counties (GB/T 2260), then two made-up ones for a 20-district city.
DISTRICTS = [
    ("230103", "南岗区"),
    ("230102", "道里区"),
    ("230104", "道外区"),
    ("230108", "平房区"),
    ("230109", "松北区"),
    ("230110", "香坊区"),
    ("230111", "呼兰区"),
    ("230112", "阿城区"),
    ("230113", "双城区"),
    ("230123", "依兰县"),
    ("230124", "方正县"),
    ("230125", "宾县"),
    ("230126", "巴彦县"),
    ("230127", "木兰县"),
    ("230128", "通河县"),
    ("230129", "延寿县"),
    ("230183", "尚志市"),
    ("230184", "五常市"),
    ("230197", "试点一区"),
    ("230198", "试点二区"),
]
BENCH_USERNAME = "bench_office"
CITY_USERNAME = "bench_city"
# The benchmark database is throwaway and local; the password only has to be known.
BENCH_PASSWORD = "bench-office-pw-2021"
# The item measured on its own page (exactly 50 updates, real audit history) and the item
# that takes the benchmark's posted updates: the first two items of the first category.
DETAIL_NUMBER = "1-00001"
POST_NUMBER = "1-00002"
DETAIL_UPDATES = 50
PENDING_UPDATES = 10_000  # units' updates in the office's review queue
BATCH = 5000
UPDATE_CHUNK = 25_000

CATEGORIES = ["城建城管执法", "民生服务", "文教卫生", "信访维稳安全", "其他"]
CATEGORY_WEIGHTS = [30, 25, 20, 15, 10]
BUREAUS = [
    "区住建局",
    "区城管局",
    "区教育局",
    "区卫健局",
    "区民政局",
    "区人社局",
    "区市场监管局",
    "区交通运输局",
    "区水务局",
    "区文旅局",
    "区体育局",
    "区财政局",
    "区发改局",
    "区公安分局",
    "区应急管理局",
    "区生态环境分局",
    "区商务局",
    "区司法局",
    "区信访局",
    "区医保局",
    "区退役军人事务局",
    "区科工信局",
    "区农业农村局",
    "区自然资源分局",
    "区营商环境局",
    "区总工会",
    "团区委",
    "区妇联",
    "区残联",
    "区数据局",
]
STREETS = [
    "和兴路街道",
    "花园街道",
    "大成街道",
    "革新街道",
    "奋斗路街道",
    "芦家街道",
    "曲线街道",
    "通达街道",
    "七政街道",
    "荣市街道",
    "新春街道",
    "文化街道",
    "跃进街道",
    "先锋路街道",
    "哈西街道",
    "保健路街道",
    "南岗街道",
    "松花江街道",
    "燎原街道",
    "大庆路街道",
    "王岗镇",
    "红旗满族乡",
]
N_UNITS = 60
LEADER_TITLES = [
    "区委书记",
    "区长",
    "区委副书记",
    "常务副区长",
    "副区长(城建)",
    "副区长(民生)",
    "副区长(教育)",
    "副区长(卫健)",
    "副区长(营商)",
    "区委常委、组织部长",
    "区委常委、宣传部长",
    "区委常委、政法委书记",
]
WORKS = [
    ("老旧小区改造", "栋"),
    ("供水管网改造", "公里"),
    ("供热管网更新", "公里"),
    ("背街小巷路面维修", "处"),
    ("幼儿园改扩建", "所"),
    ("社区食堂建设", "个"),
    ("公共厕所提升改造", "座"),
    ("口袋公园建设", "个"),
    ("新能源汽车充电桩安装", "个"),
    ("居家适老化改造", "户"),
    ("冰雪运动场地建设", "处"),
    ("中小学可升降课桌椅配备", "套"),
    ("噪音扰民问题整治", "起"),
    ("雨污分流改造", "公里"),
    ("停车泊位施划", "个"),
    ("路灯照明补建", "盏"),
    ("困难职工帮扶救助", "人"),
    ("职业技能培训", "人次"),
]
DEADLINES = ["{y}年6月30日前", "{y}年9月底前", "{y}年10月底前", "年底前", "11月30日前", "长期坚持"]
PHRASES = [
    "已完成施工队伍进场,正在组织管线开挖",
    "主体工程基本完工,正在进行附属设施建设",
    "已完成方案设计和招投标,材料已进场",
    "已召开专题推进会,明确责任分工和时间节点",
    "完成入户走访摸底,群众意见已汇总反馈",
    "正在开展竣工验收前的自查整改",
    "受降雨天气影响工期略有延后,已增加作业班组",
    "已协调相关部门解决施工占道问题",
]


def _unit_names() -> list[tuple[str, str]]:
    names = [(n, "bureau") for n in BUREAUS] + [
        (n, "township" if n.endswith(("镇", "乡")) else "street") for n in STREETS
    ]
    i = 1
    while len(names) < N_UNITS:
        names.append((f"第{i}社区党委", "party_committee"))
        i += 1
    return names[:N_UNITS]


def _dates(rng: random.Random, first: dt.date, last: dt.date, k: int) -> list[dt.date]:
    span = max((last - first).days, 0)
    return sorted(first + dt.timedelta(days=rng.randint(0, span)) for _ in range(k))


def _update_text(rng: random.Random, day: dt.date, rate: int) -> str:
    return f"{day.month}月{day.day}日:{rng.choice(PHRASES)},累计完成工程量的{rate}%。"


def build(
    n_items: int, n_updates: int, *, districts: int = 1, seed: int = 20210630
) -> dict[str, Any]:
    """Fill an empty, migrated database: ``districts`` districts of the city, each with a
    programme of ``n_items`` items and ``n_updates`` progress updates."""
    from django.utils import timezone

    from shishi.ledger import services
    from shishi.ledger.models import Item, Programme, ProgressUpdate, Review
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Role

    if Programme.objects.exists():
        raise SystemExit("bench.data: the database already holds a programme; use an empty one")
    if n_items < 2 or n_updates < DETAIL_UPDATES:
        raise SystemExit(f"bench.data: need at least 2 items and {DETAIL_UPDATES} updates")
    if not 1 <= districts <= len(DISTRICTS):
        raise SystemExit(f"bench.data: 1 to {len(DISTRICTS)} districts")
    t0 = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    year = today.year
    year_start = dt.date(year, 1, 1)
    city = org_services.ensure_jurisdiction(code=CITY_CODE, name="哈尔滨市", level="city")
    city_office = org_services.ensure_user(
        CITY_USERNAME, password=BENCH_PASSWORD, display_name="哈尔滨市专班"
    )
    org_services.grant_role(city_office, Role.CITY_OFFICE, city)
    for n, (code, name) in enumerate(DISTRICTS[:districts]):
        username = BENCH_USERNAME if n == 0 else f"{BENCH_USERNAME}_{code}"
        _build_district(city, code, name, username, n_items, n_updates, rng, t0)

    # --- the review queue: the district's latest updates wait for the office --------------
    programme = Programme.objects.get(jurisdiction__code=DISTRICT_CODE)
    latest = ProgressUpdate.objects.filter(item__programme=programme).order_by("-id")
    pending = min(PENDING_UPDATES, n_updates // 2)
    threshold = latest.values_list("id", flat=True)[pending - 1]
    latest.filter(pk__gte=threshold).update(review=Review.PENDING, is_public=False)
    _log(f"{pending} updates waiting for review: {time.perf_counter() - t0:.1f}s")

    # --- the detail item: its whole history through the services ------------------------
    office = org_services.ensure_user(BENCH_USERNAME)
    # --- the detail item: its whole history through the services ------------------------
    detail = Item.objects.get(programme=programme, number=DETAIL_NUMBER)
    for j, day in enumerate(_dates(rng, year_start, today, DETAIL_UPDATES)):
        rate = (j + 1) * 80 // DETAIL_UPDATES
        services.record_progress(
            detail,
            actor=office,
            text=_update_text(rng, day, rate),
            rate=Decimal(rate),
            reported_on=day,
        )
    for n in range(3):
        services.update_item(
            detail,
            actor=office,
            expected_version=detail.version,
            measures=f"第{n + 1}次调整推进措施:加强调度,每周通报,确保按期完成。",
        )
    services.set_targets(
        detail,
        [services.TargetInput("完成改造", Decimal(120), "栋", Decimal(96))],
        actor=office,
    )
    services.add_milestone(
        detail,
        services.MilestoneInput("主体完工", dt.date(year, 9, 30), planned_rate=Decimal(80)),
        actor=office,
    )
    _board(t0)
    _analyze()
    total = time.perf_counter() - t0
    _log(f"dataset built in {total:.1f}s")
    return {
        "items": Item.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "build_seconds": round(total, 1),
    }


def _build_district(
    city: Any,
    code: str,
    name: str,
    username: str,
    n_items: int,
    n_updates: int,
    rng: random.Random,
    t0: float,
) -> None:
    """One district's units, people, office, programme, items and updates."""
    from django.db import transaction
    from django.utils import timezone

    from shishi.core import audit
    from shishi.ledger import services
    from shishi.ledger.models import Item, Lifecycle, Milestone, ProgressUpdate, Review, Target
    from shishi.ledger.parsing import parse_deadline
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Role

    today = timezone.localdate()
    year = today.year
    year_start = dt.date(year, 1, 1)
    # --- what people create one by one: through the services ---------------------------
    district = org_services.ensure_jurisdiction(code=code, name=name, level="district", parent=city)
    password = BENCH_PASSWORD if username == BENCH_USERNAME else None
    office = org_services.ensure_user(username, password=password, display_name=f"{name}专班")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
    units = [org_services.ensure_unit(district, n, kind=k) for n, k in _unit_names()]
    editors = []
    for i, unit in enumerate(units, start=1):
        editor = org_services.ensure_user(
            f"editor_{code}_{i:02d}", display_name=f"{unit.name}填报员"
        )
        org_services.grant_role(editor, Role.UNIT_EDITOR, district, unit=unit)
        editors.append(editor)
    leaders = [org_services.ensure_person(district, title) for title in LEADER_TITLES]
    programme = services.ensure_programme(district, year, actor=office)
    categories = [
        services.ensure_category(programme, name, actor=office, order=i)
        for i, name in enumerate(CATEGORIES, start=1)
    ]
    _log(f"{name}: orgs, users, programme: {time.perf_counter() - t0:.1f}s")

    # --- items, in bulk ------------------------------------------------------------------
    deadlines = {}
    for pattern in DEADLINES:
        text = pattern.format(y=year)
        deadlines[text] = parse_deadline(text, year)
    unit_weights = [1 / (i + 1) ** 0.6 for i in range(len(units))]
    cat_of = rng.choices(range(len(categories)), weights=CATEGORY_WEIGHTS, k=n_items)
    cat_of[0] = cat_of[1] = 0
    lead_of = rng.choices(range(len(units)), weights=unit_weights, k=n_items)
    # Progress updates per item: the detail item gets its 50 through the services later,
    # the rest are spread at random over the other items.
    per_item = Counter(rng.randrange(1, n_items) for _ in range(n_updates - DETAIL_UPDATES))

    seq_in_cat = Counter[int]()
    items: list[Item] = []
    final_rate: list[int] = []
    for i in range(n_items):
        c = cat_of[i]
        seq_in_cat[c] += 1
        work, _ = WORKS[rng.randrange(len(WORKS))]
        place = rng.choice(STREETS)
        text, deadline = rng.choice(list(deadlines.items()))
        k = per_item.get(i, 0)
        rate = 0 if k == 0 else (100 if rng.random() < 0.15 else rng.randint(5, 95))
        if i in (0, 1):
            rate = 0
        lifecycle = services.lifecycle_for_rate(Decimal(rate), Lifecycle.NOT_STARTED)
        if k and i != 0:
            lifecycle = services.lifecycle_for_rate(Decimal(rate), Lifecycle.IN_PROGRESS)
        closed = lifecycle == Lifecycle.DONE and i > 1 and rng.random() < 0.3
        planned = Decimal(rng.randint(10, 5000) * 10_000)
        final_rate.append(rate)
        items.append(
            Item(
                jurisdiction_id=district.pk,
                programme=programme,
                category=categories[c],
                number=f"{c + 1}-{seq_in_cat[c]:05d}",
                seq=seq_in_cat[c],
                name=f"{place}{work}",
                content=f"实施{place}{work},惠及辖区居民约{rng.randint(2, 90) * 100}户。",
                measures=(
                    "成立工作专班,制定实施方案;倒排工期、挂图作战;"
                    "每周调度进展,每月通报,确保按期完成。"
                ),
                deadline_text=deadline.text,
                due_date=deadline.due_date,
                is_ongoing=deadline.is_ongoing,
                start_date=year_start + dt.timedelta(days=rng.randint(0, 60)),
                lead_unit=units[lead_of[i]],
                planned_investment=planned,
                done_investment=(planned * rate / 100).quantize(Decimal("0.01")),
                completion_rate=Decimal(rate),
                lifecycle=Lifecycle.CLOSED_OUT if closed else lifecycle,
                closed_out_at=timezone.now() if closed else None,
            )
        )
    with transaction.atomic():
        Item.objects.bulk_create(items, batch_size=BATCH)
        leader_links = []
        partner_links = []
        targets = []
        milestones = []
        for i, item in enumerate(items):
            for person in rng.sample(leaders, rng.choice((1, 1, 2))):
                leader_links.append(
                    Item.sponsor_leaders.through(item_id=item.pk, person_id=person.pk)
                )
            partners = rng.sample(range(len(units)), rng.choice((0, 1, 1, 2, 3)))
            for p in partners:
                if p != lead_of[i]:
                    partner_links.append(
                        Item.partner_units.through(item_id=item.pk, unit_id=units[p].pk)
                    )
            _, measure = WORKS[i % len(WORKS)]
            value = Decimal(rng.randint(5, 500))
            targets.append(
                Target(
                    item=item,
                    name="完成工程量",
                    value=value,
                    unit=measure,
                    actual=(value * final_rate[i] / 100).quantize(Decimal("0.01")),
                )
            )
            milestones.append(
                Milestone(item=item, title="完成招投标", due_date=dt.date(year, 4, 30), order=0)
            )
            milestones.append(
                Milestone(item=item, title="竣工验收", due_date=dt.date(year, 11, 30), order=1)
            )
        Item.sponsor_leaders.through.objects.bulk_create(leader_links, batch_size=BATCH)
        Item.partner_units.through.objects.bulk_create(partner_links, batch_size=BATCH)
        Target.objects.bulk_create(targets, batch_size=BATCH)
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        audit.record_many(
            actor=office,
            entries=[
                audit.entry_for(
                    "item.create",
                    item,
                    {"name": [None, item.name], "lead_unit_id": [None, item.lead_unit_id]},
                    district.pk,
                )
                for item in items
            ],
        )
    _log(f"{name}: {n_items} items, targets, milestones, links: {time.perf_counter() - t0:.1f}s")

    # --- progress updates, in bulk, chunk by chunk --------------------------------------
    pending: list[ProgressUpdate] = []
    last_of: dict[int, tuple[dt.date, str]] = {}
    written = 0

    def flush() -> None:
        nonlocal written
        if not pending:
            return
        with transaction.atomic():
            ProgressUpdate.objects.bulk_create(pending, batch_size=BATCH)
            audit.record_many(
                actor=None,
                entries=[
                    audit.Entry(
                        "item.progress",
                        "ledger.item",
                        str(u.item_id),
                        "",
                        {"completion_rate": [None, u.rate], "update": [None, u.pk]},
                        district.pk,
                    )
                    for u in pending
                ],
            )
        written += len(pending)
        pending.clear()
        _log(f"  {written} updates: {time.perf_counter() - t0:.1f}s")

    for i, item in enumerate(items):
        k = per_item.get(i, 0)
        if not k:
            continue
        days = _dates(rng, item.start_date or year_start, today, k)
        for j, day in enumerate(days):
            rate = round(final_rate[i] * (j + 1) / k)
            text = _update_text(rng, day, rate)
            pending.append(
                ProgressUpdate(
                    jurisdiction_id=district.pk,
                    item_id=item.pk,
                    programme_id=item.programme_id,
                    author_id=editors[lead_of[i]].pk,
                    unit_id=item.lead_unit_id,
                    reported_on=day,
                    rate=Decimal(rate),
                    text=text,
                    review=Review.PUBLISHED,  # the office reviewed the history
                    is_public=True,
                )
            )
        last_of[item.pk] = (days[-1], text)
        if len(pending) >= UPDATE_CHUNK:
            flush()
    flush()
    # The items' latest progress follows from their last update, as record_progress keeps it.
    with transaction.atomic():
        for item in items:
            if item.pk in last_of:
                item.progress_date, item.progress_text = last_of[item.pk]
        Item.objects.bulk_update(
            [item for item in items if item.pk in last_of],
            ["progress_date", "progress_text"],
            batch_size=BATCH,
        )
    _log(f"{name}: {written} progress updates: {time.perf_counter() - t0:.1f}s")


def _board(t0: float) -> None:
    """The battle board as a deployment has it: every item assessed today, and a year of
    weekly snapshots (rebuilt from the progress history, as ``take_snapshots --backfill``
    does) for the measured district."""
    from shishi.board import services as board_services
    from shishi.ledger.models import Programme

    for pid in Programme.objects.order_by("pk").values_list("pk", flat=True):
        board_services.refresh_statuses(pid)
    _log(f"board: statuses assessed: {time.perf_counter() - t0:.1f}s")
    first = Programme.objects.get(jurisdiction__code=DISTRICT_CODE)
    weeks = board_services.backfill_snapshots(first.pk)
    _log(f"board: {weeks} weekly snapshots: {time.perf_counter() - t0:.1f}s")


def _analyze() -> None:
    """Refresh planner statistics, as a deployment does after a bulk load.

    An import runs the same on SQLite (``shishi.core.dbstats``); PostgreSQL's autovacuum
    would do it a little later by itself.
    """
    from django.db import connection

    from shishi.core.dbstats import refresh_planner_statistics

    if connection.vendor == "postgresql":
        # After a bulk insert autovacuum (PostgreSQL >= 13) vacuums and analyzes the tables
        # by itself; the benchmark does it at once instead of waiting for it. The visibility
        # map it sets is what lets covering indexes answer without reading the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        refresh_planner_statistics()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def info(*, city: bool = False) -> dict[str, Any]:
    """What the benchmark needs to know about a built dataset, and a fresh API token.

    ``city``: the city office's view of a several-district dataset.
    """
    from django.db.models import Count

    from shishi.ledger.models import Item, Programme, ProgressUpdate
    from shishi.orgs.models import User
    from shishi.orgs.services import create_api_token

    if city:
        user = User.objects.get(username=CITY_USERNAME)
        return {
            "city_code": CITY_CODE,
            "districts": Programme.objects.count(),
            "items": Item.objects.count(),
            "updates": ProgressUpdate.objects.count(),
            "username": CITY_USERNAME,
            "password": BENCH_PASSWORD,
            "token": create_api_token(user, name="bench"),
        }
    programme = Programme.objects.get(jurisdiction__code=DISTRICT_CODE)
    detail = Item.objects.get(programme=programme, number=DETAIL_NUMBER)
    post = Item.objects.get(programme=programme, number=POST_NUMBER)
    busiest = (
        Item.objects.filter(programme=programme)
        .values("lead_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_unit_id")
        .first()
    )
    assert busiest is not None
    office = User.objects.get(username=BENCH_USERNAME)
    return {
        "programme": programme.pk,
        "unit": busiest["lead_unit_id"],
        "unit_items": busiest["n"],
        "category": detail.category_id,
        "detail_item": detail.pk,
        "detail_number": detail.number,
        "detail_updates": ProgressUpdate.objects.filter(item=detail).count(),
        "post_item": post.pk,
        "items": Item.objects.filter(programme=programme).count(),
        "updates": ProgressUpdate.objects.filter(item__programme=programme).count(),
        "username": BENCH_USERNAME,
        "password": BENCH_PASSWORD,
        "token": create_api_token(office, name="bench"),
    }


def _log(message: str) -> None:
    print(f"[bench.data] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="migrate an empty database and fill it")
    b.add_argument("--items", type=int, default=10_000)
    b.add_argument("--updates", type=int, default=1_000_000)
    b.add_argument("--districts", type=int, default=1)
    i = sub.add_parser("info", help="print ids, a login and a fresh API token as JSON")
    i.add_argument("--city", action="store_true", help="the city office's view")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from bench.common import emit

    if args.command == "build":
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        emit(build(args.items, args.updates, districts=args.districts))
    else:
        emit(info(city=args.city))


if __name__ == "__main__":
    main()
