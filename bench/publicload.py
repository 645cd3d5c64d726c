"""Public throughput under load, measured with wrk against gunicorn (as ``bench.run`` serves).

    python -m bench.publicload --database-url URL json    # the demo programmes' open data
    python -m bench.publicload --database-url URL flood   # public pages during a login flood

The database must hold the demo (``shishi migrate`` and ``shishi seed_demo``). ``json``: 8
connections (``--connections``) spread over every published programme's ``items.json``
for ``--seconds``; requests/s and errors (socket errors and non-2xx answers). ``flood``:
the programme page and ``items.json`` of one programme alone, then again while 8 more
connections post wrong passwords to ``/login/`` (real demo names and made-up ones, from the
same address, as a scripted attack would); with ``--unthrottled`` a third run with the
login limits raised out of reach shows what the flood costs without the throttle.

``--topology`` chooses how the app is served: ``direct`` (wrk talks to one gunicorn, as
``bench.run`` serves), or ``split`` (the production topology of docs/operations.md: nginx in
front, ``/login/`` served by its own one-worker gunicorn under ``SCHED_IDLE``, everything
else by the app's pool). ``split`` needs ``nginx`` (Debian package ``nginx-light``).

The public rate limits are raised out of reach for the run (wrk is one client hammering
from 127.0.0.1; a real portal's clients are many): the limiter still counts every request,
so its cost is in the figures. Needs ``wrk`` (Debian package ``wrk``). Prints JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import REPO, WORK_DIR, BenchError, django_env, log
from bench.server import Server, ServerConfig

OUT_OF_REACH = "100000000/60"
FLOOD_NAMES = ("nangang", "hulan", "city", "admin", "chengguan")
EXTRA_ENV: dict[str, str] = {}  # --env NAME=VALUE: more settings for the server


class LoadServer(Server):
    """``bench.server.Server`` with extra settings in its environment."""

    extra: dict[str, str]

    def env(self) -> dict[str, str]:
        return django_env(
            self.database_url, ALLOWED_HOSTS="127.0.0.1,localhost", **getattr(self, "extra", {})
        )


def _lua(name: str, text: str) -> Path:
    path = WORK_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _paths_script(paths: list[str]) -> Path:
    listed = ", ".join(json.dumps(p) for p in paths)
    return _lua(
        "paths.lua",
        f"local paths = {{{listed}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        "  return wrk.format('GET', paths[(n % #paths) + 1])\nend\n",
    )


def _flood_script() -> Path:
    token = secrets.token_hex(16)  # 32 characters: the CSRF secret, as cookie and field
    names = ", ".join(json.dumps(n) for n in FLOOD_NAMES)
    return _lua(
        "flood.lua",
        f'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "csrftoken={token}"\n'
        f"local names = {{{names}}}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        "  local name = names[(n % #names) + 1]\n"
        '  if n % 3 == 0 then name = "flood" .. (n % 97) end\n'
        f'  local body = "csrfmiddlewaretoken={token}&username=" .. name\n'
        '  body = body .. "&password=wrong" .. n\n'
        '  return wrk.format(nil, "/login/", nil, body)\nend\n',
    )


def wrk(url: str, *, seconds: int, connections: int, script: Path | None = None) -> dict[str, Any]:
    """Run wrk; requests/s, requests, latency and errors from its report."""
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {
        "requests_per_s": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in socket.groups()) if socket else 0,
        "p50": p50.group(1) if p50 else None,
        "p99": p99.group(1) if p99 else None,
    }


def published_paths(database_url: str) -> list[str]:
    """The open-data paths of every published programme (read through the portal)."""
    code = (
        "import json, django; django.setup()\n"
        "from shishi.portal.selectors import published_programmes\n"
        "print(json.dumps([f'/public/{p.code}/{p.year}/' for p in published_programmes()]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=django_env(database_url),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


def forget_login_failures(database_url: str) -> None:
    """Start each run with no failed logins counted (a run's locks outlive it)."""
    code = (
        "import django; django.setup()\n"
        "from shishi.core.models import LoginThrottle\n"
        "LoginThrottle.objects.all().delete()\n"
    )
    subprocess.run([sys.executable, "-c", code], env=django_env(database_url), cwd=REPO, check=True)


def _serve(database_url: str, port: int, workers: int, **extra: str) -> LoadServer:
    forget_login_failures(database_url)
    server = LoadServer(ServerConfig(port=port, workers=workers), database_url)
    server.extra = {"SHISHI_RATE_OPEN_DATA": OUT_OF_REACH, "SHISHI_RATE_SEARCH": OUT_OF_REACH}
    server.extra.update(EXTRA_ENV)
    server.extra.update(extra)
    server.collectstatic()
    server.start()
    return server


class Nginx:
    """nginx with ``bench/nginx.conf.in``: ``/login/`` to the login pool, the rest to the
    app's pool. Runs on the same cores as the servers (``taskset`` is inherited)."""

    def __init__(self, port: int, app_port: int, login_port: int) -> None:
        self.dir = WORK_DIR / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        template = (REPO / "bench" / "nginx.conf.in").read_text(encoding="utf-8")
        conf = template.format(dir=self.dir, port=port, app_port=app_port, login_port=login_port)
        (self.dir / "nginx.conf").write_text(conf, encoding="utf-8")
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise BenchError("nginx not found (apt-get install nginx-light)")
        self.proc = subprocess.Popen([nginx, "-p", str(self.dir), "-c", "nginx.conf"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"nginx did not listen on {self.port}; see {self.dir / 'error.log'}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def serving(args: argparse.Namespace, **extra: str) -> Iterator[str]:
    """Serve the app as ``--topology`` says; yields the base URL the clients use."""
    if args.topology == "direct":
        server = _serve(args.database_url, args.port, args.workers, **extra)
        try:
            yield f"http://127.0.0.1:{args.port}"
        finally:
            server.stop()
        return
    behind = {"SHISHI_TRUSTED_PROXIES": "1", **extra}
    app = _serve(args.database_url, args.port + 1, args.workers, **behind)
    login_pool = ServerConfig(port=args.port + 2, workers=1, threads=2, idle=True)
    login = LoadServer(login_pool, args.database_url)
    login.extra = {**EXTRA_ENV, **behind}
    proxy = Nginx(args.port, args.port + 1, args.port + 2)
    try:
        login.start()
        proxy.start()
        yield f"http://127.0.0.1:{args.port}"
    finally:
        proxy.stop()
        login.stop()
        app.stop()


def run_json(args: argparse.Namespace) -> dict[str, Any]:
    programmes = published_paths(args.database_url)
    paths = [f"{p}items.json" for p in programmes]
    with serving(args) as base:
        script = _paths_script(paths)
        wrk(base + paths[0], seconds=2, connections=args.connections, script=script)  # warm up
        result = wrk(
            base + paths[0], seconds=args.seconds, connections=args.connections, script=script
        )
    return {
        "what": "open data of the demo's programmes",
        "topology": args.topology,
        "paths": paths,
        **result,
    }


def _public(base: str, page: str, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "programme_page": wrk(base + page, seconds=args.seconds, connections=args.connections),
        "items_json": wrk(
            base + page + "items.json", seconds=args.seconds, connections=args.connections
        ),
    }


def _with_flood(base: str, page: str, args: argparse.Namespace) -> dict[str, Any]:
    flood_result: dict[str, Any] = {}
    seconds = args.seconds * 2 + args.flood_warmup + 2  # covers both public runs

    def flood() -> None:
        flood_result.update(
            wrk(base + "/login/", seconds=seconds, connections=8, script=_flood_script())
        )

    thread = threading.Thread(target=flood)
    thread.start()
    try:
        # The flood runs before the public clients start: its first guesses are hashed
        # until the address is locked, as in a real attack's first seconds.
        time.sleep(args.flood_warmup)
        public = _public(base, page, args)
    finally:
        thread.join()
    return {**public, "flood": flood_result}


def run_flood(args: argparse.Namespace) -> dict[str, Any]:
    page = published_paths(args.database_url)[0]
    result: dict[str, Any] = {"page": page, "topology": args.topology}
    with serving(args) as base:
        _public(base, page, argparse.Namespace(seconds=2, connections=args.connections))
        result["alone"] = _public(base, page, args)
        result["during_flood"] = _with_flood(base, page, args)
    if args.unthrottled:
        unthrottled = {
            "SHISHI_LOGIN_ACCOUNT_FAILURES": "100000000",
            "SHISHI_LOGIN_ADDRESS_FAILURES": "100000000",
        }
        with serving(args, **unthrottled) as base:
            result["during_flood_unthrottled"] = _with_flood(base, page, args)
    for key in ("programme_page", "items_json"):
        alone = result["alone"][key]["requests_per_s"]
        during = result["during_flood"][key]["requests_per_s"]
        result[f"{key}_kept"] = round(during / alone, 3) if alone else None
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["json", "flood"])
    p.add_argument("--database-url", required=True)
    p.add_argument("--port", type=int, default=8300)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--unthrottled", action="store_true")
    p.add_argument("--topology", choices=["direct", "split"], default="direct")
    p.add_argument("--flood-warmup", type=int, default=8, help="seconds of flood before")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    args = p.parse_args(argv)
    EXTRA_ENV.update(item.split("=", 1) for item in args.env)
    if shutil.which("wrk") is None:
        raise BenchError("wrk not found (apt-get install wrk)")
    log(f"publicload {args.what} against {args.database_url.split('@')[-1]}")
    result = run_json(args) if args.what == "json" else run_flood(args)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
