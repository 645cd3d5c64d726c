"""shishi export_hotline --jurisdiction CODE --start DATE --end DATE --output PATH."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.demands import hotline
from shishi.orgs.models import Jurisdiction


class Command(BaseCommand):
    help = "Write the outcomes of 12345 tickets taken in over a period, in the hotline's layout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True)
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        district = Jurisdiction.objects.filter(
            code=options["jurisdiction"], level=Jurisdiction.Level.DISTRICT
        ).first()
        if district is None:
            raise CommandError(f"没有行政区划代码为 {options['jurisdiction']} 的区县")
        try:
            start = dt.date.fromisoformat(options["start"])
            end = dt.date.fromisoformat(options["end"])
        except ValueError:
            raise CommandError("日期应写作 YYYY-MM-DD") from None
        if end < start:
            raise CommandError("结束日期不能早于开始日期")
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError("输出文件应为 .xlsx")
        try:
            output.write_bytes(hotline.write_outcomes(district.pk, start, end))
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror}") from None
        self.stdout.write(f"已写入 {output}")
