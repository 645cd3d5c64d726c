"""The item page's and list's hand-written reads return what the models hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.ledger import services
from shishi.ledger.models import Category, Item, ProgressUpdate
from shishi.ledger.selectors import (
    history_rows,
    item_links,
    item_rows,
    reference_names,
    timeline_updates,
)
from shishi.ledger.tests.test_views import tiny_png

pytestmark = pytest.mark.django_db


def _post(world: World, day: int, *, files: int = 0, rate: str | None = None) -> ProgressUpdate:
    item = Item.objects.get(pk=world.item_a.pk)
    return services.record_progress(
        item,
        actor=world.editor_a,
        text=f"第{day}天进展",
        rate=Decimal(rate) if rate else None,
        reported_on=dt.date(2021, 5, day),
        done_investment=Decimal("1234.50"),
        attachments=[
            SimpleUploadedFile(f"现场{n}.png", tiny_png(), content_type="image/png")
            for n in range(files)
        ],
    )


def test_timeline_is_newest_first_with_every_attachment_and_the_full_count(world: World) -> None:
    first = _post(world, 1, files=2, rate="10")
    _post(world, 2)
    third = _post(world, 3, files=1, rate="30.5")
    rows, total = timeline_updates(world.item_a, limit=2)
    assert total == 3
    assert [r.id for r in rows] == [third.pk, third.pk - 1]
    assert rows[0].reported_on == dt.date(2021, 5, 3)
    assert rows[0].rate == Decimal("30.50") and rows[1].rate is None
    assert rows[0].done_investment == Decimal("1234.50")
    assert rows[0].author_name == str(world.editor_a)
    assert [a.name for a in rows[0].attachments] == ["现场0.png"]
    assert rows[1].attachments == []
    every, total = timeline_updates(world.item_a, limit=None)
    assert total == 3 and every[-1].id == first.pk
    assert [a.name for a in every[-1].attachments] == ["现场0.png", "现场1.png"]
    assert all(a.is_image and not a.is_public for a in every[-1].attachments)


def test_timeline_of_an_item_without_updates_is_empty(world: World) -> None:
    assert timeline_updates(world.item_b, limit=50) == ([], 0)


def test_history_rows_name_the_actor_and_keep_the_changes(world: World) -> None:
    _post(world, 4, rate="40")
    events = history_rows(world.item_a, limit=None)
    assert events[-1].action == "item.create"
    assert events[0].actor_label == str(world.editor_a)
    assert events[0].created_at.tzinfo is not None
    assert isinstance(events[0].changes, dict)
    assert len(history_rows(world.item_a, limit=1)) == 1


def test_links_and_names(world: World) -> None:
    leaders, partners = item_links([world.item_a.pk])[world.item_a.pk]
    assert [r.id for r in leaders] == [world.leader_person.pk]
    assert [r.id for r in partners] == [world.unit_c.pk]
    assert world.item_b.pk not in item_links([world.item_b.pk])
    categories, units = reference_names(world.item_a, set(), {world.unit_b.pk, world.hulan_unit.pk})
    assert units == {world.unit_a.pk: world.unit_a.name, world.unit_b.pk: world.unit_b.name}
    assert world.item_a.category_id in categories


def test_item_rows_match_the_models(world: World) -> None:
    (row,) = item_rows([world.item_a.pk])
    item = Item.objects.get(pk=world.item_a.pk)
    assert (row.number, row.name, row.lead_unit.id) == (item.number, item.name, item.lead_unit_id)
    assert row.completion_rate == item.completion_rate
    assert row.updated_at == item.updated_at and row.due_date == item.due_date
    assert row.is_ongoing is item.is_ongoing
    assert [r.id for r in row.partner_list] == [world.unit_c.pk]


def test_programme_pages_follow_category_order_then_number(world: World) -> None:
    from shishi.ledger.models import Category, Programme
    from shishi.ledger.queries import Matching
    from shishi.ledger.tests.factories import CategoryFactory, ItemFactory, ProgrammeFactory

    programme = cast(Programme, ProgrammeFactory(jurisdiction=world.nangang, year=2030))
    second = cast(Category, CategoryFactory(programme=programme, name="后", order=2))
    first = cast(Category, CategoryFactory(programme=programme, name="先", order=1))
    made = {}
    for category, seqs in ((second, [5, 1, 3]), (first, [9, 2]), (None, [4, 0])):
        for seq in seqs:
            item = cast(Item, ItemFactory(programme=programme, category=category, seq=seq))
            made[item.pk] = (category, seq)
    expected = [
        pk
        for pk, _ in sorted(
            made.items(),
            key=lambda kv: ({first: 0, second: 1, None: 2}[kv[1][0]], kv[1][1], kv[0]),
        )
    ]
    items = Matching(programme=programme.pk)
    counts, order = items.counts_in_order()
    assert order == [first.pk, second.pk]
    assert counts == {first.pk: 2, second.pk: 3, None: 2}
    pages = [
        [r.id for r in items.page(counts, order, offset=offset, limit=3)] for offset in (0, 3, 6)
    ]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [pk for page in pages for pk in page] == expected
    assert items.page(counts, order, offset=7, limit=3) == []
    only_second: dict[int | None, int] = {second.pk: counts[second.pk]}
    assert [r.id for r in items.page(only_second, order, offset=1, limit=5)] == [
        pk for pk in expected if made[pk][0] == second
    ][1:]


def test_history_of_a_removed_account_keeps_the_recorded_name(world: World) -> None:
    from shishi.orgs.models import User

    _post(world, 5, rate="50")
    User.objects.filter(pk=world.editor_a.pk).delete()
    latest = history_rows(world.item_a, limit=1)[0]
    assert latest.actor_label == ""
    assert latest.actor_name == world.editor_a.username


def test_history_names_other_categories_of_the_district_only(world: World) -> None:
    from shishi.ledger.tests.factories import CategoryFactory

    other = cast(Category, CategoryFactory(programme=world.programme, name="教育类"))
    hulan = cast(Category, CategoryFactory(programme=world.hulan_programme, name="呼兰类"))
    own = world.item_a.category
    assert own is not None
    categories, _units = reference_names(world.item_a, {other.pk, hulan.pk}, set())
    assert categories == {other.pk: "教育类", own.pk: own.name}
