"""A short measurement of GET requests (not collected: run it by name, on a quiet machine):

    DATABASE_URL=postgres://… .venv/bin/pytest -q -p no:xdist -s \
        shishi/demands/tests/measure_open311.py

N public and non-public demands of one district; the time of requests.json / .xml
(1,000 records, the spec's cap) and their queries."""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shishi.conftest import World
from shishi.demands.models import Channel, Demand, Kind, Status
from shishi.demands.tests.conftest import Dm

N = 200_000


def test_measure_requests(world: World, dm: Dm) -> None:
    statuses = [Status.RECEIVED, Status.ACCEPTED, Status.RESOLVED, Status.CLOSED]
    for start in range(0, N, 10_000):
        Demand.objects.bulk_create(
            Demand(
                jurisdiction=world.nangang,
                number=f"M{i:09d}",
                kind=Kind.HELP if i % 5 else Kind.COMPLAINT,
                category=dm.light if i % 3 else dm.road,
                channel=Channel.WEB,
                description="路灯不亮，电话13812345678" if i % 7 == 0 else "路灯不亮很久了",
                status=statuses[i % 4],
                reply="已修复" if i % 4 >= 2 else "",
                unit=world.unit_a if i % 4 else None,
            )
            for i in range(start, min(N, start + 10_000))
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    for path in ("requests.json", "requests.xml", "requests.json?status=open"):
        times = []
        for _ in range(7):
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"/open311/v2/{path}")
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        print(
            f"{connection.vendor}, {N} demands, {path}: median {statistics.median(times):.0f} ms,"
            f" {len(queries)} queries, {len(response.content) // 1024} KiB"
        )
