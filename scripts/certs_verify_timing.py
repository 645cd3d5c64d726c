"""Time public health-certificate verification at N certificates (default 1,000,000).

Builds a throwaway SQLite database (or uses DATABASE_URL), fills it with N certificates
(one holder, one exam each: the lookup is by the number's unique index, so the holders do
not matter), then times GET /public/certificates/<number>.json through Django's test client
(the whole middleware stack, the rate limit off) for random existing and unknown numbers.

    DATABASE_URL=sqlite:////tmp/certs-bench.sqlite3 SHISHI_RATE_CERTIFICATE_VERIFY=off \\
        .venv/bin/python scripts/certs_verify_timing.py 1000000

Prints p50/p95/p99 in milliseconds. Rebuilding is skipped when the database already holds
N certificates.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/certs-bench.sqlite3")
os.environ.setdefault("SHISHI_RATE_CERTIFICATE_VERIFY", "off")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402


def build(n: int) -> list[str]:
    from shishi.appointments.certificates import new_number, valid_until
    from shishi.appointments.demo import seed_services
    from shishi.appointments.models import HealthCertificate, HealthExam, Resident, Service
    from shishi.core import pii
    from shishi.orgs import services as org_services

    have = HealthCertificate.objects.count()
    if have >= n:
        return list(HealthCertificate.objects.order_by("?").values_list("number", flat=True)[:2000])
    city = org_services.ensure_jurisdiction(code="230100", name="哈尔滨市", level="city")
    district = org_services.ensure_jurisdiction(
        code="230103", name="南岗区", level="district", parent=city
    )
    seed_services({"230103": district})
    service = Service.objects.get(jurisdiction=district, code="health-exam")
    first17 = "23010319900517123"
    resident, _ = Resident.objects.get_or_create(
        jurisdiction=district,
        name="王小明",
        defaults={
            "id_number": first17 + pii.id_check_character(first17),
            "birth_date": dt.date(1990, 5, 17),
        },
    )
    today = timezone.localdate()
    batch = 5000
    numbers: list[str] = []
    now = timezone.now()
    for start in range(have, n, batch):
        size = min(batch, n - start)
        exams = HealthExam.objects.bulk_create(
            [
                HealthExam(
                    jurisdiction=district,
                    resident=resident,
                    clinic=service.unit,
                    trade="food",
                    registered_at=now,
                    id_checked=True,
                    conclusion="pass",
                )
                for _ in range(size)
            ]
        )
        certs = []
        for i, exam in enumerate(exams):
            issued = today - dt.timedelta(days=(start + i) % 500)
            number = new_number("230103", issued.year)
            certs.append(
                HealthCertificate(
                    jurisdiction=district,
                    number=number,
                    exam=exam,
                    resident=resident,
                    holder_name="王小明",
                    trade="food",
                    issuer=service.unit,
                    valid_from=issued,
                    valid_until=valid_until(issued),
                    revoked_at=now if (start + i) % 97 == 0 else None,
                )
            )
            if len(numbers) < 2000 and random.random() < 0.01:
                numbers.append(number)
        HealthCertificate.objects.bulk_create(certs, ignore_conflicts=True)
        print(f"{start + size} certificates", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return numbers


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    call_command("migrate", verbosity=0, interactive=False)
    numbers = build(n)
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    timings: list[float] = []
    rng = random.Random(1)
    for i in range(2000):
        number = rng.choice(numbers) if i % 10 else f"2301032026{rng.randrange(10**10):010d}"
        start = time.perf_counter()
        response = client.get(f"/public/certificates/{number}.json")
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 404), response.status_code
    timings = timings[100:]  # warm-up
    q = statistics.quantiles(timings, n=100)
    print(
        f"certificates={n} requests={len(timings)} "
        f"p50={q[49]:.2f}ms p95={q[94]:.2f}ms p99={q[98]:.2f}ms"
    )


if __name__ == "__main__":
    main()
