from __future__ import annotations

from decimal import Decimal

import pytest

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import Item, Lifecycle, ProgressUpdate


def _item(pk: int) -> Item:
    return Item.objects.get(pk=pk)


def test_lead_unit_editor_posts_progress_and_item_follows(world: World) -> None:
    update = services.record_progress(
        world.item_a, actor=world.editor_a, text="已完成主体工程", rate=Decimal(60)
    )
    item = _item(world.item_a.pk)
    assert item.completion_rate == Decimal(60)
    assert item.lifecycle == Lifecycle.IN_PROGRESS
    assert item.progress_text == "已完成主体工程"
    assert update.unit_id == world.unit_a.pk
    event = AuditEvent.objects.filter(target_id=str(item.pk), action="item.progress").get()
    assert event.changes["completion_rate"] == ["0", "60"]
    assert event.actor_id == world.editor_a.pk


def test_rate_of_100_marks_item_done(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    assert _item(world.item_a.pk).lifecycle == Lifecycle.DONE


def test_unit_editor_cannot_post_progress_on_other_units_item(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.record_progress(world.item_b, actor=world.editor_a, text="x", rate=Decimal(10))
    assert not ProgressUpdate.objects.filter(item=world.item_b).exists()


def test_partner_unit_may_add_note_but_not_change_rate(world: World) -> None:
    services.record_progress(
        world.item_a, actor=world.partner_editor, text="配合完成管线迁移", as_note=True
    )
    item = _item(world.item_a.pk)
    assert item.completion_rate == Decimal(0)
    assert ProgressUpdate.objects.filter(item=item, is_note=True).count() == 1
    with pytest.raises(PermissionDenied):
        services.record_progress(item, actor=world.partner_editor, text="x", rate=Decimal(50))


def test_outsider_cannot_post_progress(world: World) -> None:
    for user in (world.outsider, world.resident, world.inspector, world.viewer_a):
        with pytest.raises(PermissionDenied):
            services.record_progress(world.item_a, actor=user, text="x", rate=Decimal(10))


def test_stale_edit_is_refused_and_nothing_overwritten(world: World) -> None:
    item = _item(world.item_a.pk)
    stale_version = item.version
    services.update_item(item, actor=world.office, expected_version=stale_version, measures="A")
    other = _item(world.item_a.pk)
    other.version = stale_version  # a second form loaded before the first save
    with pytest.raises(StaleEdit):
        services.update_item(
            other, actor=world.office, expected_version=stale_version, measures="B"
        )
    assert _item(world.item_a.pk).measures == "A"


def test_stale_progress_post_is_refused(world: World) -> None:
    item = _item(world.item_a.pk)
    services.record_progress(item, actor=world.editor_a, text="第一次", rate=Decimal(10))
    with pytest.raises(StaleEdit):
        services.record_progress(
            _item(world.item_a.pk),
            actor=world.office,
            text="第二次",
            rate=Decimal(20),
            expected_version=item.version - 1,
        )
    assert _item(world.item_a.pk).completion_rate == Decimal(10)


def test_rate_over_100_is_rejected(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.record_progress(world.item_a, actor=world.editor_a, text="x", rate=Decimal(120))


def test_close_out_only_done_items_and_only_office(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.close_out_item(_item(world.item_a.pk), actor=world.office)
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    with pytest.raises(PermissionDenied):
        services.close_out_item(_item(world.item_a.pk), actor=world.editor_a)
    item = services.close_out_item(_item(world.item_a.pk), actor=world.office, note="验收合格")
    assert item.lifecycle == Lifecycle.CLOSED_OUT
    with pytest.raises(ValidationFailed):
        services.record_progress(item, actor=world.editor_a, text="x")


def test_reopen_needs_a_reason(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    services.close_out_item(_item(world.item_a.pk), actor=world.office)
    with pytest.raises(ValidationFailed):
        services.reopen_item(_item(world.item_a.pk), actor=world.office, reason=" ")
    item = services.reopen_item(
        _item(world.item_a.pk), actor=world.office, reason="群众反映仍有坑洼"
    )
    assert item.lifecycle == Lifecycle.IN_PROGRESS
    event = AuditEvent.objects.filter(action="item.reopen").get()
    assert event.changes["reason"] == [None, "群众反映仍有坑洼"]


def test_city_office_can_close_out_in_any_district_but_outsider_cannot(world: World) -> None:
    services.record_progress(world.hulan_item, actor=world.outsider, text="完工", rate=Decimal(100))
    with pytest.raises(PermissionDenied):
        services.close_out_item(_item(world.item_a.pk), actor=world.outsider)
    item = services.close_out_item(_item(world.hulan_item.pk), actor=world.city_office)
    assert item.lifecycle == Lifecycle.CLOSED_OUT


def test_update_item_parses_deadline(world: World) -> None:
    item = services.update_item(
        _item(world.item_b.pk), actor=world.office, expected_version=1, deadline_text="6月30日前"
    )
    assert str(item.due_date) == "2021-06-30"
    with pytest.raises(ValidationFailed):
        services.update_item(
            item, actor=world.office, expected_version=item.version, deadline_text="2021年2月30日"
        )


def test_only_an_office_of_the_district_creates_categories(world: World) -> None:
    for user in (world.editor_a, world.leader, world.outsider):
        with pytest.raises(PermissionDenied):
            services.ensure_category(world.programme, "新类别", actor=user)
    category = services.ensure_category(world.programme, "新类别", actor=world.office)
    event = AuditEvent.objects.get(action="category.create", target_id=str(category.pk))
    assert event.changes == {"name": [None, "新类别"]}
