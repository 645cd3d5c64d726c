"""The appointments benchmark (issue 17's figures), on a database of its own.

    python -m bench.appointmentsbench [--database-url URL] [--residents 1000000]
                                      [--requests 200] [--bookings 1000]

Builds one district with a home-visit service (20 staff) and a health-exam clinic, and
``--residents`` residents — each with a valid ID number, a mobile, a third with a landline,
all encrypted with their keyed hashes as the models write them — and as many health
certificates (one examination and one certificate each: four in five valid, some expired,
some revoked), written with ``core.bulk``, then ANALYZE (and on PostgreSQL VACUUM). Then:

- **search**: the operator's search of a resident by mobile and by ID number
  (``appointments:book`` with ``?q=``, the page the operator types into, through Django's
  test client in this process, DEBUG off), a different person each request: p50/p95 over
  ``--requests`` requests each, the queries per page and their plans — target p95 ≤ 30 ms,
  through the keyed hash's index, nothing decrypted but the rows found;
- **verification**: ``/public/certificates/<number>.json`` for random certificates among
  them (a different client address each request, so the per-client limit stays as
  configured and is not what is measured): p50/p95 — target p95 ≤ 20 ms;
- **booking**: ``--bookings`` bookings one after another through ``booking.book`` (the
  service the operator's page calls: permission, eligibility, the slot's conditional
  update, the booking, its audit event and the queued SMS, one transaction each):
  bookings per second — target ≥ 100/s.

``--database-url`` must name an empty database (the bench migrates it); without it the bench
uses a fresh SQLite file under ``$SHISHI_BENCH_DIR`` (default /tmp/shishi-bench). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import time
from collections.abc import Iterator
from typing import Any

from bench.common import REPO, RESULTS_DIR, BenchError, emit, log, own_database, percentile

SEARCH_TARGET_MS, VERIFY_TARGET_MS, BOOKING_TARGET_PER_S = 30.0, 20.0, 100.0
DISTRICT_CODE = "239996"
STAFF = 20
DAY = dt.timedelta(days=1)


# --- the dataset --------------------------------------------------------------------------


def id_number(n: int, born: dt.date) -> str:
    """A valid ID number (GB 11643) for person ``n``, born on ``born``, from Nangang."""
    from shishi.core import pii

    first17 = f"230103{born:%Y%m%d}{n % 1000:03d}"
    return first17 + pii.id_check_character(first17)


def person(n: int) -> tuple[str, dt.date, str, str]:
    """Person ``n``: (ID number, birth date, mobile, landline or ""). Unique ID numbers: a
    birth date of its own for each thousand, the serial the rest."""
    born = dt.date(1930, 1, 1) + DAY * (n // 1000)
    landline = f"0451{80000000 + n:08d}" if n % 3 == 0 else ""
    return id_number(n, born), born, f"13{n:09d}", landline


def certificate_number(n: int) -> str:
    return f"{DISTRICT_CODE}26{n:08d}"


def build(count: int) -> dict[str, Any]:
    """The dataset, in one transaction; returns the ids the measurements need."""
    from django.db import transaction
    from django.utils import timezone

    from shishi.appointments.models import (
        HealthCertificate,
        HealthExam,
        Resident,
        Service,
        Staff,
    )
    from shishi.core import bulk
    from shishi.core.fields import PersonalNumber
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Jurisdiction, Role, Unit

    if Jurisdiction.objects.filter(code=DISTRICT_CODE).exists():
        raise BenchError("the database holds an earlier run's data: give an empty database")
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        city = org_services.ensure_jurisdiction(code="239900", name="基准市", level="city")
        district = org_services.ensure_jurisdiction(
            code=DISTRICT_CODE, name="基准区", level="district", parent=city
        )
        bureau = org_services.ensure_unit(district, "区民政局", kind=Unit.Kind.BUREAU)
        clinic = org_services.ensure_unit(district, "区疾病预防控制中心", kind=Unit.Kind.BUREAU)
        operator = org_services.ensure_user(
            "abench-operator", password="bench-only-9-pass", display_name="operator"
        )
        org_services.grant_role(operator, Role.OPERATOR, district)
        visit = Service.objects.create(
            jurisdiction=district,
            code="home-visit",
            name="上门帮办代办",
            unit=bureau,
            where="home",
            per_staff_day=1000,  # room for every booking the bench makes
            rules=[{"kind": "age", "min": 70}],
        )
        for n in range(STAFF):
            user = org_services.ensure_user(
                f"abench-staff{n}", password="bench-only-9-pass", display_name=f"staff{n}"
            )
            org_services.grant_role(user, Role.UNIT_EDITOR, district, unit=bureau)
            Staff.objects.create(service=visit, user=user)

        def residents() -> Iterator[tuple[Any, ...]]:
            for n in range(count):
                number, born, phone, landline = person(n)
                ident = PersonalNumber("id_number", plain=number)
                mobile = PersonalNumber("phone", plain=phone)
                fixed = PersonalNumber("landline", plain=landline) if landline else None
                yield (
                    first_resident + n,
                    district.pk,
                    f"居民{n:07d}",
                    ident,
                    ident.lookup_hash(),
                    born,
                    mobile,
                    mobile.lookup_hash(),
                    fixed or "",
                    fixed.lookup_hash() if fixed else "",
                    f"基准区第{n % 12 + 1}街道{n % 997 + 1}号",
                    now,
                    now,
                )

        first_resident = bulk.reserve_ids(Resident, count)[0]
        bulk.insert_many(
            Resident,
            (
                "id",
                "jurisdiction_id",
                "name",
                "id_number",
                "id_hash",
                "birth_date",
                "phone",
                "phone_hash",
                "landline",
                "landline_hash",
                "address",
                "created_at",
                "updated_at",
            ),
            residents(),
        )
        first_exam = bulk.reserve_ids(HealthExam, count)[0]
        passed = (now, True, "pass", now, now, now)
        bulk.insert_many(
            HealthExam,
            (
                "id",
                "jurisdiction_id",
                "resident_id",
                "clinic_id",
                "trade",
                "registered_at",
                "id_checked",
                "conclusion",
                "concluded_at",
                "created_at",
                "updated_at",
            ),
            (
                (first_exam + n, district.pk, first_resident + n, clinic.pk, "food", *passed)
                for n in range(count)
            ),
        )

        def certificates() -> Iterator[tuple[Any, ...]]:
            for n in range(count):
                issued = today - DAY * (n % 500)  # the last 500 days: some expired
                until = issued.replace(year=issued.year + 1) - DAY
                revoked = n % 20 == 0
                yield (
                    district.pk,
                    certificate_number(n),
                    first_exam + n,
                    first_resident + n,
                    f"居民{n:07d}",
                    "food",
                    clinic.pk,
                    issued,
                    until,
                    now if revoked else None,
                    "复检不合格" if revoked else "",
                    now,
                    now,
                )

        bulk.insert_many(
            HealthCertificate,
            (
                "jurisdiction_id",
                "number",
                "exam_id",
                "resident_id",
                "holder_name",
                "trade",
                "issuer_id",
                "valid_from",
                "valid_until",
                "revoked_at",
                "revoke_reason",
                "created_at",
                "updated_at",
            ),
            certificates(),
        )
    return {
        "residents": count,
        "certificates": count,
        "district": district.pk,
        "service": visit.pk,
        "operator": operator.pk,
        "first_resident": first_resident,
    }


def refresh_statistics() -> None:
    """ANALYZE, and on PostgreSQL VACUUM too (autovacuum would have run on real tables)."""
    from django.db import connection

    from shishi.appointments.models import HealthCertificate, HealthExam, Resident
    from shishi.core.dbstats import refresh_planner_statistics

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # outside a transaction: autocommit
            for model in (Resident, HealthExam, HealthCertificate):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    refresh_planner_statistics()


# --- measurements -------------------------------------------------------------------------

INDEX_USE = re.compile(
    r"(Index Only Scan using \w+|Index Scan(?: Backward)? using \w+|Bitmap Index Scan on \w+"
    r"|Seq Scan on \w+|SEARCH \w+ USING (?:COVERING )?INDEX \w+|SCAN \w+)"
)


def _scans(captured: list[dict[str, Any]], table: str) -> list[str]:
    """The scans the captured statements on ``table`` use (index names or table scans)."""
    from django.db import connection

    used: set[str] = set()
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for q in captured:
        sql = q["sql"]
        if table not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(explain + sql)
            used |= {
                m for row in cursor.fetchall() for m in INDEX_USE.findall(" ".join(map(str, row)))
            }
    return sorted(used)


def _figures(times: list[float], target: float) -> dict[str, Any]:
    times = sorted(times)
    p95 = percentile(times, 95)
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "target_p95_ms": target,
        "met": p95 <= target,
    }


def measure_search(ids: dict[str, Any], requests: int, rng: random.Random) -> dict[str, Any]:
    """The booking page's search as the operator's browser sends it: an htmx POST (the
    number in the body, never in the address) answered with the results fragment."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from shishi.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(pk=ids["operator"]))
    url = reverse("appointments:book") + f"?district={DISTRICT_CODE}&service=home-visit"
    headers = {"HX-Request": "true", "HX-Target": "results"}

    def search(text: str) -> tuple[float, str]:
        t0 = time.perf_counter()
        response = client.post(url, {"action": "search", "q": text}, headers=headers)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise BenchError(f"the search answered {response.status_code}")
        return elapsed, response.content.decode()

    out: dict[str, Any] = {}
    for what, pick in (("mobile", 2), ("id_number", 0), ("landline", 3)):
        # Every third person has a landline (``person``).
        people = [person(rng.randrange(ids["residents"]) // 3 * 3) for _ in range(requests + 4)]
        times = []
        for i, p in enumerate(people[:-1]):
            elapsed, page = search(str(p[pick]))
            if p[0][-4:] not in page:
                raise BenchError(f"the search by {what} did not find the person")
            if i >= 3:  # the first three warm up
                times.append(elapsed)
        with CaptureQueriesContext(connection) as captured:
            search(str(people[-1][pick]))
        queries = list(captured.captured_queries)
        out[what] = _figures(times, SEARCH_TARGET_MS) | {
            "queries": len(queries),
            "resident_scans": _scans(queries, "appointments_resident"),
        }
    return out


def measure_verification(ids: dict[str, Any], requests: int, rng: random.Random) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    numbers = [certificate_number(rng.randrange(ids["certificates"])) for _ in range(requests + 4)]
    urls = [f"/public/certificates/{n}.json" for n in numbers]
    times: list[float] = []
    for i, url in enumerate(urls[:-1]):
        address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        t0 = time.perf_counter()
        response = client.get(url, REMOTE_ADDR=address)
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}")
        if i >= 3:
            times.append(elapsed)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(urls[-1], REMOTE_ADDR="10.255.255.254")
    statuses = response.json()["status"]
    queries = list(captured.captured_queries)
    return _figures(times, VERIFY_TARGET_MS) | {
        "queries": len(queries),
        "certificate_scans": _scans(queries, "appointments_healthcertificate"),
        "last_status": statuses,
    }


def measure_booking(ids: dict[str, Any], count: int, rng: random.Random) -> dict[str, Any]:
    """``count`` bookings, one after another, of residents aged 70 or more, through the
    booking service the operator's page calls."""
    from django.utils import timezone

    from shishi.appointments import booking
    from shishi.appointments.models import Booking, Resident, Service
    from shishi.orgs.models import User

    operator = User.objects.get(pk=ids["operator"])
    service = Service.objects.get(pk=ids["service"])
    today = timezone.localdate()
    slots = [s for s in booking.slots_for(service, today + DAY, 10, today=today) if s.free > 0]
    if not slots:
        raise BenchError("no free slot in the next two weeks")
    # Everyone is born in 1930-1932 (``person``): all are 70 or more.
    picks = rng.sample(range(ids["residents"]), count)
    people = list(Resident.objects.filter(pk__in=[ids["first_resident"] + n for n in picks]))
    if len(people) != count:
        raise BenchError("the residents to book were not found")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def book(n: int, resident: Resident) -> None:
        booking.book(
            service,
            slots[n % len(slots)],
            booking.BookingInput(
                resident_id=resident.pk, channel="operator", request="代办社保认证"
            ),
            actor=operator,
        )

    t0 = time.perf_counter()
    for n, resident in enumerate(people[:-1]):
        book(n, resident)
    seconds = time.perf_counter() - t0
    with CaptureQueriesContext(connection) as captured:  # the last one: its statements
        book(count - 1, people[-1])
    made = Booking.objects.filter(service=service).count()
    if made != count:
        raise BenchError(f"{made} bookings made of {count}")
    rate = (count - 1) / seconds
    return {
        "bookings": count - 1,
        "queries_per_booking": len(captured.captured_queries),
        "seconds": round(seconds, 2),
        "per_second": round(rate, 1),
        "target_per_second": BOOKING_TARGET_PER_S,
        "met": rate >= BOOKING_TARGET_PER_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="measured requests each")
    parser.add_argument("--bookings", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    own_database("appointments", args.database_url)
    from django.db import connection

    rng = random.Random(args.seed)
    log(f"appointments: building {args.residents:,} residents and certificates")
    t0 = time.perf_counter()
    ids = build(args.residents)
    refresh_statistics()
    build_seconds = round(time.perf_counter() - t0, 1)
    log("appointments: the operator's search")
    search = measure_search(ids, args.requests, rng)
    log("appointments: certificate verification")
    verification = measure_verification(ids, args.requests, rng)
    log("appointments: booking")
    booking = measure_booking(ids, args.bookings, rng)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    emit(
        {
            "bench": "appointments",
            "database": connection.vendor,
            "dataset": {
                "residents": ids["residents"],
                "certificates": ids["certificates"],
                "seconds": build_seconds,
            },
            "search": search,
            "verification": verification,
            "booking": booking,
            "client": "django.test.Client in process, DEBUG off; booking: the service in a loop",
            "repo": str(REPO.name),
        }
    )


if __name__ == "__main__":
    main()
