"""The demands benchmark (issue 16's figures), on a database of its own.

    python -m bench.demandsbench [--database-url URL] [--demands 1000000] [--requests 40]
                                 [--intake-seconds 20] [--skip-intake]

Builds one district with 100 units, 12 streets and 20 categories, and ``--demands`` demands
over the last twelve months as they are in life — the older ones closed (satisfied,
basically satisfied, dissatisfied, unreached), the last weeks' spread over every open state,
a few reopened after a dissatisfied call-back (with their call-back events) — written with
``core.bulk``, then ANALYZE (and on PostgreSQL VACUUM, as autovacuum leaves a table). Then:

- **queues**: the operator's and a unit's queue (``demands:index``, every tab), through
  Django's test client in this process (view, selector, template; DEBUG off): p50/p95 over
  ``--requests`` requests, the queries per page (the same whatever the page holds), and the
  plan of each page's statements (``EXPLAIN ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY PLAN``
  on SQLite) written to ``bench/results/demands-plans-<db>.txt`` with the indexes they use
  in the JSON — target p95 ≤ 50 ms;
- **rates**: the month's three rates for the 100 units (``rates.counts_by(..., "unit")``)
  and the district's (``rates.district_counts``) — target < 300 ms;
- **intake**: the public form (``public_demands:new``) served by gunicorn (as ``bench.run``
  serves: DEBUG off, gthread workers) on this database, each request filing a demand with an
  already verified phone (a session verified as the form leaves it). The client is this
  process's asyncio loop: ``--connections`` keep-alive connections, each opened from its own
  loopback address (127.x.y.z, bound as the source of the socket) for five requests and then
  replaced by one from a new address, so the server sees many clients; every limit stays as
  configured (10 forms per address per 10 minutes, 10 demands per phone per hour: thousands
  of addresses and 4,000 phones keep a real resident under both). Requests/s over
  ``--intake-seconds`` after a warm-up, and every answer that is not the form's redirect
  counted as an error — target ≥ 200 requests/s, 0 errors.

``--database-url`` must name an empty database (the bench migrates it); without it the bench
uses a fresh SQLite file under ``$SHISHI_BENCH_DIR`` (default /tmp/shishi-bench). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import re
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from bench.common import (
    REPO,
    RESULTS_DIR,
    BenchError,
    emit,
    free_port,
    log,
    own_database,
    time_page,
)
from bench.loopback import LoopbackLoad

UNITS, STREETS, CATEGORIES = 100, 12, 20
QUEUE_TARGET_MS, RATES_TARGET_MS, INTAKE_TARGET_RPS = 50.0, 300.0, 200.0
DISTRICT_CODE = "239997"
PHONES = 4000
REQUESTS_PER_CONNECTION = 5
DAY = dt.timedelta(days=1)
OPEN_DAYS = 15  # demands younger than this are spread over the open states


# --- the dataset --------------------------------------------------------------------------

RECENT_STATES = (
    ("received", 3),
    ("dispatched", 10),
    ("sent_back", 1),
    ("accepted", 38),
    ("reopened", 2),
    ("resolved", 15),
    ("closed", 31),
)
ANSWERS = (("satisfied", 70), ("basically", 15), ("dissatisfied", 5), ("", 10))
TEXTS = (
    "小区门口路面塌陷，雨天积水，行人和车辆通行不便",
    "楼下烧烤店油烟和噪声扰民，晚上十一点后仍在营业",
    "家中暖气不热，室温不到十六度，老人孩子受冻",
    "路灯不亮已经一周，夜间出行不安全",
    "井盖缺失，存在安全隐患，请尽快处理",
    "小区垃圾清运不及时，异味严重",
)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


def _demand_rows(
    rng: random.Random,
    count: int,
    ids: dict[str, Any],
    now: dt.datetime,
    reopened: list[tuple[int, dt.datetime]],
    first_id: int,
) -> Any:
    """The demands' rows (for ``bulk.insert_many``), oldest first; the reopened ones'
    (id, call-back time) appended to ``reopened`` for their events."""
    units, streets, categories = ids["unit_ids"], ids["street_ids"], ids["category_ids"]
    ages = sorted((rng.random() * 365 * DAY for _n in range(count)), reverse=True)
    for n, age in enumerate(ages):
        created = (now - age).replace(microsecond=0)
        state = (
            _weighted(rng, RECENT_STATES)
            if age < OPEN_DAYS * DAY
            else ("accepted" if rng.random() < 0.005 else "closed")
        )
        unit = None if state == "received" else rng.choice(units)
        dispatched = None if state == "received" else created + dt.timedelta(minutes=20)
        accept_by = dispatched + DAY if dispatched else None
        accepted = resolve_by = resolved = closed = None
        satisfaction, times_reopened = "", 0
        if state in ("accepted", "reopened", "resolved", "closed"):
            assert dispatched is not None
            accepted = dispatched + dt.timedelta(hours=rng.choice((1, 2, 4, 8, 20, 30)))
            resolve_by = accepted + 7 * DAY
        if state in ("resolved", "closed"):
            assert accepted is not None
            resolved = min(accepted + rng.random() * 6 * DAY, now)
        if state == "closed":
            assert resolved is not None
            closed = min(resolved + rng.random() * 2 * DAY, now)
            satisfaction = _weighted(rng, ANSWERS)
        if state == "reopened":  # dissatisfied at the call-back, handled again
            assert accepted is not None
            called = min(accepted + 3 * DAY, now)
            reopened.append((first_id + n, called))
            satisfaction, times_reopened, resolve_by = "dissatisfied", 1, called + 7 * DAY
        status = {"reopened": "accepted"}.get(state, state)
        if state == "sent_back":
            accepted = None
        yield (
            first_id + n,
            ids["district"],
            f"Q{first_id + n:010d}",
            "help",
            rng.choice(categories),
            "normal",
            rng.choice(("web", "phone", "phone", "hotline")),
            rng.choice(TEXTS),
            rng.choice(streets),
            status,
            unit,
            accept_by,
            resolve_by,
            dispatched,
            accepted,
            resolved,
            closed,
            satisfaction,
            times_reopened,
            rng.random() > 0.005,  # an upheld appeal now and then
            created,
            closed or resolved or accepted or dispatched or created,
        )


DEMAND_FIELDS = (
    "id",
    "jurisdiction_id",
    "number",
    "kind",
    "category_id",
    "urgency",
    "channel",
    "description",
    "street_id",
    "status",
    "unit_id",
    "accept_by",
    "resolve_by",
    "dispatched_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "satisfaction",
    "reopened",
    "assessed",
    "created_at",
    "updated_at",
)


def build(rng: random.Random, count: int) -> dict[str, Any]:
    """The dataset, in one transaction; returns the ids the measurements need."""
    from django.db import transaction
    from django.utils import timezone

    from shishi.core import bulk
    from shishi.demands.models import Category, Demand, DemandEvent
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Jurisdiction, Role, Unit

    if Jurisdiction.objects.filter(code=DISTRICT_CODE).exists():
        raise BenchError("the database holds an earlier run's data: give an empty database")
    now = timezone.now()
    with transaction.atomic():
        city = org_services.ensure_jurisdiction(code="239900", name="基准市", level="city")
        district = org_services.ensure_jurisdiction(
            code=DISTRICT_CODE, name="基准区", level="district", parent=city
        )
        units = [
            org_services.ensure_unit(district, f"承办单位{n:03d}", kind=Unit.Kind.BUREAU)
            for n in range(UNITS)
        ]
        streets = [
            org_services.ensure_unit(district, f"第{n + 1}街道", kind=Unit.Kind.STREET)
            for n in range(STREETS)
        ]
        categories = [
            Category.objects.create(
                jurisdiction=district,
                code=f"c{n:02d}",
                name=f"诉求分类{n:02d}",
                lead_unit=units[n],
                order=n,
            )
            for n in range(CATEGORIES)
        ]
        users = {}
        for name, role, unit in (
            ("office", Role.PROGRAMME_OFFICE, None),
            ("operator", Role.OPERATOR, None),
            ("unit", Role.UNIT_EDITOR, units[0]),
        ):
            user = org_services.ensure_user(
                f"dbench-{name}", password="bench-only-9-pass", display_name=name
            )
            org_services.grant_role(user, role, district, unit=unit)
            users[name] = user.pk
        ids: dict[str, Any] = {
            "district": district.pk,
            "unit_ids": [u.pk for u in units],
            "street_ids": [s.pk for s in streets],
            "category_ids": [c.pk for c in categories],
        }
        reopened: list[tuple[int, dt.datetime]] = []
        first_id = bulk.reserve_ids(Demand, count)[0]
        bulk.insert_many(
            Demand, DEMAND_FIELDS, _demand_rows(rng, count, ids, now, reopened, first_id)
        )
        bulk.insert_many(
            DemandEvent,
            ("demand_id", "action", "from_status", "to_status", "at", "note"),
            ((pk, "call_back", "resolved", "closed", at, "") for pk, at in reopened),
        )
    return {
        "demands": count,
        "units": UNITS,
        "categories": CATEGORIES,
        "reopened": len(reopened),
        "district": district.pk,
        "unit": units[0].pk,
        "category": categories[0].pk,
        "users": users,
    }


def refresh_statistics() -> None:
    """ANALYZE, and on PostgreSQL VACUUM too: autovacuum would have set the visibility map
    that index-only scans read long before a real table held a million rows."""
    from django.db import connection

    from shishi.core.dbstats import refresh_planner_statistics

    if connection.vendor == "postgresql":
        from shishi.demands.models import Demand

        table = connection.ops.quote_name(Demand._meta.db_table)
        with connection.cursor() as cursor:  # outside a transaction: autocommit
            cursor.execute(f"VACUUM ANALYZE {table}")
    refresh_planner_statistics()


# --- the queues ---------------------------------------------------------------------------

INDEX_USE = re.compile(
    r"(Index Only Scan using \w+|Index Scan(?: Backward)? using \w+|Bitmap Index Scan on \w+"
    r"|Seq Scan on \w+|SEARCH \w+ USING (?:COVERING )?INDEX \w+|SCAN \w+)"
)


def _plans(captured: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Each captured statement's plan (text) and the scans it uses (the index names)."""
    from django.db import connection

    texts, used = [], []
    for q in captured:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        explain = (
            "EXPLAIN (ANALYZE, BUFFERS) "
            if connection.vendor == "postgresql"
            else "EXPLAIN QUERY PLAN "
        )
        with connection.cursor() as cursor:  # the statement as run, values inlined by Django
            cursor.execute(explain + sql)
            lines = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        texts.append(f"-- {float(q['time']) * 1000:.1f} ms\n{sql}\n" + "\n".join(lines))
        if "demands_demand" in sql:
            used += sorted({m for line in lines for m in INDEX_USE.findall(line)})
    return texts, used


def measure_page(client: Any, url: str, requests: int) -> tuple[dict[str, Any], list[str]]:
    """``bench.common.time_page``, with the plans of the page's statements."""
    result, queries = time_page(client, url, requests, QUEUE_TARGET_MS)
    plans, used = _plans(queries)
    result["demand_scans"] = used
    return result, plans


def measure_queues(ids: dict[str, Any], requests: int) -> tuple[dict[str, Any], list[str]]:
    from django.test import Client
    from django.urls import reverse

    from shishi.demands import selectors
    from shishi.orgs.models import User

    out: dict[str, Any] = {}
    plans: list[str] = []
    for who, tabs in (("operator", selectors.DISTRICT_TABS), ("unit", selectors.UNIT_TABS)):
        user = User.objects.get(pk=ids["users"][who])
        client = Client()
        client.force_login(user)
        for tab in tabs:
            url = f"{reverse('demands:index')}?tab={tab}"
            log(f"demands: {who} queue, {tab}")
            page, page_plans = measure_page(client, url, requests)
            queue = selectors.queue_page(user, selectors.QueueFilters(tab=tab))
            page |= {"rows": len(queue.rows), "in_tab": queue.page.paginator.count}
            out[f"{who}:{tab}"] = page
            plans += [f"==== {who} queue, tab {tab} ({url})", *page_plans]
        # The second page of the busiest tab: the same statements, another offset.
        url = f"{reverse('demands:index')}?tab=all&page=2"
        page, _unused = measure_page(client, url, requests)
        out[f"{who}:all:page2"] = page
    return out, plans


# --- the rates ----------------------------------------------------------------------------


def measure_rates(ids: dict[str, Any], runs: int = 9) -> dict[str, Any]:
    from django.utils import timezone

    from shishi.demands import rates

    month = rates.Month(timezone.localdate().year, timezone.localdate().month).previous()
    start, end = month.bounds()
    out: dict[str, Any] = {"month": f"{month.year}-{month.month:02d}"}
    for key, fn in (
        ("units", lambda: rates.counts_by(ids["district"], "unit", start, end)),
        ("district", lambda: [rates.district_counts(ids["district"], start, end)]),
    ):
        fn()  # warm up
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            counts = fn()
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        out[key] = {
            "groups": len(counts),
            "counted": sum(c.counted for c in counts),
            "best_ms": round(times[0], 1),
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(times[-1], 1),
            "runs": runs,
        }
    out["target_ms"] = RATES_TARGET_MS
    out["meets_target"] = max(out["units"]["max_ms"], out["district"]["max_ms"]) < RATES_TARGET_MS
    out["api"] = measure_stats_api(ids, out["month"], runs)
    return out


def measure_stats_api(ids: dict[str, Any], month: str, runs: int) -> dict[str, Any]:
    """``GET /api/v1/demands/stats`` as the office (the district's and the units' rates,
    ranked, in one answer), through the whole request in this process."""
    from django.test import Client

    from shishi.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(pk=ids["users"]["office"]))
    url = f"/api/v1/demands/stats?month={month}"
    first = client.get(url)
    if first.status_code != 200:
        return {"url": url, "status": first.status_code}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "url": url,
        "units": len(first.json().get("units", [])),
        "best_ms": round(times[0], 1),
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(times[-1], 1),
        "runs": runs,
    }


# --- the public intake --------------------------------------------------------------------


def verified_sessions(count: int) -> list[tuple[str, str, str]]:
    """``count`` sessions whose phone the form takes as verified (what ``intake.mark_verified``
    leaves after a right code): (session key, CSRF secret, phone)."""
    import secrets

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from shishi.core.fields import PersonalNumber
    from shishi.demands import intake

    later = timezone.now() + dt.timedelta(hours=2)
    rows, out = [], []
    for n in range(count):
        phone = f"139{n:08d}"
        store = SessionStore()
        data = {
            intake.SESSION_KEY: {
                "hash": PersonalNumber.of("phone", phone).lookup_hash(),
                "until": later.timestamp(),
            }
        }
        key = secrets.token_hex(16)
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=later))
        out.append((key, secrets.token_hex(16), phone))  # a 32-character secret: taken as is
    Session.objects.bulk_create(rows, batch_size=1000)
    return out


class IntakeLoad(LoopbackLoad):
    """The public form's posts, each with the next verified session and its phone."""

    def __init__(
        self, port: int, path: str, sessions: list[tuple[str, str, str]], body: dict[str, str]
    ):
        super().__init__(port, self._request, REQUESTS_PER_CONNECTION)
        self.path, self.sessions, self.body = path, sessions, body

    def _request(self, n: int) -> bytes:
        session_key, csrf, phone = self.sessions[n % len(self.sessions)]
        body = urlencode({"csrfmiddlewaretoken": csrf, **self.body, "phone": phone}).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Cookie: sessionid={session_key}; csrftoken={csrf}\r\n\r\n"
        )
        return head.encode() + body


def measure_intake(
    ids: dict[str, Any],
    database_url: str,
    connections: int,
    seconds: float,
    config: Any = None,
) -> dict[str, Any]:
    from django.conf import settings
    from django.urls import reverse

    from bench.common import latency_summary
    from bench.server import Server, ServerConfig
    from shishi.demands.models import Demand

    log(f"demands: {PHONES} verified sessions")
    sessions = verified_sessions(PHONES)
    before = Demand.objects.filter(jurisdiction_id=ids["district"]).count()
    server = Server(config or ServerConfig(port=free_port(8700, 8799)), database_url)
    server.collectstatic()
    server.start()
    try:
        load = IntakeLoad(
            server.config.port,
            reverse("public_demands:new", kwargs={"code": DISTRICT_CODE}),
            sessions,
            {
                "action": "submit",
                "kind": "help",
                "category": str(ids["category"]),
                "description": "小区门口路面塌陷，雨天积水，行人和车辆通行不便",
                "address": "基准区第1街道和平路12号",
            },
        )
        log(f"demands: public intake, {connections} connections for {seconds:.0f}s")
        wall = asyncio.run(load.run(connections, warmup=3.0, seconds=seconds))
    finally:
        server.stop()
    filed = Demand.objects.filter(jurisdiction_id=ids["district"]).count() - before
    ok = load.statuses.get(302, 0)
    errors = sum(n for status, n in load.statuses.items() if status != 302) + load.socket_errors
    summary = latency_summary(load.latencies, wall)
    return {
        **summary,
        "seconds": round(wall, 1),
        "connections": connections,
        "requests_per_connection": REQUESTS_PER_CONNECTION,
        "client_addresses": load.next_address,
        "phones": PHONES,
        "statuses": {str(k): v for k, v in sorted(load.statuses.items())},
        "socket_errors": load.socket_errors,
        "errors": errors,
        "filed_rps": round(ok / wall, 1),
        "demands_written": filed,
        "limits": {
            k: settings.SHISHI_RATE_LIMITS[k] for k in ("public_form", "demand_submit_phone")
        },
        "server": server.config.describe(),
        "target_rps": INTAKE_TARGET_RPS,
        "meets_target": ok / wall >= INTAKE_TARGET_RPS and errors == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--demands", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page")
    parser.add_argument("--intake-seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    database_url = own_database("demands", args.database_url)
    from django.db import connection

    log(f"demands: building {args.demands:,} demands")
    t0 = time.perf_counter()
    ids = build(random.Random(args.seed), args.demands)
    refresh_statistics()
    build_seconds = round(time.perf_counter() - t0, 1)
    queues, plans = measure_queues(ids, args.requests)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    plans_path = RESULTS_DIR / f"demands-plans-{connection.vendor}.txt"
    plans_path.write_text("\n\n".join(plans) + "\n", encoding="utf-8")
    log("demands: the month's rates")
    rates_result = measure_rates(ids)
    intake = (
        None
        if args.skip_intake
        else measure_intake(ids, database_url, args.connections, args.intake_seconds)
    )
    emit(
        {
            "bench": "demands",
            "database": connection.vendor,
            "dataset": {k: v for k, v in ids.items() if k != "users"} | {"seconds": build_seconds},
            "queues": queues,
            "plans": str(plans_path.relative_to(REPO)),
            "rates": rates_result,
            "intake": intake,
            "client": "queues: django.test.Client in process, DEBUG off; intake: gunicorn and "
            "an asyncio client binding many 127/8 source addresses",
        }
    )


if __name__ == "__main__":
    main()
