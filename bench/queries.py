"""Database queries per page, counted in-process with Django's test client.

    python -m bench.queries [--city]   # DATABASE_URL from the environment; one JSON line

Each page is requested once to warm the per-process caches (content types, the session),
then counted on a second request under ``CaptureQueriesContext``. Run on datasets of two
sizes, equal counts show a page's queries do not grow with the data (no N+1).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from bench.common import emit


def pages(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The benchmarked pages, shared with the HTTP run (bench.run builds both from this)."""
    p, u, c, d = info["programme"], info["unit"], info["category"], info["detail_item"]
    return [
        {
            "name": "ledger_unit_25",
            "method": "GET",
            "path": f"/ledger/?programme={p}&unit={u}",
            "auth": "session",
            "target_p95_ms": 25,
        },
        {
            "name": "ledger_category_25",
            "method": "GET",
            "path": f"/ledger/?programme={p}&category={c}",
            "auth": "session",
            "target_p95_ms": 25,
        },
        {
            "name": "ledger_100",
            "method": "GET",
            "path": f"/ledger/?programme={p}&per_page=100",
            "auth": "session",
            "target_p95_ms": 50,
        },
        {
            "name": "item_detail",
            "method": "GET",
            "path": f"/ledger/items/{d}/",
            "auth": "session",
            "contains": info["detail_number"],
            "target_p95_ms": 30,
        },
        {
            # The item page's change history, which the page loads after itself (htmx).
            "name": "item_history",
            "method": "GET",
            "path": f"/ledger/items/{d}/history/",
            "auth": "session",
            "headers": {"HX-Request": "true"},
        },
        {
            "name": "api_items_unit_25",
            "method": "GET",
            "path": f"/api/v1/items?programme={p}&unit={u}&page_size=25",
            "auth": "token",
            "json_items": 25,
            "target_p95_ms": 25,
        },
        {
            "name": "board_programme",
            "method": "GET",
            "path": f"/board/programme/{p}/",
            "auth": "session",
            "target_p95_ms": 150,
        },
        {
            "name": "board_wall",
            "method": "GET",
            "path": f"/board/programme/{p}/wall/",
            "auth": "session",
        },
        {
            "name": "review_queue_25",
            "method": "GET",
            "path": f"/ledger/review/?programme={p}",
            "auth": "session",
            "target_p95_ms": 50,
        },
        {
            "name": "review_queue_p200",
            "method": "GET",
            "path": f"/ledger/review/?programme={p}&page=200",
            "auth": "session",
            "target_p95_ms": 50,
        },
        {
            "name": "api_post_update",
            "method": "POST",
            "path": f"/api/v1/items/{info['post_item']}/updates",
            "auth": "token",
            "json": {"text": "基准测试进展", "rate": 1, "reason": "基准测试：完成率按1%填报"},
            "expect": [201],
            "target_rps": 100,
        },
    ]


def city_pages(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The city board, measured on the city dataset (20 districts)."""
    return [
        {
            "name": "board_city",
            "method": "GET",
            "path": f"/board/city/{info['city_code']}/",
            "auth": "session",
            "target_p95_ms": 300,
        }
    ]


def transfer_pages(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Pages whose first-visit download size the report gives."""
    return [{"name": "board_wall", "path": f"/board/programme/{info['programme']}/wall/"}]


def count_queries(info: dict[str, Any], *, city: bool = False) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shishi.orgs.models import User

    session = Client()
    session.force_login(User.objects.get(username=info["username"]))
    api = Client(headers={"Authorization": f"Bearer {info['token']}"})
    counts: dict[str, int] = {}
    for page in city_pages(info) if city else pages(info):
        client = api if page["auth"] == "token" else session
        for attempt in range(2):
            with CaptureQueriesContext(connection) as ctx:
                if page["method"] == "POST":
                    body = json.dumps({**page["json"], "text": f"查询计数{attempt}"})
                    resp = client.post(page["path"], body, content_type="application/json")
                else:
                    resp = client.get(page["path"], headers=page.get("headers", {}))
            expect = page.get("expect", [200])
            if resp.status_code not in expect:
                raise SystemExit(
                    f"bench.queries: {page['path']} gave {resp.status_code}, expected {expect}"
                )
        counts[page["name"]] = len(ctx.captured_queries)
    return counts


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from bench.data import info as dataset_info

    city = "--city" in sys.argv[1:]
    info = dataset_info(city=city)
    counts = count_queries(info, city=city)
    emit({"items": info["items"], "updates": info["updates"], "counts": counts})


if __name__ == "__main__":
    main()
