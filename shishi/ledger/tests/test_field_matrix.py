"""Who may change which field of an item: every field × every role, through the one rule
(``permissions.fields_for``), the services, the pages and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied
from shishi.ledger import permissions, services
from shishi.ledger.models import Item

# role → what it may do on item_a (led by unit A, unit C a partner) of Nangang.
OFFICE, LEAD, PARTNER, NONE = "office", "lead", "partner", "none"
ROLES = {
    "office": OFFICE,
    "city_office": OFFICE,
    "editor_a": LEAD,
    "partner_editor": PARTNER,
    "editor_b": NONE,  # editor of another unit of the district
    "viewer_a": NONE,
    "leader": NONE,
    "outsider": NONE,  # Hulan's office: cannot even see the item
}
# A new value for each of the item's own scalar fields.
ITEM_VALUES: dict[str, Any] = {
    "name": "新的项目名称",
    "content": "新的主要内容",
    "measures": "新的推进措施",
    "deadline_text": "2021年11月30日前",
    "start_date": dt.date(2021, 3, 1),
    "planned_investment": Decimal("1000000.00"),
    "remarks": "专班备注",
}


def _user(world: World, name: str) -> Any:
    return getattr(world, name)


def _item(world: World) -> Item:
    return Item.objects.select_related("programme", "lead_unit").get(pk=world.item_a.pk)


@pytest.mark.parametrize("role", ROLES)
def test_the_rule_table(world: World, role: str) -> None:
    fields = permissions.fields_for(_user(world, role), _item(world))
    kind = ROLES[role]
    if kind == OFFICE:
        assert fields >= permissions.ITEM_FIELDS | permissions.PROGRESS_FIELDS
    elif kind == LEAD:
        assert fields == permissions.PROGRESS_FIELDS | permissions.NOTE_FIELDS
        assert not fields & permissions.ITEM_FIELDS
    elif kind == PARTNER:
        assert fields == permissions.NOTE_FIELDS
    else:
        assert fields == frozenset()
    assert permissions.can_request_change(_user(world, role), _item(world)) == (kind == LEAD)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", ITEM_VALUES)
def test_item_fields_through_the_service(world: World, role: str, field: str) -> None:
    item = _item(world)
    before = getattr(item, field)
    actor = _user(world, role)
    if ROLES[role] == OFFICE:
        services.update_item(
            item, actor=actor, expected_version=item.version, **{field: ITEM_VALUES[field]}
        )
        assert getattr(_item(world), field) != before
    else:
        with pytest.raises(PermissionDenied) as refused:
            services.update_item(
                item, actor=actor, expected_version=item.version, **{field: ITEM_VALUES[field]}
            )
        assert "调整申请" in refused.value.message
        assert getattr(_item(world), field) == before


@pytest.mark.parametrize("role", ROLES)
def test_links_through_the_service(world: World, role: str) -> None:
    """Lead unit, partner units and sponsor leaders: the office's alone."""
    item = _item(world)
    actor = _user(world, role)
    change: dict[str, Any] = {"partner_units": [world.unit_b], "sponsor_leaders": []}
    if ROLES[role] == OFFICE:
        services.update_item(
            item, actor=actor, expected_version=item.version, lead_unit_id=world.unit_b.pk, **change
        )
        assert _item(world).lead_unit_id == world.unit_b.pk
    else:
        with pytest.raises(PermissionDenied):
            services.update_item(item, actor=actor, expected_version=item.version, **change)
        assert set(_item(world).partner_units.all()) == {world.unit_c}


@pytest.mark.parametrize("role", ROLES)
def test_progress_and_notes_through_the_service(world: World, role: str) -> None:
    kind = ROLES[role]
    actor = _user(world, role)
    if kind in (OFFICE, LEAD):
        update = services.record_progress(_item(world), actor=actor, text="进展", rate=Decimal(20))
        assert update.rate == 20 and _item(world).completion_rate == 20
    else:
        with pytest.raises(PermissionDenied):
            services.record_progress(_item(world), actor=actor, text="进展", rate=Decimal(20))
    if kind == NONE:
        with pytest.raises(PermissionDenied):
            services.record_progress(_item(world), actor=actor, text="备注", as_note=True)
    else:
        note = services.record_progress(_item(world), actor=actor, text="备注", as_note=True)
        assert note.is_note


@pytest.mark.parametrize("role", ROLES)
def test_targets_and_milestones_through_the_service(world: World, role: str) -> None:
    item = _item(world)
    actor = _user(world, role)
    target = services.TargetInput("新目标", Decimal(3), "处")
    milestone = services.MilestoneInput("新节点", dt.date(2021, 10, 1))
    if ROLES[role] == OFFICE:
        services.set_targets(item, [target], actor=actor)
        services.add_milestone(_item(world), milestone, actor=actor)
        assert _item(world).targets.filter(name="新目标").exists()
        assert _item(world).milestones.filter(title="新节点").exists()
    else:
        with pytest.raises(PermissionDenied):
            services.set_targets(item, [target], actor=actor)
        with pytest.raises(PermissionDenied):
            services.add_milestone(item, milestone, actor=actor)


@pytest.mark.parametrize("role", ROLES)
def test_the_edit_page(world: World, role: str) -> None:
    """Only the office opens the item's edit form; a lead unit is pointed to a change
    request; others are refused, another district sees nothing."""
    response = client_for(_user(world, role)).get(reverse("ledger:edit", args=[world.item_a.pk]))
    kind = ROLES[role]
    if kind == OFFICE:
        assert response.status_code == 200
    elif role == "outsider":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
    if kind == LEAD:
        assert "调整申请" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_item_page_offers_what_the_role_may_do(world: World, role: str) -> None:
    response = client_for(_user(world, role)).get(reverse("ledger:item", args=[world.item_a.pk]))
    if role == "outsider":
        assert response.status_code == 404
        return
    body = response.content.decode()
    kind = ROLES[role]
    edit_url = reverse("ledger:edit", args=[world.item_a.pk])
    request_url = reverse("ledger:change_request", args=[world.item_a.pk])
    progress_url = reverse("ledger:progress", args=[world.item_a.pk])
    assert (edit_url in body) == (kind == OFFICE)
    assert (request_url in body) == (kind == LEAD)
    assert (progress_url in body) == (kind != NONE)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_patch(world: World, role: str, as_user: Any) -> None:
    response = as_user(_user(world, role)).patch(
        f"/items/{world.item_a.pk}", {"name": "API改名", "expected_version": 1}
    )
    kind = ROLES[role]
    if kind == OFFICE:
        assert response.status_code == 200, response.content
        assert _item(world).name == "API改名"
        return
    assert response.status_code == (404 if role == "outsider" else 403)
    if kind == LEAD:
        assert "调整申请" in response.json()["detail"]
    assert _item(world).name != "API改名"
