"""The benchmark's HTTP client: a separate process, no Django, one keep-alive connection.

    python -m bench.load SPEC.json     # prints one JSON line of results

SPEC: {"port": 8200, "requests": 300, "warmup": 30, "username": ..., "password": ...,
       "token": ..., "endpoints": [{"name", "method", "path", "auth": "session"|"token",
       "expect": [200], "json": {...}?, "contains": "..."?, "json_items": 25?}],
       "concurrent": [{"endpoint": name, "clients": 2}]}

Every response's status is checked (and, where the spec says, its content): a benchmark of
error pages is worthless, so the first wrong answer stops the run with the details.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import re
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from bench.common import emit, latency_summary

HOST = "127.0.0.1"


class WrongAnswer(RuntimeError):
    pass


@dataclass
class Client:
    """One keep-alive connection; http.client reopens it only if the server closed it."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connects: int = 0
    conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        if self.conn.sock is None:
            self.connects += 1
        hdrs = {"Host": f"{HOST}:{self.port}", **headers}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=hdrs)
        resp = self.conn.getresponse()
        data = resp.read()
        for raw in resp.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                self.cookies[key] = morsel.value
        return resp.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def login(client: Client, username: str, password: str) -> None:
    """Log in through the real login form, as a person would."""
    status, body = client.request("GET", "/login/", headers={})
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or match is None or "csrftoken" not in client.cookies:
        raise WrongAnswer(f"GET /login/ gave {status} without a CSRF token")
    form = urllib.parse.urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": match.group(1).decode(),
        }
    ).encode()
    status, body = client.request(
        "POST",
        "/login/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 302 or "sessionid" not in client.cookies:
        raise WrongAnswer(f"login as {username} failed: {status} {body[:300]!r}")


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def cpu_seconds(root: int | None) -> float:
    """User + system CPU time of a process and all its descendants (Linux /proc).

    Wall-clock latency suffers from whatever else runs on the machine; the server's CPU
    time per request much less so, which keeps runs on a busy machine comparable.
    """
    if not root:
        return 0.0
    tree = _children()
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
        ticks += sum(int(v) for v in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _headers(endpoint: dict[str, Any], token: str) -> dict[str, str]:
    headers = {"Accept": "application/json" if endpoint.get("json_items") else "text/html"}
    if endpoint.get("auth") == "token":
        headers["Authorization"] = f"Bearer {token}"
    if "json" in endpoint:
        headers["Content-Type"] = "application/json"
    headers.update(endpoint.get("headers", {}))  # e.g. HX-Request for an htmx fragment
    return headers


def _check(endpoint: dict[str, Any], status: int, body: bytes) -> None:
    expect = endpoint.get("expect", [200])
    name = endpoint["name"]
    if status not in expect:
        raise WrongAnswer(
            f"{name}: {endpoint['method']} {endpoint['path']} gave {status}, "
            f"expected {expect}: {body[:500]!r}"
        )
    needle = endpoint.get("contains")
    if needle and needle.encode() not in body:
        raise WrongAnswer(f"{name}: the response does not contain {needle!r}")
    want = endpoint.get("json_items")
    if want is not None:
        got = len(json.loads(body)["items"])
        if got != want:
            raise WrongAnswer(f"{name}: {got} items in the page, expected {want}")


def _payload(endpoint: dict[str, Any], n: int) -> bytes | None:
    if "json" not in endpoint:
        return None
    data = dict(endpoint["json"])
    data["text"] = f"{data.get('text', '进展')}(第{n}次)"
    if "rate" in data:
        data["rate"] = n % 100
    return json.dumps(data, ensure_ascii=False).encode()


def measure(
    client: Client, endpoint: dict[str, Any], token: str, count: int, warmup: int, seq0: int = 0
) -> tuple[list[float], float]:
    """Send ``warmup`` then ``count`` requests one after another; their durations.

    The size of the last response body is left in ``endpoint["_bytes"]``.
    """
    headers = _headers(endpoint, token)
    method, path = endpoint["method"], endpoint["path"]
    for n in range(warmup):
        status, body = client.request(
            method, path, body=_payload(endpoint, seq0 + n), headers=headers
        )
        _check(endpoint, status, body)
    durations = []
    started = time.perf_counter()
    for n in range(count):
        payload = _payload(endpoint, seq0 + warmup + n)
        t0 = time.perf_counter()
        status, body = client.request(method, path, body=payload, headers=headers)
        durations.append(time.perf_counter() - t0)
        _check(endpoint, status, body)
        endpoint["_bytes"] = len(body)
    return durations, time.perf_counter() - started


_ASSET = re.compile(rb'(?:src|href)="(/static/[^"]+\.(?:js|css|svg))"')


def transfer(client: Client, item: dict[str, Any]) -> dict[str, Any]:
    """What a browser downloads for a page on a first visit: the HTML as served, and each
    static asset it references as served compressed (Accept-Encoding: br, gzip)."""
    status, html = client.request("GET", item["path"], headers={"Accept": "text/html"})
    if status != 200:
        raise WrongAnswer(f"{item['name']}: GET {item['path']} gave {status}")
    assets: dict[str, int] = {}
    for raw in sorted(set(_ASSET.findall(html))):
        path = raw.decode()
        code, body = client.request("GET", path, headers={"Accept-Encoding": "br, gzip"})
        if code != 200:
            raise WrongAnswer(f"{item['name']}: asset {path} gave {code}")
        assets[path] = len(body)
    return {
        "path": item["path"],
        "html_bytes": len(html),
        "assets_compressed_bytes": assets,
        "total_bytes": len(html) + sum(assets.values()),
    }


def _worker(args: tuple[dict[str, Any], dict[str, Any], int, Any, Any]) -> None:
    spec, endpoint, index, barrier, queue = args
    client = Client(spec["port"], cookies=dict(spec.get("cookies", {})))
    try:
        client.request("GET", "/login/", headers={})  # open the connection before the start
        opened = client.connects
        barrier.wait(timeout=60)
        durations, wall = measure(
            client, endpoint, spec.get("token", ""), spec["requests"], 0, seq0=index * 100_000
        )
        queue.put(("ok", durations, wall, client.connects - opened))
    except Exception as exc:  # reported to the parent, which fails the run
        queue.put(("error", repr(exc), 0.0, 0))
    finally:
        client.close()


def concurrent(
    spec: dict[str, Any], endpoint: dict[str, Any], clients: int, cookies: dict[str, str]
) -> dict[str, Any]:
    """``clients`` processes, each with its own connection, sending at the same time."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients)
    queue = ctx.Queue()
    shared = {**spec, "cookies": cookies}
    procs = [
        ctx.Process(target=_worker, args=((shared, endpoint, i, barrier, queue),))
        for i in range(clients)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    wall = time.perf_counter() - started
    errors = [r[1] for r in results if r[0] != "ok"]
    if errors:
        raise WrongAnswer("; ".join(errors))
    durations = [d for r in results for d in r[1]]
    longest = max(r[2] for r in results)
    summary = latency_summary(durations, longest)
    summary["clients"] = clients
    summary["connections_opened"] = sum(r[3] for r in results)
    summary["wall_s"] = round(wall, 2)
    return summary


def run(spec: dict[str, Any]) -> dict[str, Any]:
    client = Client(spec["port"])
    token = spec.get("token", "")
    if spec.get("username"):
        login(client, spec["username"], spec["password"])
    results: dict[str, Any] = {"endpoints": {}, "concurrent": {}}
    for endpoint in spec["endpoints"]:
        measure(client, endpoint, token, 0, spec.get("warmup", 30))
        before = client.connects
        app_pid, db_pid = spec.get("app_pid"), spec.get("db_pid")
        cpu0 = cpu_seconds(app_pid), cpu_seconds(db_pid)
        durations, wall = measure(client, endpoint, token, spec["requests"], 0, seq0=10_000)
        cpu1 = cpu_seconds(app_pid), cpu_seconds(db_pid)
        summary = latency_summary(durations, wall)
        summary["connections_opened"] = client.connects - before
        summary["app_cpu_ms"] = round((cpu1[0] - cpu0[0]) / spec["requests"] * 1000, 2)
        summary["db_cpu_ms"] = (
            round((cpu1[1] - cpu0[1]) / spec["requests"] * 1000, 2) if db_pid else None
        )
        summary["path"] = endpoint["path"]
        summary["method"] = endpoint["method"]
        summary["response_bytes"] = endpoint.get("_bytes")
        results["endpoints"][endpoint["name"]] = summary
        print(
            f"[bench.load] {endpoint['name']}: p95 {summary['p95_ms']} ms, {summary['rps']} req/s",
            file=sys.stderr,
            flush=True,
        )
    for item in spec.get("transfer", []):
        results.setdefault("transfer", {})[item["name"]] = transfer(client, item)
    by_name = {e["name"]: e for e in spec["endpoints"]}
    for item in spec.get("concurrent", []):
        endpoint = by_name[item["endpoint"]]
        key = f"{item['endpoint']}@{item['clients']}"
        results["concurrent"][key] = concurrent(spec, endpoint, item["clients"], client.cookies)
    client.close()
    return results


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m bench.load SPEC.json")
    with open(args[0], encoding="utf-8") as f:
        spec = json.load(f)
    try:
        emit(run(spec))
    except WrongAnswer as exc:
        print(f"[bench.load] WRONG ANSWER: {exc}", file=sys.stderr)
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
