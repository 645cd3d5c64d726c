"""A reminder run (催报) over N late submissions, on a throwaway database.

    python -m bench.chasebench [--units 1000] [--database-url URL]

Builds one district with N units (each with an editor and a head who have e-mail
addresses, and a lead item sponsored by one of 20 leaders with accounts), a weekly cycle
over all of them, and opens week 2021-W25 (timed: "open a period for N units"). Then, with
no unit having submitted, it times ``reports.chasing.send_reminders`` at the first reminder
after the due time (level 1: the units' editors) and at the third (level 3: editors, heads
and the sponsor leaders), and, for comparison, one ``notify()`` call per submission for the
same N units. ``--database-url`` must name an empty database; without it the bench uses a
fresh SQLite file under ``$SHISHI_BENCH_DIR`` (default /tmp/shishi-bench). Prints one JSON
line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from bench.common import WORK_DIR, BenchError, emit, log

LEADERS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        path = WORK_DIR / "chasebench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (path.parent / (path.name + suffix)).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    log("migrating")
    call_command("migrate", verbosity=0)

    from shishi.ledger.models import Item, Programme
    from shishi.notify.models import Delivery, Message
    from shishi.notify.services import notify
    from shishi.orgs.models import Jurisdiction, Membership, Person, Role, Unit, User
    from shishi.reports import chasing, services
    from shishi.reports.models import Chase, Cycle
    from shishi.workdays.calendar import SHANGHAI

    n = args.units
    if Jurisdiction.objects.filter(code="239999").exists():
        raise BenchError("the database holds an earlier run's data: give an empty database")
    log(f"building {n} units")
    district = Jurisdiction.objects.create(code="239999", name="测试区", level="district")
    programme = Programme.objects.create(jurisdiction=district, year=2021, name="测试区实事")
    units = Unit.objects.bulk_create(
        [Unit(jurisdiction=district, name=f"单位{i:04d}") for i in range(n)]
    )
    users = User.objects.bulk_create(
        [
            User(username=f"{role}-{i}", email=f"{role}{i}@example.org", password="!")
            for i in range(n)
            for role in ("editor", "head")
        ]
        + [
            User(username=f"leader-{k}", email=f"leader{k}@example.org", password="!")
            for k in range(LEADERS)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                user=users[2 * i + j],
                jurisdiction=district,
                unit=unit,
                role=Role.UNIT_EDITOR if j == 0 else Role.UNIT_HEAD,
            )
            for i, unit in enumerate(units)
            for j in (0, 1)
        ]
    )
    leaders = Person.objects.bulk_create(
        [
            Person(jurisdiction=district, name=f"副区长{k}", user=users[2 * n + k])
            for k in range(LEADERS)
        ]
    )
    items = Item.objects.bulk_create(
        [
            Item(
                jurisdiction=district,
                programme=programme,
                number=f"1-{i}",
                seq=i,
                name=f"事项{i}",
                lead_unit=unit,
            )
            for i, unit in enumerate(units)
        ]
    )
    through = Item.sponsor_leaders.through
    through.objects.bulk_create(
        [
            through(item_id=item.pk, person_id=leaders[i % LEADERS].pk)
            for i, item in enumerate(items)
        ]
    )
    cycle = Cycle.objects.create(
        jurisdiction=district,
        programme=programme,
        code="weekly",
        name="周报告",
        cadence="weekly",
        due_weekday=4,
        due_time=dt.time(17, 0),
    )
    cycle.units.set(units)

    started = time.perf_counter()
    period = services.open_period(cycle, "2021-W25").period
    open_seconds = time.perf_counter() - started
    slots = [s for s in chasing.slots_of(period) if s.overdue]

    def timed_run(at: dt.datetime) -> tuple[float, int]:
        t0 = time.perf_counter()
        run = chasing.send_reminders(now=at)
        return time.perf_counter() - t0, run.chased

    level1, chased1 = timed_run(slots[0].at)
    messages1 = Message.objects.count()
    level3, chased3 = timed_run(slots[2].at)
    if chased1 != n or chased3 != n:
        raise BenchError(f"expected {n} chased per run, got {chased1} and {chased3}")
    again, chased_again = timed_run(slots[2].at + dt.timedelta(minutes=15))
    if chased_again:
        raise BenchError("a second run sent reminders again")

    # For comparison: one notify() per submission (rolled back).
    class Rollback(Exception):
        pass

    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            for unit in units:
                notify([unit], "report.overdue", {"title": "周报告", "due": "6月25日 17:00"})
            raise Rollback
    except Rollback:
        pass
    per_call = time.perf_counter() - t0

    emit(
        {
            "bench": "reports.chasing",
            "database": os.environ["DATABASE_URL"].split(":", 1)[0],
            "units": n,
            "open_period_seconds": round(open_seconds, 3),
            "reminder_run_level1_seconds": round(level1, 3),
            "reminder_run_level3_seconds": round(level3, 3),
            "second_run_seconds": round(again, 3),
            "one_notify_per_submission_seconds": round(per_call, 3),
            "messages_level1": messages1,
            "messages_total": Message.objects.count(),
            "deliveries_total": Delivery.objects.count(),
            "chases": Chase.objects.count(),
            "due_at": period.due_at.astimezone(SHANGHAI).isoformat(),
        }
    )


if __name__ == "__main__":
    main()
