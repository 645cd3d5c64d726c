"""结转: unfinished items carried into next year's programme, linked both ways, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import Item, Lifecycle, Milestone, Programme, Target
from shishi.ledger.services.carry import carry_over


def _counts() -> tuple[int, int, int]:
    return Item.objects.count(), Programme.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def started(world: World) -> Item:
    """item_a under way: 35 %, a target half done, one milestone done and one open."""
    item = world.item_a
    services.record_progress(item, actor=world.editor_a, text="已修复10处", rate=Decimal(35))
    Target.objects.filter(item=item).update(actual=Decimal(10))
    Milestone.objects.create(item=item, title="完成排查", due_date=dt.date(2021, 5, 1), order=0,
                             done_date=dt.date(2021, 4, 28))  # fmt: skip
    Milestone.objects.create(item=item, title="全部修复", due_date=dt.date(2021, 11, 30), order=1)
    item.refresh_from_db()
    return item


def test_carry_over_creates_the_next_year_item_linked_to_the_old(
    world: World, started: Item
) -> None:
    result = carry_over([started], actor=world.office)
    programme = result.programme
    assert (programme.jurisdiction_id, programme.year) == (world.nangang.pk, 2022)
    [new] = result.created
    new.refresh_from_db()
    assert new.programme_id == programme.pk
    assert new.continues_id == started.pk
    assert new.number == "2021-1-1"
    assert new.name == started.name and new.lead_unit_id == world.unit_a.pk
    assert new.category is not None and new.category.name == "城建城管执法类"
    assert new.category.programme_id == programme.pk
    assert [p.pk for p in new.sponsor_leaders.all()] == [world.leader_person.pk]
    assert [u.pk for u in new.partner_units.all()] == [world.unit_c.pk]
    # The work goes on from where it stands: rate, progress text and actuals are kept.
    assert new.completion_rate == Decimal(35)
    assert new.lifecycle == Lifecycle.IN_PROGRESS
    assert new.progress_text == "已修复10处"
    [target] = new.targets.all()
    assert (target.name, target.value, target.actual) == ("修复路段", Decimal(20), Decimal(10))
    # Only the open milestone moves; the deadline is the new year's end, the old one noted.
    assert [m.title for m in new.milestones.all()] == ["全部修复"]
    assert (new.deadline_text, new.due_date) == ("年底前", dt.date(2022, 12, 31))
    assert "结转自2021年 #1-1" in new.remarks and "2021年12月底前" in new.remarks
    # The old item stays as it was in its year.
    started.refresh_from_db()
    assert started.programme_id == world.programme.pk
    assert started.completion_rate == Decimal(35)


def test_carry_over_is_audited_on_both_items(world: World, started: Item) -> None:
    [new] = carry_over([started], actor=world.office).created
    out = AuditEvent.objects.get(action="item.carry_over", target_id=str(started.pk))
    assert out.changes == {"carried_to": [None, "2022年 #2021-1-1"]}
    assert out.actor_id == world.office.pk
    came = AuditEvent.objects.get(action="item.carry_in", target_id=str(new.pk))
    assert came.changes == {"carried_from": [None, "2021年 #1-1"]}
    assert AuditEvent.objects.filter(action="item.create", target_id=str(new.pk)).exists()


def test_into_an_existing_programme_the_category_is_reused(world: World, started: Item) -> None:
    programme = services.ensure_programme(world.nangang, 2022, actor=world.office)
    category = services.ensure_category(programme, "城建城管执法类", actor=world.office)
    [new] = carry_over([started], programme, actor=world.office).created
    assert new.category_id == category.pk


@pytest.mark.parametrize("finished", [Lifecycle.DONE, Lifecycle.CLOSED_OUT])
def test_finished_items_are_refused_and_nothing_is_written(
    world: World, started: Item, finished: str
) -> None:
    Item.objects.filter(pk=world.item_b.pk).update(lifecycle=finished)
    world.item_b.refresh_from_db()
    before = _counts()
    with pytest.raises(ValidationFailed, match="#1-2“新建幼儿园”已完成或已销号") as caught:
        carry_over([started, world.item_b], actor=world.office)
    assert "items" in caught.value.errors
    assert _counts() == before
    assert not Programme.objects.filter(year=2022).exists()


def test_an_item_carried_over_is_not_carried_again(world: World, started: Item) -> None:
    carry_over([started], actor=world.office)
    before = _counts()
    with pytest.raises(ValidationFailed, match="已结转至2022年"):
        carry_over([started], actor=world.office, to_year=2023)
    assert _counts() == before


@pytest.mark.parametrize("who", ["editor_a", "viewer_a", "leader", "outsider"])
def test_only_the_office_carries_over(world: World, started: Item, who: str) -> None:
    before = _counts()
    with pytest.raises(PermissionDenied):
        carry_over([started], actor=getattr(world, who))
    assert _counts() == before


def test_the_target_must_be_a_later_programme_of_the_district(world: World, started: Item) -> None:
    with pytest.raises(ValidationFailed, match="本辖区"):
        carry_over([started], world.hulan_programme, actor=world.city_office)
    with pytest.raises(ValidationFailed, match="2021年以后"):
        carry_over([started], world.programme, actor=world.office)
    with pytest.raises(ValidationFailed, match="请选择"):
        carry_over([], actor=world.office)


def test_items_of_two_programmes_are_refused(world: World, started: Item) -> None:
    with pytest.raises(ValidationFailed, match="同一年度"):
        carry_over([started, world.hulan_item], actor=world.city_office)


# --- the pages ------------------------------------------------------------------------------


def test_office_picks_confirms_and_carries(world: World, started: Item) -> None:
    client = client_for(world.office)
    listing = client.get(f"{reverse('ledger:list')}?programme={world.programme.pk}")
    select_url = reverse("ledger:carry", args=[world.programme.pk])
    assert select_url in listing.content.decode()
    page = client.get(select_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert started.name in body and "新建幼儿园" in body
    confirm_url = reverse("ledger:carry_confirm", args=[world.programme.pk])
    confirm = client.get(confirm_url, {"items": [str(started.pk)], "to_year": "2022"})
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "将以下 1 项事项结转至2022年" in body
    assert started.name in body and "新建幼儿园" not in body
    assert _counts()[0] == 3  # nothing written by the confirmation page

    done = client.post(confirm_url, {"items": [started.pk], "to_year": "2022"})
    assert done.status_code == 302
    new = Item.objects.get(continues=started)
    assert done["Location"].endswith(f"?programme={new.programme_id}")
    landed = client.get(done["Location"]).content.decode()
    assert "已将1项事项结转至2022年" in landed
    assert "含结转事项 1 项" in landed

    new_page = client.get(reverse("ledger:item", args=[new.pk])).content.decode()
    assert "结转自2021年 #1-1" in new_page
    assert reverse("ledger:item", args=[started.pk]) in new_page
    old_page = client.get(reverse("ledger:item", args=[started.pk])).content.decode()
    assert "已结转至2022年 #2021-1-1" in old_page
    assert reverse("ledger:item", args=[new.pk]) in old_page
    old_history = client.get(reverse("ledger:item_history", args=[started.pk])).content.decode()
    assert "结转至下一年度" in old_history  # the history's event


def test_confirming_nothing_or_a_carried_item_says_why(world: World, started: Item) -> None:
    client = client_for(world.office)
    confirm_url = reverse("ledger:carry_confirm", args=[world.programme.pk])
    empty = client.post(confirm_url, {"to_year": "2022"})
    assert empty.status_code == 422
    assert "请至少选择一项要结转的事项" in empty.content.decode()
    early = client.get(confirm_url, {"items": [str(started.pk)], "to_year": "2021"})
    assert early.status_code == 422
    assert "结转年度应晚于2021年" in early.content.decode()
    bad = client.get(confirm_url, {"items": ["x1"], "to_year": "2022"})
    assert bad.status_code == 422
    client.post(confirm_url, {"items": [started.pk], "to_year": "2022"})
    before = _counts()
    again = client.post(confirm_url, {"items": [started.pk], "to_year": "2023"})
    assert again.status_code == 422
    assert "已结转至2022年" in again.content.decode()
    assert _counts() == before
    # The selection page no longer offers it.
    assert (
        started.name
        not in client.get(reverse("ledger:carry", args=[world.programme.pk])).content.decode()
    )


def test_carry_pages_refuse_units_and_other_districts(world: World, started: Item) -> None:
    select_url = reverse("ledger:carry", args=[world.programme.pk])
    confirm_url = reverse("ledger:carry_confirm", args=[world.programme.pk])
    assert client_for(world.editor_a).get(select_url).status_code == 403
    assert client_for(world.outsider).get(select_url).status_code == 404
    data = {"items": [started.pk], "to_year": "2022"}
    assert client_for(world.editor_a).post(confirm_url, data).status_code == 403
    assert client_for(world.outsider).post(confirm_url, data).status_code == 404
    # An item of another district cannot be slipped into the list.
    hulan = {"items": [world.hulan_item.pk], "to_year": "2022"}
    assert client_for(world.office).post(confirm_url, hulan).status_code == 404
    assert not Item.objects.filter(continues__isnull=False).exists()
    listing = client_for(world.editor_a).get(
        f"{reverse('ledger:list')}?programme={world.programme.pk}"
    )
    assert select_url not in listing.content.decode()
