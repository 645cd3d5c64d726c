"""Demo feedback cycles: Nangang's weekly report and monthly summary on this year's
programme, with the current week's period opened for every lead unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shishi.ledger.models import Programme
from shishi.reports import periods, services
from shishi.reports.models import Cycle, CycleFigure, CycleSection, Indicator


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
                "target_value": Decimal(21300),
                "order": 2,
                "source": Indicator.Source.FIGURE,
                "figure": figure,
            },
        )
        out.append(certificates)
    return out
