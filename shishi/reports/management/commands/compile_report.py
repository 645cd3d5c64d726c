"""shishi compile_report --jurisdiction 230103 --cycle weekly --period 2021-W25 --output r.docx

Writes the period's report (.docx) and its Excel annex beside it (.xlsx), with the figures as
of the period's end and the office's texts kept for that period's report. Nothing is stored:
the office's page keeps compiled versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ValidationFailed
from shishi.orgs.models import Jurisdiction
from shishi.reports import compiling, periods
from shishi.reports.documents.files import write_report_files
from shishi.reports.models import CompiledReport, Cycle


class Command(BaseCommand):
    help = "Compile a feedback cycle's report of one period as .docx with an .xlsx annex."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="division code, e.g. 230103")
        parser.add_argument("--cycle", required=True, help="the cycle's code, e.g. weekly")
        parser.add_argument(
            "--period", required=True, help="2021-W25, 2021-06-H1, 2021-06, 2021-Q2 or 2021-06-18"
        )
        parser.add_argument("--output", required=True, help="the .docx to write")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["jurisdiction"]
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            raise CommandError(f"没有代码为{code}的辖区")
        cycle = Cycle.objects.filter(jurisdiction=jurisdiction, code=options["cycle"]).first()
        if cycle is None:
            known = ", ".join(
                Cycle.objects.filter(jurisdiction=jurisdiction).values_list("code", flat=True)
            )
            raise CommandError(
                f"{jurisdiction.name}没有代码为“{options['cycle']}”的反馈机制"
                + (f"（已有：{known}）" if known else "（还没有任何反馈机制）")
            )
        try:
            wanted = periods.parse_period(options["period"], cycle.cadence)
        except periods.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        period = cycle.periods.filter(key=wanted.key).first()
        if period is None:
            opened = ", ".join(cycle.periods.order_by("-start").values_list("key", flat=True)[:5])
            raise CommandError(
                f"“{cycle.name}”的{wanted.label}（{wanted.key}）尚未开启"
                + (f"（最近开启的：{opened}）" if opened else "（还没有开启任何一期）")
            )
        report = CompiledReport.objects.filter(period=period).first()
        try:
            data = compiling.gather_report(
                cycle, period, office_texts=report.office_texts if report else None
            )
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"])
        if output.suffix.lower() != ".docx":
            raise CommandError("--output 应是 .docx 文件（附表写在旁边，扩展名为 .xlsx）")
        output.parent.mkdir(parents=True, exist_ok=True)
        docx_path, xlsx_path = write_report_files(data, output)
        self.stdout.write(f"{docx_path}\n{xlsx_path}")
