"""Import publicity posts (or, with ``--media``, media reports) from Excel (the same reader
and writer as the web wizard): ``shishi import_posts --district CODE FILE [--media]
[--dry-run] [--as USER]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from shishi.education import publicity_sheet
from shishi.education.management.sheet_command import Sheet, SheetCommand
from shishi.enterprise.models import SheetKind


class Command(SheetCommand):
    help = (
        "从Excel导入宣传稿件（阵地、栏目、标题、发布日期、链接、阅读量），加 --media 导入媒体报道"
        "（媒体、级别、标题、刊发日期、链接）。A post is identified by (channel, title, date): a"
        " re-import updates its views. Exit 1 with one line per bad cell, writing nothing."
    )
    path_help = "the .xlsx workbook (or a UTF-8/GB18030 .csv)"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--media", action="store_true", help="the sheet holds media reports")

    def sheet(self, options: dict[str, Any]) -> Sheet:
        if options["media"]:
            return Sheet(
                SheetKind.MEDIA,
                "媒体报道",
                publicity_sheet.preview_media,
                publicity_sheet.apply_media,
            )
        return Sheet(
            SheetKind.POSTS, "稿件", publicity_sheet.preview_posts, publicity_sheet.apply_posts
        )
