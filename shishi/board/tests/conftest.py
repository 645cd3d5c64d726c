"""Helpers for board tests: dated progress on the personas' world, bulk items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shishi.ledger.models import Item, Lifecycle, Milestone, Programme, ProgressUpdate
from shishi.ledger.services import lifecycle_for_rate
from shishi.orgs.models import Person, Unit

D = dt.date


def post(item: Item, day: dt.date, rate: int | None, *, note: bool = False) -> None:
    """A progress update as ``record_progress`` would leave it (without its checks of
    today's date, so tests can write 2021's history)."""
    ProgressUpdate.objects.create(
        jurisdiction_id=item.jurisdiction_id,
        item=item,
        programme_id=item.programme_id,
        reported_on=day,
        rate=None if rate is None else Decimal(rate),
        text="进展",
        is_note=note,
    )
    if note:
        return
    item.refresh_from_db()
    if item.progress_date is None or day >= item.progress_date:
        item.progress_date = day
        if rate is not None:
            item.completion_rate = Decimal(rate)
            item.lifecycle = lifecycle_for_rate(Decimal(rate), item.lifecycle)
        elif item.lifecycle == Lifecycle.NOT_STARTED:
            item.lifecycle = Lifecycle.IN_PROGRESS
        item.save()


def many_items(
    programme: Programme, units: list[Unit], leader: Person, n: int, *, start: int = 0
) -> list[Item]:
    """``n`` items over ``units`` with milestones and a few updates each (bulk)."""
    items = Item.objects.bulk_create(
        Item(
            jurisdiction_id=programme.jurisdiction_id,
            programme=programme,
            number=f"B-{start + i}",
            seq=start + i,
            name=f"批量实事{start + i}",
            lead_unit=units[i % len(units)],
            due_date=D(2021, 6 + i % 6, 28),
            deadline_text="年内",
            start_date=D(2021, 1 + i % 3, 1),
            completion_rate=Decimal((i * 7) % 101),
            lifecycle=lifecycle_for_rate(Decimal((i * 7) % 101), Lifecycle.IN_PROGRESS),
            progress_date=D(2021, 5, 1 + i % 28),
            planned_investment=Decimal(100_000 + i),
            done_investment=Decimal(i),
        )
        for i in range(n)
    )
    Item.sponsor_leaders.through.objects.bulk_create(
        Item.sponsor_leaders.through(item_id=item.pk, person_id=leader.pk) for item in items[::2]
    )
    Milestone.objects.bulk_create(
        Milestone(item=item, title="主体完工", due_date=D(2021, 4, 30), planned_rate=Decimal(40))
        for item in items[::3]
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            jurisdiction_id=programme.jurisdiction_id,
            item=item,
            programme=programme,
            reported_on=D(2021, 3 + k, 1 + i % 28),
            rate=Decimal(min(100, (i * 7) % 101 * (k + 1) // 3)),
            text="进展",
        )
        for i, item in enumerate(items)
        for k in range(3)
    )
    return items
