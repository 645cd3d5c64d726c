"""Export a programme's ledger to an .xlsx in the office layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from xlsxwriter.exceptions import FileCreateError

from shishi.core.errors import ServiceError
from shishi.ledger.excel.exporting import write_export
from shishi.ledger.management.commands.import_ledger import find_actor, find_jurisdiction
from shishi.ledger.models import Programme


class Command(BaseCommand):
    help = "导出实事台账为Excel(export a programme's ledger as .xlsx in the office layout)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="6-digit division code")
        parser.add_argument("--year", type=int, required=True, help="programme year")
        parser.add_argument("--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--as", dest="username", help="act as this user (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = find_jurisdiction(options["jurisdiction"])
        actor = find_actor(options["username"])
        programme = Programme.objects.filter(
            jurisdiction=jurisdiction, year=options["year"]
        ).first()
        if programme is None:
            raise CommandError(f"{jurisdiction.name}没有{options['year']}年度的实事清单")
        output = Path(options["output"])
        try:
            count = write_export(programme, output, actor=actor)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        except (OSError, FileCreateError) as exc:
            reason = getattr(exc.args[0] if exc.args else exc, "strerror", None) or exc
            raise CommandError(f"无法写入“{output}”：{reason}") from None
        self.stdout.write(f"已导出 {programme.name}:{count} 项 → {output}")
