"""Demo feedback cycles: Nangang's weekly report and monthly summary on this year's
programme, with the current week's period opened for every lead unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shishi.ledger.models import Programme
from shishi.orgs.models import User
from shishi.reports import periods, services
from shishi.reports.models import (
    Briefing,
    CircularVersion,
    Cycle,
    CycleFigure,
    CycleSection,
    Indicator,
    ReportVersion,
    Submission,
)


def seed_cycles(
    programme: Programme, users: dict[str, User] | None = None, office: User | None = None
) -> list[Cycle]:
    """The cycles (idempotent, by code), three past weeks reported (``seed_history``) and
    the current week opened."""
    units = list(programme.items.order_by().values_list("lead_unit_id", flat=True).distinct())
    weekly, _ = Cycle.objects.get_or_create(
        jurisdiction=programme.jurisdiction,
        code="weekly",
        defaults={
            "programme": programme,
            "name": "为民办实事周报告",
            "cadence": periods.Cadence.WEEKLY.value,
            "due_weekday": 4,
            "due_time": dt.time(17, 0),
            "instructions": "每周五17时前报送本周牵头事项进展，经单位负责人审核后报送区专班。",
        },
    )
    monthly, _ = Cycle.objects.get_or_create(
        jurisdiction=programme.jurisdiction,
        code="monthly",
        defaults={
            "programme": programme,
            "name": "为民办实事月小结",
            "cadence": periods.Cadence.MONTHLY.value,
            "due_workdays": 3,
            "due_time": dt.time(17, 0),
            "instructions": "每月结束后第3个工作日17时前报送本月小结。",
        },
    )
    for cycle in (weekly, monthly):
        cycle.units.add(*units)
    if not weekly.sections.exists():
        CycleSection.objects.create(cycle=weekly, title="下周工作安排", order=1)
        CycleSection.objects.create(cycle=weekly, title="需协调解决的问题", order=2)
        CycleFigure.objects.create(cycle=weekly, name="本周办理健康证人数", unit_label="人")
    if not monthly.sections.exists():
        CycleSection.objects.create(cycle=monthly, title="本月工作小结", order=1)
        CycleSection.objects.create(cycle=monthly, title="下月工作安排", order=2)
    if users is not None and office is not None and not weekly.periods.exists():
        seed_history(weekly, users, office)
    this_week = periods.period_of(timezone.localdate(), periods.Cadence.WEEKLY)
    services.open_period(weekly, this_week.key)
    return [weekly, monthly]


SECTION_TEXTS = {
    "下周工作安排": "继续推进在建项目，督促施工单位按节点完成；做好冬季施工安全检查。",
    "需协调解决的问题": "个别路段管线迁改需住建、供热部门配合，请区专班协调。",
}


def seed_history(weekly: Cycle, users: dict[str, User], office: User) -> None:
    """The three weeks before this one, as units report in practice: the two units with demo
    logins submit, signed off by their heads (区住建局 one week late); the office returns
    区城管局's latest report with a comment; the others never report (they show as
    missing). Item rows are sent back as prefilled, so no progress is posted by the demo."""
    this_week = periods.period_of(timezone.localdate(), periods.Cadence.WEEKLY)
    weeks = [this_week]
    for _ in range(3):
        weeks.insert(0, periods.previous_period(weeks[0]))
    for n, week in enumerate(weeks[:-1]):
        period = services.open_period(weekly, week.key).period
        for unit_name, username, head in (
            ("区城管局", "chengguan", "chengguan-head"),
            ("区住建局", "zhujian", "zhujian-head"),
        ):
            editor, signer = users.get(username), users.get(head)
            sub = period.submissions.filter(unit__name=unit_name).first()
            if editor is None or signer is None or sub is None:
                continue
            late = unit_name == "区住建局" and n == 1
            when = period.due_at + (dt.timedelta(days=1) if late else -dt.timedelta(hours=5))
            sections = sub.sections.select_related("section")
            draft = services.Draft(
                sections={s.section_id: SECTION_TEXTS.get(s.section.title, "") for s in sections},
                figures={f.figure_id: Decimal(30 + 7 * n) for f in sub.figures.all()},
            )
            sub = services.save_draft(sub, draft, actor=editor, expected_version=sub.version)
            sub = services.submit(sub, actor=editor, expected_version=sub.version, now=when)
            services.sign_off(sub, actor=signer, expected_version=sub.version, now=when)
    # Last week's report of 区城管局 came back from the office with a comment.
    returned = Submission.objects.filter(
        period__cycle=weekly, period__key=weeks[-2].key, unit__name="区城管局"
    ).first()
    if returned is not None and returned.status == Submission.Status.SUBMITTED:
        services.return_submission(
            returned,
            actor=office,
            comment="请补充本周修复路段的具体位置和面积，并核实完成率。",
            expected_version=returned.version,
        )


def compile_last_week(office: User) -> None:
    """Last week's report compiled (after the board's snapshots exist: figures as of its
    end)."""
    weekly = Cycle.objects.filter(jurisdiction__code="230103", code="weekly").first()
    if weekly is None:
        return
    last_week = periods.previous_period(
        periods.period_of(timezone.localdate(), periods.Cadence.WEEKLY)
    )
    period = weekly.periods.filter(key=last_week.key).first()
    if period is not None and not ReportVersion.objects.filter(report__period=period).exists():
        # The office chased the units missing on the Monday after the due day (催报), then
        # compiled the week's report.
        from shishi.reports import chasing

        monday = period.due_at + dt.timedelta(days=3)
        chasing.chase_period(period, actor=office, now=monday)
        services.compile_report(period, actor=office)


def seed_briefing(programme: Programme, actor: Any) -> Briefing:
    """One published, public issue of the district's briefing series (idempotent: the
    district's first published issue is kept). It starts from the weekly report's latest
    compiled version when there is one, and from the stories of two items with a published
    update (their text and public photos)."""
    from shishi.reports import briefings

    jurisdiction_id = programme.jurisdiction_id
    existing = briefings.public_briefings(programme.jurisdiction).first()
    if existing is not None:
        return existing
    version = (
        briefings.report_version_choices(jurisdiction_id)
        .filter(report__period__cycle__programme=programme)
        .first()
    )
    items = list(
        briefings.story_choices(jurisdiction_id)
        .filter(programme=programme)
        .values_list("pk", flat=True)[:2]
    )
    draft = briefings.create_briefing(
        jurisdiction_id,
        actor=actor,
        title="为民办实事项目推进情况",
        report_version=version,
        item_ids=items,
    )
    if not draft.articles.exists():
        briefings.add_article(
            draft,
            actor=actor,
            heading="为民办实事工作稳步推进",
            text="各牵头单位按照时间节点推进实事项目，专班每周调度，确保按期完成。",
            expected_version=draft.version,
        )
        draft.refresh_from_db()
    return briefings.publish(draft, actor=actor, is_public=True, expected_version=draft.version)


def seed_circular(programme: Programme, actor: Any) -> CircularVersion | None:
    """The circular of the weekly cycle's current period, compiled once (idempotent); None
    when the programme has no weekly cycle."""
    from shishi.reports import circulars

    weekly = Cycle.objects.filter(
        jurisdiction_id=programme.jurisdiction_id, code="weekly", programme=programme
    ).first()
    if weekly is None:
        return None
    this_week = periods.period_of(timezone.localdate(), periods.Cadence.WEEKLY)
    period = services.open_period(weekly, this_week.key).period
    circular = circulars.circular_of(period)
    kept = circular.versions.order_by("-seq").first()
    if kept is not None:
        return kept
    if not circular.text:
        circular = circulars.save_text(
            circular,
            "对照本周数据，现将滞后、逾期事项和迟报、未报单位通报如下，请相关单位对照整改，"
            "加快推进。",
            actor=actor,
            expected_version=circular.version,
        )
    return circulars.compile_circular(period, actor=actor)


def seed_indicators(programme: Programme) -> list[Indicator]:
    """Two programme indicators (数据统计), idempotent by name: desk sets delivered, summed
    from the items' "课桌椅" targets, and health certificates issued, summed from the weekly
    cycle's figure (call after ``seed_cycles``)."""
    desks, _ = Indicator.objects.get_or_create(
        programme=programme,
        name="课桌椅发放",
        defaults={
            "unit": "套",
            "target_value": Decimal(7823),
            "order": 1,
            "source": Indicator.Source.TARGETS,
            "target_pattern": "课桌椅",
        },
    )
    out = [desks]
    figure = CycleFigure.objects.filter(
        cycle__programme=programme, cycle__code="weekly", name="本周办理健康证人数"
    ).first()
    if figure is not None:
        certificates, _ = Indicator.objects.get_or_create(
            programme=programme,
            name="健康证办理",
            defaults={
                "unit": "人",
                "order": 2,
                "source": Indicator.Source.FIGURE,
                "figure": figure,
            },
        )
        out.append(certificates)
    return out
