"""Import a ledger sheet from the console (the same planner and writer as the web wizard)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError
from shishi.ledger import import_services
from shishi.ledger.excel.importing import ImportPlan, apply_import, plan_import
from shishi.orgs.models import Jurisdiction, User


def find_jurisdiction(code: str) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.filter(code=code.strip()).first()
    if jurisdiction is None:
        raise CommandError(f"没有行政区划代码为“{code}”的辖区（应为6位数字，如230103）")
    return jurisdiction


def find_actor(username: str | None) -> User | None:
    """The user to act as; None (the system) when no --as is given."""
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"没有名为“{username}”的有效用户")
    return user


class Command(BaseCommand):
    help = (
        "从Excel导入实事台账(import a ledger sheet). Exit 0 with a summary; exit 1 with one"
        " line per bad cell on stderr (row R, column C: reason), writing nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .xlsx/.xls workbook")
        parser.add_argument("--jurisdiction", required=True, help="6-digit division code")
        parser.add_argument("--year", type=int, required=True, help="programme year")
        parser.add_argument(
            "--dry-run", action="store_true", help="plan and report only; write nothing"
        )
        parser.add_argument(
            "--accept-year-mismatch",
            action="store_true",
            help="import although the sheet names another year (title, file name, dates)",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="act as this user (default: the system, as an administrator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = find_jurisdiction(options["jurisdiction"])
        actor = find_actor(options["username"])
        path = Path(options["path"])
        try:
            plan = plan_import(
                path,
                jurisdiction=jurisdiction,
                year=options["year"],
                actor=actor,
                file_name=path.name,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        if plan.errors:
            for error in plan.errors:
                self.stderr.write(error.as_line())
            raise CommandError(
                f"{path.name}: {plan.error_count}处错误，"
                f"未导入任何数据（工作表“{plan.sheet_name}”）"
            )
        self._report_plan(plan, verbose=options["verbosity"] >= 2)
        if options["dry_run"]:
            self.stdout.write("试运行（--dry-run）：未写入任何数据")
            return
        if plan.year_mismatch and not options["accept_year_mismatch"]:
            for warning in plan.year_warnings:
                self.stderr.write(f"年度不符 {warning.as_line()}")
            raise CommandError(
                f"{path.name}: 表格内容与所选年度{plan.year}年不符"
                f"（{len(plan.year_warnings)}处，见上），未导入任何数据。"
                f"核对无误后加 --accept-year-mismatch 再运行"
                f"(the sheet does not fit year {plan.year}; pass --accept-year-mismatch)"
            )
        try:
            import_services.check_year_confirmed(plan, confirmed=options["accept_year_mismatch"])
            result = apply_import(plan, actor=actor)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"导入完成：新增 {result.created} 项，更新 {result.updated} 项，"
            f"未变 {result.unchanged} 项"
            f"(created={result.created} updated={result.updated} unchanged={result.unchanged})"
        )

    def _report_plan(self, plan: ImportPlan, *, verbose: bool) -> None:
        write = self.stdout.write
        write(
            f"{plan.jurisdiction.name}{plan.year}年 · 工作表“{plan.sheet_name}”"
            f" · 表头第{plan.header_row}行 · {len(plan.items)}项"
        )
        for name, count in plan.category_counts().items():
            write(f"  {name or '(未分类)'}: {count}项")
        write(
            f"计划：新增 {len(plan.creates)} 项，更新 {len(plan.updates)} 项，"
            f"未变 {len(plan.unchanged)} 项"
        )
        if plan.new_units:
            write(f"新单位（{len(plan.new_units)}）：" + "、".join(plan.new_units))
        if plan.new_leaders:
            write(f"新包保领导（{len(plan.new_leaders)}）：" + ";".join(plan.new_leaders))
        if plan.not_in_sheet:
            write(f"台账中另有 {plan.not_in_sheet} 项不在表中，保持不变")
        for warning in plan.warnings:
            write(f"提示 {warning.as_line()}")
        for warning in plan.year_warnings:
            write(f"年度不符 {warning.as_line()}")
        if verbose:
            for item in plan.updates:
                write(f"  更新 {item.number} {item.name}: " + ";".join(item.change_lines()))
