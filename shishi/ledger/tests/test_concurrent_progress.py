"""Concurrent progress posts through the API against a live server (real threads, real
connections): without ``expected_version`` they all succeed, queued on the item's row lock;
with a stale one only the first wins (docs/api.md promises 409 for a stale version only).

PostgreSQL only (``make test-pg``): on SQLite the test database lives in memory behind one
connection the live server's threads share, which cannot run transactions side by side
(and SQLite takes its write lock at BEGIN IMMEDIATE, so writers queue there anyway).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from shishi.conftest import World
from shishi.core.errors import StaleEdit, ValidationFailed
from shishi.ledger import services
from shishi.ledger.models import Item, ProgressUpdate
from shishi.orgs.services import create_api_token

POSTS = 16

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: the in-memory SQLite test database has one shared connection",
)


def _post_all(url: str, key: str, bodies: list[dict[str, Any]]) -> list[int]:
    """POST every body at once, from as many threads; their status codes."""
    start = threading.Barrier(len(bodies))

    def post(body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            method="POST",
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


@needs_postgresql
def test_concurrent_posts_without_a_version_all_succeed(live_server: Any, world: World) -> None:
    key = create_api_token(world.editor_a, name="load")
    item = world.item_a
    before = Item.objects.get(pk=item.pk).progress_version
    url = f"{live_server.url}/api/v1/items/{item.pk}/updates"
    statuses = _post_all(url, key, [{"text": f"第{i}次填报"} for i in range(POSTS)])
    assert statuses == [201] * POSTS
    assert Item.objects.get(pk=item.pk).progress_version == before + POSTS
    assert ProgressUpdate.objects.filter(item=item).count() == POSTS


@needs_postgresql
def test_concurrent_posts_with_the_same_version_let_one_win(live_server: Any, world: World) -> None:
    key = create_api_token(world.editor_a, name="load")
    item = world.item_a
    version = Item.objects.get(pk=item.pk).progress_version
    url = f"{live_server.url}/api/v1/items/{item.pk}/updates"
    bodies = [{"text": f"第{i}次", "expected_version": version} for i in range(POSTS)]
    statuses = _post_all(url, key, bodies)
    assert sorted(statuses) == [201] + [409] * (POSTS - 1)
    assert Item.objects.get(pk=item.pk).progress_version == version + 1


def test_a_post_read_before_another_was_saved_still_succeeds(world: World) -> None:
    """The interleaving of two concurrent posts, on both databases: the second read the
    item before the first was saved. Without ``expected_version`` it is not a conflict."""
    read_early = Item.objects.get(pk=world.item_a.pk)
    services.record_progress(world.item_a, actor=world.editor_a, text="先到", rate=Decimal(30))
    services.record_progress(read_early, actor=world.editor_a, text="后到", rate=Decimal(40))
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.progress_version == 3
    assert item.completion_rate == Decimal(40)
    assert item.progress_text == "后到"
    stale = Item.objects.get(pk=world.item_a.pk)
    services.record_progress(world.item_a, actor=world.editor_a, text="又一次")
    with pytest.raises(StaleEdit):
        services.record_progress(stale, actor=world.editor_a, text="旧版本", expected_version=3)


def test_the_lower_rate_rule_reads_the_rate_the_lock_sees(world: World) -> None:
    """A post read at 0% that lands after another's 60% is a lowering: it needs a reason."""
    read_early = Item.objects.get(pk=world.item_a.pk)
    services.record_progress(world.item_a, actor=world.editor_a, text="到60%", rate=Decimal(60))
    with pytest.raises(ValidationFailed) as caught:
        services.record_progress(read_early, actor=world.editor_a, text="到50%", rate=Decimal(50))
    assert "reason" in caught.value.errors
    assert Item.objects.get(pk=world.item_a.pk).completion_rate == Decimal(60)
