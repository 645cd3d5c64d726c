"""Demo feedback cycles: Nangang's weekly report and monthly summary on this year's
programme, with the current week's period opened for every lead unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shishi.ledger.models import Programme
from shishi.reports import periods, services
from shishi.reports.models import Briefing, CircularVersion, Cycle, CycleFigure, CycleSection


def seed_cycles(programme: Programme) -> list[Cycle]:
    """The cycles (idempotent, by code) and the current week opened."""
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
    this_week = periods.period_of(timezone.localdate(), periods.Cadence.WEEKLY)
    services.open_period(weekly, this_week.key)
    return [weekly, monthly]


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
