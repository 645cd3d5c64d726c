"""How long a compiled report's indicators take for 10,000 items (opt-in, not in the suite):

    SHISHI_INDICATOR_SPEED=1 .venv/bin/pytest -p no:xdist -s \\
        shishi/reports/tests/test_indicators_speed.py     # DATABASE_URL=… for PostgreSQL

10,000 items with two targets each and ten progress updates each (100,000 updates carrying
target actuals), two indicators; prints the seconds of ``indicator_values`` for a past month
and for one reaching today.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from shishi.conftest import World
from shishi.ledger.models import Item, ProgressUpdate, Target
from shishi.reports.indicators import IndicatorInput, create_indicator, indicator_values

pytestmark = pytest.mark.skipif(
    not os.environ.get("SHISHI_INDICATOR_SPEED"), reason="set SHISHI_INDICATOR_SPEED=1"
)
ITEMS = 10_000


def test_indicator_values_for_10000_items(world: World) -> None:
    items = Item.objects.bulk_create(
        Item(
            jurisdiction=world.nangang,
            programme=world.programme,
            number=f"9-{i}",
            name=f"事项{i}",
            lead_unit=world.unit_a,
        )
        for i in range(ITEMS)
    )
    targets = Target.objects.bulk_create(
        Target(item=item, name=name, value=100, actual=27)
        for item in items
        for name in ("课桌椅", "学校")
    )
    by_item: dict[int, list[Target]] = {}
    for target in targets:
        by_item.setdefault(target.item_id, []).append(target)
    ProgressUpdate.objects.bulk_create(
        (
            ProgressUpdate(
                jurisdiction=world.nangang,
                item=item,
                programme=world.programme,
                reported_on=dt.date(2021, 3, 1) + dt.timedelta(days=7 * k),
                text="进展",
                target_actuals={str(t.pk): str(k * 3) for t in by_item[item.pk]},
                review="published",
            )
            for item in items
            for k in range(10)
        ),
        batch_size=5000,
    )
    for name in ("课桌椅", "学校"):
        create_indicator(
            world.programme, IndicatorInput(name, target_pattern=name), actor=world.office
        )
    for label, today in (("past month", dt.date(2022, 1, 1)), ("to today", dt.date(2021, 4, 30))):
        start = time.perf_counter()
        rows = indicator_values(
            world.programme, period_start=dt.date(2021, 4, 1), period_end=dt.date(2021, 4, 30),
            today=today,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        print(f"\nindicator_values, {ITEMS} items, {label}: {seconds:.2f} s")
        # As of 30 April the latest update is 26 April's (24 each); as of 31 March, 29
        # March's (12); today's value is the targets' actual (27).
        expected = (240_000, 120_000) if label == "past month" else (270_000, 150_000)
        assert [(r.cumulative, r.this_period) for r in rows] == [expected, expected]
        assert seconds < 5
