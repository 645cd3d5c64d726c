"""The helpers of written SQL name tables as ``Model._meta`` does and return what the ORM
would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection

from shishi.conftest import World
from shishi.core import sql
from shishi.ledger.models import Item


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


def test_tables_and_columns_are_named_from_the_model() -> None:
    items = sql.Table(Item)
    qn = connection.ops.quote_name
    assert str(items) == qn(Item._meta.db_table)
    assert items.lead_unit == items.lead_unit_id == qn("lead_unit_id")
    assert items.name == qn("name")
    with pytest.raises(FieldDoesNotExist):
        _ = items.no_such_field


@pytest.mark.django_db
def test_a_raw_read_matches_the_orm(world: World) -> None:
    item = world.item_a
    Item.objects.filter(pk=item.pk).update(completion_rate=Decimal("42.50"))
    t = sql.Table(Item)
    row = sql.fetch(
        f"SELECT {t.completion_rate}, {t.updated_at}, {t.is_ongoing} FROM {t} WHERE {t.id} = %s",
        [item.pk],
    )[0]
    fresh = Item.objects.get(pk=item.pk)
    assert sql.to_decimal(row[0]) == fresh.completion_rate == Decimal("42.50")
    assert sql.to_aware(row[1]) == fresh.updated_at
    assert bool(row[2]) is fresh.is_ongoing
