"""The nightly rematch: a policy that came into force overnight gets its matches, a lapsed one
loses them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shishi.conftest import World
from shishi.enterprise.models import ConditionKind, Enterprise, Match, Policy, PolicyCondition
from shishi.jobs.schedule import discover

pytestmark = pytest.mark.django_db


def test_the_nightly_rematch_follows_the_calendar(world: World) -> None:
    firm = Enterprise.objects.create(
        jurisdiction=world.nangang, uscc="91230103000000001X", name="甲", revenue=Decimal(800)
    )
    starts = Policy.objects.create(
        jurisdiction=world.nangang,
        title="明天起施行",
        level="district",
        benefit="award",
        status="published",
        valid_from=dt.date(2026, 12, 7),
    )
    lapses = Policy.objects.create(
        jurisdiction=world.nangang,
        title="今天到期",
        level="district",
        benefit="award",
        status="published",
        valid_until=dt.date(2026, 12, 6),
    )
    for policy in (starts, lapses):
        PolicyCondition.objects.create(
            policy=policy, kind=ConditionKind.REVENUE_MIN, params={"value": 500}
        )
    job = discover()["enterprise.rematch"]
    tz = timezone.get_current_timezone()
    job.func(dt.datetime(2026, 12, 6, 2, 30, tzinfo=tz))
    assert list(Match.objects.values_list("policy_id", "enterprise_id")) == [(lapses.pk, firm.pk)]
    job.func(dt.datetime(2026, 12, 7, 2, 30, tzinfo=tz))
    assert list(Match.objects.values_list("policy_id", "enterprise_id")) == [(starts.pk, firm.pk)]
