"""Time the demands queues (``demands.selectors.queue_page``: tab counts, page count, 50
rows) with N demands in one district (default 200,000; ``DEMANDS_N``), and show the plans.
It writes rows: run it on a throwaway PostgreSQL, e.g.

    url=$(PG_FAST=1 bash scripts/pg.sh start /tmp/dq-pg 54391)
    export DATABASE_URL=$url
    .venv/bin/shishi migrate -v0
    DEMANDS_N=200000 .venv/bin/shishi shell < scripts/demands_queue_timing.py
    bash scripts/pg.sh stop /tmp/dq-pg
"""

import datetime as dt
import os
import random
import statistics
import time

from django.db import connection
from django.utils import timezone

from shishi.demands import selectors
from shishi.demands.models import Category, Demand, Status
from shishi.orgs import services as org_services
from shishi.orgs.models import Role

N = int(os.environ.get("DEMANDS_N", "200000"))
random.seed(1)
city = org_services.ensure_jurisdiction(code="239900", name="测试市", level="city")
district = org_services.ensure_jurisdiction(
    code="239901", name="测试区", level="district", parent=city
)
units = [org_services.ensure_unit(district, f"单位{i}", kind="bureau") for i in range(100)]
operator = org_services.ensure_user("dq-operator", password="x-x-x-x-123", display_name="op")
org_services.grant_role(operator, Role.OPERATOR, district)
editor = org_services.ensure_user("dq-editor", password="x-x-x-x-123", display_name="ed")
org_services.grant_role(editor, Role.UNIT_EDITOR, district, unit=units[0])
cats = [
    Category.objects.get_or_create(
        jurisdiction=district, code=f"c{i}", defaults={"name": f"分类{i}", "lead_unit": units[i]}
    )[0]
    for i in range(20)
]
now = timezone.now()
# Most demands are closed; the open ones spread over the other statuses.
weights = [
    (Status.CLOSED, 88),
    (Status.RESOLVED, 3),
    (Status.ACCEPTED, 4),
    (Status.DISPATCHED, 2),
    (Status.SENT_BACK, 1),
    (Status.RECEIVED, 2),
]
statuses = [s for s, w in weights for _ in range(w)]
if Demand.objects.filter(jurisdiction=district).count() < N:
    batch = []
    for i in range(N):
        status = random.choice(statuses)
        created = now - dt.timedelta(minutes=random.randint(1, 60 * 24 * 365))
        unit = None if status == Status.RECEIVED else random.choice(units)
        batch.append(
            Demand(
                jurisdiction=district,
                number=f"DQ{i:08d}",
                kind="help",
                category=random.choice(cats),
                channel="phone",
                description=f"第{i}条诉求：路面塌陷",
                status=status,
                unit=unit,
                accept_by=created + dt.timedelta(days=1),
                resolve_by=created + dt.timedelta(days=7),
                created_at=created,
            )
        )
        if len(batch) == 5000:
            Demand.objects.bulk_create(batch)
            batch = []
    Demand.objects.bulk_create(batch)
    # auto_now_add overwrote created_at: spread it again, in the database.
    with connection.cursor() as c:
        c.execute(
            "UPDATE demands_demand SET created_at = now() - (id % 525600) * interval '1 minute'"
        )
    with connection.cursor() as c:  # as autovacuum leaves a table: visibility map set
        c.execute("VACUUM ANALYZE demands_demand")


def timed(user, tab, runs=40):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        page = selectors.queue_page(user, selectors.QueueFilters(tab=tab), 1)
        len(page.rows)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], page.page.paginator.count


for who, user, tabs in (
    ("operator", operator, ["to_dispatch", "callback", "overdue"]),
    ("unit", editor, ["to_sign", "in_progress", "overdue"]),
):
    for tab in tabs:
        p50, p95, count = timed(user, tab)
        print(f"{who:8} {tab:12} rows={count:7}  p50={p50:6.1f} ms  p95={p95:6.1f} ms")

qs = Demand.objects.filter(jurisdiction=district, status=Status.RECEIVED).order_by(
    "status", "created_at", "id"
)[:50]
print(qs.explain())
qs = Demand.objects.filter(unit=units[0], status=Status.ACCEPTED).order_by(
    "status", "created_at", "id"
)[:50]
print(qs.explain())
