"""The orgs app's written reads and selectors return what the ORM does."""

from __future__ import annotations

from shishi.conftest import World
from shishi.orgs import queries, selectors
from shishi.orgs.models import Membership, Person, Unit, User


def test_memberships_are_the_orms(world: World) -> None:
    for user in (world.office, world.editor_a, world.city_office, world.resident):
        orm = Membership.objects.filter(user=user).values_list("role", "jurisdiction_id", "unit_id")
        assert sorted(queries.memberships(user.pk), key=str) == sorted(orm, key=str)


def test_district_choices_are_the_orms_by_name(world: World) -> None:
    Unit.objects.create(jurisdiction=world.nangang, name="阿城办")
    units, people = queries.district_choices(world.nangang.pk)
    by_name = ("name", "id")
    nangang = {"jurisdiction": world.nangang}
    assert units == list(
        Unit.objects.filter(**nangang).order_by(*by_name).values_list("id", "name")
    )
    assert people == list(
        Person.objects.filter(**nangang).order_by(*by_name).values_list("id", "name")
    )
    assert world.hulan_unit.pk not in dict(units)


def test_unit_names_stay_in_their_district(world: World) -> None:
    names = selectors.unit_names(world.nangang.pk, [world.unit_a.pk, world.hulan_unit.pk])
    assert names == {world.unit_a.pk: world.unit_a.name}
    assert selectors.unit_names(world.nangang.pk, []) == {}


def test_account_labels_show_the_display_name_and_skip_removed_accounts(world: World) -> None:
    User.objects.filter(pk=world.viewer_a.pk).update(display_name="")
    gone = world.inspector.pk
    User.objects.filter(pk=gone).delete()
    labels = selectors.account_labels([world.editor_a.pk, world.viewer_a.pk, gone, None])
    assert labels == {
        world.editor_a.pk: str(world.editor_a),
        world.viewer_a.pk: world.viewer_a.username,
    }
