"""The one bulk writer (``core/bulk.py``) stores rows exactly as the ORM would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from shishi.core import bulk
from shishi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

_FIELDS = ("seq", "created_at", "action", "target_type", "target_id", "changes", "hash")
_COMPARED = (*_FIELDS, "actor_id", "actor_name", "target_repr", "jurisdiction_id", "prev_hash")


def _rows(first: int, count: int) -> list[tuple[Any, ...]]:
    at = dt.datetime(2021, 6, 20, 8, 30, tzinfo=dt.UTC)
    return [
        (first + n, at + dt.timedelta(seconds=n % 3), "a", "t", str(n), {"n": [None, n]}, "h")
        for n in range(count)
    ]


def _stored(seqs: range) -> list[dict[str, Any]]:
    rows = AuditEvent.objects.filter(seq__in=seqs).order_by("seq").values(*_COMPARED)
    return [{**r, "seq": r["seq"] % 10000} for r in rows]


def test_inserted_rows_equal_bulk_created_ones_defaults_included() -> None:
    count = bulk.CHUNK + 5  # more than one chunk
    with transaction.atomic():
        assert bulk.insert_many(AuditEvent, _FIELDS, _rows(10000, count)) == count
        AuditEvent.objects.bulk_create(
            AuditEvent(**dict(zip(_FIELDS, row, strict=True))) for row in _rows(20000, count)
        )
    assert _stored(range(10000, 10000 + count)) == _stored(range(20000, 20000 + count))


def test_ready_values_are_written_as_they_are() -> None:
    row = (1, dt.datetime(2021, 6, 20, tzinfo=dt.UTC), "a", "t", "1", '{"k":[null,1]}', "h")
    with transaction.atomic():
        bulk.insert_many(AuditEvent, _FIELDS, [row], ready=("changes",))
    assert AuditEvent.objects.get(seq=1).changes == {"k": [None, 1]}


def test_a_duplicate_key_is_djangos_integrity_error() -> None:
    # COPY on PostgreSQL goes past Django's cursor: its errors must still be Django's, so a
    # caller's ``except IntegrityError`` holds on both databases.
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_many(AuditEvent, _FIELDS, _rows(1, 1) + _rows(1, 1))
    assert AuditEvent.objects.count() == 0


def test_rows_may_read_the_database_between_chunks() -> None:
    def rows() -> Iterator[tuple[Any, ...]]:
        for n, row in enumerate(_rows(1, 5)):
            if n % 2 == 0:
                AuditEvent.objects.count()  # the producer queries the same connection
            yield row

    with transaction.atomic():
        assert bulk.insert_many(AuditEvent, _FIELDS, rows(), chunk_size=2) == 5
    assert AuditEvent.objects.count() == 5


@pytest.mark.parametrize("count", [3, bulk.COPY_FROM + 1])  # PostgreSQL: both of its paths
def test_upserts_update_only_the_named_fields(count: int) -> None:
    with transaction.atomic():
        bulk.insert_many(AuditEvent, _FIELDS, _rows(1, count))
        again = [(*row[:4], "changed", row[5], "new hash") for row in _rows(1, count)]
        extra = _rows(count + 1, 1)
        written = bulk.upsert_many(
            AuditEvent, _FIELDS, [*again, *extra], conflict=("seq",), update=("hash",)
        )
    assert written == count + 1
    stored = list(AuditEvent.objects.order_by("seq").values_list("target_id", "hash"))
    assert stored[:count] == [(str(n), "new hash") for n in range(count)]
    assert stored[count:] == [("0", "h")]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="no fields"):
        bulk.insert_many(AuditEvent, ("seq", "colour"), [(1, "red")])


def test_no_rows_write_nothing() -> None:
    """notify() to recipients that reach nobody upserts no rows (was an IndexError on
    PostgreSQL)."""
    with transaction.atomic():
        assert bulk.insert_many(AuditEvent, _FIELDS, []) == 0
        assert bulk.upsert_many(AuditEvent, _FIELDS, [], conflict=("seq",), update=("hash",)) == 0
        assert bulk.upsert_many(AuditEvent, _FIELDS, iter([]), conflict=("seq",), update=()) == 0
    assert AuditEvent.objects.count() == 0
