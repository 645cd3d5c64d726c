"""The enterprise services benchmark (issue 18's figures), on a database of its own.

    python -m bench.enterprisebench [--database-url URL] [--enterprises 100000]
                                    [--policies 344] [--requests 200] [--skip-import]

Builds one district with 18 streets and ``--enterprises`` fictional enterprises (valid USCCs;
industries weighted as a city-centre district's register: trade, business services, software,
catering, construction, manufacturing, …; founding dates, and head counts, revenue, assets and
tax with a share missing as a register drawn from market-regulation data has them — about a
quarter of head counts and a third of the money figures unknown; the size derived by
``size.classify``; qualifications for a few per cent), and ``--policies`` published policies
in force whose conditions are drawn as a library's are (an industry condition on about half,
size on a third, qualifications, years, head count, revenue, tax, streets, and free-text
conditions on two in five). Then:

- **match**: ``matches.match_all`` for the district — every policy's eligible and possible
  enterprises stored, the rest not — from an empty match table: seconds, and the matches
  stored by verdict (target < 30 s for 344 × 100,000);
- **one enterprise**: ``GET /api/v1/enterprises/{uscc}/matches`` for random enterprises
  (the office's token, Django's test client in this process, DEBUG off): p50/p95 and the
  queries per request (target p95 ≤ 50 ms);
- **import**: a generated sheet of ``--enterprises`` rows (``register_generate``) through
  ``register_sheet`` into an empty register of another district, read, checked and written
  (target < 30 s for 100,000).

``--database-url`` must name an empty database (the bench migrates it); without it the bench
uses a fresh SQLite file under ``$SHISHI_BENCH_DIR`` (default /tmp/shishi-bench). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bench.common import REPO, BenchError, emit, log, own_database, percentile

MATCH_TARGET_S, ONE_TARGET_MS, IMPORT_TARGET_S = 30.0, 50.0, 30.0
DISTRICT_CODE, IMPORT_DISTRICT_CODE = "239995", "239994"
STREETS = 18
# Sections of a city-centre district's register and their weights.
SECTIONS = {"F": 30, "L": 15, "I": 10, "M": 10, "H": 10, "E": 8, "C": 7, "K": 5, "O": 3, "G": 2}
QUALIFICATIONS = {
    "高新技术企业": 0.04,
    "科技型中小企业": 0.08,
    "专精特新中小企业": 0.02,
    "创新型中小企业": 0.03,
}
TEXT_CONDITIONS = (
    "近三年无重大违法违规记录",
    "依法纳税，纳税信用等级B级以上",
    "未列入严重失信主体名单",
    "在本区依法登记注册并实际经营",
)


def uscc(n: int, area: str) -> str:
    from shishi.core.uscc import check_character

    body = f"91{area}{n:09d}"
    return body + check_character(body)


def _figure(rng: random.Random, unknown: float, median: float, sigma: float) -> Decimal | None:
    if rng.random() < unknown:
        return None
    return Decimal(str(round(rng.lognormvariate(0, sigma) * median, 2)))


def enterprise_facts(rng: random.Random, classes: dict[str, list[str]]) -> dict[str, Any]:
    """One enterprise's register facts, drawn as described in the module's docstring."""
    from shishi.enterprise.size import classify

    section = rng.choices(list(SECTIONS), weights=list(SECTIONS.values()))[0]
    code = "" if rng.random() < 0.02 else rng.choice(classes[section])
    employees = None if rng.random() < 0.25 else max(1, int(rng.lognormvariate(0, 1.3) * 8))
    revenue = _figure(rng, 0.35, 300, 1.6)
    assets = _figure(rng, 0.40, 500, 1.6)
    tax = _figure(rng, 0.40, 15, 1.8)
    size = ""
    if code:
        size = classify(code, employees=employees, revenue=revenue, total_assets=assets).size or ""
    founded = None
    if rng.random() > 0.01:
        founded = dt.date(2026, 6, 30) - dt.timedelta(days=int(rng.expovariate(1 / 2500)) % 11000)
    return {
        "industry_code": code,
        "employees": employees,
        "revenue": revenue,
        "total_assets": assets,
        "tax_paid": tax,
        "size": size,
        "founded_on": founded,
    }


def policy_conditions(
    rng: random.Random, divisions: list[str], streets: list[int]
) -> list[tuple[str, dict[str, Any]]]:
    """One policy's conditions, drawn as a library's are (module docstring)."""
    out: list[tuple[str, dict[str, Any]]] = []

    def maybe(share: float) -> bool:
        return rng.random() < share

    if maybe(0.45):
        codes = rng.sample(divisions, rng.randint(1, 3))
        if maybe(0.15):
            codes = [rng.choice(list(SECTIONS))]
        out.append(("industry_any", {"codes": codes}))
    elif maybe(0.08):
        out.append(("industry_none", {"codes": rng.sample(divisions, rng.randint(1, 2))}))
    if maybe(0.33):
        out.append(
            (
                "size_in",
                {
                    "sizes": rng.choice(
                        [["small", "micro"], ["medium", "small", "micro"], ["micro"]]
                    )
                },
            )
        )
    if maybe(0.15):
        names = rng.sample(list(QUALIFICATIONS), rng.randint(1, 2))
        out.append((rng.choice(["qualification_any", "qualification_all"]), {"names": names}))
    if maybe(0.20):
        out.append(("years_min", {"value": rng.randint(1, 3)}))
    elif maybe(0.06):
        out.append(("years_max", {"value": rng.choice([3, 5])}))
    if maybe(0.15):
        out.append(("employees_min", {"value": rng.choice([10, 20, 50, 100])}))
    elif maybe(0.08):
        out.append(("employees_max", {"value": rng.choice([100, 300])}))
    if maybe(0.20):
        out.append(("revenue_min", {"value": rng.choice([100, 500, 2000, 20000])}))
    if maybe(0.10):
        out.append(("tax_min", {"value": rng.choice([10, 50, 100])}))
    if maybe(0.10):
        out.append(("street_in", {"streets": rng.sample(streets, rng.randint(1, 3))}))
    if not out:  # every policy states at least one structured condition
        out.append(("years_min", {"value": 1}))
    if maybe(0.40):
        for text in rng.sample(TEXT_CONDITIONS, rng.randint(1, 2)):
            out.append(("text", {"text": text}))
    return out


def build(count: int, n_policies: int, rng: random.Random) -> dict[str, Any]:
    """The dataset, in one transaction; returns what the measurements need."""
    from django.db import transaction
    from django.utils import timezone

    from shishi.core import bulk
    from shishi.enterprise import industry
    from shishi.enterprise.models import Enterprise, Policy, PolicyCondition, Qualification
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Jurisdiction, Role, Unit

    if Jurisdiction.objects.filter(code=DISTRICT_CODE).exists():
        raise BenchError("the database holds an earlier run's data: give an empty database")
    classes: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for entry in industry.all_codes("class"):
        if entry.code[0] in classes:
            classes[entry.code[0]].append(entry.code)
    divisions = [e.code for e in industry.all_codes("division") if e.code[0] in SECTIONS]
    now = timezone.now()
    with transaction.atomic():
        city = org_services.ensure_jurisdiction(code="239900", name="基准市", level="city")
        district = org_services.ensure_jurisdiction(
            code=DISTRICT_CODE, name="基准区", level="district", parent=city
        )
        org_services.ensure_jurisdiction(
            code=IMPORT_DISTRICT_CODE, name="基准导入区", level="district", parent=city
        )
        streets = [
            org_services.ensure_unit(district, f"第{n + 1}街道办事处", kind=Unit.Kind.STREET).pk
            for n in range(STREETS)
        ]
        office = org_services.ensure_user(
            "ebench-office", password="bench-only-9-pass", display_name="office"
        )
        org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
        ids = bulk.reserve_ids(Enterprise, count)
        quals: list[tuple[int, str]] = []

        def enterprises() -> Iterator[tuple[Any, ...]]:
            for n, pk in enumerate(ids):
                f = enterprise_facts(rng, classes)
                street = None if rng.random() < 0.05 else rng.choice(streets)
                for name, share in QUALIFICATIONS.items():
                    if rng.random() < share:
                        quals.append((pk, name))
                yield (
                    pk,
                    district.pk,
                    uscc(n, DISTRICT_CODE),
                    f"基准企业{n}",
                    f["industry_code"],
                    f["founded_on"],
                    f["employees"],
                    f["revenue"],
                    f["total_assets"],
                    f["tax_paid"],
                    "",
                    street,
                    f["size"],
                    1,
                    now,
                    now,
                )

        bulk.insert_many(
            Enterprise,
            (
                "id",
                "jurisdiction_id",
                "uscc",
                "name",
                "industry_code",
                "founded_on",
                "employees",
                "revenue",
                "total_assets",
                "tax_paid",
                "address",
                "street_id",
                "size",
                "version",
                "created_at",
                "updated_at",
            ),
            enterprises(),
        )
        bulk.insert_many(Qualification, ("enterprise_id", "name"), quals)
        for n in range(n_policies):
            policy = Policy.objects.create(
                jurisdiction=district,
                title=f"基准政策{n}",
                level=rng.choice(["national", "provincial", "city", "district"]),
                benefit=rng.choice(["subsidy", "tax", "interest", "award", "service"]),
                status="published",
                published_at=now,
            )
            PolicyCondition.objects.bulk_create(
                PolicyCondition(policy=policy, kind=kind, params=params, order=i)
                for i, (kind, params) in enumerate(policy_conditions(rng, divisions, streets))
            )
    return {
        "district": district.pk,
        "office": office.pk,
        "enterprises": count,
        "qualifications": len(quals),
        "policies": n_policies,
        "usccs": [uscc(n, DISTRICT_CODE) for n in rng.sample(range(count), min(count, 1000))],
    }


def refresh_statistics() -> None:
    """VACUUM ANALYZE on PostgreSQL (autovacuum would have run on real tables), ANALYZE."""
    from django.db import connection

    from shishi.core.dbstats import refresh_planner_statistics
    from shishi.enterprise.models import Enterprise, Match, Qualification

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Enterprise, Qualification, Match):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    refresh_planner_statistics()


# --- measurements -------------------------------------------------------------------------


def measure_match(ids: dict[str, Any]) -> dict[str, Any]:
    from django.db.models import Count

    from shishi.enterprise.matches import match_all
    from shishi.enterprise.models import Match

    t0 = time.perf_counter()
    total = match_all(ids["district"])
    seconds = time.perf_counter() - t0
    by_verdict = dict(
        Match.objects.values("verdict").annotate(n=Count("pk")).values_list("verdict", "n")
    )
    return {
        "policies": ids["policies"],
        "enterprises": ids["enterprises"],
        "pairs": ids["policies"] * ids["enterprises"],
        "stored": total,
        "by_verdict": by_verdict,
        "seconds": round(seconds, 1),
        "target_s": MATCH_TARGET_S,
        "met": seconds < MATCH_TARGET_S,
    }


def measure_one(ids: dict[str, Any], requests: int, rng: random.Random) -> dict[str, Any]:
    """``GET /api/v1/enterprises/{uscc}/matches`` with the office's session."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shishi.orgs.models import User

    client = Client()
    client.force_login(User.objects.get(pk=ids["office"]))
    times, queries, policies = [], [], []
    for n in range(requests + 10):
        code = rng.choice(ids["usccs"])
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/enterprises/{code}/matches")
            elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise BenchError(
                f"matches of {code}: {response.status_code} {response.content[:200]!r}"
            )
        if n >= 10:  # the first ten warm the caches
            times.append(elapsed)
            queries.append(len(captured.captured_queries))
            policies.append(len(response.json()))
    times.sort()
    p95 = percentile(times, 95)
    return {
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "queries": max(queries),
        "policies_judged": max(policies),
        "target_p95_ms": ONE_TARGET_MS,
        "met": p95 <= ONE_TARGET_MS,
    }


def measure_import(count: int) -> dict[str, Any]:
    """A generated sheet of ``count`` enterprises into another district's empty register."""
    import tempfile
    from pathlib import Path

    from shishi.enterprise import register_generate, register_sheet
    from shishi.enterprise.models import Enterprise
    from shishi.orgs.models import Jurisdiction

    district = Jurisdiction.objects.get(code=IMPORT_DISTRICT_CODE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "register.xlsx"
        t0 = time.perf_counter()
        register_generate.write_register(path, count, region=IMPORT_DISTRICT_CODE)
        generated = time.perf_counter() - t0
        size_mb = round(path.stat().st_size / 1e6, 1)
        t0 = time.perf_counter()
        plan, result = register_sheet.import_file(path.read_bytes(), district, actor=None)
        seconds = time.perf_counter() - t0
    stored = Enterprise.objects.filter(jurisdiction=district).count()
    if stored != count:
        raise BenchError(f"import stored {stored:,} of {count:,} enterprises: {result} {plan}")
    return {
        "rows": count,
        "sheet_mb": size_mb,
        "generate_s": round(generated, 1),
        "seconds": round(seconds, 1),
        "rows_per_s": round(count / seconds),
        "target_s": IMPORT_TARGET_S,
        "met": seconds < IMPORT_TARGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--policies", type=int, default=344)
    parser.add_argument("--requests", type=int, default=200, help="measured requests")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-one", action="store_true")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    own_database("enterprise", args.database_url)
    from django.db import connection

    rng = random.Random(args.seed)
    log(f"enterprise: building {args.enterprises:,} enterprises and {args.policies} policies")
    t0 = time.perf_counter()
    ids = build(args.enterprises, args.policies, rng)
    refresh_statistics()
    build_seconds = round(time.perf_counter() - t0, 1)
    log("enterprise: matching the whole register")
    match = measure_match(ids)
    refresh_statistics()
    one = None
    if not args.skip_one:
        log("enterprise: one enterprise's matches")
        one = measure_one(ids, args.requests, rng)
    imported = None
    if not args.skip_import:
        log(f"enterprise: importing {args.enterprises:,} enterprises")
        imported = measure_import(args.enterprises)
    emit(
        {
            "bench": "enterprise",
            "database": connection.vendor,
            "dataset": {
                "enterprises": ids["enterprises"],
                "qualifications": ids["qualifications"],
                "policies": ids["policies"],
                "seconds": build_seconds,
            },
            "match": match,
            "one": one,
            "import": imported,
            "client": "matching and import: the services in this process; one enterprise: "
            "django.test.Client in process, DEBUG off",
            "repo": str(REPO.name),
        }
    )


if __name__ == "__main__":
    main()
