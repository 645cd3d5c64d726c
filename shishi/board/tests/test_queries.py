"""The board's written SQL (``board/queries.py``) does what the ORM would do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shishi.board import queries, selectors, services
from shishi.board.models import ItemSnapshot, ItemStatus, ProgrammeStatus
from shishi.board.tests.conftest import D, post
from shishi.conftest import World

TODAY = D(2021, 6, 20)
MARK = dt.date(1970, 1, 1)


def _statuses(**filters: Any) -> list[tuple[int, dt.date]]:
    return sorted(ItemStatus.objects.filter(**filters).values_list("item_id", "assessed_on"))


def _assessed(world: World) -> None:
    services.refresh_statuses(world.programme.pk, today=TODAY)
    services.refresh_statuses(world.hulan_programme.pk, today=TODAY)


def test_marking_items_changed_matches_the_orm(world: World) -> None:
    cases: list[list[int] | None] = [[world.item_a.pk], [], None]
    for item_ids in cases:
        _assessed(world)
        with transaction.atomic():
            queries.mark_items_changed(world.programme.pk, item_ids, MARK)
            written = (_statuses(), list(ProgrammeStatus.objects.values_list("programme_id")))
            transaction.set_rollback(True)
        with transaction.atomic():
            marked = ItemStatus.objects.filter(programme_id=world.programme.pk)
            if item_ids is not None:
                marked = marked.filter(item_id__in=item_ids)
            marked.update(assessed_on=MARK)
            ProgrammeStatus.objects.filter(programme_id=world.programme.pk).delete()
            expected = (_statuses(), list(ProgrammeStatus.objects.values_list("programme_id")))
            transaction.set_rollback(True)
        assert written == expected, item_ids
        assert (world.hulan_item.pk, TODAY) in written[0]  # another programme: untouched


def test_copying_statuses_to_a_snapshot_matches_the_orm(world: World) -> None:
    post(world.item_a, D(2021, 6, 1), 30)
    _assessed(world)
    now = timezone.now()
    shared = services.ASSESSED_COLUMNS
    assert queries.copy_statuses_to_snapshot(world.programme.pk, TODAY, now, shared) == 2
    copied = list(
        ItemSnapshot.objects.filter(taken_on=TODAY).order_by("item_id").values("item_id", *shared)
    )
    expected = list(
        ItemStatus.objects.filter(programme_id=world.programme.pk)
        .order_by("item_id")
        .values("item_id", *shared)
    )
    assert copied == expected
    stamps = set(ItemSnapshot.objects.values_list("created_at", "updated_at"))
    assert stamps == {(now, now)}


def test_board_reads_write_nothing_even_when_statuses_are_stale(world: World) -> None:
    post(world.item_a, D(2021, 6, 1), 30)  # marks item A changed
    with CaptureQueriesContext(connection) as ctx:
        selectors.programme_board(world.office, world.programme, today=TODAY)
        selectors.board_items(world.office, world.programme, selectors.BoardFilter(), today=TODAY)
        selectors.city_board(world.city_office, world.city, today=TODAY)
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    # The write the views ask for first brings them up to date.
    assert services.reassess_if_stale([world.programme.pk], TODAY) == [world.programme.pk]
    board = selectors.programme_board(world.office, world.programme, today=TODAY)
    assert board.totals.started.value == 1
