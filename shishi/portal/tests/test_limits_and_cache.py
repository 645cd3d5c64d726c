"""Public rate limits (429 with Retry-After) and the open data kept under the programme's
publication version."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from shishi.core.ratelimit import parse_rate
from shishi.env import envrate
from shishi.ledger import services as ledger_services
from shishi.portal.models import PublicationVersion
from shishi.portal.tests.conftest import Published


@pytest.fixture
def limits(settings: Any) -> dict[str, str]:
    caches["ratelimit"].clear()
    settings.SHISHI_RATE_LIMITS = {"search": "3/60", "open_data": "2/60", "public_form": "off"}
    return settings.SHISHI_RATE_LIMITS


@pytest.fixture
def cached(settings: Any) -> None:
    caches["public"].clear()
    settings.SHISHI_PUBLIC_CACHE_SECONDS = 60


def _json_url(p: Published) -> str:
    return reverse("portal:items_json", args=[p.code, p.year])


def test_open_data_past_its_rate_is_429_with_retry_after_in_json(
    published: Published, limits: Any
) -> None:
    client = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(2):
        assert client.get(_json_url(published)).status_code == 200
    refused = client.get(_json_url(published))
    assert refused.status_code == 429
    seconds = int(refused["Retry-After"])
    assert 1 <= seconds <= 60
    assert refused.json() == {
        "detail": f"请求过于频繁，请在{seconds}秒后再试",
        "retry_after": seconds,
    }
    assert "no-store" in refused["Cache-Control"]
    csv_url = reverse("portal:items_csv", args=[published.code, published.year])
    assert client.get(csv_url).status_code == 429  # the same rate counts both formats
    # Another client is counted apart.
    assert Client(REMOTE_ADDR="198.51.100.21").get(_json_url(published)).status_code == 200


def test_search_past_its_rate_is_a_429_page_while_browsing_goes_on(
    published: Published, limits: Any
) -> None:
    client = Client(REMOTE_ADDR="198.51.100.30")
    url = reverse("portal:programme", args=[published.code, published.year])
    for _ in range(3):
        assert client.get(url, {"q": "路"}).status_code == 200
    refused = client.get(url, {"q": "路"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请求过于频繁" in refused.content.decode()
    assert refused["Content-Type"].startswith("text/html")
    for _ in range(5):  # the list without a search is not limited
        assert client.get(url).status_code == 200


def test_ipv6_clients_are_counted_by_their_64_network(published: Published, limits: Any) -> None:
    for suffix in ("1", "2"):
        response = Client(REMOTE_ADDR=f"2001:db8:1:2::{suffix}").get(_json_url(published))
        assert response.status_code == 200
    assert Client(REMOTE_ADDR="2001:db8:1:2::3").get(_json_url(published)).status_code == 429
    assert Client(REMOTE_ADDR="2001:db8:1:3::1").get(_json_url(published)).status_code == 200


@pytest.mark.parametrize("bad", ["fast", "10/0", "-1/60", "10/x"])
def test_a_bad_rate_names_its_setting(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="SHISHI_RATE_SEARCH"):
        monkeypatch.setenv("SHISHI_RATE_SEARCH", bad)
        envrate("SHISHI_RATE_SEARCH", "60/60")
    with pytest.raises(ImproperlyConfigured):
        parse_rate(bad, name="x")
    assert parse_rate("off").unlimited and parse_rate("30/10").count == 30


def test_open_data_is_served_from_the_cache_until_the_programme_changes(
    published: Published,
    cached: None,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    p = published
    client = Client()
    first = client.get(_json_url(p))
    assert first.status_code == 200
    with django_assert_max_num_queries(1):  # the programme with its version, nothing else
        again = client.get(_json_url(p))
    assert again.content == first.content
    assert again["Access-Control-Allow-Origin"] == "*"
    names = {row["name"] for row in first.json()["items"]}
    assert p.item.name in names and p.world.item_b.name not in names
    # The office publishes another item: once that commits, the next request shows it.
    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.set_item_publication(p.world.item_b, actor=p.world.office, public=True)
    assert PublicationVersion.objects.get(pk=p.world.programme.pk).version >= 1
    after = client.get(_json_url(p)).json()
    assert p.world.item_b.name in {row["name"] for row in after["items"]}
    # And withdraws it again.
    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.set_item_publication(p.world.item_b, actor=p.world.office, public=False)
    again_after = client.get(_json_url(p)).json()
    assert p.world.item_b.name not in {row["name"] for row in again_after["items"]}


def test_a_change_not_yet_committed_leaves_the_version_alone(
    published: Published, django_capture_on_commit_callbacks: Any
) -> None:
    before = PublicationVersion.objects.filter(pk=published.world.programme.pk).first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ledger_services.set_item_publication(
            published.world.item_b, actor=published.world.office, public=True
        )
    after = PublicationVersion.objects.filter(pk=published.world.programme.pk).first()
    assert (before and before.version) == (after and after.version)
    assert callbacks  # the bump waits for the commit


def test_cached_open_data_keeps_each_hosts_own_urls(
    published: Published, cached: None, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["testserver", "portal.example.gov.cn"]
    local = Client().get(_json_url(published)).json()
    other = Client(HTTP_HOST="portal.example.gov.cn").get(_json_url(published)).json()
    assert local["items"][0]["url"].startswith("http://testserver/")
    assert other["items"][0]["url"].startswith("http://portal.example.gov.cn/")
