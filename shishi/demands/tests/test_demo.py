"""The demo demands: every state, Nangang's noise cluster linked to its ledger item, and a
second run changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from shishi.conftest import World
from shishi.demands import demo, rates
from shishi.demands.models import Appeal, Category, Demand, DemandEvent, Kind, Satisfaction, Status
from shishi.ledger.models import Item

CN = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 20, 12, 0, tzinfo=CN)


def test_the_demo_has_every_state_and_runs_twice_alike(world: World) -> None:
    Item.objects.filter(pk=world.item_a.pk).update(name="集中整治噪音扰民")
    districts = {"230103": world.nangang}
    first = demo.seed_demands(districts, now=NOW)
    expected = demo.DEMANDS_PER_DISTRICT["230103"] + demo.NOISE_COMPLAINTS
    assert first == {"230103": expected}
    statuses = demo.district_summary(world.nangang)
    assert set(statuses) == set(Status.values), statuses
    nangang = Demand.objects.filter(jurisdiction=world.nangang)
    assert nangang.filter(appeal=Appeal.UPHELD, assessed=False).exists()
    assert nangang.filter(kind=Kind.REPORT, phone_hash="", landline_hash="").exists()
    assert nangang.filter(status=Status.CLOSED, satisfaction="").exists()  # unreached
    assert nangang.filter(reopened__gt=0, status=Status.CLOSED).exists()  # reopened, solved
    assert nangang.filter(
        status=Status.ACCEPTED, satisfaction=Satisfaction.DISSATISFIED
    ).exists()  # dissatisfied, handled again
    assert nangang.filter(status=Status.ACCEPTED, resolve_by__lt=NOW).exists()  # overdue
    # Every event happened before "now", after its demand was taken in.
    assert not DemandEvent.objects.filter(demand__jurisdiction=world.nangang, at__gt=NOW).exists()
    # The noise complaints: alike, one place, linked to the ledger item.
    noise = nangang.filter(category__code="noise")
    assert noise.count() == demo.NOISE_COMPLAINTS
    assert set(noise.values_list("address", flat=True)) == {demo.NOISE_PLACE}
    assert set(noise.values_list("item_id", flat=True)) == {world.item_a.pk}
    assert Category.objects.filter(jurisdiction=world.nangang, open311=True).count() == 4
    # Months of figures: the three rates have something to count in each of the last five.
    month = rates.Month.of(NOW)
    for _i in range(5):
        month = month.previous()
        assert rates.month_counts(world.nangang.pk, month, now=NOW).called_back > 0, month
    before = (statuses, DemandEvent.objects.count(), Category.objects.count())
    second = demo.seed_demands(districts, now=NOW + dt.timedelta(days=3))
    assert second == first
    after = (
        demo.district_summary(world.nangang),
        DemandEvent.objects.count(),
        Category.objects.count(),
    )
    assert after == before
