"""The ledger list and "mine": columns, chips, filters, htmx, bad input, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.models import Item
from shishi.ledger.selectors import HISTORY_LIMIT
from shishi.ledger.tests.factories import CategoryFactory, ItemFactory
from shishi.ledger.tests.pages import fresh, tiny_png

# --- the list ---------------------------------------------------------------------------------


def test_list_shows_items_with_columns_and_chips(world: World) -> None:
    response = client_for(world.office).get(reverse("ledger:list"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "抢修一曼街塌陷及翻浆路段",
        "新建幼儿园",
        "区城管局",
        "常务副区长",
        "城建城管执法类",
    ):
        assert text in body
    assert "职业技能培训" not in body  # Hulan's
    assert "导入台账" in body and "导出Excel" in body
    assert 'class="chip' in body


def test_list_filters(world: World) -> None:
    client = client_for(world.office)
    url = reverse("ledger:list")

    def names(**params: Any) -> set[str]:
        body = client.get(url, params).content.decode()
        return {n for n in ("抢修一曼街塌陷及翻浆路段", "新建幼儿园") if n in body}

    assert names(q="幼儿园") == {"新建幼儿园"}
    assert names(q="1-1") == {"抢修一曼街塌陷及翻浆路段"}
    assert names(unit=world.unit_c.pk) == {"抢修一曼街塌陷及翻浆路段"}  # as partner
    assert names(unit=world.unit_b.pk) == {"新建幼儿园"}
    assert names(leader=world.leader_person.pk) == {"抢修一曼街塌陷及翻浆路段"}
    assert names(lifecycle="done") == set()
    assert names(overdue="1") == {"抢修一曼街塌陷及翻浆路段", "新建幼儿园"}  # 2021 is past


def test_list_htmx_returns_the_results_partial(world: World) -> None:
    response = client_for(world.office).get(
        reverse("ledger:list"),
        {"q": "幼儿园"},
        headers={"HX-Request": "true", "HX-Target": "ledger-results"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="ledger-results"')
    assert "<html" not in body
    assert "新建幼儿园" in body and "抢修一曼街" not in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1"},
        {"unit": "xyz"},
        {"category": "999999"},
        {"leader": "-5"},
        {"programme": "abc"},
        {"programme": "99999999999999999999999"},
        {"lifecycle": "bogus"},
        {"overdue": "maybe"},
        {"per_page": "100000"},
        {"per_page": "zero"},
        {"jurisdiction": "../../"},
        {"q": "路" * 500},
        {"category": "1e9", "unit": "0x10", "page": "1.5"},
    ],
)
def test_bad_query_params_never_500(world: World, params: dict[str, str]) -> None:
    response = client_for(world.office).get(reverse("ledger:list"), params)
    assert response.status_code in (200, 404)


def test_bad_ids_in_paths_are_404(world: World) -> None:
    client = client_for(world.office)
    for url in (
        "/ledger/items/99999999999999999999999/",
        "/ledger/items/0/",
        "/ledger/items/999999/progress/",
        f"/ledger/items/{world.item_a.pk}/attachments/424242/",
        "/ledger/import/999999/",
    ):
        assert client.get(url).status_code == 404, url


def test_per_page_is_capped_at_100(world: World) -> None:
    category = CategoryFactory(programme=world.programme, name="民生服务类")
    for n in range(105):
        ItemFactory(
            programme=world.programme, category=category, lead_unit=world.unit_b, number=f"2-{n}"
        )
    client = client_for(world.office)
    body = client.get(reverse("ledger:list"), {"per_page": "500"}).content.decode()
    assert body.count('<td class="col-num"') == 100
    body = client.get(reverse("ledger:list")).content.decode()
    assert body.count('<td class="col-num"') == 25
    assert "?page=2" in body or "page=2" in body


def _many_items(world: World, count: int, category_name: str) -> None:
    """``count`` items with a sponsor and a partner each, in a category of their own."""
    category = CategoryFactory(programme=world.programme, name=category_name)
    for n in range(count):
        item = cast(
            Item,
            ItemFactory(
                programme=world.programme,
                category=category,
                lead_unit=world.unit_a if n % 2 else world.unit_b,
                number=f"{category_name}-{n}",
            ),
        )
        item.sponsor_leaders.add(world.leader_person)
        item.partner_units.add(world.unit_c)


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["ledger:list", "ledger:mine"])
def test_list_pages_use_a_constant_number_of_queries(
    world: World, page: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.leader)  # sponsors every item made here, so "mine" lists them
    url = reverse(page) + ("?per_page=100" if page == "ledger:list" else "")
    _many_items(world, 10, "民生服务类")
    few = _count_queries(client, url)
    _many_items(world, 50, "文教卫生类")  # 60 now
    many = _count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(few):
        body = client.get(url).content.decode()
    assert body.count('<td class="col-num"') >= 60


def test_item_page_uses_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.office)
    url = reverse("ledger:item", args=[world.item_a.pk])

    def post(n: int) -> None:
        for i in range(n):
            item = fresh(world.item_a)
            photo = SimpleUploadedFile(f"p{i}.png", tiny_png(), content_type="image/png")
            services.record_progress(
                item,
                actor=world.editor_a,
                text=f"第{i}次进展",
                rate=Decimal(i % 100),
                reported_on=dt.date(2021, 1, 1) + dt.timedelta(days=i),
                attachments=[photo],
            )

    post(5)
    few = _count_queries(client, url)
    post(45)
    many = _count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(few):
        body = client.get(url).content.decode()
    assert body.count('class="attachments"') == 50


def test_item_history_is_limited_with_a_link_to_all(world: World) -> None:
    item = world.item_a
    for i in range(105):
        item = services.update_item(
            fresh(item), actor=world.office, expected_version=None, remarks=f"备注{i}"
        )
    client = client_for(world.office)
    history = reverse("ledger:item_history", args=[item.pk])
    page = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    # The item page comes first; its side panel loads the history after it.
    assert f'hx-get="{history}"' in page and "h-field" not in page
    body = client.get(history, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body and f"{history}?all=1" in body
    assert body.count('<span class="h-field">备注</span>') == HISTORY_LIMIT
    body = client.get(history, {"all": "1"}).content.decode()
    assert "<html" in body and item.name in body
    # the 105 edits and the creation (which set 备注 to blank)
    assert body.count('<span class="h-field">备注</span>') == 106


def test_mine_groups_items_with_overdue_first(world: World) -> None:
    body = client_for(world.leader).get(reverse("ledger:mine")).content.decode()
    assert "抢修一曼街塌陷及翻浆路段" in body
    assert "新建幼儿园" not in body  # not sponsored by this leader
    assert "已逾期" in body
    body = client_for(world.partner_editor).get(reverse("ledger:mine")).content.decode()
    assert "抢修一曼街塌陷及翻浆路段" in body
    body = client_for(world.office).get(reverse("ledger:mine")).content.decode()
    assert "没有与您相关的事项" in body


def test_city_office_sees_district_switcher(world: World) -> None:
    client = client_for(world.city_office)
    body = client.get(reverse("ledger:list")).content.decode()
    assert 'name="jurisdiction"' in body
    assert "呼兰区" in body and "南岗区" in body
    body = client.get(reverse("ledger:list"), {"jurisdiction": world.hulan.code}).content.decode()
    assert "职业技能培训" in body
    assert "抢修一曼街" not in body
    item_page = reverse("ledger:item", args=[world.item_a.pk])
    assert 'id="switch-jurisdiction"' in client.get(item_page).content.decode()
    # One district: no switcher (and no query for it).
    assert (
        'id="switch-jurisdiction"' not in client_for(world.office).get(item_page).content.decode()
    )


def test_top_bar_shows_name_roles_language_and_logout(world: World) -> None:
    body = client_for(world.editor_a).get(reverse("ledger:list")).content.decode()
    assert "editor_a" in body
    assert "区城管局单位填报员" in body
    assert reverse("set_language") in body
    assert f'action="{reverse("logout")}" method="post"' in body


def test_english_catalogue_is_used(world: World) -> None:
    client = client_for(world.office)
    client.post(reverse("set_language"), {"language": "en", "next": "/ledger/"})
    body = client.get(reverse("ledger:list")).content.decode()
    assert "<h1>Ledger</h1>" in body
    assert "Export to Excel" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/ledger/"})
    assert "<h1>实事台账</h1>" in client.get(reverse("ledger:list")).content.decode()


def test_item_history_is_refused_where_the_item_is(world: World) -> None:
    url = reverse("ledger:item_history", args=[world.item_a.pk])
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.editor_a).get(url).status_code == 200
