"""Time the month's three rates (``demands.rates``) for 100 units on 100,000 demands, on a
throwaway PostgreSQL (it writes rows; never point it at a real database):

    url=$(PG_FAST=1 bash scripts/pg.sh start /tmp/rates-pg 54339)
    export DATABASE_URL=$url
    .venv/bin/shishi migrate -v 0
    .venv/bin/shishi shell < scripts/demand_rates_timing.py
    bash scripts/pg.sh stop /tmp/rates-pg

The demands are spread over 12 months, 100 units and 10 categories, in every state; a tenth
of the called-back ones are dissatisfied and reopened (their call-back time is looked up in
the events). Prints the best and median of 7 runs of each query.
"""

import datetime as dt
import random
import statistics
import time

from django.db import connection
from django.utils import timezone

from shishi.demands import rates
from shishi.demands.models import Category, Demand, DemandEvent
from shishi.orgs import services as org_services

random.seed(16)
city = org_services.ensure_jurisdiction(code="239900", name="测试市", level="city")
district = org_services.ensure_jurisdiction(
    code="239901", name="测试区", level="district", parent=city
)
units = [org_services.ensure_unit(district, f"单位{n:03d}", kind="bureau") for n in range(100)]
streets = [org_services.ensure_unit(district, f"街道{n:02d}", kind="street") for n in range(12)]
categories = [
    Category.objects.get_or_create(
        jurisdiction=district, code=f"c{n}", defaults={"name": f"分类{n}"}
    )[0]
    for n in range(10)
]
now = timezone.now()
if not Demand.objects.filter(jurisdiction=district).exists():
    rows = []
    for n in range(100_000):
        dispatched = now - dt.timedelta(days=random.uniform(0, 365))
        accepted = dispatched + dt.timedelta(hours=random.choice((1, 2, 5, 30, 80)))
        answer = random.choice(("satisfied", "satisfied", "basically", "dissatisfied", ""))
        closed = accepted + dt.timedelta(days=random.uniform(1, 6))
        reopened = answer == "dissatisfied"
        rows.append(
            Demand(
                jurisdiction=district,
                number=f"B{n:09d}",
                kind="help",
                category=random.choice(categories),
                channel="phone",
                description="测试诉求内容",
                street=random.choice(streets),
                unit=random.choice(units),
                status="accepted" if reopened else ("closed" if answer else "resolved"),
                dispatched_at=dispatched,
                accept_by=dispatched + dt.timedelta(hours=24),
                accepted_at=accepted,
                closed_at=None if reopened or not answer else closed,
                satisfaction=answer,
                assessed=random.random() > 0.01,
            )
        )
    Demand.objects.bulk_create(rows, batch_size=5000)
    reopened_rows = Demand.objects.filter(jurisdiction=district, satisfaction="dissatisfied")
    DemandEvent.objects.bulk_create(
        [
            DemandEvent(
                demand_id=pk,
                action="call_back",
                from_status="resolved",
                to_status="closed",
                at=accepted + dt.timedelta(days=2),
            )
            for pk, accepted in reopened_rows.values_list("pk", "accepted_at")
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE demands_demand; ANALYZE demands_demandevent")

month = rates.Month.of(now).previous()
start, end = month.bounds()


def timed(label, fn):
    runs = []
    for _ in range(7):
        t = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
    print(f"{label}: best {min(runs):.0f} ms, median {statistics.median(runs):.0f} ms")
    return result


by_unit = timed(
    "month's rates per unit (100 units)",
    lambda: rates.counts_by(district.pk, "unit", start, end, now=now),
)
timed(
    "month's rates per category",
    lambda: rates.counts_by(district.pk, "category", start, end, now=now),
)
timed(
    "month's rates per street", lambda: rates.counts_by(district.pk, "street", start, end, now=now)
)
timed("district, 12-month trend", lambda: rates.trend(district.pk, month, now=now))
total = Demand.objects.filter(jurisdiction=district).count()
print(f"demands: {total}, units counted: {len(by_unit)}")
print(f"unit 0: {by_unit[0]}")
