"""Dispatch rules by street (按街道派单): a category's demands from a street go to the rule's
unit at once; the operator's dispatch form suggests it; the office keeps the rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import category_services, services
from shishi.demands.models import Channel, Demand, DispatchRule, Kind, Status
from shishi.demands.tests.conftest import Dm
from shishi.orgs import services as org_services
from shishi.orgs.models import Unit

pytestmark = pytest.mark.django_db


def _street(world: World, name: str = "和兴路街道") -> Unit:
    return org_services.ensure_unit(world.nangang, name, kind=Unit.Kind.STREET)


def _take_in(world: World, dm: Dm, street: Unit | None, category_id: int | None = None) -> Demand:
    return services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind=Kind.COMPLAINT,
            category_id=category_id or dm.road.pk,
            description="小区门口道路破损，雨天积水",
            channel=Channel.PHONE,
            phone="13812345678",
            street_id=street.pk if street else None,
        ),
        actor=world.operator,
    )


def test_a_rule_dispatches_its_street_at_once(world: World, dm: Dm) -> None:
    street, other = _street(world), _street(world, "花园街道")
    category_services.add_rule(
        dm.road, street_id=street.pk, unit_id=world.unit_b.pk, actor=world.office
    )
    ruled = _take_in(world, dm, street)
    assert ruled.status == Status.DISPATCHED and ruled.unit_id == world.unit_b.pk
    assert ruled.events.filter(action="dispatch", note="按街道规则自动派单").exists()
    # Another street, or none: as before (the road category does not dispatch by itself).
    assert _take_in(world, dm, other).status == Status.RECEIVED
    assert _take_in(world, dm, None).status == Status.RECEIVED
    # The operator's form suggests the rule's unit for a demand from that street.
    by_hand = _take_in(world, dm, street)
    by_hand = services.send_back(
        by_hand, actor=world.editor_b, reason="不属本单位", expected_version=None
    )
    body = client_for(world.operator).get(reverse("demands:demand", args=[by_hand.pk]))
    html = body.content.decode()
    select = html[html.index('name="unit"') :]
    first_option = select[select.index("<option") : select.index("</option>")]
    assert f'value="{world.unit_b.pk}"' in first_option


def test_the_office_keeps_the_rules(world: World, dm: Dm) -> None:
    street = _street(world)
    with pytest.raises(PermissionDenied):
        category_services.add_rule(
            dm.road, street_id=street.pk, unit_id=world.unit_b.pk, actor=world.operator
        )
    with pytest.raises(ValidationFailed) as exc:  # a bureau is not a street
        category_services.add_rule(
            dm.road, street_id=world.unit_a.pk, unit_id="x", actor=world.office
        )
    assert set(exc.value.errors) == {"street", "unit"}
    outsider_unit = org_services.ensure_unit(world.hulan, "呼兰区住建局", kind=Unit.Kind.BUREAU)
    with pytest.raises(ValidationFailed):
        category_services.add_rule(
            dm.road, street_id=street.pk, unit_id=outsider_unit.pk, actor=world.office
        )
    rule = category_services.add_rule(
        dm.road, street_id=street.pk, unit_id=world.unit_b.pk, actor=world.office
    )
    with pytest.raises(ValidationFailed):  # one rule per street
        category_services.add_rule(
            dm.road, street_id=street.pk, unit_id=world.unit_a.pk, actor=world.office
        )
    category_services.remove_rule(dm.road, rule.pk, actor=world.office)
    assert not DispatchRule.objects.exists()


def test_the_rules_page(world: World, dm: Dm) -> None:
    street = _street(world)
    url = reverse("demands:category_rules", args=[dm.road.pk])
    office = client_for(world.office)
    r = office.get(url)
    assert r.status_code == 200 and "和兴路街道" in r.content.decode()
    for name in ("operator", "editor_a", "outsider", "resident"):
        assert client_for(getattr(world, name)).get(url).status_code == 404, name
    assert client_for(world.operator).post(url, {"street": street.pk}).status_code == 404
    r = office.post(url, {"street": "", "unit": "abc"})
    assert r.status_code == 422 and not DispatchRule.objects.exists()
    r = office.post(url, {"street": street.pk, "unit": world.unit_b.pk})
    assert r.status_code == 302
    rule = DispatchRule.objects.get()
    r = office.post(url, {"street": street.pk, "unit": world.unit_a.pk})
    assert r.status_code == 422 and "已有派单规则" in r.content.decode()
    listing = office.get(reverse("demands:categories")).content.decode()
    assert "按街道1条" in listing
    gone = reverse("demands:category_rule_delete", args=[dm.road.pk, rule.pk])
    assert client_for(world.editor_a).post(gone).status_code == 404
    assert office.post(gone).status_code == 302 and not DispatchRule.objects.exists()
    assert office.post(gone).status_code == 404
