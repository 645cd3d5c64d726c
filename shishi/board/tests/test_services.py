"""Warning rules, status refresh, the ledger signal and weekly snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from shishi.board import services
from shishi.board.models import ItemSnapshot, ItemStatus, ProgrammeSnapshot, WarningThresholds
from shishi.board.schedule import Light, ScheduleStatus
from shishi.board.tests.conftest import D, post
from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services as ledger
from shishi.ledger.models import Item
from shishi.ledger.signals import programme_changed

TODAY = D(2021, 6, 20)  # a Sunday, the demo sheet's as-of date


def _status(item: Item) -> ItemStatus:
    return ItemStatus.objects.get(item_id=item.pk)


# --- warning rules ----------------------------------------------------------------------


def test_office_sets_thresholds_audited_and_versioned(world: World) -> None:
    row = services.set_thresholds(
        world.programme, actor=world.office, expected_version=0, behind_points="5"
    )
    assert (row.behind_points, row.seriously_behind_points, row.version) == (5, 30, 1)
    event = AuditEvent.objects.get(action="board.thresholds")
    assert event.changes == {"behind_points": [10, 5]}
    assert event.actor_id == world.office.pk
    row = services.set_thresholds(
        world.programme, actor=world.city_office, expected_version=1, stale_red_days=45
    )
    assert (row.version, row.stale_red_days) == (2, 45)
    assert services.thresholds_for(world.programme.pk).behind_points == 5


def test_stale_threshold_edit_is_refused(world: World) -> None:
    services.set_thresholds(world.programme, actor=world.office, expected_version=0, ahead_points=5)
    with pytest.raises(StaleEdit):
        services.set_thresholds(
            world.programme, actor=world.office, expected_version=0, ahead_points=8
        )
    assert WarningThresholds.objects.get().ahead_points == 5


@pytest.mark.parametrize(
    "values",
    [
        {"behind_points": 0},
        {"behind_points": "ten"},
        {"behind_points": 40},  # above the default seriously-behind 30
        {"stale_yellow_days": 20, "stale_red_days": 10},
        {"forecast_window_days": 3},
        {"colour": 1},
    ],
)
def test_bad_thresholds_are_refused_and_nothing_saved(world: World, values: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.set_thresholds(world.programme, actor=world.office, expected_version=0, **values)
    assert not WarningThresholds.objects.exists()
    assert not AuditEvent.objects.filter(action="board.thresholds").exists()


@pytest.mark.parametrize("persona", ["editor_a", "viewer_a", "leader", "inspector", "outsider"])
def test_only_the_office_sets_thresholds(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.set_thresholds(
            world.programme, actor=getattr(world, persona), expected_version=0, behind_points=5
        )


def test_new_thresholds_reassess_the_programme_on_commit(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    post(world.item_a, D(2021, 6, 10), 30)
    services.refresh_statuses(world.programme.pk, today=TODAY)
    assert _status(world.item_a).light == Light.YELLOW  # 30 % against a planned 46.7 %
    with django_capture_on_commit_callbacks(execute=True):
        services.set_thresholds(
            world.programme, actor=world.office, expected_version=0, behind_points=20
        )
    status = _status(world.item_a)
    assert (status.status, status.light) == (ScheduleStatus.ON_SCHEDULE, Light.GREEN)


# --- statuses ---------------------------------------------------------------------------


def test_refresh_assesses_every_item_with_its_reasons(world: World) -> None:
    post(world.item_a, D(2021, 6, 10), 30)
    assert services.refresh_statuses(world.programme.pk, today=TODAY) == 2
    a = _status(world.item_a)
    assert (a.status, a.light, a.assessed_on) == (ScheduleStatus.BEHIND, Light.YELLOW, TODAY)
    assert a.completion_rate == 30 and a.planned_rate == Decimal("46.7")
    assert a.days_since_update == 10 and not a.update_late
    assert a.reason_code == "behind"
    assert (a.programme_id, a.lead_unit_id, a.jurisdiction_id) == (
        world.programme.pk,
        world.unit_a.pk,
        world.nangang.pk,
    )
    b = _status(world.item_b)
    assert (b.status, b.light) == (ScheduleStatus.SERIOUSLY_BEHIND, Light.RED)


def test_refresh_of_some_items_leaves_the_others(world: World) -> None:
    services.refresh_statuses(world.programme.pk, today=TODAY)
    post(world.item_a, D(2021, 6, 18), 50)
    services.refresh_statuses(world.programme.pk, [world.item_a.pk], today=TODAY)
    assert _status(world.item_a).completion_rate == 50
    assert ItemStatus.objects.filter(programme=world.programme).count() == 2


def test_progress_marks_the_item_and_the_next_read_reassesses_only_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    services.refresh_statuses(world.programme.pk, today=today)
    before_b = _status(world.item_b).updated_at
    with django_capture_on_commit_callbacks(execute=True):
        ledger.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    # The write only marks the item (posting progress stays cheap) ...
    assert _status(world.item_a).assessed_on == services.CHANGED
    assert services.stale_programmes([world.programme.pk], today) == [world.programme.pk]
    # ... and the next read reassesses that item alone.
    assert services.reassess_if_stale([world.programme.pk], today) == [world.programme.pk]
    status = _status(world.item_a)
    assert status.assessed_on == today
    assert (status.lifecycle, status.light) == ("done", Light.GREEN)
    assert status.status in (ScheduleStatus.DONE, ScheduleStatus.DONE_EARLY)
    assert _status(world.item_b).updated_at == before_b
    assert services.stale_programmes([world.programme.pk], today) == []


def test_a_changed_item_on_a_new_day_reassesses_the_whole_programme(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    services.refresh_statuses(world.programme.pk, today=yesterday)
    with django_capture_on_commit_callbacks(execute=True):
        ledger.record_progress(world.item_a, actor=world.editor_a, text="进展", rate=Decimal(40))
    services.reassess_if_stale([world.programme.pk])
    days = set(
        ItemStatus.objects.filter(programme=world.programme).values_list("assessed_on", flat=True)
    )
    assert days == {timezone.localdate()}


def test_an_import_marks_the_whole_programme_and_the_next_read_reassesses_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    services.refresh_statuses(world.programme.pk, today=today)
    with django_capture_on_commit_callbacks(execute=True):
        programme_changed(world.programme.pk)
    statuses = ItemStatus.objects.filter(programme=world.programme)
    assert set(statuses.values_list("assessed_on", flat=True)) == {services.CHANGED}
    services.reassess_if_stale([world.programme.pk], today)
    assert set(statuses.values_list("assessed_on", flat=True)) == {today}
    assert statuses.count() == 2


def test_stale_programmes_are_found_by_day_and_by_missing_rows(world: World) -> None:
    ids = [world.programme.pk, world.hulan_programme.pk]
    assert services.stale_programmes(ids, TODAY) == ids
    services.refresh_statuses(world.programme.pk, today=TODAY)
    assert services.stale_programmes(ids, TODAY) == [world.hulan_programme.pk]
    assert services.stale_programmes(ids, TODAY + dt.timedelta(days=1)) == ids
    ItemStatus.objects.filter(item=world.item_b).delete()
    assert world.programme.pk in services.stale_programmes(ids, TODAY)


# --- snapshots --------------------------------------------------------------------------


def test_week_end_is_the_sunday_on_or_before() -> None:
    assert services.week_end(D(2021, 6, 20)) == D(2021, 6, 20)
    assert services.week_end(D(2021, 6, 21)) == D(2021, 6, 20)
    assert services.week_end(D(2021, 6, 26)) == D(2021, 6, 20)


def test_todays_snapshot_copies_the_statuses(world: World) -> None:
    post(world.item_a, D(2021, 6, 1), 30)
    assert services.take_snapshots(world.programme.pk, TODAY, today=TODAY)
    snaps = {s.item_id: s for s in ItemSnapshot.objects.filter(taken_on=TODAY)}
    for status in ItemStatus.objects.filter(programme=world.programme):
        snap = snaps[status.item_id]
        for column in services.ASSESSED_COLUMNS:
            assert getattr(snap, column) == getattr(status, column), column
    totals = ProgrammeSnapshot.objects.get(programme=world.programme, taken_on=TODAY, group="")
    assert (totals.items, totals.started) == (2, 1)
    assert totals.counts["light"] == {"red": 1, "yellow": 1}
    # Taken once: a second call keeps it.
    assert not services.take_snapshots(world.programme.pk, TODAY, today=TODAY)


def test_a_past_week_is_rebuilt_from_the_progress_history(world: World) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 5, 1), 50)
    post(world.item_a, D(2021, 5, 3), None, note=True)
    services.backfill_snapshots(world.programme.pk, today=TODAY)
    weeks = list(
        ProgrammeSnapshot.objects.filter(programme=world.programme, group="")
        .order_by("taken_on")
        .values_list("taken_on", flat=True)
    )
    assert weeks[0] == D(2021, 1, 3) and weeks[-1] == TODAY and len(weeks) == 25

    def snap(day: dt.date) -> ItemSnapshot:
        return ItemSnapshot.objects.get(item=world.item_a, taken_on=day)

    assert (snap(D(2021, 2, 28)).completion_rate, snap(D(2021, 2, 28)).lifecycle) == (
        0,
        "not_started",
    )
    assert (snap(D(2021, 3, 7)).completion_rate, snap(D(2021, 3, 7)).lifecycle) == (
        20,
        "in_progress",
    )
    assert snap(D(2021, 5, 2)).completion_rate == 50
    # The partner's note is not an update of the lead unit: 35 days without one on 6 June.
    assert snap(D(2021, 6, 6)).days_since_update == 36
    assert snap(D(2021, 6, 6)).light == Light.RED
    # Filling again writes nothing; asking to replace rewrites every week.
    assert services.backfill_snapshots(world.programme.pk, today=TODAY) == 0
    assert services.backfill_snapshots(world.programme.pk, today=TODAY, replace=True) == 25


def test_closed_out_items_are_closed_out_from_that_day(world: World) -> None:
    post(world.item_a, D(2021, 4, 1), 100)
    Item.objects.filter(pk=world.item_a.pk).update(
        lifecycle="closed_out",
        closed_out_at=dt.datetime(2021, 5, 10, 9, tzinfo=dt.UTC),
    )
    services.backfill_snapshots(world.programme.pk, today=TODAY)
    on = {
        s.taken_on: s.lifecycle
        for s in ItemSnapshot.objects.filter(item=world.item_a, taken_on__gte=D(2021, 3, 28))
    }
    assert on[D(2021, 3, 28)] == "not_started"
    assert on[D(2021, 4, 4)] == on[D(2021, 5, 9)] == "done"
    assert on[D(2021, 5, 16)] == "closed_out"


def test_snapshots_are_taken_on_sundays_and_not_in_the_future(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.take_snapshots(world.programme.pk, D(2021, 6, 14), today=TODAY)
    with pytest.raises(ValidationFailed):
        services.take_snapshots(world.programme.pk, D(2021, 6, 27), today=TODAY)


def test_a_cached_live_board_changes_when_an_item_changes(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.cache import cache

    from shishi.board.selectors import programme_board

    settings.SHISHI_BOARD_CACHE_SECONDS = 60
    cache.clear()
    today = timezone.localdate()
    services.reassess_if_stale([world.programme.pk], today)  # as the view does
    first = programme_board(world.office, world.programme, today=today)
    again = programme_board(world.office, world.programme, today=today)
    assert again.totals.done.value == first.totals.done.value == 0
    with django_capture_on_commit_callbacks(execute=True):
        ledger.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    services.reassess_if_stale([world.programme.pk], today)
    after = programme_board(world.office, world.programme, today=today)
    assert after.totals.done.value == 1
    cache.clear()
