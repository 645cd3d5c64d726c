"""Core's reads for other apps return what the audit log holds."""

from __future__ import annotations

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.core.selectors import audit_events_of


def test_audit_events_of_an_object_newest_first(world: World) -> None:
    item = world.item_a
    orm = AuditEvent.objects.filter(target_type="ledger.item", target_id=str(item.pk))
    events = audit_events_of("ledger.item", item.pk, limit=None)
    assert events and len(events) == orm.count()
    newest = orm.order_by("-seq").first()
    assert newest is not None
    assert events[0] == (
        newest.action,
        newest.changes,
        newest.created_at,
        newest.actor_id,
        newest.actor_name,
    )
    assert audit_events_of("ledger.item", item.pk, limit=1) == events[:1]
    assert audit_events_of("ledger.item", 10**9, limit=5) == []
