"""我的事项: grouped by programme with its year, the current programme first, each item once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.selectors import my_item_groups

pytestmark = pytest.mark.django_db


def _this_years_copy(world: World) -> tuple[int, int]:
    """The same item numbers in this year's programme, as a carried-on ledger would have."""
    year = timezone.localdate().year
    current = services.ensure_programme(world.nangang, year, actor=world.office)
    item = services.create_item(
        current,
        actor=world.office,
        number=world.item_a.number,  # the same number as last programme's item
        seq=1,
        name="一曼街路面维护",
        lead_unit=world.unit_a,
        deadline_text=f"{year}年12月底前",
        sponsor_leaders=[world.leader_person],
    )
    return current.pk, item.pk


def test_mine_groups_by_programme_with_the_current_year_first(world: World) -> None:
    current_pk, new_pk = _this_years_copy(world)
    own = my_item_groups(world.leader)
    assert [p.programme_id for p in own.programmes] == [current_pk, world.programme.pk]
    assert own.programmes[0].is_current and not own.programmes[1].is_current
    assert [p.year for p in own.programmes] == [timezone.localdate().year, 2021]
    ids = [i.pk for p in own.programmes for g in p.groups for i in g["items"]]
    assert sorted(ids) == sorted({new_pk, world.item_a.pk})  # each item once
    assert own.total == 2


def test_mine_page_heads_each_programme_with_its_year(world: World) -> None:
    current_pk, _ = _this_years_copy(world)
    body = client_for(world.leader).get(reverse("ledger:mine")).content.decode()
    year = timezone.localdate().year
    heads = re.findall(r'<span class="year-tag">(\d{4})年</span>', body)
    assert heads == [str(year), "2021"]
    assert body.index(f'data-programme="{current_pk}"') < body.index(
        f'data-programme="{world.programme.pk}"'
    )
    # the shared number shows once under each programme, never twice in one
    sections = body.split('class="mine-programme')[1:]
    for section in sections:
        assert section.count(f">{world.item_a.number}<") <= 1


def test_mine_keeps_an_overdue_item_out_of_its_lifecycle_group(world: World) -> None:
    own = my_item_groups(world.leader)
    (programme,) = own.programmes
    keys = [g["key"] for g in programme.groups]
    assert keys[0] == "overdue"  # the 2021 item is past its deadline
    listed = [i.pk for g in programme.groups for i in g["items"]]
    assert listed.count(world.item_a.pk) == 1
    assert programme.overdue_count == own.overdue_count == 1
