"""A ledger item made from a cluster of similar demands (the clusters page's new-item form):
through the ledger's own service, the demands linked in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied
from shishi.core.models import AuditEvent
from shishi.demands import clusters, services
from shishi.demands.models import Channel, Demand, Kind
from shishi.demands.tests.conftest import Dm
from shishi.ledger.models import Item

PAGE = reverse("demands:clusters")
NEW = reverse("demands:cluster_new_item")


def _demand(world: World, dm: Dm, text: str, address: str, phone: str) -> Demand:
    return services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind=Kind.COMPLAINT,
            category_id=dm.noise.pk,
            description=text,
            channel=Channel.PHONE,
            address=address,
            phone=phone,
        ),
        actor=world.operator,
    )


@pytest.fixture
def group(world: World, dm: Dm) -> list[int]:
    """Three noise complaints about one building site, two of them from one caller."""
    made = [
        _demand(world, dm, "学府路工地夜间施工噪声扰民", "学府路88号", "13812340001"),
        _demand(world, dm, "学府路工地夜里施工，噪声扰民严重", "学府路90号", "13812340002"),
        _demand(world, dm, "学府路夜间施工噪声太大扰民", "学府路工地", "13812340002"),
    ]
    return sorted(d.pk for d in made)


def _form(world: World, ids: list[int], **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "demand": ids,
        "number": "1-3",
        "name": "解决学府路噪声扰民问题",
        "lead_unit": world.unit_b.pk,
        "sponsor_leader_ids": [world.leader_person.pk],
        "deadline_text": "年底前",
        "content": "夜间施工限时作业，设置隔音围挡",
    }
    data.update(over)
    return data


def test_the_page_offers_a_prefilled_new_item_per_cluster(
    world: World, dm: Dm, group: list[int]
) -> None:
    page = client_for(world.office).get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "从这组诉求新建实事事项" in html
    # The title from the category and the place; the category's lead unit chosen and first.
    assert 'value="解决学府路噪声扰民问题"' in html
    key = group[0]
    assert f'<option value="{world.unit_b.pk}" selected>' in html
    options = html.split(f'id="c{key}_lead_unit"')[1].split("</select>")[0]
    assert options.index(f'value="{world.unit_b.pk}"') < options.index(f'value="{world.unit_a.pk}"')
    assert 'value="1-3"' in html  # the programme's next free number
    assert "回应群众诉求3件，涉及2人" in html


def test_the_office_creates_an_item_from_a_cluster(world: World, dm: Dm, group: list[int]) -> None:
    office = client_for(world.office)
    done = office.post(NEW, _form(world, group))
    assert done.status_code == 302, done.content.decode()[:2000]
    item = Item.objects.get(programme=world.programme, number="1-3")
    assert done["Location"] == reverse("ledger:item", args=[item.pk])
    assert item.name == "解决学府路噪声扰民问题"
    assert item.lead_unit_id == world.unit_b.pk
    assert list(item.sponsor_leaders.all()) == [world.leader_person]
    assert item.deadline_text == "年底前" and item.due_date is not None
    assert item.content == "回应群众诉求3件，涉及2人。\n夜间施工限时作业，设置隔音围挡"
    # Created as the ledger creates items: not public until the office publishes it.
    assert item.is_public is False
    assert sorted(Demand.objects.filter(item=item).values_list("pk", flat=True)) == group
    actions = set(
        AuditEvent.objects.filter(target_id=str(item.pk)).values_list("action", flat=True)
    )
    assert {"item.create", "demands.link_to_item"} <= actions
    shown = office.get(done["Location"]).content.decode()
    assert "已回应群众诉求3件，涉及2人" in shown
    # The cluster now shows as linked.
    assert "已关联3件" in office.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"number": "1-1"}, "number", "已被本计划的其他事项使用"),
        ({"name": ""}, "name", ""),
        ({"deadline_text": "明年某个时候吧"}, "deadline_text", ""),
        ({"lead_unit": "999999"}, "lead_unit", ""),
        ({"sponsor_leader_ids": ["999999"]}, "sponsor_leader_ids", ""),
        ({"category": "abc"}, "category", ""),
    ],
)
def test_bad_input_is_named_beside_its_field_and_nothing_is_written(
    world: World, dm: Dm, group: list[int], over: dict[str, Any], field: str, message: str
) -> None:
    items, events = Item.objects.count(), AuditEvent.objects.count()
    got = client_for(world.office).post(NEW, _form(world, group, **over))
    assert got.status_code == 422
    form = got.context["rows"][0][1]["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    html = got.content.decode()
    assert f'id="new-{group[0]}" open' in html and "field-error" in html
    assert Item.objects.count() == items and AuditEvent.objects.count() == events
    assert not Demand.objects.filter(item__isnull=False).exists()


def test_demands_of_another_district_are_refused(world: World, dm: Dm, group: list[int]) -> None:
    # Hulan's office posting Nangang's demands: its own district has none of them.
    data = _form(world, group, lead_unit=world.hulan_unit.pk, sponsor_leader_ids=[])
    got = client_for(world.outsider).post(NEW, data)
    assert got.status_code == 422
    assert "只能关联本区的诉求" in got.content.decode()
    assert Item.objects.filter(programme=world.hulan_programme).count() == 1
    assert not Demand.objects.filter(item__isnull=False).exists()
    with pytest.raises(PermissionDenied):
        clusters.create_item_from_cluster(
            world.nangang.pk,
            group,
            clusters.NewItemInput("1-9", "解决学府路噪声扰民问题", world.unit_b.pk),
            actor=world.outsider,
        )


@pytest.mark.parametrize("who", ["operator", "editor_a", "editor_b", "leader", "inspector"])
def test_only_the_office_creates_items_from_clusters(
    world: World, dm: Dm, group: list[int], who: str
) -> None:
    user = getattr(world, who)
    items = Item.objects.count()
    assert client_for(user).post(NEW, _form(world, group)).status_code == 403
    with pytest.raises(PermissionDenied):
        clusters.create_item_from_cluster(
            world.nangang.pk,
            group,
            clusters.NewItemInput("1-9", "解决学府路噪声扰民问题", world.unit_b.pk),
            actor=user,
        )
    assert Item.objects.count() == items
    assert not Demand.objects.filter(item__isnull=False).exists()


def test_the_service_counts_people_as_the_item_page_does(
    world: World, dm: Dm, group: list[int]
) -> None:
    item, linked = clusters.create_item_from_cluster(
        world.nangang.pk,
        group,
        clusters.NewItemInput("1-9", "解决学府路噪声扰民问题", world.unit_b.pk),
        actor=world.office,
    )
    assert linked == 3
    assert clusters.answered(item) == clusters.Answered(demands=3, people=2)
    assert item.content == "回应群众诉求3件，涉及2人。"


def test_title_from_category_and_place() -> None:
    assert clusters.title_for("噪声扰民", "学府路") == "解决学府路噪声扰民问题"
    assert clusters.title_for("供热问题", "") == "解决供热问题"
