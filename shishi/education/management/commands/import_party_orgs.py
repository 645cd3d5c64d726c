"""Import the party organisations from Excel (the same reader and writer as the web wizard):
``shishi import_party_orgs --district CODE FILE [--dry-run] [--as USER]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError
from shishi.education import party_sheet
from shishi.enterprise.management.arguments import find_actor, find_district, read_sheet


class Command(BaseCommand):
    help = (
        "从Excel导入党组织（党委、党支部、党员数）。Import the party organisations: rows create"
        " the missing committees and branches and set their members. Exit 0 with a summary;"
        " exit 1 with one line per bad cell, writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx workbook (or a UTF-8/GB18030 .csv)")
        parser.add_argument("--district", required=True, help="the district's 6-digit code")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        district = find_district(options["district"])
        actor = find_actor(options["username"])
        path = Path(options["path"])
        data = read_sheet(path)
        parsed = party_sheet.parse_party_sheet(district.pk, data, path.name)
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}: {len(parsed.errors)}处错误，未导入任何党组织")
        new = sum(1 for r in parsed.rows if r.action == "create")
        changed = sum(1 for r in parsed.rows if r.action == "update")
        line = f"新增 {new}，更新 {changed}，未变 {len(parsed.rows) - new - changed}"
        if options["dry_run"]:
            self.stdout.write(f"试运行（--dry-run），未写入任何数据：将{line}")
            return
        try:
            applied = party_sheet.apply_party_sheet(district.pk, data, path.name, actor=actor)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"已导入 {district.name}：新增 {applied.created}，更新 {applied.updated}，"
            f"未变 {applied.unchanged}"
        )
