"""The hand-written reads' helpers return what the ORM would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from shishi.conftest import World
from shishi.core import sql
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item, Target


def test_decimals_come_back_as_the_orm_returns_them() -> None:
    assert sql.to_decimal(0.7) == Decimal("0.70")
    assert str(sql.to_decimal(0.7)) == "0.70"
    assert str(sql.to_decimal(1)) == "1.00"
    assert str(sql.to_decimal("12.5")) == "12.50"
    assert sql.to_decimal(Decimal("3.14")) == Decimal("3.14")
    assert sql.to_decimal(None) is None


def test_dates_datetimes_and_json() -> None:
    assert sql.to_date("2021-06-30") == dt.date(2021, 6, 30)
    assert sql.to_date(dt.date(2021, 1, 1)) == dt.date(2021, 1, 1)
    naive = dt.datetime(2021, 6, 30, 8, 0)
    assert sql.to_aware(naive) == naive.replace(tzinfo=dt.UTC)
    assert sql.to_json('{"a": 1}') == {"a": 1}
    assert sql.to_json({"a": 1}) == {"a": 1}
    assert sql.marks(3) == "%s, %s, %s"


@pytest.mark.django_db
def test_a_raw_read_matches_the_orm(world: World) -> None:
    item = world.item_a
    Item.objects.filter(pk=item.pk).update(completion_rate=Decimal("42.50"))
    row = sql.fetch(
        "SELECT completion_rate, updated_at, is_ongoing FROM ledger_item WHERE id = %s",
        [item.pk],
    )[0]
    fresh = Item.objects.get(pk=item.pk)
    assert sql.to_decimal(row[0]) == fresh.completion_rate == Decimal("42.50")
    assert sql.to_aware(row[1]) == fresh.updated_at
    assert bool(row[2]) is fresh.is_ongoing


def _fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_by_pk_builds_the_instance_the_orm_builds(
    world: World, django_assert_num_queries: Any
) -> None:
    Item.objects.filter(pk=world.item_a.pk).update(
        completion_rate=Decimal("42.50"),
        planned_investment=Decimal("1234.56"),
        progress_date=dt.date(2021, 6, 30),
    )
    orm = Item.objects.select_related("programme", "category", "lead_unit").get(pk=world.item_a.pk)
    with django_assert_num_queries(1):
        item = sql.by_pk(Item, world.item_a.pk, related=("programme", "category", "lead_unit"))
        assert _fields(item) == _fields(orm)
        assert type(item.completion_rate) is Decimal and str(item.completion_rate) == "42.50"
        assert item.updated_at.tzinfo is not None
        # The related rows came with it: reading them asks the database nothing.
        assert _fields(item.programme) == _fields(orm.programme)
        assert _fields(item.category) == _fields(orm.category)
        assert item.lead_unit.name == world.unit_a.name
    assert item._state.adding is False and item._state.db == "default"


@pytest.mark.django_db
def test_by_pk_leaves_a_missing_optional_relation_empty(
    world: World, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        item = sql.by_pk(Item, world.hulan_item.pk, related=("category", "lead_unit"))
        assert item.category is None  # no category: a LEFT JOIN, not a lost row
        assert item.lead_unit == world.hulan_unit


@pytest.mark.django_db
@pytest.mark.parametrize("pk", [0, -1, 10**30, "abc", "", None, "1; DROP TABLE ledger_item"])
def test_by_pk_answers_none_for_keys_that_match_nothing(world: World, pk: object) -> None:
    assert sql.by_pk(Item, pk) is None
    assert Item.objects.filter(pk=world.item_a.pk).exists()


def test_by_pk_refuses_what_is_not_a_foreign_key() -> None:
    with pytest.raises(ValueError, match="not a foreign key"):
        sql.by_pk(Item, 1, related=("name",))


@pytest.mark.django_db
def test_instances_reads_rows_in_the_order_written(world: World) -> None:
    targets = ledger_services.TargetInput
    item = ledger_services.create_item(
        world.programme,
        actor=world.office,
        number="1-9",
        seq=9,
        name="三个目标",
        lead_unit=world.unit_a,
        deadline_text="年底前",
        targets=[targets("甲", Decimal(3), "处"), targets("乙", Decimal("2.5"), "公里")],
    )
    got = sql.instances(
        Target, "t", 'FROM ledger_target t WHERE t.item_id = %s ORDER BY t."order" DESC', [item.pk]
    )
    assert [(t.name, t.value, t.unit) for t in got] == [
        ("乙", Decimal("2.50"), "公里"),
        ("甲", Decimal("3.00"), "处"),
    ]
    assert [_fields(t) for t in got] == [
        _fields(t) for t in Target.objects.filter(item=item).order_by("-order")
    ]
