"""A constant number of queries, whatever the number of items, updates and photos."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World
from shishi.ledger.models import Attachment, Item, Lifecycle, ProgressUpdate
from shishi.ledger.tests.factories import CategoryFactory, ItemFactory
from shishi.orgs.models import User
from shishi.portal import services


def _grow(world: World, n_items: int, updates_per_item: int = 2) -> list[Item]:
    """``n_items`` published items in two categories, each with public updates and photos."""
    categories = [
        CategoryFactory(programme=world.programme, name=f"类别{k}", order=k) for k in (1, 2)
    ]
    items: list[Item] = [
        ItemFactory.create(
            programme=world.programme,
            category=categories[n % 2],
            lead_unit=world.unit_a,
            completion_rate=Decimal(n % 101),
            lifecycle=Lifecycle.DONE if n % 5 == 0 else Lifecycle.IN_PROGRESS,
        )
        for n in range(n_items)
    ]
    for item in items:
        for k in range(updates_per_item):
            update = ProgressUpdate.objects.create(
                jurisdiction=world.nangang,
                item=item,
                programme_id=item.programme_id,
                reported_on=dt.date(2021, 3, 1) + dt.timedelta(days=k),
                rate=Decimal(10 * k),
                text=f"进展{k}",
                is_public=True,
            )
            Attachment.objects.create(
                update=update,
                file=f"progress/{item.pk}/p{k}.png",
                name=f"p{k}.png",
                content_type="image/png",
                is_public=True,
            )
    services.set_items_public(world.programme, [i.pk for i in items], True, actor=world.office)
    return items


def _count(url: str, user: User | None = None) -> int:
    client = Client()
    if user is not None:
        client.force_login(user)
        client.get(url)  # the session's own queries are not the page's
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _public_urls(world: World, item: Item) -> list[str]:
    code, year = world.nangang.code, world.programme.year
    return [
        reverse("portal:index"),
        reverse("portal:programme", args=[code, year]),
        reverse("portal:programme", args=[code, year]) + "?q=实事&page=2",
        reverse("portal:item", args=[code, year, item.pk]),
        reverse("portal:items_json", args=[code, year]),
        reverse("portal:items_csv", args=[code, year]),
    ]


def test_public_pages_take_the_same_queries_for_5_and_50_items(world: World) -> None:
    few_items = _grow(world, 5, updates_per_item=1)
    few = [_count(url) for url in _public_urls(world, few_items[0])]
    many_items = _grow(world, 45, updates_per_item=6)  # 50 in all, six updates each
    many = [_count(url) for url in _public_urls(world, many_items[0])]
    assert few == many
    assert max(many) <= 5


def test_office_pages_take_the_same_queries_for_5_and_50_items(world: World) -> None:
    few_items = _grow(world, 5, updates_per_item=1)
    urls = [
        reverse("portal:manage", args=[world.programme.pk]),
        reverse("portal:manage_item", args=[world.programme.pk, few_items[0].pk]),
    ]
    few = [_count(url, world.office) for url in urls]
    many_items = _grow(world, 45, updates_per_item=6)
    urls[1] = reverse("portal:manage_item", args=[world.programme.pk, many_items[0].pk])
    many = [_count(url, world.office) for url in urls]
    assert few == many
