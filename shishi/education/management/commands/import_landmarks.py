"""Import a district's red landmarks from the office's sheet (the same reader and services
as the web wizard): ``shishi import_landmarks --district CODE FILE [--as USER] [--dry-run]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError, ValidationFailed
from shishi.education import landmark_services, landmark_sheet
from shishi.enterprise.management.arguments import find_actor, find_district, read_sheet


class Command(BaseCommand):
    help = (
        "从Excel导入红色地标 (import a district's red landmarks). Exit 0 with a summary (new,"
        " updated, unchanged); exit 1 with one line per bad cell on stderr"
        " (row R, column C: reason), writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx workbook")
        parser.add_argument("--district", required=True, help="the district's 6-digit code")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        district = find_district(options["district"])
        actor = find_actor(options["username"])
        try:
            landmark_services.check_office(actor, district.pk)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        path = Path(options["path"])
        data = read_sheet(path)
        parsed = landmark_sheet.parse_sheet(district.pk, data, path.name)
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}: {len(parsed.errors)}处错误，未导入任何地标")
        new = sum(1 for r in parsed.rows if r.existing is None)
        if options["dry_run"]:
            self.stdout.write(
                f"试运行（--dry-run），未写入任何数据：{len(parsed.rows)}行，"
                f"将新增{new}个，按名称核对{len(parsed.rows) - new}个"
            )
            return
        try:
            applied = landmark_services.apply_rows(district, data, path.name, actor=actor)
        except ValidationFailed as exc:
            for line in (exc.errors.get("file") or exc.message).splitlines():
                self.stderr.write(line)
            raise CommandError(f"{path.name}: 未导入任何地标") from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        line = f"新增 {applied.created}，更新 {applied.updated}，未变 {applied.unchanged}"
        if not applied.changed:
            self.stdout.write(f"{district.name}：{line}，没有任何改动。")
        else:
            self.stdout.write(f"已导入 {district.name} 的红色地标：{line}")
