"""The import benchmark's child processes: each measures itself and prints one JSON line.

    python -m bench.importbench generate PATH N        # write a generated N-item sheet
    python -m bench.importbench calamine PATH [--tracemalloc]
    python -m bench.importbench import PATH --slot K [--tracemalloc]   # DATABASE_URL in env

Each measurement runs in a process of its own, so its peak RSS (``ru_maxrss``) is its own.
The time and peak RSS come from a run without tracemalloc (which slows Python down several
times); the tracemalloc peak comes from a second run. The calamine read is short, so it is
repeated five times in its process and its median time is taken. ``calamine`` reads every sheet into
Python lists with python-calamine and nothing else: the floor an importer cannot beat.
``import`` runs ``plan_import`` then ``apply_import`` as the programme office, into a
jurisdiction of its own (one per ``--slot``), so each run creates all the items afresh.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.common import current_rss_mb, emit, peak_rss_mb

# Districts of Harbin other than the dataset's own (230103), one per import run.
SLOTS = {1: ("230102", "道里区"), 2: ("230104", "道外区"), 3: ("230108", "平房区")}
IMPORT_YEAR = 2021  # the generator's default year


def _measure(work: Any, *, trace: bool) -> dict[str, Any]:
    start_rss = current_rss_mb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    extra = work()
    seconds = time.perf_counter() - t0
    result: dict[str, Any] = {
        "seconds": round(seconds, 3),
        "start_rss_mb": start_rss,
        "peak_rss_mb": peak_rss_mb(),
    }
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["tracemalloc_peak_mb"] = round(peak / 1024 / 1024, 2)
    result.update(extra or {})
    return result


def generate(path: Path, n_items: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    from shishi.ledger.excel.generate import write_generated_ledger

    tmp = path.with_suffix(".tmp.xlsx")
    t0 = time.perf_counter()
    write_generated_ledger(tmp, n_items)
    tmp.replace(path)
    return {"path": str(path), "bytes": path.stat().st_size, "seconds": time.perf_counter() - t0}


def calamine(path: Path, *, trace: bool, repeat: int = 5) -> dict[str, Any]:
    """Read the sheet ``repeat`` times; the median time (a short read is noisy)."""
    from python_calamine import CalamineWorkbook

    def work() -> dict[str, Any]:
        book = CalamineWorkbook.from_path(str(path))
        rows = 0
        cells = 0
        for name in book.sheet_names:
            data = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows += len(data)
            cells += sum(len(r) for r in data)
        return {"rows": rows, "cells": cells}

    runs = [_measure(work, trace=trace) for _ in range(1 if trace else repeat)]
    result = dict(runs[-1])
    times = sorted(r["seconds"] for r in runs)
    result["seconds"] = times[len(times) // 2]
    result["runs"] = times
    result["start_rss_mb"] = runs[0]["start_rss_mb"]
    return result


def import_sheet(path: Path, *, slot: int, trace: bool) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()
    from shishi.ledger.excel import importing
    from shishi.ledger.models import Item
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Jurisdiction, Role, User

    # Set-up, not measured: the district and its programme office, as an admin makes them.
    code, name = SLOTS[slot]
    city = Jurisdiction.objects.get(code="230100")
    district = org_services.ensure_jurisdiction(code=code, name=name, level="district", parent=city)
    office = User.objects.filter(username=f"bench_import_{slot}").first()
    if office is None:
        office = org_services.ensure_user(f"bench_import_{slot}", display_name=f"{name}专班")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
    if Item.objects.filter(jurisdiction=district).exists():
        raise SystemExit(f"bench.importbench: {name} already has items; use a fresh database")

    def work() -> dict[str, Any]:
        plan = importing.plan_import(path, jurisdiction=district, year=IMPORT_YEAR, actor=office)
        if plan.errors:
            raise SystemExit(f"bench.importbench: the sheet has errors: {plan.errors[:5]}")
        importing.apply_import(plan, actor=office)
        return {}

    result = _measure(work, trace=trace)
    result["items"] = Item.objects.filter(jurisdiction=district).count()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.importbench")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("path", type=Path)
    g.add_argument("items", type=int)
    c = sub.add_parser("calamine")
    c.add_argument("path", type=Path)
    c.add_argument("--tracemalloc", action="store_true")
    i = sub.add_parser("import")
    i.add_argument("path", type=Path)
    i.add_argument("--slot", type=int, choices=sorted(SLOTS), required=True)
    i.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "generate":
        emit(generate(args.path, args.items))
    elif args.command == "calamine":
        emit(calamine(args.path, trace=args.tracemalloc))
    else:
        emit(import_sheet(args.path, slot=args.slot, trace=args.tracemalloc))


if __name__ == "__main__":
    main()
