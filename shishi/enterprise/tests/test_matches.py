"""Stored matches: a published policy in force keeps its eligible and possible enterprises,
recomputed in place; a draft or lapsed one keeps none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shishi.conftest import World
from shishi.enterprise import matches
from shishi.enterprise.models import (
    ConditionKind,
    Enterprise,
    Match,
    Policy,
    PolicyCondition,
    PolicyStatus,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _enterprise(world: World, n: int, **values: object) -> Enterprise:
    return Enterprise.objects.create(
        jurisdiction=world.nangang, uscc=f"91230103000000{n:03d}X", name=f"企业{n}", **values
    )


def test_matches_are_stored_recomputed_and_dropped(world: World) -> None:
    rich = _enterprise(world, 1, revenue=Decimal("800"), industry_code="I6513")
    unknown = _enterprise(world, 2, industry_code="I6513")
    _enterprise(world, 3, revenue=Decimal("10"), industry_code="I6513")
    other = Enterprise.objects.create(
        jurisdiction=world.hulan, uscc="912301110000001X", name="呼兰企业", revenue=Decimal("900")
    )
    policy = Policy.objects.create(
        jurisdiction=world.nangang,
        title="软件企业营业收入奖励",
        level="district",
        benefit="award",
        status=PolicyStatus.PUBLISHED,
    )
    PolicyCondition.objects.create(
        policy=policy, kind=ConditionKind.REVENUE_MIN, params={"value": 500}
    )
    assert matches.store_matches(policy, today=TODAY) == {"eligible": 1, "possible": 1}
    stored = dict(Match.objects.values_list("enterprise_id", "verdict"))
    assert stored == {rich.pk: "eligible", unknown.pk: "possible"}
    assert other.pk not in stored  # another district's register is not matched

    unknown.revenue = Decimal("600")
    unknown.save()
    assert matches.store_matches(policy, today=TODAY) == {"eligible": 2, "possible": 0}
    assert Match.objects.count() == 2

    policy.valid_until = TODAY - dt.timedelta(days=1)
    policy.save()
    assert matches.store_matches(policy, today=TODAY) == {"eligible": 0, "possible": 0}
    assert not Match.objects.exists()
    policy.valid_until = None
    policy.status = PolicyStatus.DRAFT
    policy.save()
    assert matches.match_all(world.nangang.pk, today=TODAY) == 0
