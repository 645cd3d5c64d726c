"""Import publicity posts (or, with ``--media``, media reports) from Excel (the same reader
and writer as the web wizard): ``shishi import_posts --district CODE FILE [--media]
[--dry-run] [--as USER]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError
from shishi.education import publicity_sheet
from shishi.enterprise.management.arguments import find_actor, find_district, read_sheet


class Command(BaseCommand):
    help = (
        "从Excel导入宣传稿件（阵地、栏目、标题、发布日期、链接、阅读量），加 --media 导入媒体报道"
        "（媒体、级别、标题、刊发日期、链接）。A post is identified by (channel, title, date): a"
        " re-import updates its views. Exit 1 with one line per bad cell, writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx workbook (or a UTF-8/GB18030 .csv)")
        parser.add_argument("--district", required=True, help="the district's 6-digit code")
        parser.add_argument("--media", action="store_true", help="the sheet holds media reports")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        district = find_district(options["district"])
        actor = find_actor(options["username"])
        path = Path(options["path"])
        data = read_sheet(path)
        media = options["media"]
        parse = publicity_sheet.parse_media if media else publicity_sheet.parse_posts
        apply = publicity_sheet.apply_media if media else publicity_sheet.apply_posts
        what = "媒体报道" if media else "稿件"
        parsed = parse(district.pk, data, path.name)
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{path.name}: {len(parsed.errors)}处错误，未导入任何{what}")
        new = sum(1 for i in parsed.items if i.action == "create")
        changed = sum(1 for i in parsed.items if i.action == "update")
        line = f"新增 {new}，更新 {changed}，未变 {len(parsed.items) - new - changed}"
        if options["dry_run"]:
            self.stdout.write(f"试运行（--dry-run），未写入任何数据：将{line}")
            return
        try:
            applied = apply(district.pk, data, path.name, actor=actor)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"已导入 {district.name}的{what}：新增 {applied.created}，更新 {applied.updated}，"
            f"未变 {applied.unchanged}"
        )
