"""Import the policy library from Excel (the same parser and writer as the web wizard)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError
from shishi.enterprise import policy_sheet
from shishi.enterprise.management.arguments import find_actor, find_district, read_sheet


class Command(BaseCommand):
    help = (
        "从Excel导入惠企政策库。Import the policy library: rows update the district's policies"
        " with the same 文号 and 政策名称 and create the rest. Exit 0 with a summary; exit 1"
        " with one line per bad cell (row R, column C: reason), writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx workbook (or a UTF-8/GB18030 .csv)")
        parser.add_argument("--jurisdiction", required=True, help="6-digit division code")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the sheet only; write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = find_district(options["jurisdiction"])
        path = Path(options["path"])
        data = read_sheet(path)
        parsed = policy_sheet.parse_sheet(jurisdiction.pk, data, path.name)
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(error.as_line())
            raise CommandError(f"{path.name}: {len(parsed.errors)}处错误，未导入任何政策")
        new = sum(1 for r in parsed.rows if r.existing is None)
        self.stdout.write(
            f"{jurisdiction.name} · {len(parsed.rows)}项政策（新增{new}项，"
            f"按文号和政策名称对应{len(parsed.rows) - new}项）"
        )
        if options["dry_run"]:
            self.stdout.write("试运行（--dry-run）：未写入任何数据")
            return
        actor = find_actor(options["username"])
        try:
            applied = policy_sheet.apply_sheet(jurisdiction.pk, data, path.name, actor=actor)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"导入完成：新增 {applied.created} 项，更新 {applied.updated} 项，"
            f"未变 {applied.unchanged} 项"
            f"(created={applied.created} updated={applied.updated} unchanged={applied.unchanged})"
        )
