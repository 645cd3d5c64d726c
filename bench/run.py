"""Benchmark shishi as production runs it, on SQLite and on PostgreSQL.

    python -m bench.run [--db sqlite|postgres|both] [--items 10000] [--updates 1000000] [--quick]

For each database: build (or reuse) the dataset, count each page's queries at two data
sizes, serve the app with gunicorn (DEBUG off, whitenoise), measure latency from a separate
client process over one keep-alive loopback connection, then time the import of a generated
sheet against reading it with python-calamine alone, and notifications at scale
(``bench.notifyload``: fan-out, the workers' delivery rate, the bell), the reports and the
supervision benches (``bench.supervisionbench``, on a database of its own; ``--skip-supervision``
leaves it out). Prints a table and writes
bench/results/latest-<db>.json. Every figure is measured on this machine in this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import Any

from bench import queries
from bench.common import (
    CACHE_DIR,
    REPO,
    RESULTS_DIR,
    WORK_DIR,
    BenchError,
    cpu_probe_ms,
    data_key,
    django_env,
    free_port,
    log,
    machine_info,
    run_json,
)
from bench.server import Server, ServerConfig

QUICK_ITEMS, QUICK_UPDATES = 1_000, 20_000
IMPORT_TARGET_RATIO = 3.0
CONCURRENT_ENDPOINT = "ledger_unit_25"
BULK_PUBLISH, BULK_PUBLISH_TARGET_S = 1_000, 2.0


# --- databases --------------------------------------------------------------------------


class Database(AbstractContextManager["Database"]):
    """Where a dataset lives; ``url(items, updates)`` returns a DATABASE_URL holding it."""

    vendor = ""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.builds: dict[str, Any] = {}

    def url(self, n_items: int, n_updates: int, label: str, districts: int = 1) -> str:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def server_pid(self) -> int | None:
        """The database server's main process, for CPU accounting (None: in-process)."""
        return None

    def empty_url(self, label: str) -> str:
        """An empty database for a bench that builds its own data ("": the bench's SQLite)."""
        return ""

    def _build(self, url: str, n_items: int, n_updates: int, districts: int) -> dict[str, Any]:
        log(f"{self.vendor}: building {districts} × {n_items} items / {n_updates} updates")
        result: dict[str, Any] = run_json(
            [
                "bench.data",
                "build",
                "--items",
                str(n_items),
                "--updates",
                str(n_updates),
                "--districts",
                str(districts),
            ],
            django_env(url),
            what="dataset build",
        )
        return result

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class SqliteDatabase(Database):
    """Built datasets are cached by data key; each run works on a fresh copy."""

    vendor = "sqlite"

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.work_files: list[Path] = []

    def url(self, n_items: int, n_updates: int, label: str, districts: int = 1) -> str:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        key = data_key(n_items, n_updates, districts)
        cached = CACHE_DIR / f"{key}.sqlite3"
        if not cached.exists():
            building = cached.with_suffix(".building")
            _remove_sqlite(building)
            started = time.perf_counter()
            built = self._build(f"sqlite:///{building}", n_items, n_updates, districts)
            _remove_sqlite(building, keep_main=True)
            building.rename(cached)
            for stale in CACHE_DIR.glob(f"v*-{n_items}i-{n_updates}u-{districts}d-*.sqlite3"):
                if stale != cached:  # built by an older builder or older migrations
                    stale.unlink()
            self.builds[label] = {**built, "seconds": round(time.perf_counter() - started, 1)}
        else:
            self.builds[label] = {"cached": str(cached)}
        work = WORK_DIR / f"work-{label}.sqlite3"
        _remove_sqlite(work)
        shutil.copyfile(cached, work)
        self.work_files.append(work)
        return f"sqlite:///{work}"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.args.keep:
            for work in self.work_files:
                _remove_sqlite(work)

    def version(self) -> str:
        import sqlite3

        return sqlite3.sqlite_version


def _remove_sqlite(path: Path, *, keep_main: bool = False) -> None:
    """Remove a SQLite database's side files (and the database, unless ``keep_main``)."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not keep_main:
        path.unlink(missing_ok=True)


class PostgresDatabase(Database):
    """A fresh cluster from scripts/pg.sh for the run; datasets built once per run."""

    vendor = "postgresql"

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.dir = WORK_DIR / "pg"
        self.base_url = ""

    def __enter__(self) -> PostgresDatabase:
        script = str(REPO / "scripts" / "pg.sh")
        subprocess.run(["bash", script, "stop", str(self.dir)], check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        port = free_port(self.args.pg_port, self.args.pg_port + 20)
        proc = subprocess.run(
            ["bash", script, "start", str(self.dir), str(port)],
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )
        if proc.returncode != 0:
            raise BenchError("scripts/pg.sh start failed")
        self.base_url = proc.stdout.strip().splitlines()[-1]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        script = str(REPO / "scripts" / "pg.sh")
        subprocess.run(["bash", script, "stop", str(self.dir)], check=False)
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _connect(self, dbname: str = "shishi") -> Any:
        import psycopg

        return psycopg.connect(self.base_url.rsplit("/", 1)[0] + f"/{dbname}", autocommit=True)

    def url(self, n_items: int, n_updates: int, label: str, districts: int = 1) -> str:
        dbname = f"shishi_{label}"
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = self.base_url.rsplit("/", 1)[0] + f"/{dbname}"
        started = time.perf_counter()
        built = self._build(url, n_items, n_updates, districts)
        self.builds[label] = {**built, "seconds": round(time.perf_counter() - started, 1)}
        # Write the load's dirty pages out now: otherwise the checkpoint that follows a bulk
        # load runs during the measurement, as no deployment in its steady state has it.
        with self._connect() as conn:
            conn.execute("CHECKPOINT")
        return url

    def empty_url(self, label: str) -> str:
        dbname = f"shishi_{label}"
        with self._connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.base_url.rsplit("/", 1)[0] + f"/{dbname}"

    def server_pid(self) -> int | None:
        try:
            return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def version(self) -> str:
        with self._connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"


# --- the import benchmark ---------------------------------------------------------------


def generated_sheet(n_items: int) -> Path:
    """The generated ledger sheet of ``n_items`` items (cached: the generator is seeded)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    gen = REPO / "shishi" / "ledger" / "excel" / "generate.py"
    layout = REPO / "shishi" / "ledger" / "excel" / "layout.py"
    import hashlib

    digest = hashlib.sha256(gen.read_bytes() + layout.read_bytes()).hexdigest()[:12]
    path = CACHE_DIR / f"ledger-{n_items}-{digest}.xlsx"
    if not path.exists():
        log(f"generating a {n_items}-item sheet")
        run_json(
            ["bench.importbench", "generate", str(path), str(n_items)],
            django_env("sqlite:///:memory:"),
            what="sheet generation",
        )
    return path


def import_bench(url: str, sheet: Path) -> dict[str, Any]:
    """Import vs calamine alone: time and peak RSS, then tracemalloc peaks in second runs."""
    env = django_env(url)
    base = ["bench.importbench"]
    calamine = run_json([*base, "calamine", str(sheet)], env, what="calamine read")
    calamine_tm = run_json(
        [*base, "calamine", str(sheet), "--tracemalloc"], env, what="calamine read (tracemalloc)"
    )
    imported = run_json([*base, "import", str(sheet), "--slot", "1"], env, what="import")
    imported_tm = run_json(
        [*base, "import", str(sheet), "--slot", "2", "--tracemalloc"],
        env,
        what="import (tracemalloc)",
    )
    ratio = imported["seconds"] / calamine["seconds"] if calamine["seconds"] else float("nan")
    return {
        "sheet": sheet.name,
        "sheet_bytes": sheet.stat().st_size,
        "calamine": {**calamine, "tracemalloc_peak_mb": calamine_tm["tracemalloc_peak_mb"]},
        "import": {**imported, "tracemalloc_peak_mb": imported_tm["tracemalloc_peak_mb"]},
        "time_ratio": round(ratio, 2),
        "rss_ratio": round(imported["peak_rss_mb"] / calamine["peak_rss_mb"], 2),
        "rss_growth_ratio": round(
            (imported["peak_rss_mb"] - imported["start_rss_mb"])
            / max(calamine["peak_rss_mb"] - calamine["start_rss_mb"], 0.1),
            2,
        ),
        "tracemalloc_ratio": round(
            imported_tm["tracemalloc_peak_mb"] / max(calamine_tm["tracemalloc_peak_mb"], 0.01),
            2,
        ),
        "target_time_ratio": IMPORT_TARGET_RATIO,
        "meets_target": ratio <= IMPORT_TARGET_RATIO,
    }


# --- one database -----------------------------------------------------------------------


def bench_database(db: Database, args: argparse.Namespace, machine: dict[str, Any]) -> Any:
    started = dt.datetime.now().astimezone()
    small_items, small_updates = max(args.items // 10, 2), max(args.updates // 10, 50)
    result: dict[str, Any] = {
        "db": db.vendor,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine,
        "dataset": {"items": args.items, "updates": args.updates},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "cpu_probe_at_start": cpu_probe_ms(),
    }
    small_url = db.url(small_items, small_updates, "small")
    big_url = db.url(args.items, args.updates, "big")
    result["database"] = {"vendor": db.vendor, "version": db.version()}
    config = ServerConfig(
        port=free_port(args.port, args.port + 50),
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
    )
    result["dataset"]["builds"] = db.builds

    server = Server(config, big_url)
    server.collectstatic()
    log(f"{db.vendor}: counting queries per page")
    counts_small = run_json(["bench.queries"], django_env(small_url), what="query counts")
    counts_big = run_json(["bench.queries"], django_env(big_url), what="query counts")
    info = run_json(["bench.data", "info"], django_env(big_url), what="dataset info")
    result["dataset"].update(
        {
            "items_in_db": info["items"],
            "updates_in_db": info["updates"],
            "filter_unit_items": info["unit_items"],
            "detail_item_updates": info["detail_updates"],
        }
    )
    if info["detail_updates"] != 50:
        raise BenchError(f"the detail item has {info['detail_updates']} updates, not 50")

    pages = queries.pages(info)
    log(f"{db.vendor}: measuring {args.requests} requests per endpoint")
    load = run_load(
        db,
        args,
        server,
        info,
        pages,
        name=db.vendor,
        concurrent=[{"endpoint": CONCURRENT_ENDPOINT, "clients": 2}],
        transfer=queries.transfer_pages(info),
    )

    endpoints = _endpoint_results(pages, load, counts_small, counts_big)
    result["server"] = config.describe()
    result["client"] = {
        "process": "bench.load (separate process, http.client, one keep-alive connection)",
        "requests_per_endpoint": args.requests,
        "warmup": args.warmup,
    }
    result["endpoints"] = endpoints
    result["concurrent"] = load["concurrent"]
    result["transfer"] = load.get("transfer", {})
    result["query_counts"] = {
        "small": {"items": counts_small["items"], "updates": counts_small["updates"]},
        "big": {"items": counts_big["items"], "updates": counts_big["updates"]},
    }

    if args.skip_city:
        result["city"] = None
    else:
        result["city"] = bench_city(db, args, config)
        result["endpoints"].update(result["city"]["endpoints"])

    log(f"{db.vendor}: bulk publish of {BULK_PUBLISH} pending updates")
    published = run_json(
        ["bench.reviewbench", "publish", str(BULK_PUBLISH)], django_env(big_url), what="publish"
    )
    result["bulk_publish"] = {
        **published,
        "target_seconds": BULK_PUBLISH_TARGET_S,
        "meets_target": published["seconds"] < BULK_PUBLISH_TARGET_S
        and published["updates"] == min(BULK_PUBLISH, published["pending_before"]),
    }

    if args.skip_notify:
        result["notify"] = None
    else:
        log(f"{db.vendor}: notifications (fan-out, delivery, the bell)")
        result["notify"] = run_json(["bench.notifyload"], django_env(big_url), what="notify")

    if args.skip_reports:
        result["reports"] = None
    else:
        log(f"{db.vendor}: reports (open a period for 1,000 units, its overview, compile)")
        result["reports"] = run_json(["bench.reportsbench"], django_env(big_url), what="reports")
        if db.vendor == "sqlite":  # chasebench builds its own throwaway SQLite database
            chase = run_json(["bench.chasebench", "--units", "1000"], django_env(""), what="chase")
            result["reports"]["reminders"] = {
                "late": chase["units"],
                "seconds": max(
                    chase["reminder_run_level1_seconds"], chase["reminder_run_level3_seconds"]
                ),
                "target_seconds": 5.0,
                **chase,
            }

    # The benches on databases of their own: (name, what the log says, arguments). The issues'
    # figures are for PostgreSQL; SQLite gets a fifth of the data where the data is large.
    pg = db.vendor == "postgresql"
    own: list[tuple[str, str, list[str]]] = [
        (
            "supervision",
            "a round of 700 units, 5,000 findings, 10,000 instructions",
            ["--requests", str(min(args.requests, 100))],
        ),
        (
            "demands",
            "demands: queues, the month's rates, intake",
            [
                *("--demands", str(args.demands if pg else min(args.demands, 200_000))),
                *("--requests", str(min(args.requests, 60))),
            ],
        ),
        (
            "appointments",
            "residents and certificates",
            [
                *("--residents", str(args.residents if pg else min(args.residents, 200_000))),
                *("--requests", str(min(args.requests, 200))),
            ],
        ),
        (
            "enterprise",
            "enterprises, 344 policies",
            [
                *("--enterprises", str(args.enterprises if pg else min(args.enterprises, 20_000))),
                *("--requests", str(min(args.requests, 200))),
            ],
        ),
        (
            "education",
            "landmark check-ins and landmarks.json",
            ["--seconds", "10" if args.quick else "20"],
        ),
    ]
    for name, what, arguments in own:
        if getattr(args, f"skip_{name}"):
            result[name] = None
            continue
        log(f"{db.vendor}: {name} ({what}: {' '.join(arguments)})")
        url = db.empty_url(name)
        result[name] = run_json(
            [f"bench.{name}bench", *arguments, *(["--database-url", url] if url else [])],
            django_env(url),
            what=name,
        )

    if args.skip_import:
        result["import"] = None
    else:
        log(f"{db.vendor}: import benchmark")
        result["import"] = import_bench(big_url, generated_sheet(args.items))
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["cpu_probe_at_end"] = cpu_probe_ms()
    result["seconds"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    return result


def _endpoint_results(
    pages: list[dict[str, Any]],
    load: dict[str, Any],
    counts_small: dict[str, Any],
    counts_big: dict[str, Any],
) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    for page in pages:
        name = page["name"]
        measured = load["endpoints"][name]
        entry = {**measured}
        if "target_p95_ms" in page:
            entry["target_p95_ms"] = page["target_p95_ms"]
            entry["meets_target"] = measured["p95_ms"] <= page["target_p95_ms"]
        if "target_rps" in page:
            entry["target_rps"] = page["target_rps"]
            entry["meets_target"] = measured["rps"] >= page["target_rps"]
        entry["queries"] = {
            "small": counts_small["counts"][name],
            "big": counts_big["counts"][name],
            "constant": counts_small["counts"][name] == counts_big["counts"][name],
        }
        endpoints[name] = entry
    return endpoints


def run_load(
    db: Database,
    args: argparse.Namespace,
    server: Server,
    info: dict[str, Any],
    pages: list[dict[str, Any]],
    *,
    name: str,
    concurrent: list[dict[str, Any]] | None = None,
    transfer: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Serve the app, run the load client (``bench.load``) on ``pages``, stop the server."""
    server.start()
    assert server.proc is not None
    spec = {
        "port": server.config.port,
        "requests": args.requests,
        "warmup": args.warmup,
        "username": info["username"],
        "password": info["password"],
        "token": info["token"],
        "endpoints": pages,
        "concurrent": concurrent or [],
        "transfer": transfer or [],
        "app_pid": server.proc.pid,
        "db_pid": db.server_pid(),
    }
    spec_path = WORK_DIR / f"load-{name}.json"
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    try:
        result: dict[str, Any] = run_json(
            ["bench.load", str(spec_path)], server.env(), what="load client"
        )
    finally:
        server.stop()
        spec_path.unlink(missing_ok=True)
    return result


def bench_city(db: Database, args: argparse.Namespace, config: ServerConfig) -> dict[str, Any]:
    """The city board over ``--city-districts`` districts, on a dataset of its own."""
    n, items, updates = args.city_districts, args.city_items, args.city_updates
    small_url = db.url(max(items // 10, 2), max(updates // 10, 50), "city_small", districts=n)
    big_url = db.url(items, updates, "city_big", districts=n)
    log(f"{db.vendor}: city board, counting queries")
    counts_small = run_json(["bench.queries", "--city"], django_env(small_url), what="city counts")
    counts_big = run_json(["bench.queries", "--city"], django_env(big_url), what="city counts")
    info = run_json(["bench.data", "info", "--city"], django_env(big_url), what="city info")
    pages = queries.city_pages(info)
    log(f"{db.vendor}: measuring the city board")
    load = run_load(db, args, Server(config, big_url), info, pages, name=f"city-{db.vendor}")
    return {
        "dataset": {
            "districts": info["districts"],
            "items": info["items"],
            "updates": info["updates"],
            "small_items": counts_small["items"],
        },
        "endpoints": _endpoint_results(pages, load, counts_small, counts_big),
    }


# --- report -----------------------------------------------------------------------------


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISS")


def _cpu(e: dict[str, Any]) -> str:
    app, db = e.get("app_cpu_ms"), e.get("db_cpu_ms")
    if app is None:
        return "?"
    return f"{app:.1f}" if db is None else f"{app:.1f}+{db:.1f}"


def table(result: dict[str, Any]) -> str:
    ds = result["dataset"]
    srv = result["server"]
    lines = [
        "",
        f"shishi benchmark — {result['db']} {result['database']['version']}, "
        f"{ds['items_in_db']:,} items, {ds['updates_in_db']:,} progress updates",
        f"gunicorn {srv['workers']}×{srv['worker_class']}"
        + (f"({srv['threads']} threads)" if srv["worker_class"] == "gthread" else "")
        + f", DEBUG off; client: {result['client']['requests_per_endpoint']} sequential "
        f"requests per endpoint over one keep-alive connection; "
        f"{result['machine']['cores']} cores, Python {result['machine']['python']}, "
        f"Django {result['machine']['django']}; load average at start "
        f"{result['load_average_at_start'][0]}, at end {result['load_average_at_end'][0]}; "
        f"CPU probe (a fixed Python loop; lower is faster) "
        f"{result['cpu_probe_at_start']['median_ms']} ms at start, "
        f"{result['cpu_probe_at_end']['median_ms']} ms at end",
        "",
        f"{'endpoint':<20} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'req/s':>7} "
        f"{'target':>10} {'':>4} {'queries':>9} {'cpu ms':>10}  conns",
    ]
    for name, e in result["endpoints"].items():
        target = (
            f"p95≤{e['target_p95_ms']}ms" if "target_p95_ms" in e else f"≥{e.get('target_rps')}/s"
        )
        q = e["queries"]
        qtext = f"{q['small']}/{q['big']}" + ("" if q["constant"] else "!")
        lines.append(
            f"{name:<20} {e['p50_ms']:>7.1f} {e['p95_ms']:>7.1f} {e['p99_ms']:>7.1f} "
            f"{e['max_ms']:>7.1f} {e['rps']:>7.1f} {target:>10} "
            f"{_mark(e.get('meets_target')):>4} {qtext:>9} {_cpu(e):>10}  "
            f"{e['connections_opened']}"
        )
    for key, c in result["concurrent"].items():
        lines.append(
            f"{key:<20} {c['p50_ms']:>7.1f} {c['p95_ms']:>7.1f} {c['p99_ms']:>7.1f} "
            f"{c['max_ms']:>7.1f} {c['rps']:>7.1f}  ({c['clients']} concurrent clients)"
        )
    lines.append(
        "(times in ms; queries = per request at "
        f"{result['query_counts']['small']['items']:,} / "
        f"{result['query_counts']['big']['items']:,} items, '!' = grows with data; "
        "cpu ms = server CPU time per request, app (+ database server))"
    )
    for name, t in result.get("transfer", {}).items():
        assets = ", ".join(
            f"{path.rsplit('/', 1)[-1]} {size / 1024:.0f} KiB"
            for path, size in t["assets_compressed_bytes"].items()
        )
        lines.append(
            f"{name} transfer on a first visit: HTML {t['html_bytes'] / 1024:.1f} KiB + "
            f"assets as served compressed ({assets}) = {t['total_bytes'] / 1024:.0f} KiB"
        )
    city = result.get("city")
    if city:
        d = city["dataset"]
        lines.append(
            f"board_city: {d['districts']} districts, {d['items']:,} items, "
            f"{d['updates']:,} updates (query counts at {d['small_items']:,} / {d['items']:,})"
        )
    pub = result.get("bulk_publish")
    if pub:
        lines += [
            "",
            f"bulk publish of {pub['updates']:,} pending updates (of {pub['pending_before']:,} "
            f"in the queue): {pub['seconds']:.2f}s (target <{pub['target_seconds']:.0f}s) "
            f"{_mark(pub['meets_target'])}",
        ]
    nt = result.get("notify")
    if nt:
        f, d, b = nt["fanout"], nt["delivery"], nt["bell"]
        lines += [
            "",
            f"notify fan-out to {f['recipients']:,} recipients: "
            + ", ".join(f"{r['seconds']:.2f}s" for r in f["runs"])
            + f" (target <{f['target_seconds']:.0f}s) {_mark(f['meets_target'])}; the same "
            f"dedupe key again: {f['same_key_again']['seconds']:.2f}s, "
            f"{f['same_key_again']['messages']} messages",
            f"notify delivery: {d['sms']:,} SMS to the fake gateway by {d['workers']} workers in "
            f"{d['seconds']:.1f}s = {d['messages_per_second']:.0f}/s "
            f"(target ≥{d['target_messages_per_second']:.0f}/s) {_mark(d['meets_target'])}",
            f"the bell: {b['queries']} query; the count p95 {b['p95_ms']:.2f} ms, with its "
            f"markup p95 {b.get('with_render_p95_ms', float('nan')):.2f} ms, "
            f"{b['messages_in_table']:,} messages in the table (target ≤1 query, "
            f"≤{b['target_ms']:.0f} ms) {_mark(b['meets_target'])}",
        ]
    rp = result.get("reports")
    if rp:
        o, v, c = rp["open_period"], rp["period_overview"], rp["compile_monthly"]
        lines += [
            "",
            f"reports: open a period for {o['units']:,} units ({o['item_rows']:,} item rows) "
            f"{o['seconds']:.2f}s (target <{o['target_seconds']:.0f}s) "
            f"{_mark(o['seconds'] < o['target_seconds'])}",
            f"reports: period overview of {v['units']:,} units p50 {v['p50_ms']:.1f} ms, "
            f"p95 {v['p95_ms']:.1f} ms (target ≤{v['target_p95_ms']} ms, in-process) "
            f"{_mark(v['p95_ms'] <= v['target_p95_ms'])}",
            f"reports: compile a monthly report of {c['items']:,} items "
            + ", ".join(f"{x:.2f}s" for x in c["seconds"])
            + f" (target <{c['target_seconds']:.0f}s) "
            f"{_mark(max(c['seconds']) < c['target_seconds'])}",
        ]
        if "reminders" in rp:
            r = rp["reminders"]
            lines.append(
                f"reports: reminder run over {r['late']:,} late submissions {r['seconds']:.2f}s "
                f"(target <{r['target_seconds']:.0f}s) {_mark(r['seconds'] < r['target_seconds'])}"
            )
    sv = result.get("supervision")
    if sv:
        lines += ["", *supervision_lines(sv)]
    dm = result.get("demands")
    if dm:
        lines += ["", *demands_lines(dm)]
    ap = result.get("appointments")
    if ap:
        lines += ["", *appointments_lines(ap)]
    en = result.get("enterprise")
    if en:
        lines += ["", *enterprise_lines(en)]
    ed = result.get("education")
    if ed:
        lines += ["", *education_lines(ed)]
    imp = result.get("import")
    if imp:
        i, c = imp["import"], imp["calamine"]
        lines += [
            "",
            f"import of {i.get('items', '?')} items ({imp['sheet_bytes'] / 1e6:.1f} MB sheet): "
            f"{i['seconds']:.2f}s vs calamine alone {c['seconds']:.2f}s = "
            f"{imp['time_ratio']:.2f}× (target ≤{imp['target_time_ratio']:.0f}×) "
            f"{_mark(imp['meets_target'])}",
            f"  peak RSS {i['peak_rss_mb']:.0f} MB (at start {i['start_rss_mb']:.0f} MB) vs "
            f"calamine {c['peak_rss_mb']:.0f} MB (at start {c['start_rss_mb']:.0f} MB) = "
            f"{imp['rss_ratio']:.2f}× (growth {imp['rss_growth_ratio']:.2f}×); "
            f"tracemalloc peak {i['tracemalloc_peak_mb']:.1f} MB vs "
            f"{c['tracemalloc_peak_mb']:.1f} MB = {imp['tracemalloc_ratio']:.2f}×",
        ]
    return "\n".join(lines)


def supervision_lines(sv: dict[str, Any]) -> list[str]:
    """The supervision bench's figures (``bench.supervisionbench``), a line each."""
    d, e = sv["dataset"], sv["export"]
    lines = [
        f"supervision: problem list of {e['rows']:,} findings (a round over {d['units']} units)"
        f": download "
        + ", ".join(f"{x:.2f}s" for x in e["download_seconds"])
        + f", export_findings {e['command_seconds'][0]:.2f}s "
        f"(target <{e['target_seconds']:.0f}s) {_mark(e['meets_target'])}; round summary "
        f"{e.get('summary_seconds', float('nan')):.2f}s, a notice "
        f"{e.get('notice_seconds', float('nan')):.2f}s"
    ]
    for key, page in sv["pages"].items():
        if "missing" in page:
            lines.append(f"supervision: {key}: {page['missing']} not there, not measured")
            continue
        lines.append(
            f"supervision: {key} ({page['url']}) p50 {page['p50_ms']:.1f} ms, p95 "
            f"{page['p95_ms']:.1f} ms (target ≤{page['target_p95_ms']:.0f} ms, in-process), "
            f"{page['queries']} queries ({page['query_ms']:.0f} ms) {_mark(page['meets_target'])}"
        )
        for q in page.get("slowest_queries", [])[:3]:
            lines.append(f"    {q['ms']:.1f} ms  {q['sql'][:140]}")
    return lines


def demands_lines(dm: dict[str, Any]) -> list[str]:
    """The demands bench's figures (``bench.demandsbench``), a line each."""
    d = dm["dataset"]
    lines = [f"demands: {d['demands']:,} demands in one district ({d['units']} units), built "
             f"in {d['seconds']:.0f}s; the statements' plans in {dm['plans']}"]  # fmt: skip
    for key, page in dm["queues"].items():
        lines.append(
            f"demands: queue {key:<22} p50 {page['p50_ms']:5.1f} ms, p95 {page['p95_ms']:5.1f} "
            f"ms (target ≤{page['target_p95_ms']:.0f} ms, in-process), {page['queries']} "
            f"queries, {page.get('in_tab', '?')} in the tab {_mark(page['meets_target'])}"
        )
    r = dm["rates"]
    for key in ("units", "district"):
        x = r[key]
        lines.append(
            f"demands: the month's rates ({r['month']}) per {key}: {x['groups']} groups, "
            f"{x['counted']:,} counted, best {x['best_ms']:.0f} ms, median "
            f"{x['median_ms']:.0f} ms, max {x['max_ms']:.0f} ms (target <{r['target_ms']:.0f} "
            f"ms) {_mark(x['max_ms'] < r['target_ms'])}"
        )
    api = r.get("api") or {}
    if "median_ms" in api:
        lines.append(
            f"demands: the statistics API ({api['url']}, district and {api['units']} units): "
            f"best {api['best_ms']:.0f} ms, median {api['median_ms']:.0f} ms, max "
            f"{api['max_ms']:.0f} ms (for information)"
        )
    i = dm.get("intake")
    if i:
        lines.append(
            f"demands: public intake {i['filed_rps']:.0f} demands/s over {i['seconds']:.0f}s "
            f"({i['requests']:,} requests, {i['client_addresses']:,} client addresses, "
            f"{i['errors']} errors; p50 {i['p50_ms']:.0f} ms, p95 {i['p95_ms']:.0f} ms; target "
            f"≥{i['target_rps']:.0f}/s, 0 errors) {_mark(i['meets_target'])}"
        )
    return lines


def appointments_lines(ap: dict[str, Any]) -> list[str]:
    """The appointments bench's figures (``bench.appointmentsbench``), a line each."""
    d = ap["dataset"]
    lines = [f"appointments: {d['residents']:,} residents and {d['certificates']:,} "
             f"certificates in one district, built in {d['seconds']:.0f}s"]  # fmt: skip
    for key, page in ap["search"].items():
        lines.append(
            f"appointments: operator search by {key:<9} p50 {page['p50_ms']:5.1f} ms, p95 "
            f"{page['p95_ms']:5.1f} ms (target ≤{page['target_p95_ms']:.0f} ms, in-process), "
            f"{page['queries']} queries, {', '.join(page['resident_scans'])} {_mark(page['met'])}"
        )
    v = ap["verification"]
    lines.append(
        f"appointments: certificate verification p50 {v['p50_ms']:5.1f} ms, p95 "
        f"{v['p95_ms']:5.1f} ms (target ≤{v['target_p95_ms']:.0f} ms, in-process), "
        f"{v['queries']} queries, {', '.join(v['certificate_scans'])} {_mark(v['met'])}"
    )
    b = ap["booking"]
    lines.append(
        f"appointments: {b['bookings']:,} bookings one after another in {b['seconds']:.1f}s: "
        f"{b['per_second']:.0f}/s, {b.get('queries_per_booking', '?')} statements each "
        f"(target ≥{b['target_per_second']:.0f}/s) {_mark(b['met'])}"
    )
    return lines


def enterprise_lines(en: dict[str, Any]) -> list[str]:
    """The enterprise bench's figures (``bench.enterprisebench``), a line each."""
    d, m = en["dataset"], en["match"]
    lines = [
        f"enterprise: {d['enterprises']:,} enterprises, {d['policies']} policies, built in "
        f"{d['seconds']:.0f}s",
        f"enterprise: matching {m['pairs']:,} pairs stored {m['stored']:,} matches "
        f"({m['by_verdict'].get('eligible', 0):,} eligible, "
        f"{m['by_verdict'].get('possible', 0):,} possible) in {m['seconds']:.1f}s "
        f"(target <{m['target_s']:.0f}s) {_mark(m['met'])}",
    ]
    one = en.get("one")
    if one:
        lines.append(
            f"enterprise: one enterprise's matches (API) p50 {one['p50_ms']:5.1f} ms, p95 "
            f"{one['p95_ms']:5.1f} ms, {one['queries']} queries, {one['policies_judged']} "
            f"policies judged (target ≤{one['target_p95_ms']:.0f} ms) {_mark(one['met'])}"
        )
    imp = en.get("import")
    if imp:
        lines.append(
            f"enterprise: import of {imp['rows']:,} enterprises ({imp['sheet_mb']} MB sheet) "
            f"in {imp['seconds']:.1f}s, {imp['rows_per_s']:,}/s (target <{imp['target_s']:.0f}s) "
            f"{_mark(imp['met'])}"
        )
    return lines


def education_lines(ed: dict[str, Any]) -> list[str]:
    """The red landmarks bench's figures (``bench.educationbench``), a line each."""
    c, j = ed["check_in"], ed["landmarks_json"]
    burst = c["burst_from_one_client"]["statuses"]
    return [
        f"education: check-in {c['check_ins_per_s']:.0f}/s from {c['client_addresses']:,} "
        f"client addresses, p95 {c['p95_ms']:.0f} ms, {c['errors']} errors, counts equal rows "
        f"{c['counters_equal_rows']} (target ≥{c['target_rps']:.0f}/s, 0 errors) "
        f"{_mark(c['meets_target'])}",
        f"education: a burst of {sum(burst.values())} from one client: "
        f"{burst.get('201', 0)} kept, {burst.get('429', 0)} refused "
        f"(limit {c['limit_per_client']})",
        f"education: landmarks.json ({j['landmarks']} landmarks) p50 {j['p50_ms']:.1f} ms, "
        f"p95 {j['p95_ms']:.1f} ms (target ≤{j['target_p95_ms']:.0f} ms) "
        f"{_mark(j['meets_target'])}",
    ]


def write_result(result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = "sqlite" if result["db"] == "sqlite" else "postgres"
    path = RESULTS_DIR / f"latest-{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--updates", type=int, default=1_000_000)
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_ITEMS:,} items, {QUICK_UPDATES:,} updates, 100 requests",
    )
    p.add_argument("--requests", type=int, default=300, help="measured requests per endpoint")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    p.add_argument("--port", type=int, default=8200, help="first port to try for gunicorn")
    p.add_argument("--pg-port", type=int, default=54329, help="first port to try for PostgreSQL")
    p.add_argument("--skip-import", action="store_true")
    p.add_argument("--skip-notify", action="store_true", help="leave out the notify bench")
    p.add_argument("--skip-reports", action="store_true", help="leave out the reports bench")
    p.add_argument("--skip-city", action="store_true", help="leave out the city board")
    p.add_argument(
        "--skip-supervision", action="store_true", help="leave out the supervision bench"
    )
    p.add_argument("--skip-demands", action="store_true", help="leave out the demands bench")
    p.add_argument("--demands", type=int, default=1_000_000, help="demands (PostgreSQL)")
    p.add_argument(
        "--skip-appointments", action="store_true", help="leave out the appointments bench"
    )
    p.add_argument(
        "--residents", type=int, default=1_000_000, help="residents and certificates (PostgreSQL)"
    )
    p.add_argument("--skip-enterprise", action="store_true", help="leave out the enterprise bench")
    p.add_argument("--skip-education", action="store_true", help="leave out the landmarks bench")
    p.add_argument("--enterprises", type=int, default=100_000, help="enterprises (PostgreSQL)")
    p.add_argument("--city-districts", type=int, default=20)
    p.add_argument("--city-items", type=int, default=5_000, help="items per district")
    p.add_argument("--city-updates", type=int, default=25_000, help="updates per district")
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the working databases (SQLite copies, the PostgreSQL cluster's files)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.items, args.updates = QUICK_ITEMS, QUICK_UPDATES
        args.city_districts, args.city_items, args.city_updates = 3, 500, 2_500
        args.demands = min(args.demands, 20_000)
        args.requests = min(args.requests, 100)
        args.warmup = min(args.warmup, 10)
    if args.items < 20 or args.updates < 100:
        p.error("need at least 20 items and 100 updates (the small dataset is a tenth)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    failed = False
    for kind in kinds:
        db: Database = SqliteDatabase(args) if kind == "sqlite" else PostgresDatabase(args)
        try:
            with db:
                result = bench_database(db, args, machine)
        except (BenchError, subprocess.CalledProcessError) as exc:
            print(f"\nbench: {kind} FAILED: {exc}", file=sys.stderr)
            failed = True
            continue
        print(table(result), flush=True)
        print(f"\nwritten: {write_result(result).relative_to(REPO)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
