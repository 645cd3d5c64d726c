"""Demo supervision (``seed_demo`` calls ``seed_supervision``; idempotent: a district whose
round is there already is left as it is).

- **Hulan** (230111): its first round ``2021-1`` — four inspection groups (``hulan-inspector``
  in the first) visited its 64 party committees ("XX党委", created as units of kind
  ``party_committee``), corrected 26 problems on the spot (方案不完善, 措施不具体, …) and
  made 20 suggestions: the figures of the leading group's own summary.
- **Nangang** (230103): five inspection groups (the demo's ``inspector`` in the first), this
  year's round with visits and rectifications at every stage — open, submitted, returned,
  closed, overdue with a yellow and with a red card — a 回头看 round that found one problem
  come back, and the ``leader``'s instructions open, answered, asked again, settled, one
  overdue, and one the office entered from paper with a scan of the page.

Everything goes through the services (groups, rounds, visits, findings, rectifications,
re-checks, instructions). The morning job's run
(``overdue.refresh_cards``) gives the cards and sends their notices.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.ledger.models import Item
from shishi.orgs import services as org_services
from shishi.orgs.models import Jurisdiction, Unit, User
from shishi.supervision.models import (
    Finding,
    InspectionGroup,
    Instruction,
    Round,
    Visit,
    VisitAnswer,
    VisitPlan,
)
from shishi.supervision.overdue import refresh_cards
from shishi.supervision.services import findings, instructions, rechecks, setup, visits
from shishi.workdays.calendar import add_working_days, working_days_between

Kind = Finding.Kind
Category = Finding.Category

CHECKLIST = ("方案是否完善", "措施是否具体", "台账是否规范", "宣传是否到位")

# --- Hulan: 64 party committees -------------------------------------------------------------

HULAN_TOWNS = (
    "呼兰街道", "兰河街道", "腰堡街道", "利民街道", "康金街道", "沈家街道", "双井街道",
    "二八镇", "石人镇", "白奎镇", "方台镇", "莲花镇", "大用镇", "长岭镇", "许堡乡", "孟家乡",
    "杨林乡",
)  # fmt: skip
HULAN_DEPARTMENTS = (
    "区委办", "区政府办", "区委组织部", "区委宣传部", "区委政法委", "区发改局", "区教育局",
    "区科工信局", "区公安分局", "区民政局", "区司法局", "区财政局", "区人社局",
    "区自然资源局", "区生态环境分局", "区住建局", "区交通运输局", "区农业农村局", "区水务局",
    "区商务局", "区文体广电和旅游局", "区卫健局", "区退役军人事务局", "区应急管理局",
    "区审计局", "区市场监管局", "区统计局", "区医保局", "区城管局", "区信访局",
    "区行政审批局", "区营商环境局", "区机关事务服务中心", "区融媒体中心", "区税务局",
    "区供销社", "区残联", "区总工会", "团区委", "区妇联", "区人民医院", "区中医医院",
    "区疾控中心", "区第一中学", "区职业教育中心", "区林业和草原局", "区供热公司",
)  # fmt: skip
HULAN_COMMITTEES = tuple(f"{name}党委" for name in (*HULAN_TOWNS, *HULAN_DEPARTMENTS))
assert len(HULAN_COMMITTEES) == 64
HULAN_ROUND = "2021-1"
HULAN_START, HULAN_END = dt.date(2021, 7, 5), dt.date(2021, 8, 27)

ON_THE_SPOT = (  # (category, problem) — 26 corrected on the spot
    (Category.PLAN, "实施方案不完善，缺少分阶段目标和时间节点"),
    (Category.MEASURES, "推进措施不具体，责任分工没有落实到人"),
    (Category.LEDGER, "工作台账不规范，进展情况未按周更新"),
    (Category.PLAN, "实事项目清单与区级台账不一致"),
    (Category.MEASURES, "措施停留在口号层面，缺少可量化的工作举措"),
    (Category.PUBLICITY, "宣传栏内容陈旧，未公开办实事进展"),
    (Category.LEDGER, "佐证材料归档不全，缺少现场照片"),
    (Category.PLAN, "方案未经党委会研究审定"),
)
SUGGESTIONS = (
    "建议建立周调度、月通报机制，压实责任",
    "建议将群众满意度纳入实事项目验收标准",
    "建议在社区公开栏和微信群同步公示进展",
    "建议与相关部门建立联席会议制度，协调解决跨部门问题",
    "建议对照民生清单开展一次回头看",
)


# --- Nangang --------------------------------------------------------------------------------

NANGANG_GROUPS = (
    "第一巡回指导组",
    "第二巡回指导组",
    "第三巡回指导组",
    "第四巡回指导组",
    "第五巡回指导组",
)
GROUP_LEADERS = ("王建国", "李春生", "张丽华", "刘明", "赵文军")


def _png_scan() -> SimpleUploadedFile:
    """A small generated image standing for the scan of a leader's handwritten instruction."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (420, 594), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 400, 70), outline=(190, 30, 30), width=3)  # the red head
    for n, y in enumerate(range(110, 520, 34)):  # handwriting, line after line
        width = 340 if n % 4 != 3 else 210
        draw.line((40, y, 40 + width, y + (n % 3) - 1), fill=(40, 40, 60), width=2)
    draw.ellipse((300, 500, 380, 570), outline=(200, 30, 30), width=3)  # the seal
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("领导批示原件.png", buffer.getvalue(), content_type="image/png")


def _record_visit(
    round: Round, group: InspectionGroup, unit: Unit, day: dt.date, *, actor: User, notes: str
) -> Visit:
    """The visit, as the visit form records it: every checklist question answered 是."""
    return visits.record_visit(
        round,
        group,
        unit,
        visits.VisitInput(
            visited_on=day,
            attendees=f"{group.leader_name}（组长）、督导组成员；{unit.name}主要负责同志",
            notes=notes,
            answers={entry.pk: (VisitAnswer.Answer.YES, "") for entry in round.checklist.all()},
        ),
        actor=actor,
        plan=VisitPlan.objects.filter(round=round, group=group, unit=unit).first(),
    )


def _groups(
    district: Jurisdiction,
    names: Sequence[str],
    units: Sequence[Sequence[Unit]],
    *,
    office: User,
    inspector: User | None,
) -> list[InspectionGroup]:
    """The district's groups, each covering its units (the inspector in the first)."""
    out = []
    for n, (name, covered) in enumerate(zip(names, units, strict=True)):
        existing = InspectionGroup.objects.filter(jurisdiction=district, name=name).first()
        if existing is not None:
            out.append(existing)
            continue
        out.append(
            setup.save_group(
                district.pk,
                setup.GroupInput(
                    name,
                    leader_name=GROUP_LEADERS[n % len(GROUP_LEADERS)],
                    member_ids=[inspector.pk] if inspector is not None and n == 0 else [],
                    unit_ids=[u.pk for u in covered],
                ),
                actor=office,
            )
        )
    return out


def _deal(units: Sequence[Unit], hands: int) -> list[list[Unit]]:
    return [list(units[n::hands]) for n in range(hands)]


def _plan(
    round: Round, groups: Sequence[InspectionGroup], start: dt.date, *, office: User
) -> list[tuple[InspectionGroup, Unit, dt.date]]:
    """Each group's units, a working day each from ``start``; the plan written at once."""
    rows = []
    for group in groups:
        day = start
        for unit in group.units.order_by("name"):
            rows.append((group, unit, day))
            day = add_working_days(day, 1, jurisdiction=round.jurisdiction_id)
    setup.plan_visits(
        round,
        [setup.PlanRow(group.pk, unit.pk, day) for group, unit, day in rows],
        actor=office,
    )
    return rows


def _actor(group: InspectionGroup, inspector: User | None, office: User) -> User:
    return (
        inspector
        if inspector is not None and group.members.filter(pk=inspector.pk).exists()
        else office
    )


# --- Hulan ----------------------------------------------------------------------------------


def seed_hulan(district: Jurisdiction, *, office: User, inspector: User | None) -> Round:
    existing = Round.objects.filter(jurisdiction=district, code=HULAN_ROUND).first()
    if existing is not None:
        return existing
    committees = [
        org_services.ensure_unit(district, name, kind=Unit.Kind.PARTY_COMMITTEE)
        for name in HULAN_COMMITTEES
    ]
    names = ("第一巡回指导组", "第二巡回指导组", "第三巡回指导组", "第四巡回指导组")
    groups = _groups(
        district, names, _deal(committees, len(names)), office=office, inspector=inspector
    )
    round = setup.save_round(
        district.pk,
        setup.RoundInput(
            code=HULAN_ROUND,
            name="“我为群众办实事”第一轮巡回指导",
            starts_on=HULAN_START,
            ends_on=HULAN_END,
            scope="全区64个党委（党工委）“我为群众办实事”实践活动开展情况",
            group_ids=[g.pk for g in groups],
            checklist=CHECKLIST,
        ),
        actor=office,
    )
    plan = _plan(round, groups, HULAN_START, office=office)
    spot = suggestion = 0
    for n, (group, unit, day) in enumerate(plan):
        actor = _actor(group, inspector, office)
        visit = _record_visit(
            round, group, unit, day, actor=actor, notes="听取汇报，查阅台账，实地查看项目推进情况。"
        )
        # 26 problems corrected on the spot (every fifth visit and the one two after it) and
        # 20 suggestions (every third visit from the second, to the sixtieth).
        if n % 5 in (0, 2):
            category, problem = ON_THE_SPOT[spot % len(ON_THE_SPOT)]
            spot += 1
            data = findings.FindingInput(kind=Kind.ON_THE_SPOT, problem=problem, category=category)
            findings.add_finding(
                data, round=round, group=group, unit=unit, visit=visit, actor=actor, today=day
            )
        if n % 3 == 1 and n < 60:
            text = SUGGESTIONS[suggestion % len(SUGGESTIONS)]
            suggestion += 1
            data = findings.FindingInput(kind=Kind.SUGGESTION, problem=text)
            findings.add_finding(
                data, round=round, group=group, unit=unit, visit=visit, actor=actor, today=day
            )
    assert (spot, suggestion) == (26, 20)
    return round


# --- Nangang --------------------------------------------------------------------------------


def _workdays_ago(today: dt.date, n: int, district: int) -> dt.date:
    """The day ``n`` working days before ``today`` (``working_days_between(day, today) == n``)."""
    day = today
    while working_days_between(day, today, jurisdiction=district) < n:
        day -= dt.timedelta(days=1)
    # The earliest such day would be past a weekend: take the working day itself.
    while working_days_between(day - dt.timedelta(days=1), today, jurisdiction=district) == n:
        day -= dt.timedelta(days=1)
    return day


def _item_of(unit: Unit, year: int) -> list[int]:
    item = Item.objects.filter(lead_unit=unit, programme__year=year).order_by("number").first()
    return [item.pk] if item is not None else []


def seed_nangang(
    district: Jurisdiction,
    *,
    office: User,
    inspector: User,
    editors: dict[str, User],
    leader: User,
    today: dt.date,
) -> Round:
    code = f"{today.year}-1"
    existing = Round.objects.filter(jurisdiction=district, code=code).first()
    if existing is not None:
        return existing
    units = [
        u
        for u in Unit.objects.filter(
            jurisdiction=district, kind__in=(Unit.Kind.BUREAU, Unit.Kind.STREET)
        ).order_by("kind", "name")
        if not u.name.startswith("各")
    ]
    # The first group (the demo inspector's) covers the two units with demo logins.
    with_logins = [u for u in units if u.name in editors]
    hands = _deal([u for u in units if u.name not in editors], len(NANGANG_GROUPS))
    hands[0] = with_logins + hands[0]
    groups = _groups(district, NANGANG_GROUPS, hands, office=office, inspector=inspector)
    start = today - dt.timedelta(days=60)
    round = setup.save_round(
        district.pk,
        setup.RoundInput(
            code=code,
            name=f"{today.year}年第一轮巡回指导",
            starts_on=start,
            ends_on=today - dt.timedelta(days=20),
            scope="各部门、各街道为民办实事项目推进和问题整改情况",
            group_ids=[g.pk for g in groups],
            checklist=CHECKLIST,
        ),
        actor=office,
    )
    plan = _plan(round, groups, start + dt.timedelta(days=3), office=office)
    visited: dict[int, Visit] = {}
    for group, unit, day in plan:
        if day > today - dt.timedelta(days=20):
            continue  # planned late in the round: not visited (the plan still shows it)
        visited[unit.pk] = _record_visit(
            round,
            group,
            unit,
            day,
            actor=_actor(group, inspector, office),
            notes="查阅台账，实地查看。",
        )
    chengguan, zhujian = (
        Unit.objects.get(jurisdiction=district, name=n) for n in ("区城管局", "区住建局")
    )
    group = groups[0]

    def add(unit: Unit, kind: str, problem: str, **more: Any) -> Finding:
        visit = visited.get(unit.pk)
        recorded = visit.visited_on if visit is not None else start
        data = findings.FindingInput(
            kind=kind,
            problem=problem,
            category=more.pop("category", Category.PROGRESS),
            severity=more.pop("severity", Finding.Severity.MINOR),
            item_ids=_item_of(unit, today.year),
            **more,
        )
        return findings.add_finding(
            data,
            round=round,
            group=group if visit is None else visit.group,
            unit=unit,
            visit=visit,
            actor=inspector if (visit is None or visit.group_id == group.pk) else office,
            today=recorded,
        )

    def rectify(unit: Unit, problem: str, deadline: dt.date, **more: Any) -> Finding:
        return add(
            unit,
            Kind.TO_RECTIFY,
            problem,
            measure=more.pop("measure", "制定整改方案，明确责任人和完成时限，逐项销号"),
            deadline=deadline,
            responsible_person=more.pop("person", "分管副局长"),
            **more,
        )

    district_id = district.pk
    # Open: the unit has until next week.
    rectify(
        chengguan, "背街小巷改造进度滞后于序时进度，未制定赶工计划", today + dt.timedelta(days=10)
    )
    # Submitted: the unit answered, the group is to verify.
    submitted = rectify(
        zhujian, "老旧小区改造项目台账不规范，部分小区进展未更新", today + dt.timedelta(days=5),
        category=Category.LEDGER,
    )  # fmt: skip
    findings.submit_rectification(
        submitted,
        actor=editors["区住建局"],
        measures="已逐小区核对进展，补齐台账和现场照片，建立每周更新制度。",
        expected_version=submitted.version,
    )
    # Returned: the answer lacked its evidence.
    returned = rectify(
        chengguan, "占道经营整治措施不具体，缺少长效管理机制", today + dt.timedelta(days=8),
        category=Category.MEASURES,
    )  # fmt: skip
    returned = findings.submit_rectification(
        returned,
        actor=editors["区城管局"],
        measures="已开展集中整治。",
        expected_version=returned.version,
    ).finding
    findings.verify_rectification(
        returned,
        actor=inspector,
        accept=False,
        reason="未说明长效管理机制，请补充制度文件和整治前后照片。",
        expected_version=returned.version,
    )
    # Closed out.
    closed = rectify(
        zhujian, "供热管网改造方案不完善，缺少分阶段目标", today - dt.timedelta(days=12),
        category=Category.PLAN, severity=Finding.Severity.SERIOUS,
    )  # fmt: skip
    closed = findings.submit_rectification(
        closed,
        actor=editors["区住建局"],
        measures="已补充分阶段目标和节点计划，经局党组会审定。",
        expected_version=closed.version,
    ).finding
    findings.verify_rectification(
        closed, actor=inspector, accept=True, expected_version=closed.version,
        today=today - dt.timedelta(days=14),
    )  # fmt: skip
    # Overdue: yellow (two working days late) and red (ten).
    rectify(
        chengguan, "一曼街塌陷路段抢修未按节点推进，群众反映强烈",
        _workdays_ago(today, 2, district_id), severity=Finding.Severity.SERIOUS,
    )  # fmt: skip
    rectify(
        zhujian, "口袋公园建设资金拨付台账不清，佐证材料缺失",
        _workdays_ago(today, 10, district_id), category=Category.FUNDS,
        severity=Finding.Severity.MAJOR,
    )  # fmt: skip
    # Corrected on the spot, and suggestions, across the other visits.
    for n, unit_id in enumerate(list(visited)[:8]):
        unit = Unit.objects.get(pk=unit_id)
        category, problem = ON_THE_SPOT[n % len(ON_THE_SPOT)]
        add(unit, Kind.ON_THE_SPOT, problem, category=category)
        if n % 2 == 0:
            add(unit, Kind.SUGGESTION, SUGGESTIONS[n % len(SUGGESTIONS)], category=Category.OTHER)

    # 回头看: the second round revisits the first; one problem came back, one held.
    revisit = setup.save_round(
        district.pk,
        setup.RoundInput(
            code=f"{today.year}-2",
            name=f"{today.year}年巡回指导“回头看”",
            starts_on=today - dt.timedelta(days=5),
            ends_on=today + dt.timedelta(days=25),
            scope="复查第一轮发现问题的整改成效，防止问题反弹",
            group_ids=[g.pk for g in groups],
            checklist=CHECKLIST,
            revisits_id=round.pk,
        ),
        actor=office,
    )
    closed.refresh_from_db()
    # The first group's visits still to make in the 回头看 round: today and the next working
    # days (the inspector's "我的走访").
    day, upcoming = today, []
    for unit in groups[0].units.exclude(pk=zhujian.pk).order_by("name")[:3]:
        upcoming.append(setup.PlanRow(groups[0].pk, unit.pk, min(day, revisit.ends_on)))
        day = add_working_days(day, 1, jurisdiction=district.pk)
    setup.plan_visits(revisit, upcoming, actor=office)
    revisited = _record_visit(
        revisit,
        groups[0],
        zhujian,
        today - dt.timedelta(days=2),
        actor=inspector,
        notes="回头看：复查第一轮问题整改情况。",
    )
    rechecks.recheck(
        closed,
        revisit,
        "recurred",
        "复查发现部分小区分阶段目标仍未落实。",
        actor=inspector,
        visit=revisited,
        problem=findings.FindingInput(
            kind=Kind.TO_RECTIFY,
            problem="供热管网改造分阶段目标未落实，问题反弹",
            category=Category.PLAN,
            severity=Finding.Severity.SERIOUS,
            measure="逐小区落实分阶段目标，每周向专班报送进度",
            deadline=today + dt.timedelta(days=15),
            responsible_person="分管副局长",
        ),
        today=today,
    )
    spot = Finding.objects.filter(round=round, kind=Kind.ON_THE_SPOT).order_by("pk").first()
    if spot is not None:
        rechecks.recheck(
            spot, revisit, "holds", "整改到位，未发现反弹。", actor=office, today=today
        )
    _instructions(district, office=office, leader=leader, editors=editors, today=today)
    return round


def _instructions(
    district: Jurisdiction, *, office: User, leader: User, editors: dict[str, User], today: dt.date
) -> None:
    """The leader's instructions at every stage, and one the office entered from paper."""
    chengguan, zhujian = (
        Unit.objects.get(jurisdiction=district, name=n) for n in ("区城管局", "区住建局")
    )
    d = district.pk

    def write(
        text: str, unit: Unit, written: dt.date, answer_by: dt.date, **more: Any
    ) -> Instruction:
        items = _item_of(unit, today.year)
        actor = more.pop("actor", None) or leader
        return instructions.write_instruction(
            d,
            instructions.InstructionInput(
                text=text,
                answer_by=answer_by,
                unit_id=unit.pk,
                item_id=items[0] if items else None,
                written_on=written,
                **more,
            ),
            actor=actor,
            today=written,
        )

    write(
        "背街小巷改造要倒排工期、挂图作战，确保年底前全部完工。",
        chengguan, today - dt.timedelta(days=3), today + dt.timedelta(days=4),
    )  # fmt: skip
    answered = write(
        "老旧小区改造要充分征求居民意见，做到改造一个、满意一个。",
        zhujian, today - dt.timedelta(days=10), today - dt.timedelta(days=2),
    )  # fmt: skip
    instructions.answer_instruction(
        answered, actor=editors["区住建局"], text="已在12个小区召开居民议事会，形成改造意见清单。",
        expected_version=answered.version,
    )  # fmt: skip
    again = write(
        "占道经营问题反弹，请区城管局拿出长效管理办法。",
        chengguan, today - dt.timedelta(days=20), today - dt.timedelta(days=12),
    )  # fmt: skip
    instructions.answer_instruction(
        again,
        actor=editors["区城管局"],
        text="已开展集中整治行动。",
        expected_version=again.version,
    )
    again.refresh_from_db()
    instructions.ask_again(
        again, actor=leader, text="集中整治不等于长效管理，请补充制度性措施。",
        answer_by=today + dt.timedelta(days=7), expected_version=again.version,
    )  # fmt: skip
    settled = write(
        "供水管网改造施工期间要做好停水公告和应急供水。",
        zhujian, today - dt.timedelta(days=30), today - dt.timedelta(days=23),
    )  # fmt: skip
    instructions.answer_instruction(
        settled, actor=editors["区住建局"], text="已提前三天公告，设置临时供水点4处。",
        expected_version=settled.version,
    )  # fmt: skip
    settled.refresh_from_db()
    instructions.settle_instruction(
        settled, actor=leader, text="很好，继续保持。", expected_version=settled.version,
        today=today - dt.timedelta(days=20),
    )  # fmt: skip
    write(
        "一曼街翻浆路段抢修进度要每周报告。",
        chengguan, today - dt.timedelta(days=15), _workdays_ago(today, 2, d),
    )  # fmt: skip
    # Written on paper by the district head: the office enters it with the scan.
    write(
        "请区城管局、区住建局联合研究冬季清雪保畅方案，报我审定。",
        chengguan, today - dt.timedelta(days=6), today + dt.timedelta(days=2),
        author_name="区长", scan=_png_scan(), actor=office,
    )  # fmt: skip


# --- the entry point --------------------------------------------------------------------------


def seed_supervision(
    jurisdictions: dict[str, Jurisdiction], users: dict[str, User], *, today: dt.date | None = None
) -> None:
    """Seed Hulan's and Nangang's supervision (``users``: the demo logins by username), then
    run the morning job for today's cards."""
    today = today or timezone.localdate()
    with transaction.atomic():
        if "230111" in jurisdictions and "hulan" in users:
            seed_hulan(
                jurisdictions["230111"],
                office=users["hulan"],
                inspector=users.get("hulan-inspector"),
            )
        needed = ("nangang", "inspector", "leader", "chengguan", "zhujian")
        if "230103" in jurisdictions and all(name in users for name in needed):
            seed_nangang(
                jurisdictions["230103"],
                office=users["nangang"],
                inspector=users["inspector"],
                editors={"区城管局": users["chengguan"], "区住建局": users["zhujian"]},
                leader=users["leader"],
                today=today,
            )
        refresh_cards(today)
