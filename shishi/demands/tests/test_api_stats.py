"""The three rates in the API (``GET /api/v1/demands/stats``, ``…/stats/trend``): the same
numbers as the statistics page's selector, its readers, its errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shishi.conftest import World, client_for
from shishi.demands import rates, stats_selectors
from shishi.demands.models import Demand
from shishi.demands.tests import test_rates
from shishi.demands.tests.conftest import Dm
from shishi.demands.tests.test_rates import MAY

may = test_rates.may  # the fixture: unit A's May, counted by hand
API = "/api/v1/demands/stats"
COUNTS = ("dispatched", "on_time", "called_back", "satisfied", "basically", "dissatisfied")
RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")


def _same(got: dict[str, Any], counts: rates.Counts) -> None:
    for name in COUNTS:
        assert got[name] == getattr(counts, name), name
    for name in RATES:
        assert got[name] == pytest.approx(getattr(counts, name)), name


def test_the_month_equals_the_stats_page(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    got = client_for(world.office).get(f"{API}?month=2026-05&jurisdiction=230103")
    assert got.status_code == 200, got.content
    body = got.json()
    page = stats_selectors.stats_page(world.office, district=world.nangang.pk, month=MAY)
    assert body["jurisdiction"] == {"code": "230103", "name": "南岗区"}
    assert body["month"] == "2026-05"
    assert body["start"].startswith("2026-05-01T00:00:00+08:00")
    assert body["end"].startswith("2026-06-01T00:00:00+08:00")
    _same(body["district"], page.district)
    assert len(body["units"]) == len(page.units) == 1
    for out, row in zip(body["units"], page.units, strict=True):
        assert out["rank"] == row.rank
        assert out["unit"] == {"id": row.counts.key, "name": row.name}
        _same(out, row.counts)
    assert body["weights"] == {
        "response": 0.1,
        "resolution": 0.45,
        "satisfaction": 0.45,
        "basically": 0.8,
    }
    assert set(body["definitions"]) == {*RATES, "assessed"}
    assert "基本满意×0.8" in body["definitions"]["satisfaction_rate"]


def test_an_upheld_appeal_is_left_out(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    # Five demands dispatched to unit A in May and four called back; d4's appeal was upheld.
    assert may["d4"].pk in Demand.objects.filter(assessed=False).values_list("pk", flat=True)
    unit = client_for(world.office).get(f"{API}?month=2026-05").json()["units"][0]
    assert unit["unit"]["id"] == world.unit_a.pk
    assert (unit["dispatched"], unit["on_time"]) == (4, 2)
    assert (unit["called_back"], unit["satisfied"], unit["basically"]) == (3, 1, 1)
    assert unit["response_rate"] == pytest.approx(0.5)
    assert unit["resolution_rate"] == pytest.approx(2 / 3)


def test_no_personal_data(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    text = json.dumps(client_for(world.office).get(f"{API}?month=2026-05").json())
    assert "5678" not in text and "138" not in text
    assert "一曼街" not in text  # no descriptions or addresses either


def test_the_trend_equals_the_page_s(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    got = client_for(world.office).get(f"{API}/trend?months=3&month=2026-06")
    assert got.status_code == 200, got.content
    body = got.json()
    assert [m["month"] for m in body["months"]] == ["2026-04", "2026-05", "2026-06"]
    page = stats_selectors.stats_page(
        world.office, district=world.nangang.pk, month=rates.Month(2026, 6)
    )
    for out, (month, counts) in zip(body["months"], page.trend[-3:], strict=True):
        assert out["month"] == str(month)
        _same(out, counts)
    assert body["months"][1]["dispatched"] == 4
    assert len(client_for(world.office).get(f"{API}/trend").json()["months"]) == 12


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("month=2026-13", "month"),
        ("month=May", "month"),
        ("month=", "month"),
        ("jurisdiction=abc", "jurisdiction"),
        ("bogus=1", "bogus"),
        ("month=2026-05&District=230103", "District"),
    ],
)
def test_bad_parameters_are_422_naming_them(world: World, dm: Dm, query: str, field: str) -> None:
    got = client_for(world.office).get(f"{API}?{query}")
    assert got.status_code == 422, got.content
    assert field in got.json()["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("months=0", "months"), ("months=25", "months"), ("months=x", "months"), ("q=1", "q")],
)
def test_bad_trend_parameters_are_422(world: World, dm: Dm, query: str, field: str) -> None:
    got = client_for(world.office).get(f"{API}/trend?{query}")
    assert got.status_code == 422, got.content
    assert field in got.json()["errors"]


@pytest.mark.parametrize("code", ["999999", "230100"])
def test_an_unknown_district_or_a_city_is_404(world: World, dm: Dm, code: str) -> None:
    assert client_for(world.office).get(f"{API}?jurisdiction={code}").status_code == 404
    assert client_for(world.office).get(f"{API}/trend?jurisdiction={code}").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("city_office", 200),
        ("leader", 200),
        ("outsider", 404),  # another district's office: Nangang is not theirs
        ("operator", 403),
        ("editor_a", 403),
        ("viewer_a", 403),
        ("inspector", 403),
        ("resident", 403),
    ],
)
def test_who_reads_the_statistics(world: World, dm: Dm, who: str, status: int) -> None:
    user = getattr(world, who)
    # The same rule as the page.
    assert stats_selectors.reads_stats(user, world.nangang.pk) == (status == 200)
    client = client_for(user)
    assert client.get(f"{API}?jurisdiction=230103").status_code == status
    assert client.get(f"{API}/trend?jurisdiction=230103").status_code == status


def test_signed_out_is_401_and_another_office_reads_its_own(world: World, dm: Dm) -> None:
    assert client_for(None).get(API).status_code == 401
    own = client_for(world.outsider).get(API)
    assert own.status_code == 200 and own.json()["jurisdiction"]["code"] == "230111"
    assert own.json()["units"] == []
