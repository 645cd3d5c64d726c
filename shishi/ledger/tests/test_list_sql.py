"""The list's written SQL (``queries.Matching``) finds, counts and orders exactly what the
ORM's ``filter_items`` does, for every filter and combination, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

import pytest

from shishi.conftest import World
from shishi.ledger import selectors
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item
from shishi.ledger.queries import Matching
from shishi.ledger.selectors import ItemFilters, filter_items, matching, programme_matching


@pytest.fixture
def ledger(world: World) -> World:
    """More items: a second category ordered first, uncategorised items, items led by the
    partner unit, one with a rate, names with LIKE's wildcards, and several per category."""
    first = ledger_services.ensure_category(world.programme, "教育类", actor=world.office, order=0)
    cat = world.item_a.category
    specs = [
        ("2-1", 5, "新建学校", first, world.unit_c, [world.unit_a]),
        ("2-2", 3, "改造操场", first, world.unit_a, []),
        ("1-3", 3, "住建局牵头的道路", cat, world.unit_c, []),
        ("1-4", 4, "背街小巷", cat, world.unit_b, [world.unit_c]),
        ("9-1", 1, "未分类事项", None, world.unit_c, [world.unit_b]),
        ("9-2", 2, "覆盖率100%的a_b工程", None, world.unit_b, []),
        ("9-3", 3, "覆盖率1000的axb工程", None, world.unit_b, []),
    ]
    for number, seq, name, category, lead, partners in specs:
        ledger_services.create_item(
            world.programme,
            actor=world.office,
            number=number,
            seq=seq,
            name=name,
            category=category,
            lead_unit=lead,
            partner_units=partners,
            deadline_text="2021年6月30日前",
        )
    ledger_services.record_progress(
        Item.objects.get(number="1-4", programme=world.programme),
        actor=world.office,
        text="完成一半",
        rate=Decimal(50),
    )
    return world


def _expected(world: World, f: ItemFilters) -> list[int]:
    items = filter_items(Item.objects.all(), f).select_related("category")
    return [
        i.pk
        for i in sorted(
            items,
            key=lambda i: (
                i.category is None,
                i.category.order if i.category else 0,
                i.category_id or 0,
                i.seq,
                i.pk,
            ),
        )
    ]


FILTERS = [
    {},
    {"unit": "unit_c"},
    {"unit": "unit_a"},
    {"unit": "unit_b"},
    {"unit": "unit_c", "category": "first"},
    {"category": "cat"},
    {"leader": True},
    {"lifecycle": "in_progress"},
    {"q": "道路"},
    {"q": "住建 道路"},
    {"q": "2-1"},
    {"q": "100%"},
    {"q": "a_b"},
    {"lifecycle": "in_progress", "leader": True, "q": "道路"},
    {"unit": "unit_c", "q": "道路"},
    {"overdue": True},
    {"unit": "unit_c", "overdue": True},
]


@pytest.mark.parametrize("spec", FILTERS, ids=lambda s: ",".join(s) or "none")
def test_matching_agrees_with_the_orm(ledger: World, spec: dict[str, object]) -> None:
    world = ledger
    first = world.programme.categories.get(name="教育类")
    values = {
        "unit": lambda name: getattr(world, str(name)).pk,
        "category": lambda which: first.pk if which == "first" else world.item_a.category_id,
        "leader": lambda _: world.leader_person.pk,
    }
    kwargs = {k: values[k](v) if k in values else v for k, v in spec.items()}
    f = ItemFilters(programme=world.programme.pk, **kwargs)  # type: ignore[arg-type]
    m = matching(f)
    assert isinstance(m, Matching)
    uncategorised = filter_items(Item.objects.all(), replace(f, category=None))
    assert m.category_counts() == dict(Counter(i.category_id for i in uncategorised))
    expected = _expected(world, f)
    total, rows = selectors.programme_slice(m, offset=0, limit=100, category=f.category)
    assert total == len(expected)
    assert [r.id for r in rows] == expected
    for offset, limit in ((1, 2), (2, 3), (len(expected), 5)):
        _, page = selectors.programme_slice(m, offset=offset, limit=limit, category=f.category)
        assert [r.id for r in page] == expected[offset : offset + limit]
    # The rows are those the ids read by primary key give.
    assert rows == selectors.item_rows(expected)


def test_the_programmes_district_and_year_filter_like_the_orm(ledger: World) -> None:
    world = ledger
    year, code = world.programme.year, world.programme.jurisdiction.code
    for extra in (
        {"jurisdiction": code},
        {"year": year},
        {"jurisdiction": "230111"},
        {"year": 1999},
    ):
        f = ItemFilters(programme=world.programme.pk, **extra)
        m = programme_matching(world.office, f)
        expected = _expected(world, f)
        assert selectors.programme_slice(m, offset=0, limit=100)[0] == len(expected)
    with pytest.raises(ValueError):
        matching(ItemFilters())  # no programme


def test_an_unreadable_programme_matches_nothing(ledger: World) -> None:
    f = ItemFilters(programme=ledger.programme.pk, unit=ledger.unit_c.pk)
    m = programme_matching(ledger.outsider, f)
    assert m.nothing
    assert m.category_counts() == {}
    assert selectors.programme_slice(m, offset=0, limit=25) == (0, [])
    missing = programme_matching(ledger.office, ItemFilters(programme=10**9))
    assert missing.category_counts() == {}


def test_wildcards_in_a_search_are_taken_literally(ledger: World) -> None:
    for word in ("a_b", "100%"):
        m = matching(ItemFilters(programme=ledger.programme.pk, q=word))
        assert sum(m.category_counts().values()) == 1
