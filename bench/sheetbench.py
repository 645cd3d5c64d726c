"""Figures for issue 13's sheets: huge uploads refused, a large import as a task, a large
export. Each command measures its own process and prints one JSON line (peak RSS from
``/proc/self/status`` VmHWM: this process's own, whatever started it).

    python -m bench.sheetbench bomb PATH                     # a 1 MB workbook inflating to 2 GiB
    python -m bench.sheetbench rows PATH [--rows 1000000]    # a million-row ledger sheet
    python -m bench.sheetbench import PATH [--items 19989]   # DATABASE_URL: a migrated database
    python -m bench.sheetbench seed [--items 100000]         # DATABASE_URL: a ledger to export
    python -m bench.sheetbench export [--code 230103]        # DATABASE_URL: after seed

``bomb`` and ``rows`` write the file if it is not there yet, then time the refusal at upload
(``reading.measure``: what the upload view runs before anything else reads the sheet).
``import`` runs the wizard's path for a sheet over ``SHISHI_IMPORT_BACKGROUND_ROWS``: the
upload, the preview task, the confirmation and the import task (``run_ready_tasks``).
``seed`` fills an empty database with one district's programme of N generated items
through the importer (the row limit lifted for it), quicker than ``bench.data build``;
``export`` writes the district's programme with ``write_export`` to a temporary file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import emit


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shishi.settings")
    import django

    django.setup()


def write_million_rows(path: Path, rows: int) -> None:
    """A ledger sheet in the office layout with ``rows`` item rows (xlsxwriter, streamed)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("实事清单")
    sheet.write_string(0, 0, "南岗区实事清单")
    sheet.write_row(2, 0, ["序号", "项目名称", "责任单位", "完成时限", "完成率"])
    units = ("区城管局", "区住建局", "区民政局", "区教育局")
    for r in range(rows):
        sheet.write_row(r + 3, 0, [r + 1, f"事项{r + 1}", units[r % 4], "年底前", 0.5])
    book.close()


def _refuse(path: Path) -> dict[str, Any]:
    _setup()
    from shishi.ledger.excel import reading

    data = path.read_bytes()
    before = peak_mb()
    t0 = time.perf_counter()
    try:
        outcome = f"accepted: {reading.measure(data)} rows"
    except reading.UnreadableWorkbook as exc:
        outcome = exc.message
    return {
        "file_mb": round(len(data) / 1024 / 1024, 2),
        "outcome": outcome,
        "seconds": round(time.perf_counter() - t0, 3),
        "peak_rss_mb_before": before,
        "peak_rss_mb": peak_mb(),
    }


def bomb(path: Path) -> dict[str, Any]:
    if not path.exists():
        from shishi.core.tests.test_workbooks import GIB, zip_bomb

        path.write_bytes(zip_bomb(2 * GIB))
    return _refuse(path)


def rows(path: Path, n: int) -> dict[str, Any]:
    if not path.exists():
        write_million_rows(path, n)
    return _refuse(path)


def import_task(path: Path, n_items: int) -> dict[str, Any]:
    _setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from shishi.jobs.worker import run_ready_tasks
    from shishi.ledger import import_batches, import_services
    from shishi.ledger.excel.generate import write_generated_ledger
    from shishi.ledger.models import ImportBatch, Item
    from shishi.orgs import services as org_services
    from shishi.orgs.models import Role

    if not path.exists():
        write_generated_ledger(path, n_items, year=2021)
    call_command("migrate", verbosity=0, interactive=False)
    district = org_services.ensure_jurisdiction(code="230108", name="平房区", level="district")
    office = org_services.ensure_user("sheetbench_office")
    org_services.grant_role(office, Role.PROGRAMME_OFFICE, district)
    base = peak_mb()
    t0 = time.perf_counter()
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    batch = import_services.create_import_batch(
        jurisdiction=district, year=2021, upload=upload, actor=office
    )
    queued = import_batches.start_preview(batch, actor=office)
    upload_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    run_ready_tasks()
    preview_seconds = time.perf_counter() - t1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED, (batch.status, batch.error)
    t2 = time.perf_counter()
    import_batches.confirm_import_batch(batch, actor=office, confirm_year=True)
    run_ready_tasks()
    apply_seconds = time.perf_counter() - t2
    batch.refresh_from_db()
    return {
        "sheet_rows": batch.rows,
        "background": queued,
        "status": batch.status,
        "items": Item.objects.filter(programme__jurisdiction=district).count(),
        "upload_seconds": round(upload_seconds, 2),
        "preview_task_seconds": round(preview_seconds, 2),
        "import_task_seconds": round(apply_seconds, 2),
        "peak_rss_mb_after_setup": base,
        "peak_rss_mb": peak_mb(),
    }


def seed(n_items: int) -> dict[str, Any]:
    os.environ["SHISHI_IMPORT_MAX_ROWS"] = str(n_items + 100)
    _setup()
    from django.core.management import call_command

    from shishi.ledger.excel.generate import write_generated_ledger
    from shishi.ledger.excel.importing import apply_import, plan_import
    from shishi.orgs import services as org_services

    call_command("migrate", verbosity=0, interactive=False)
    district = org_services.ensure_jurisdiction(code="230103", name="南岗区", level="district")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_generated_ledger(Path(tmp) / "seed.xlsx", n_items, year=2021)
        plan = plan_import(path, jurisdiction=district, year=2021, actor=None)
        result = apply_import(plan, actor=None)
    return {"items": result.created, "seconds": round(time.perf_counter() - t0, 1)}


def export(code: str) -> dict[str, Any]:
    _setup()
    from shishi.ledger.excel.exporting import write_export
    from shishi.ledger.models import Programme

    programme = Programme.objects.filter(jurisdiction__code=code).latest("year")
    base = peak_mb()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        t0 = time.perf_counter()
        count = write_export(programme, Path(handle.name), actor=None)
        seconds = time.perf_counter() - t0
        size = Path(handle.name).stat().st_size
    return {
        "items": count,
        "seconds": round(seconds, 2),
        "file_mb": round(size / 1024 / 1024, 1),
        "peak_rss_mb_before": base,
        "peak_rss_mb": peak_mb(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sheetbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bomb")
    b.add_argument("path", type=Path)
    r = sub.add_parser("rows")
    r.add_argument("path", type=Path)
    r.add_argument("--rows", type=int, default=1_000_000)
    i = sub.add_parser("import")
    i.add_argument("path", type=Path)
    i.add_argument("--items", type=int, default=19_989)
    s = sub.add_parser("seed")
    s.add_argument("--items", type=int, default=100_000)
    e = sub.add_parser("export")
    e.add_argument("--code", default="230103")
    args = parser.parse_args(argv)
    if args.command == "bomb":
        emit(bomb(args.path))
    elif args.command == "rows":
        emit(rows(args.path, args.rows))
    elif args.command == "import":
        emit(import_task(args.path, args.items))
    elif args.command == "seed":
        emit(seed(args.items))
    else:
        emit(export(args.code))


if __name__ == "__main__":
    main()
