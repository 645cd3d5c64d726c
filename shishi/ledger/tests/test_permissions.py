from __future__ import annotations

import pytest

from shishi.conftest import World
from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger import permissions, selectors
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Item
from shishi.ledger.selectors import ItemFilters, filter_items


def _names(qs: object) -> set[str]:
    return {item.name for item in qs}  # type: ignore[attr-defined]


def test_everyone_in_a_district_reads_its_ledger(world: World) -> None:
    for user in (
        world.office,
        world.editor_a,
        world.editor_b,
        world.viewer_a,
        world.leader,
        world.inspector,
        world.operator,
        world.partner_editor,
    ):
        assert _names(selectors.visible_items(user)) == {world.item_a.name, world.item_b.name}


def test_other_districts_are_invisible_except_to_city_office(world: World) -> None:
    assert _names(selectors.visible_items(world.outsider)) == {world.hulan_item.name}
    assert selectors.visible_items(world.resident).count() == 0
    assert selectors.visible_items(world.city_office).count() == 3
    with pytest.raises(NotFound):
        permissions.access_item(world.outsider, world.item_a.pk)
    with pytest.raises(NotFound):
        permissions.access_item(world.resident, world.item_a.pk)
    assert permissions.access_item(world.city_office, world.item_a.pk) == world.item_a


def test_unit_editor_edits_only_items_their_unit_leads(world: World) -> None:
    assert permissions.access_item(world.editor_a, world.item_a.pk, write=True)
    with pytest.raises(PermissionDenied):
        permissions.access_item(world.editor_a, world.item_b.pk, write=True)
    with pytest.raises(PermissionDenied):
        permissions.access_item(world.partner_editor, world.item_a.pk, write=True)
    assert permissions.can_post_note(world.partner_editor, world.item_a)
    assert not permissions.can_post_note(world.partner_editor, world.item_b)


def test_viewers_leaders_and_inspectors_cannot_edit(world: World) -> None:
    for user in (world.viewer_a, world.leader, world.inspector, world.operator):
        assert not permissions.can_edit_item(user, world.item_a)
        assert not permissions.can_close_out(user, world.item_a)


def test_sponsor_leader_my_items(world: World) -> None:
    assert _names(selectors.my_items(world.leader)) == {world.item_a.name}
    assert _names(selectors.my_items(world.editor_b)) == {world.item_b.name}
    assert _names(selectors.my_items(world.partner_editor)) == {world.item_a.name}
    assert selectors.my_items(world.outsider).count() == 0


def test_filters(world: World) -> None:
    qs = selectors.visible_items(world.office)
    assert _names(filter_items(qs, ItemFilters(q="一曼街"))) == {world.item_a.name}
    assert _names(filter_items(qs, ItemFilters(unit=world.unit_c.pk))) == {world.item_a.name}
    assert _names(filter_items(qs, ItemFilters(leader=world.leader_person.pk))) == {
        world.item_a.name
    }
    assert filter_items(qs, ItemFilters(lifecycle="done")).count() == 0
    assert filter_items(qs, ItemFilters(lifecycle="bogus")).count() == 2
    assert _names(
        filter_items(selectors.visible_items(world.city_office), ItemFilters(jurisdiction="230111"))
    ) == {world.hulan_item.name}


def test_unit_filter_is_lead_or_partner_also_inside_another_query(world: World) -> None:
    led_by_c = ledger_services.create_item(
        world.programme,
        actor=world.office,
        number="1-3",
        seq=3,
        name="住建局牵头",
        lead_unit=world.unit_c,
        deadline_text="年底前",
    )
    both = {world.item_a.name, led_by_c.name}  # unit_c: partner of item_a, lead of the new one
    for f in (
        ItemFilters(unit=world.unit_c.pk),
        ItemFilters(unit=world.unit_c.pk, programme=world.programme.pk),
    ):
        assert _names(filter_items(selectors.visible_items(world.office), f)) == both
        # As a subquery of a query on the same table, its conditions follow the inner alias.
        inner = filter_items(Item.objects.all(), f).values("pk")
        assert _names(Item.objects.filter(pk__in=inner)) == both
        assert _names(Item.objects.exclude(pk__in=inner)) == {
            world.item_b.name,
            world.hulan_item.name,
        }
    assert not filter_items(Item.objects.all(), ItemFilters(unit=world.hulan_unit.pk + 999))
