"""The board's pages: who sees which board, every number links to its items, bad input is
refused with a clear page, and the page costs a constant number of queries."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shishi.board import services
from shishi.board.models import WarningThresholds
from shishi.board.tests.conftest import D, many_items, post
from shishi.conftest import World
from shishi.ledger.selectors import programme_items
from shishi.orgs.models import User

FIG = re.compile(r'<a class="fig[^"]*" href="([^"]+)"[^>]*>(\d+)</a>')
TOTAL = re.compile(r'data-total="(\d+)"')


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _url(name: str, *args: Any, **params: Any) -> str:
    url = reverse(f"board:{name}", args=args)
    return f"{url}?{urlencode(params)}" if params else url


def _seed(world: World) -> None:
    post(world.item_a, D(2021, 3, 1), 20)
    post(world.item_a, D(2021, 6, 10), 40)


# --- who lands where ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("office", "programme"),
        ("city_office", "city"),
        ("editor_a", "unit_a"),
        ("viewer_a", "unit_a"),
        ("partner_editor", "unit_c"),
        ("leader", "leader"),
        ("outsider", "hulan"),
    ],
)
def test_board_home_redirects_each_persona_to_own_board(
    world: World, persona: str, expected: str
) -> None:
    response = _client(getattr(world, persona)).get(_url("home"))
    targets = {
        "programme": _url("programme", world.programme.pk),
        "city": _url("city", world.city.code),
        "unit_a": _url("programme", world.programme.pk, unit=world.unit_a.pk),
        "unit_c": _url("programme", world.programme.pk, unit=world.unit_c.pk),
        "leader": _url("programme", world.programme.pk, leader=world.leader_person.pk),
        "hulan": _url("programme", world.hulan_programme.pk),
    }
    assert response.status_code == 302
    assert response["Location"] == targets[expected]


@pytest.mark.parametrize("persona", ["resident", "inspector", "operator"])
def test_board_home_refuses_roles_without_a_board(world: World, persona: str) -> None:
    response = _client(getattr(world, persona)).get(_url("home"))
    assert response.status_code == 403
    assert "没有可查看的作战图" in response.content.decode()


def test_anonymous_is_sent_to_login_from_every_board_page(world: World) -> None:
    pk = world.programme.pk
    for url in (
        _url("home"),
        _url("programme", pk),
        _url("items", pk),
        _url("wall", pk),
        _url("print", pk),
        _url("data", pk),
        _url("export", pk),
        _url("thresholds", pk),
        _url("city", world.city.code),
    ):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


# --- who sees which board -----------------------------------------------------------------

PROGRAMME_VIEWS = ["programme", "items", "wall", "print", "data", "export"]


def _access_cases(world: World) -> list[tuple[str, dict[str, Any], int]]:
    unit_a = {"unit": world.unit_a.pk}
    unit_b = {"unit": world.unit_b.pk}
    mine = {"leader": world.leader_person.pk}
    return [
        ("office", {}, 200),
        ("office", unit_b, 200),
        ("office", mine, 200),
        ("city_office", {}, 200),  # the city office sees every district's boards
        ("city_office", unit_a, 200),
        ("editor_a", unit_a, 200),
        ("editor_a", {}, 403),  # not the whole programme
        ("editor_a", unit_b, 403),  # not another unit
        ("viewer_a", unit_a, 200),
        ("partner_editor", unit_a, 403),  # a partner is not the lead unit
        ("leader", mine, 200),
        ("leader", {}, 403),
        ("leader", unit_a, 403),
        ("inspector", {}, 403),
        ("outsider", {}, 404),  # another district: nothing leaks
        ("outsider", unit_a, 404),
        ("resident", {}, 404),
    ]


@pytest.mark.parametrize("view", PROGRAMME_VIEWS)
def test_programme_board_pages_per_persona(world: World, view: str) -> None:
    _seed(world)
    for persona, params, status in _access_cases(world):
        response = _client(getattr(world, persona)).get(_url(view, world.programme.pk, **params))
        assert response.status_code == status, (view, persona, params, response.status_code)


def test_a_unit_sees_only_its_own_items_on_its_board(world: World) -> None:
    _seed(world)
    body = (
        _client(world.editor_a)
        .get(_url("programme", world.programme.pk, unit=world.unit_a.pk))
        .content.decode()
    )
    assert world.unit_a.name in body
    assert world.item_b.name not in body  # unit B's item is not on unit A's board
    assert "预警规则</a>" not in body  # only the office sets the warning rules


def test_leader_board_holds_his_items(world: World) -> None:
    _seed(world)
    response = _client(world.leader).get(
        _url("programme", world.programme.pk, leader=world.leader_person.pk)
    )
    board = response.context["board"]
    assert board.totals.items.value == 1  # item_a only
    assert board.leader_name == world.leader_person.name


def test_city_board_per_persona(world: World) -> None:
    url = _url("city", world.city.code, year=2021)
    assert _client(world.city_office).get(url).status_code == 200
    for persona in ("office", "outsider", "editor_a", "resident"):
        assert _client(getattr(world, persona)).get(url).status_code == 404, persona
    assert _client(world.city_office).get(_url("city", world.nangang.code)).status_code == 404


def test_city_board_compares_districts_and_links_each_to_its_board(world: World) -> None:
    _seed(world)
    response = _client(world.city_office).get(_url("city", world.city.code, year=2021))
    body = response.content.decode()
    districts = {d.name: d for d in response.context["board"].districts}
    assert districts["南岗区"].row.items.value == 2
    assert districts["呼兰区"].row.items.value == 1
    assert f'href="{_url("programme", world.programme.pk)}"' in body
    assert f'href="{_url("programme", world.hulan_programme.pk)}"' in body
    data = json.loads(_json_script(body))
    assert [d["name"] for d in data["districts"]] == ["南岗区", "呼兰区"]
    # The city office may open every district's figures.
    client = _client(world.city_office)
    for href, value in _figures(body):
        assert _total(client, href) == value, href


# --- every number links to the items behind it ---------------------------------------------


def _figures(body: str) -> list[tuple[str, int]]:
    return [(html.unescape(href), int(value)) for href, value in FIG.findall(body)]


def _total(client: Client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    found = TOTAL.search(response.content.decode())
    assert found is not None, href
    return int(found.group(1))


def _json_script(body: str, name: str = "board-data") -> str:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', body, re.S)
    assert found is not None
    return found.group(1)


def _json_figures(node: Any) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if isinstance(node, dict):
        if "href" in node and "value" in node and node["href"].startswith("/board/"):
            out.append((node["href"], node["value"]))
        for value in node.values():
            out += _json_figures(value)
    elif isinstance(node, list):
        for value in node:
            out += _json_figures(value)
    return out


@pytest.mark.parametrize("board", ["programme", "unit", "leader", "as_of"])
def test_every_number_on_the_board_equals_the_items_behind_it(world: World, board: str) -> None:
    _snapshots(world)
    cases: dict[str, tuple[User, dict[str, Any]]] = {
        "programme": (world.office, {}),
        "unit": (world.editor_a, {"unit": world.unit_a.pk}),
        "leader": (world.leader, {"leader": world.leader_person.pk}),
        "as_of": (world.office, {"as_of": "2021-06-20"}),
    }
    user, params = cases[board]
    client = _client(user)
    body = client.get(_url("programme", world.programme.pk, **params)).content.decode()
    figures = _figures(body)
    assert len(figures) >= 15
    checked: dict[str, int] = {}
    for href, value in figures:
        assert href.startswith(_url("items", world.programme.pk))
        if href in checked:
            assert checked[href] == value, href  # one filter, one count, wherever it shows
            continue
        checked[href] = _total(client, href)
        assert checked[href] == value, (href, value, checked[href])
    # The charts' bars and slices link the same way.
    for href, value in _json_figures(json.loads(_json_script(body))):
        assert _total(client, href) == value, href


def test_board_totals_equal_the_ledgers_item_count(world: World) -> None:
    _seed(world)
    response = _client(world.office).get(_url("programme", world.programme.pk))
    ledger_count = programme_items(world.office, world.programme).count()
    assert response.context["board"].totals.items.value == ledger_count == 2
    ledger = _client(world.office).get(reverse("ledger:list"), {"programme": world.programme.pk})
    assert f"共 {ledger_count} 项" in ledger.content.decode()


def test_board_lists_red_and_yellow_items_first_with_their_reason(world: World) -> None:
    _seed(world)
    body = _client(world.office).get(_url("programme", world.programme.pk)).content.decode()
    alerts = body.index('id="h-alerts"')
    assert alerts < body.index('id="h-category"') < body.index('id="h-gantt"')
    section = body[alerts : body.index('id="h-category"')]
    assert world.item_b.name in section
    assert reverse("ledger:item", args=[world.item_b.pk]) in section
    assert "完成率" in section  # the reason in words


def test_board_as_of_a_past_date_names_its_snapshot(world: World) -> None:
    _snapshots(world)
    response = _client(world.office).get(_url("programme", world.programme.pk, as_of="2021-06-23"))
    body = response.content.decode()
    assert response.context["board"].snapshot_on == D(2021, 6, 20)
    assert "截至2021年6月23日（取2021年6月20日周快照）" in body
    assert '<option value="2021-06-20" selected>' in body
    assert "as_of=2021-06-20" in body  # the figures keep the date


def _snapshots(world: World) -> None:
    _seed(world)
    services.backfill_snapshots(world.programme.pk, today=timezone.localdate())


def test_items_page_lists_the_items_with_reason_and_links(world: World) -> None:
    _snapshots(world)  # on 2021-06-20 item B (0 %) was red, item A (40 %) on schedule
    response = _client(world.office).get(
        _url("items", world.programme.pk, light="red", as_of="2021-06-20")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert TOTAL.search(body).group(1) == "1"  # type: ignore[union-attr]
    assert reverse("ledger:item", args=[world.item_b.pk]) in body
    assert world.item_a.name not in body
    assert "红灯" in body and "区教育局" in body  # the filter and the lead unit in words


def test_items_page_pages_through_many_items(world: World) -> None:
    many_items(world.programme, [world.unit_a], world.leader_person, 60)
    client = _client(world.office)
    first = client.get(_url("items", world.programme.pk))
    second = client.get(_url("items", world.programme.pk, page=2))
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 12
    assert client.get(_url("items", world.programme.pk, page=3)).status_code == 404


# --- bad parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "params", "status"),
    [
        ("programme", {"as_of": "2021-13-01"}, 400),
        ("programme", {"as_of": "yesterday"}, 400),
        ("programme", {"as_of": "2020-01-01"}, 400),  # before the first snapshot
        ("programme", {"unit": "abc"}, 400),
        ("programme", {"unit": "99999999"}, 404),
        ("programme", {"leader": "-1"}, 400),
        ("programme", {"leader": "99999999"}, 404),
        ("programme", {"unit": "1" * 40}, 400),
        ("items", {"status": "nonsense"}, 400),
        ("items", {"light": "blue"}, 400),
        ("items", {"category": "x"}, 400),
        ("items", {"page": "0"}, 400),
        ("items", {"page": "abc"}, 400),
        ("items", {"as_of": "2021-02-30"}, 400),
        ("items", {"unit": "99999999"}, 404),
        ("wall", {"as_of": "bad"}, 400),
        ("print", {"unit": "x"}, 400),
        ("data", {"leader": "x"}, 400),
        ("export", {"as_of": "bad"}, 400),
    ],
)
def test_bad_parameters_get_a_clear_page_never_a_500(
    world: World, view: str, params: dict[str, str], status: int
) -> None:
    response = _client(world.office).get(_url(view, world.programme.pk, **params))
    assert response.status_code == status
    assert response.context["message"]


def test_unknown_programme_and_city_are_not_found(world: World) -> None:
    client = _client(world.office)
    assert client.get(_url("programme", 99999999)).status_code == 404
    assert client.get(_url("items", 99999999)).status_code == 404
    assert _client(world.city_office).get(_url("city", "999999")).status_code == 404
    city = _client(world.city_office)
    assert city.get(_url("city", world.city.code, year="20x1")).status_code == 400
    assert city.get(_url("city", world.city.code, as_of="2021-02-30")).status_code == 400


# --- the wall screen, print sheet and data -----------------------------------------------------


def test_wall_screen_is_standalone_dark_and_refreshes(world: World) -> None:
    _seed(world)
    response = _client(world.office).get(_url("wall", world.programme.pk))
    body = response.content.decode()
    assert 'class="wall"' in body and 'data-refresh="300"' in body and 'data-rotate="20"' in body
    assert "topbar" not in body  # not the office layout
    assert body.count('class="wall-panel') == 6
    assert "no-cache" in response["Cache-Control"]
    assert len(response.content) < 60_000


def test_print_sheet_holds_the_charts_and_key_tables(world: World) -> None:
    _seed(world)
    body = _client(world.office).get(_url("print", world.programme.pk)).content.decode()
    for chart in ("status", "category", "trend"):
        assert f'data-chart="{chart}"' in body
    assert 'data-action="print"' in body and 'data-action="png"' in body
    assert world.item_b.name in body  # the red item on the sheet


def test_data_json_holds_the_board_figures(world: World) -> None:
    _snapshots(world)
    response = _client(world.office).get(_url("data", world.programme.pk, as_of="2021-06-20"))
    data = response.json()
    assert data["totals"]["items"]["value"] == 2
    assert data["totals"]["red"]["href"] == _url(
        "items", world.programme.pk, as_of="2021-06-20", light="red"
    )
    assert [a["number"] for a in data["alerts"]] == ["1-2"]
    assert {u["name"] for u in data["units"]} == {"区城管局", "区教育局"}


# --- warning rules -------------------------------------------------------------------------------


def _rules(**changes: Any) -> dict[str, Any]:
    values = {
        "behind_points": 10,
        "seriously_behind_points": 30,
        "ahead_points": 10,
        "stale_yellow_days": 14,
        "stale_red_days": 30,
        "not_started_yellow_months": 1,
        "not_started_red_months": 3,
        "forecast_window_days": 60,
        "version": 0,
    }
    values.update(changes)
    return values


def test_office_sets_the_warning_rules(world: World) -> None:
    client = _client(world.office)
    url = _url("thresholds", world.programme.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, _rules(behind_points=15))
    assert response.status_code == 302
    row = WarningThresholds.objects.get(programme=world.programme)
    assert (row.behind_points, row.version) == (15, 1)


def test_stale_warning_rules_are_refused_with_the_current_values(world: World) -> None:
    client = _client(world.office)
    url = _url("thresholds", world.programme.pk)
    client.post(url, _rules(behind_points=15))
    response = client.post(url, _rules(behind_points=20, version=0))
    body = response.content.decode()
    assert response.status_code == 409
    assert "已被他人修改" in body and "15" in body
    assert WarningThresholds.objects.get(programme=world.programme).behind_points == 15


def test_contradictory_warning_rules_are_refused_next_to_the_field(world: World) -> None:
    response = _client(world.office).post(
        _url("thresholds", world.programme.pk), _rules(seriously_behind_points=5)
    )
    assert response.status_code == 422
    assert "严重滞后的百分点不能小于滞后的百分点" in response.content.decode()
    response = _client(world.office).post(
        _url("thresholds", world.programme.pk), _rules(stale_red_days="abc")
    )
    assert response.status_code == 422
    assert not WarningThresholds.objects.filter(programme=world.programme).exists()


def test_only_the_office_changes_the_warning_rules(world: World) -> None:
    url = _url("thresholds", world.programme.pk)
    read_only = _client(world.editor_a).get(url)
    assert read_only.status_code == 200
    assert "只有专班可以修改预警规则" in read_only.content.decode()
    assert "btn-primary" not in read_only.content.decode()  # no save button
    assert read_only.context["form"].fields["behind_points"].disabled
    assert _client(world.editor_a).post(url, _rules()).status_code == 403
    assert _client(world.outsider).get(url).status_code == 404
    assert _client(world.resident).get(url).status_code == 404
    assert not WarningThresholds.objects.filter(programme=world.programme).exists()


# --- speed -------------------------------------------------------------------------------------


def _board_queries(client: Client, url: str) -> int:
    client.get(url)  # the first view of the day reassesses the items
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["programme", "wall", "items", "data"])
def test_board_page_queries_do_not_grow_with_the_items(world: World, view: str) -> None:
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 5)
    client = _client(world.office)
    url = _url(view, world.programme.pk)
    few = _board_queries(client, url)
    many_items(world.programme, [world.unit_a, world.unit_b], world.leader_person, 45, start=5)
    many = _board_queries(client, url)
    assert few == many, (few, many)
    assert many <= 30
