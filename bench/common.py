"""What the benchmark modules share: paths, child-process environment, statistics."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
WORK_DIR = Path(os.environ.get("SHISHI_BENCH_DIR", "/tmp/shishi-bench"))
CACHE_DIR = WORK_DIR / "cache"

# Bump when the dataset's shape changes; the cache key also hashes bench/data.py and the
# migrations, so a model change or a builder change rebuilds the cached SQLite files.
DATA_VERSION = 1

# A throwaway secret for the benchmark server and its throwaway database.
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"


class BenchError(RuntimeError):
    """A benchmark step failed; the message says which and why."""


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment for a child process running Django against ``database_url``."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "shishi.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
            "PYTHONDONTWRITEBYTECODE": "1",
            "STATIC_ROOT": str(WORK_DIR / "static"),
        }
    )
    env.update(extra)
    return env


def run_json(
    args: Sequence[str], env: Mapping[str, str], *, what: str, timeout: float = 3600
) -> Any:
    """Run ``python -m <args>`` and parse the JSON it prints last on stdout."""
    cmd = [sys.executable, "-m", *args]
    proc = subprocess.run(
        cmd,
        env=dict(env),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=None,  # progress and errors go straight to the terminal
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if not lines:
        raise BenchError(f"{what} printed no result")
    return json.loads(lines[-1])


def emit(result: Any) -> None:
    """Print a child's result as the one JSON line ``run_json`` reads."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_summary(seconds: Sequence[float], wall: float) -> dict[str, Any]:
    """p50/p95/p99/max in milliseconds and requests per second over ``wall`` seconds."""
    ordered = sorted(seconds)
    return {
        "requests": len(ordered),
        "p50_ms": round(percentile(ordered, 50) * 1000, 2),
        "p95_ms": round(percentile(ordered, 95) * 1000, 2),
        "p99_ms": round(percentile(ordered, 99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else math.nan,
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2) if ordered else math.nan,
        "rps": round(len(ordered) / wall, 1) if wall > 0 else math.nan,
    }


def cpu_probe_ms(rounds: int = 15) -> dict[str, float]:
    """How fast this machine runs Python right now: a fixed pure-Python loop, timed.

    The cores of a shared virtual machine do not always run at the same speed; the probe,
    taken at the start and the end of a run, says what a run's figures were measured on
    (lower is faster; median and slowest of ``rounds``)."""
    import time

    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        total = 0
        for i in range(200_000):
            total += i * i
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"median_ms": round(times[len(times) // 2], 2), "max_ms": round(times[-1], 2)}


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return math.nan


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(start: int, end: int) -> int:
    for port in range(start, end + 1):
        if port_is_free(port):
            return port
    raise BenchError(f"no free port in {start}-{end}")


def data_key(n_items: int, n_updates: int, districts: int = 1) -> str:
    """Cache key of a dataset: its size, the builder's source and the migrations."""
    digest = hashlib.sha256()
    digest.update((REPO / "bench" / "data.py").read_bytes())
    for path in sorted((REPO / "shishi").glob("*/migrations/[0-9]*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"v{DATA_VERSION}-{n_items}i-{n_updates}u-{districts}d-{digest.hexdigest()[:12]}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return math.nan


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return "unknown"
    commit = out.stdout.strip() or "unknown"
    return commit + ("+dirty" if dirty.stdout.strip() else "")


def machine_info() -> dict[str, Any]:
    """The machine and software the figures were measured on (no Django import needed)."""
    import sqlite3
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _mem_total_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": version("Django"),
        "gunicorn": version("gunicorn"),
        "psycopg": version("psycopg"),
        "python_calamine": version("python-calamine"),
        "sqlite": sqlite3.sqlite_version,
        "git_commit": _git_commit(),
    }


def wait_until_up(url: str, seconds: float = 30) -> None:
    """Wait until ``url`` answers 200 (a fake gateway or server a bench started)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, trust_env=False, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise BenchError(f"nothing answered at {url} within {seconds:.0f} s")


@contextlib.contextmanager
def fake_gateway_process(
    port: int, *args: str, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``shishi fake_gateway`` on ``port`` as a process of its own (as in the demo), answering
    before the block runs and stopped after it; ``args`` are the command's further options."""
    command = [sys.executable, "-m", "shishi.manage", "fake_gateway", "--port", str(port)]
    process = subprocess.Popen([*command, "--quiet", *args], env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_fake/messages")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def own_database(label: str, database_url: str) -> str:
    """Set Django up on a bench's own database — ``database_url`` (empty), or a fresh SQLite
    file under ``WORK_DIR`` — as ``bench.run`` starts a child and as its servers see it,
    then migrate it. Returns the database's URL."""
    if not database_url:
        path = WORK_DIR / f"{label}bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            (path.parent / (path.name + suffix)).unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    os.environ.update(django_env(database_url))
    import tempfile

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix=f"shishi-{label}bench-media-")
    log(f"{label}: migrating")
    call_command("migrate", verbosity=0)
    return database_url


def time_page(
    client: Any, url: str, requests: int, target_ms: float
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A page through Django's test client in this process: three warm-up requests (each
    must answer 200), ``requests`` timed, then one more with its queries captured. Returns
    the figures (p50/p95/max, queries and their time, the target and whether it is met) and
    the captured queries."""
    import statistics
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm up: templates, prepared statements, caches
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}")
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = list(captured.captured_queries)
    result: dict[str, Any] = {
        "url": url,
        "requests": requests,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(times[-1], 1),
        "queries": len(queries),
        "query_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "target_p95_ms": target_ms,
    }
    result["meets_target"] = result["p95_ms"] <= target_ms
    return result, queries
