"""The written SQL of ``core`` (``core/queries.py``) does what the ORM would do."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shishi.core import audit, queries
from shishi.core.models import AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def test_the_chain_head_is_read_and_moved_as_the_orm_sees_it() -> None:
    assert queries.lock_chain_head(connection) is None  # no head row yet
    AuditChainHead.objects.create(pk=queries.HEAD_PK, seq=4, last_hash="a" * 64)
    with transaction.atomic():
        assert queries.lock_chain_head(connection) == (4, "a" * 64)
        queries.move_chain_head(connection, 5, "b" * 64)
    head = AuditChainHead.objects.get(pk=queries.HEAD_PK)
    assert (head.seq, head.last_hash) == (5, "b" * 64)


def test_an_inserted_event_reads_back_as_the_orm_would_store_it() -> None:
    now = timezone.now()
    created = AuditEvent._meta.get_field("created_at").get_db_prep_value(now, connection)
    values = [
        1, created, None, "system", "thing.create", "core.thing", "7", "第七件", None,
        '{"name":[null,"甲"]}', "0" * 64, "f" * 64, "k1", "hmac-sha256",
    ]  # fmt: skip
    with transaction.atomic():
        pk = queries.insert_event(connection, values)
    event = AuditEvent.objects.get(pk=pk)
    stored = [getattr(event, name) for name in queries.EVENT_FIELDS]
    assert stored == [
        1, now, None, "system", "thing.create", "core.thing", "7", "第七件", None,
        {"name": [None, "甲"]}, "0" * 64, "f" * 64, "k1", "hmac-sha256",
    ]  # fmt: skip
    assert event.pk == AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()


def test_events_recorded_through_the_written_sql_verify() -> None:
    with transaction.atomic():
        for n in range(3):
            event = audit.record_raw(
                actor=None,
                action="thing.update",
                target_type="core.thing",
                target_id=str(n),
                target_repr=f"thing {n}",
                changes={"n": [n, n + 1]},
                jurisdiction_id=None,
            )
    assert event.seq == 3
    assert audit.verify_chain().ok


def test_planner_statistics_refresh_runs() -> None:
    from shishi.core.dbstats import refresh_planner_statistics

    assert refresh_planner_statistics(sqlite_only=True) is (connection.vendor == "sqlite")
    assert refresh_planner_statistics() is True
