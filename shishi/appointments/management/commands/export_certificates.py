"""Export a district's health certificates for the provincial platform (the file contract
in docs/appointments.md, "Export to the province"); audited, with the full ID numbers."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.appointments import certificate_export
from shishi.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Write the district's health certificates issued or revoked since DATE to OUT "
        "(CSV, UTF-8; '-' for standard output). The file holds full ID numbers: keep it safe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the file to write ('-' for standard output)")
        parser.add_argument("--jurisdiction", required=True, help="division code, e.g. 230103")
        parser.add_argument("--since", required=True, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = dt.date.fromisoformat(options["since"])
        except ValueError as exc:
            raise CommandError("--since 须为 YYYY-MM-DD 格式的日期") from exc
        out_path: str = options["out"]
        try:
            if out_path == "-":
                count = certificate_export.export(
                    sys.stdout,
                    jurisdiction_code=options["jurisdiction"],
                    since=since,
                    via="command",
                )
            else:
                # Written with owner-only permissions: the file holds full ID numbers.
                fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                    count = certificate_export.export(
                        out, jurisdiction_code=options["jurisdiction"], since=since, via="command"
                    )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"无法写入 {out_path}：{exc.strerror}") from exc
        self.stderr.write(f"已导出 {count} 张健康证")
