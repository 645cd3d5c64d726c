"""The reports benchmark's child process (issue 14's figures), on the bench's big dataset.

    python -m bench.reportsbench     # DATABASE_URL in env; one JSON line

Inside one transaction that is rolled back at the end (the dataset is left as it was):
1,000 units are added to the district and the programme's 10,000 items are given to them
round robin (10 each); then it times
- opening a weekly period for the 1,000 units (``services.open_period``: the period, 1,000
  submissions prefilled with 10,000 item rows, their sections and figures);
- the office's period overview for those 1,000 units (``/reports/periods/<id>/`` through
  Django's test client in this process: view, selector and template; 30 requests, p95);
- compiling a monthly report of the 10,000 items (``services.compile_report``: figures,
  charts, .docx, .xlsx, stored), twice (the second after the first warmed the caches).
Targets: open < 2 s, overview p95 ≤ 100 ms, compile < 5 s.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from typing import Any

from bench.common import emit

UNITS = 1000
OVERVIEW_REQUESTS = 30


class _Rollback(Exception):
    pass


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from bench.data import BENCH_USERNAME, DISTRICT_CODE
    from shishi.board.services import refresh_statuses
    from shishi.ledger.models import Item, Programme
    from shishi.orgs.models import Unit, User
    from shishi.reports import services
    from shishi.reports.models import Cycle, CycleFigure, CycleSection, SubmissionItem

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="shishi-reportsbench-")
    settings.ALLOWED_HOSTS = ["*"]
    office = User.objects.get(username=BENCH_USERNAME)
    programme = Programme.objects.get(jurisdiction__code=DISTRICT_CODE)
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            district = programme.jurisdiction
            units = Unit.objects.bulk_create(
                [Unit(jurisdiction=district, name=f"基准单位{i:04d}") for i in range(UNITS)]
            )
            unit_ids = [u.pk for u in units]
            item_ids = list(Item.objects.filter(programme=programme).values_list("pk", flat=True))
            by_unit: dict[int, list[int]] = {}
            for n, item_id in enumerate(item_ids):
                by_unit.setdefault(unit_ids[n % UNITS], []).append(item_id)
            for unit_id, ids in by_unit.items():
                Item.objects.filter(pk__in=ids).update(lead_unit_id=unit_id)
            refresh_statuses(programme.pk)
            weekly = Cycle.objects.create(
                jurisdiction=district, programme=programme, code="bench-weekly",
                name="基准周报告", cadence="weekly", due_weekday=4, due_time=dt.time(17),
            )  # fmt: skip
            weekly.units.set(unit_ids)
            CycleSection.objects.create(cycle=weekly, title="下周工作安排", order=1)
            CycleFigure.objects.create(cycle=weekly, name="本周办理健康证人数", unit_label="人")
            today = dt.date.today().isocalendar()
            t0 = time.perf_counter()
            opened = services.open_period(weekly, f"{today.year}-W{today.week:02d}")
            result["open_period"] = {
                "units": opened.created,
                "item_rows": SubmissionItem.objects.filter(
                    submission__period=opened.period
                ).count(),
                "seconds": round(time.perf_counter() - t0, 3),
                "target_seconds": 2.0,
            }
            client = Client()
            client.force_login(office)
            url = f"/reports/periods/{opened.period.pk}/"
            assert client.get(url).status_code == 200  # warm up
            times = []
            for _ in range(OVERVIEW_REQUESTS):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            times.sort()
            result["period_overview"] = {
                "units": UNITS,
                "requests": OVERVIEW_REQUESTS,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                "target_p95_ms": 100,
            }
            monthly = Cycle.objects.create(
                jurisdiction=district, programme=programme, code="bench-monthly",
                name="基准月小结", cadence="monthly", due_workdays=3, due_time=dt.time(17),
            )  # fmt: skip
            monthly.units.set(unit_ids[:10])
            month = dt.date.today()
            period = services.open_period(monthly, f"{month.year}-{month.month:02d}").period
            runs = []
            for _ in range(2):
                t0 = time.perf_counter()
                version = services.compile_report(period, actor=office)
                runs.append(round(time.perf_counter() - t0, 3))
            result["compile_monthly"] = {
                "items": len(item_ids),
                "seconds": runs,
                "docx_bytes": version.docx.size,
                "xlsx_bytes": version.xlsx.size,
                "target_seconds": 5.0,
            }
            raise _Rollback
    except _Rollback:
        pass
    emit(result)


if __name__ == "__main__":
    main()
