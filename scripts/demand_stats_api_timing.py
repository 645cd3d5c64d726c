"""Time ``GET /api/v1/demands/stats`` (the month's rates, district and 100 units ranked) and
``/stats/trend`` through the whole request, on the data ``scripts/demand_rates_timing.py``
writes (100,000 demands in district 239901). On a throwaway database only:

    url=$(PG_FAST=1 bash scripts/pg.sh start /tmp/rates-pg 54339)
    export DATABASE_URL=$url
    .venv/bin/shishi migrate -v 0
    .venv/bin/shishi shell < scripts/demand_rates_timing.py      # writes the demands
    .venv/bin/shishi shell < scripts/demand_stats_api_timing.py
    bash scripts/pg.sh stop /tmp/rates-pg

(or with ``DATABASE_URL=sqlite:////tmp/rates.sqlite3``). Prints the best and median of 7
requests of each, and the queries one request runs.
"""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shishi.demands import rates
from shishi.orgs.models import User

user, _created = User.objects.get_or_create(username="stats-timing", is_superuser=True)
client = Client()
client.force_login(user)
month = rates.Month.of(timezone.now()).previous()


def timed(label, path):
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        response = client.get(path)
        runs.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.content
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    print(
        f"{label}: best {min(runs):.0f} ms, median {statistics.median(runs):.0f} ms, "
        f"{len(queries)} queries"
    )
    return response.json()


body = timed(
    "stats (district + 100 units)", f"/api/v1/demands/stats?month={month}&jurisdiction=239901"
)
print(f"units: {len(body['units'])}, district: {body['district']}")
timed("trend (12 months)", f"/api/v1/demands/stats/trend?month={month}&jurisdiction=239901")
