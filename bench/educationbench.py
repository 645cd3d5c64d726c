"""The red landmarks benchmark (issue 19's figures), on a database of its own.

    python -m bench.educationbench [--database-url URL] [--landmarks 100] [--history 200000]
                                   [--seconds 20] [--connections 16]

Builds one district with ``--landmarks`` landmarks and ``--history`` earlier check-ins over the
last sixty days (written with ``core.bulk``), then serves the app with gunicorn (as
``bench.run`` serves: DEBUG off, gthread workers) and measures, from an asyncio client whose
connections come from many loopback addresses (``bench.loopback``: each address a person
making a few requests, so every limit stays as configured — 10 check-ins a minute per
client, 60 open-data reads a minute per client):

- **check-in**: ``POST /public/{district}/landmarks/{id}/check-in`` as the landmark page's
  form posts it (Django's CSRF cookie and field), each with a new nickname, a group from a
  list and a landmark in turn, for ``--seconds`` after a warm-up. Check-ins/s, and every
  answer that is not 201 counted as an error; afterwards the rows written must equal the 201s
  and each landmark's running count its rows — target ≥ 200 check-ins/s, 0 errors.
- **landmarks.json**: ``GET /public/{district}/landmarks.json`` over keep-alive connections
  (50 requests an address), one at a time: p50/p95 — target p95 ≤ 10 ms.

``--database-url`` must name an empty database (the bench migrates it); without it the bench
uses a fresh SQLite file under ``$SHISHI_BENCH_DIR`` (default /tmp/shishi-bench). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

from bench.common import BenchError, emit, free_port, latency_summary, log, own_database
from bench.loopback import LoopbackLoad

DISTRICT_CODE = "239996"
CHECK_IN_TARGET_RPS, JSON_TARGET_P95_MS = 200.0, 10.0
CHECK_INS_PER_CONNECTION = 5  # under the 10-a-minute limit per client
JSON_PER_CONNECTION = 50  # under the open data's 60 a minute per client
GROUPS = [f"第{n}党支部" for n in range(1, 21)]


def build(rng: random.Random, landmarks: int, history: int) -> dict[str, Any]:
    from django.utils import timezone

    from shishi.core import bulk
    from shishi.education.models import CheckIn, Landmark
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Jurisdiction

    city = org_services.ensure_jurisdiction(
        code="239900", name="基准市", level=Jurisdiction.Level.CITY
    )
    district = org_services.ensure_jurisdiction(
        code=DISTRICT_CODE, name="基准区", level=Jurisdiction.Level.DISTRICT, parent=city
    )
    rows = [
        Landmark(
            jurisdiction=district,
            name=f"红色地标{n:03d}",
            address=f"基准区红旗大街{n}号",
            lat=round(45.70 + rng.random() * 0.07, 6),
            lon=round(126.60 + rng.random() * 0.12, 6),
            opening_hours="9:00—16:30，周一闭馆",
            description="革命旧址，全国爱国主义教育示范基地。" * 3,
            order=n,
        )
        for n in range(landmarks)
    ]
    Landmark.objects.bulk_create(rows)
    ids = list(Landmark.objects.filter(jurisdiction=district).values_list("pk", flat=True))
    today = timezone.localdate()
    now = timezone.now()
    counts = dict.fromkeys(ids, 0)

    def history_rows() -> Any:
        for n in range(history):
            landmark = ids[n % len(ids)]
            counts[landmark] += 1
            nickname = f"游客{n}"
            group = rng.choice(GROUPS) if rng.random() < 0.4 else ""
            day = today - dt.timedelta(days=1 + rng.randrange(60))
            yield (landmark, day, f"n:{nickname}", nickname, group, secrets.token_hex(8), now)

    fields = ("landmark_id", "day", "who", "nickname", "group", "client", "at")
    bulk.insert_many(CheckIn, fields, history_rows())
    for landmark, count in counts.items():
        Landmark.objects.filter(pk=landmark).update(check_ins=count)
    return {"district": district.pk, "landmarks": ids}


def refresh_statistics() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def _check_in_request(port: int, ids: list[int], run: str) -> Any:
    csrf = secrets.token_hex(16)  # a 32-character secret, as the page's cookie and field

    def request(n: int) -> bytes:
        landmark = ids[n % len(ids)]
        path = f"/public/{DISTRICT_CODE}/landmarks/{landmark}/check-in"
        fields = {"csrfmiddlewaretoken": csrf, "nickname": f"访客{run}{n}"}
        if n % 3 == 0:
            fields["group"] = GROUPS[n % len(GROUPS)]
        body = urlencode(fields).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: application/json\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Referer: http://127.0.0.1:{port}{quote(path[: -len('check-in')])}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Cookie: csrftoken={csrf}\r\n\r\n"
        )
        return head.encode() + body

    return request


def _json_request(port: int) -> Any:
    head = (
        f"GET /public/{DISTRICT_CODE}/landmarks.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Accept: application/json\r\n\r\n"
    ).encode()
    return lambda n: head


def burst(port: int, ids: list[int], count: int = 15) -> dict[str, int]:
    """``count`` check-ins in a row from one new client address (each a new person): the
    per-client limit must refuse those past it with 429."""
    import http.client

    make = _check_in_request(port, ids, "burst" + secrets.token_hex(3))
    statuses: dict[str, int] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, source_address=("127.254.1.1", 0))
    try:
        connection.connect()
        for n in range(count):
            raw = make(n)
            connection.sock.sendall(raw)
            response = http.client.HTTPResponse(connection.sock)
            response.begin()
            response.read()
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
    finally:
        connection.close()
    return statuses


def measure(ids: dict[str, Any], database_url: str, connections: int, seconds: float) -> Any:
    from django.conf import settings
    from django.db.models import Count, Sum

    from bench.server import Server, ServerConfig
    from shishi.education.models import CheckIn, Landmark

    server = Server(ServerConfig(port=free_port(8700, 8799)), database_url)
    server.collectstatic()
    server.start()
    try:
        before = CheckIn.objects.count()
        load = LoopbackLoad(
            server.config.port,
            _check_in_request(server.config.port, ids["landmarks"], secrets.token_hex(3)),
            CHECK_INS_PER_CONNECTION,
        )
        log(f"education: check-ins, {connections} connections for {seconds:.0f}s")
        wall = asyncio.run(load.run(connections, warmup=3.0, seconds=seconds))
        written = CheckIn.objects.count() - before
        ok = load.statuses.get(201, 0)
        errors = sum(n for status, n in load.statuses.items() if status != 201)
        errors += load.socket_errors
        rows = dict(
            CheckIn.objects.values("landmark_id")
            .annotate(n=Count("id"))
            .values_list("landmark_id", "n")
        )
        counters = dict(Landmark.objects.values_list("pk", "check_ins"))
        check_in = {
            **latency_summary(load.latencies, wall),
            "seconds": round(wall, 1),
            "connections": connections,
            "requests_per_connection": CHECK_INS_PER_CONNECTION,
            "client_addresses": load.next_address,
            "statuses": {str(k): v for k, v in sorted(load.statuses.items())},
            "socket_errors": load.socket_errors,
            "errors": errors,
            "check_ins_per_s": round(ok / wall, 1),
            "rows_written": written,
            "answered_201_with_warmup": load.all_statuses.get(201, 0),
            "counters_equal_rows": counters == rows,
            "total_check_ins": Landmark.objects.aggregate(n=Sum("check_ins"))["n"],
            "limit_per_client": settings.SHISHI_RATE_LIMITS["landmark_check_in"],
            "target_rps": CHECK_IN_TARGET_RPS,
            "meets_target": ok / wall >= CHECK_IN_TARGET_RPS and errors == 0,
        }
        log("education: a burst from one client")
        before_burst = CheckIn.objects.count()
        limited = burst(server.config.port, ids["landmarks"])
        check_in["burst_from_one_client"] = {
            "statuses": limited,
            "rows_written": CheckIn.objects.count() - before_burst,
        }
        log("education: landmarks.json, one request at a time")
        reads = LoopbackLoad(
            server.config.port, _json_request(server.config.port), JSON_PER_CONNECTION
        )
        wall = asyncio.run(reads.run(1, warmup=1.0, seconds=min(seconds, 10.0)))
        bad = sum(n for status, n in reads.statuses.items() if status != 200)
        summary = latency_summary(reads.latencies, wall)
        landmarks_json = {
            **summary,
            "landmarks": len(ids["landmarks"]),
            "statuses": {str(k): v for k, v in sorted(reads.statuses.items())},
            "errors": bad + reads.socket_errors,
            "target_p95_ms": JSON_TARGET_P95_MS,
            "meets_target": summary["p95_ms"] <= JSON_TARGET_P95_MS and bad == 0,
        }
    finally:
        server.stop()
    answered = load.all_statuses.get(201, 0)  # the warm-up's too
    if written != answered:
        raise BenchError(f"{answered} check-ins answered 201 but {written} rows were written")
    return check_in, landmarks_json, server.config.describe()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--landmarks", type=int, default=100)
    parser.add_argument("--history", type=int, default=200_000, help="earlier check-ins")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    database_url = own_database("education", args.database_url)
    from django.db import connection

    log(f"education: {args.landmarks} landmarks, {args.history:,} earlier check-ins")
    t0 = time.perf_counter()
    ids = build(random.Random(args.seed), args.landmarks, args.history)
    refresh_statistics()
    build_seconds = round(time.perf_counter() - t0, 1)
    check_in, landmarks_json, server = measure(ids, database_url, args.connections, args.seconds)
    emit(
        {
            "bench": "education",
            "database": connection.vendor,
            "dataset": {
                "landmarks": len(ids["landmarks"]),
                "earlier_check_ins": args.history,
                "seconds": build_seconds,
            },
            "check_in": check_in,
            "landmarks_json": landmarks_json,
            "server": server,
            "client": "gunicorn and an asyncio client binding many 127/8 source addresses",
        }
    )


if __name__ == "__main__":
    main()
