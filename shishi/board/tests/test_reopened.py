"""A reopened item at 100 %: back in work on every page and in every week after its reopening,
whatever its rate says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shishi.board import services as board_services
from shishi.board.models import ItemSnapshot, ItemStatus
from shishi.board.tests.conftest import post
from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.models import Item, Lifecycle

pytestmark = pytest.mark.django_db


def _reopened_item(world: World, reported: dt.date) -> Item:
    programme = services.ensure_programme(world.nangang, reported.year, actor=world.office)
    item = services.create_item(
        programme,
        actor=world.office,
        number="9-1",
        seq=1,
        name="老旧小区外墙保温返修",
        lead_unit=world.unit_a,
        deadline_text=f"{reported.year + 1}年6月底前",
    )
    post(item, reported, 100)
    item.refresh_from_db()
    assert item.lifecycle == Lifecycle.DONE
    services.close_out_item(item, actor=world.office)
    item.refresh_from_db()
    return services.reopen_item(item, actor=world.office, reason="外墙渗水，返工")


def test_reopened_item_at_100_is_in_progress_on_the_ledger_and_the_board(world: World) -> None:
    today = timezone.localdate()
    item = _reopened_item(world, today - dt.timedelta(days=20))
    item.refresh_from_db()
    assert (item.lifecycle, item.completion_rate) == (Lifecycle.IN_PROGRESS, Decimal(100))
    office = client_for(world.office)
    row = office.get(reverse("ledger:list"), {"programme": item.programme_id}).content.decode()
    assert "推进中" in row
    board_services.reassess_if_stale([item.programme_id], today)
    status = ItemStatus.objects.get(item_id=item.pk)
    assert status.lifecycle == Lifecycle.IN_PROGRESS
    assert status.status not in ("done", "done_early")
    assert office.get(reverse("board:programme", args=[item.programme_id])).status_code == 200


def test_weeks_rebuilt_after_the_reopening_show_the_item_in_work(world: World) -> None:
    today = timezone.localdate()
    reported = today - dt.timedelta(days=20)
    item = _reopened_item(world, reported)
    later = today + dt.timedelta(days=14)
    board_services.backfill_snapshots(item.programme_id, today=later, replace=True)
    weeks = dict(ItemSnapshot.objects.filter(item_id=item.pk).values_list("taken_on", "lifecycle"))
    before = [d for d in weeks if reported <= d < today]
    after = [d for d in weeks if today <= d < later]
    assert before and after
    # reported done, not yet reopened: done then
    assert {weeks[d] for d in before} == {Lifecycle.DONE}
    # reopened today: in work from then on, though no update has lowered its rate
    assert {weeks[d] for d in after} == {Lifecycle.IN_PROGRESS}


def test_reported_done_again_after_reopening_is_done(world: World) -> None:
    today = timezone.localdate()
    item = _reopened_item(world, today - dt.timedelta(days=20))
    post(item, today + dt.timedelta(days=1), 100)
    later = today + dt.timedelta(days=14)
    board_services.backfill_snapshots(item.programme_id, today=later, replace=True)
    last = (
        ItemSnapshot.objects.filter(item_id=item.pk, taken_on__lt=later)
        .order_by("-taken_on")
        .values_list("taken_on", "lifecycle")
        .first()
    )
    assert last is not None and last[0] > today + dt.timedelta(days=1)
    assert last[1] == Lifecycle.DONE
