"""Import the enterprise register from the office's sheet (the same reader, planner and
writer as the web wizard): ``shishi import_enterprises FILE --jurisdiction CODE``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError
from shishi.enterprise import register_sheet
from shishi.enterprise.management.arguments import find_actor, find_district, read_sheet


class Command(BaseCommand):
    help = (
        "从Excel导入企业名录 (import the enterprise register). Exit 0 with a summary (new,"
        " updated, unchanged); exit 1 with one line per bad cell on stderr"
        " (row R, column C: reason), writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx workbook")
        parser.add_argument("--jurisdiction", required=True, help="the district's 6-digit code")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = find_district(options["jurisdiction"])
        actor = find_actor(options["username"])
        path = Path(options["path"])
        data = read_sheet(path)
        started = time.perf_counter()
        try:
            plan, result = register_sheet.import_file(
                data,
                jurisdiction,
                actor=actor,
                source=path.name,
                write=not options["dry_run"],
            )
        except register_sheet.SheetRefused as exc:
            raise CommandError(f"{path.name}: {exc.message}") from None
        except register_sheet.StaleRegister as exc:
            raise CommandError(str(exc)) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        if not plan.ok:
            for error in plan.parsed.errors:
                self.stderr.write(str(error))
            more = plan.parsed.error_count - len(plan.parsed.errors)
            if more > 0:
                self.stderr.write(f"……另有{more}处错误")
            raise CommandError(
                f"{path.name}: {plan.parsed.error_count}处错误，未导入任何数据"
                f"（工作表“{plan.parsed.sheet}”）"
            )
        seconds = time.perf_counter() - started
        unchanged = plan.total - len(plan.touched)
        line = f"新增 {plan.created}，更新 {plan.updated}，未变 {unchanged}（共 {plan.total} 行）"
        if options["dry_run"]:
            self.stdout.write(f"试运行（--dry-run），未写入任何数据：将{line}")
        elif result is not None and not result.changed:
            self.stdout.write(f"{line}：与企业名录相同，没有任何改动。")
        else:
            self.stdout.write(f"已导入 {jurisdiction.name}：{line}，用时 {seconds:.1f} 秒")
