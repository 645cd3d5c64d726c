"""Export the policy library to Excel, in the layout ``import_policies`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.enterprise import policy_sheet
from shishi.enterprise.management.arguments import find_district
from shishi.enterprise.models import Policy


class Command(BaseCommand):
    help = "导出惠企政策库为Excel。Export the policy library; import_policies reads it back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the .xlsx file to write")
        parser.add_argument("--jurisdiction", required=True, help="6-digit division code")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = find_district(options["jurisdiction"])
        out = Path(options["out"])
        body = policy_sheet.export_workbook(jurisdiction.pk)
        try:
            out.write_bytes(body)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}: {exc.strerror}") from None
        count = Policy.objects.filter(jurisdiction=jurisdiction).count()
        self.stdout.write(f"已导出{jurisdiction.name}惠企政策{count}项到 {out}")
