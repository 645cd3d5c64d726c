"""Notifications at scale: fan-out, the worker's delivery rate, the bell.

    python -m bench.notifyload [--recipients 10000] [--runs 2] [--workers 2]

Runs against DATABASE_URL (bench.run points it at the big dataset after the page load):
1. adds ``--recipients`` accounts with a phone each (setup, not measured);
2. **fan-out**: ``notify()`` of one urgent notice to all of them, in its transaction, timed
   to the commit and the hand-over of the deliveries to the worker (``--runs`` notices,
   then the last one again with the same dedupe key, which must write nothing);
3. **delivery**: starts the fake gateway (``shishi fake_gateway``) and ``--workers``
   ``shishi worker`` processes, and times them sending every queued SMS to the gateway;
4. **the bell**: what it adds to a page for a person with 1,000 unread messages: its
   queries, and the time of its count alone and with its markup drawn (p95 of 500).
Prints one JSON line. Every figure is measured here, on this machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any

from bench.common import (
    BenchError,
    emit,
    fake_gateway_process,
    free_port,
    latency_summary,
    log,
)

KEY, SECRET = "bench-key", "bench-secret"
FANOUT_TARGET_S, DELIVERY_TARGET_RPS, BELL_TARGET_MS = 2.0, 200.0, 2.0
PREFIX = "nb_"


def _recipients(n: int) -> list[Any]:
    from shishi.core import pii
    from shishi.notify.models import Contact
    from shishi.orgs.models import User

    have = list(User.objects.filter(username__startswith=PREFIX).order_by("id"))
    if len(have) < n:
        User.objects.bulk_create(
            [
                User(username=f"{PREFIX}{i:05d}", display_name=f"测试接收人{i}", password="!")
                for i in range(len(have), n)
            ],
            batch_size=2000,
        )
        have = list(User.objects.filter(username__startswith=PREFIX).order_by("id"))
        with_contact = set(Contact.objects.values_list("user_id", flat=True))
        contacts = []
        for i, user in enumerate(have):
            if user.pk in with_contact:
                continue
            number = f"139{i % 10_000:04d}8888"  # no misbehaving suffix at the fake
            contacts.append(
                Contact(
                    user=user,
                    phone_encrypted=pii.encrypt(number, purpose="phone"),
                    phone_hash=pii.lookup_hash(number, purpose="phone"),
                    phone_masked=pii.mask_phone(number),
                )
            )
        Contact.objects.bulk_create(contacts, batch_size=2000)
    return have[:n]


def _fanout(users: list[Any], key: str, jurisdiction: int) -> tuple[float, Any]:
    from django.db import transaction

    from shishi.notify.services import notify

    context = {"number": "1-1", "name": "老旧小区改造", "due": "2026年12月底前"}
    started = time.perf_counter()
    with transaction.atomic():
        notice = notify(
            users,
            "deadline.tomorrow",
            context,
            urgency="urgent",
            dedupe_key=key,
            link="/ledger/",
            jurisdiction=jurisdiction,
        )
    return time.perf_counter() - started, notice


def _deliver(workers: int, expected: int) -> dict[str, Any]:
    from django.db.models import Count

    from shishi.notify.models import Delivery, Status

    port = free_port(19200, 19300)
    env = {
        **os.environ,
        "SHISHI_SMS_URL": f"http://127.0.0.1:{port}",
        "SHISHI_SMS_KEY": KEY,
        "SHISHI_SMS_SECRET": SECRET,
        "SHISHI_NOTIFY_SMS_PER_HOUR": "1000",
    }
    manage = [sys.executable, "-m", "shishi.manage"]
    procs: list[subprocess.Popen[bytes]] = []
    with fake_gateway_process(port, "--robot-per-minute", "0", env=env):
        try:
            pending = Delivery.objects.filter(
                channel="sms", status__in=[Status.QUEUED, Status.SENDING]
            )
            started = time.perf_counter()
            for n in range(workers):
                procs.append(
                    subprocess.Popen(
                        [*manage, "worker", "--interval", "0.05", "--worker-id", f"bench-{n}"],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            while pending.exists():
                if any(p.poll() is not None for p in procs):
                    raise BenchError("a worker stopped during the delivery bench")
                if time.perf_counter() - started > 600:
                    raise BenchError("the workers did not finish within 10 minutes")
                time.sleep(0.1)
            wall = time.perf_counter() - started
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)
    statuses = dict(
        Delivery.objects.filter(channel="sms").values_list("status").annotate(n=Count("id"))
    )
    sent = statuses.get(Status.SENT, 0) + statuses.get(Status.DELIVERED, 0)
    if sent < expected:
        raise BenchError(f"{sent} of {expected} SMS sent: {statuses}")
    return {
        "workers": workers,
        "sms": expected,
        "seconds": round(wall, 2),
        "messages_per_second": round(expected / wall, 1),
        "statuses": statuses,
        "target_messages_per_second": DELIVERY_TARGET_RPS,
        "meets_target": expected / wall >= DELIVERY_TARGET_RPS,
        "note": "from the workers' start (process start-up included) until no SMS is queued",
    }


def _bell(user: Any, jurisdiction: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from shishi.notify.models import Message
    from shishi.notify.selectors import unread_count
    from shishi.notify.services import notify

    with transaction.atomic():
        for i in range(1000 - unread_count(user)):
            notify([user], "report.due", {"title": "周报", "due": "周五"}, dedupe_key=f"bell-{i}")
    for _ in range(20):
        unread_count(user)
    with CaptureQueriesContext(connection) as queries:
        count = unread_count(user)
    times, whole = [], []
    for _ in range(500):
        t0 = time.perf_counter()
        n = unread_count(user)
        t1 = time.perf_counter()
        render_to_string("notify/_bell.html", {"unread": n})  # what base.html adds
        t2 = time.perf_counter()
        times.append(t1 - t0)
        whole.append(t2 - t0)
    times.sort()
    whole.sort()
    summary = latency_summary(times, sum(times))
    added = latency_summary(whole, sum(whole))
    return {
        "unread_shown": count,
        "messages_in_table": Message.objects.count(),
        "queries": len(queries.captured_queries),
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "with_render_p50_ms": added["p50_ms"],
        "with_render_p95_ms": added["p95_ms"],
        "target_ms": BELL_TARGET_MS,
        "meets_target": len(queries.captured_queries) <= 1 and added["p95_ms"] <= BELL_TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from shishi.notify.models import Delivery, Status
    from shishi.orgs.models import Jurisdiction

    district = Jurisdiction.objects.filter(level="district").order_by("id").first()
    if district is None:
        raise BenchError("no district in the database: run bench.data build first")
    log(f"notify: {args.recipients} recipients")
    users = _recipients(args.recipients)
    stamp = time.time_ns()
    runs = []
    tasks_before = DBTaskResult.objects.count()
    for run in range(args.runs):
        seconds, notice = _fanout(users, f"bench-{stamp}-{run}", district.pk)
        runs.append({"seconds": round(seconds, 3), "messages": notice.messages, "due": notice.due})
        log(f"notify: fan-out {run + 1}: {seconds:.2f} s")
    again, repeat = _fanout(users, f"bench-{stamp}-{args.runs - 1}", district.pk)
    expected = Delivery.objects.filter(channel="sms", status=Status.QUEUED).count()
    fanout = {
        "recipients": args.recipients,
        "runs": runs,
        "worst_seconds": max(r["seconds"] for r in runs),
        "same_key_again": {"seconds": round(again, 3), "messages": repeat.messages},
        "tasks_enqueued": DBTaskResult.objects.count() - tasks_before,
        "target_seconds": FANOUT_TARGET_S,
        "meets_target": max(r["seconds"] for r in runs) < FANOUT_TARGET_S and repeat.messages == 0,
    }
    log(f"notify: delivering {expected} SMS with {args.workers} workers")
    delivery = _deliver(args.workers, expected)
    log(f"notify: {delivery['messages_per_second']} SMS/s")
    bell = _bell(users[0], district.pk)
    emit({"bench": "notify", "fanout": fanout, "delivery": delivery, "bell": bell})


if __name__ == "__main__":
    main()
