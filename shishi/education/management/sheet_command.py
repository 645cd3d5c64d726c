"""What the education import commands share (``import_landmarks``, ``import_party_orgs``,
``import_posts``): ``shishi <command> --jurisdiction CODE FILE [--dry-run] [--as USER]`` reads
the sheet with the wizard's preview and writes it with the wizard's apply (``sheets``).
Exit 0 with a summary (new, updated, unchanged); exit 1 with one line per bad cell on
stderr (``第R行，C列（列名）：原因``), writing nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ServiceError, ValidationFailed
from shishi.education.sheets import KINDS, Applied, Preview, check_office
from shishi.enterprise.management.arguments import find_actor, find_district, read_sheet


@dataclass(frozen=True)
class Sheet:
    kind: str  # a SheetKind: who may import it
    what: str  # the rows' name in the messages: 地标, 党组织, 稿件
    preview: Preview
    apply: Callable[..., Applied]  # (district id, data, file name, *, actor)


class SheetCommand(BaseCommand):
    """A command that imports one kind of sheet: a subclass sets ``imports`` (or overrides
    ``sheet`` when an option chooses the kind)."""

    imports: Sheet
    path_help = "the .xlsx workbook"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help=self.path_help)
        parser.add_argument(
            "--jurisdiction",
            "--district",
            dest="district",
            required=True,
            help="the district's 6-digit code (as the other import commands take it)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", help="act as this user (default: the system)")

    def sheet(self, options: dict[str, Any]) -> Sheet:
        return self.imports

    def handle(self, *args: Any, **options: Any) -> None:
        sheet = self.sheet(options)
        district = find_district(options["district"])
        actor = find_actor(options["username"])
        try:
            check_office(actor, district.pk, KINDS[sheet.kind].office_only)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        path = Path(options["path"])
        data = read_sheet(path)
        summary = sheet.preview(district.pk, data, path.name)
        if summary["errors"]:
            for error in summary["errors"]:
                self.stderr.write(error)
            raise CommandError(
                f"{path.name}: {len(summary['errors'])}处错误，未导入任何{sheet.what}"
            )
        if options["dry_run"]:
            self.stdout.write(
                f"试运行（--dry-run），未写入任何数据：{summary['total']}行，"
                f"将新增{summary['new']}，对应已有{summary['matched']}"
            )
            return
        try:
            applied = sheet.apply(district.pk, data, path.name, actor=actor)
        except ValidationFailed as exc:
            for line in (exc.errors.get("file") or exc.message).splitlines():
                self.stderr.write(line)
            raise CommandError(f"{path.name}: 未导入任何{sheet.what}") from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        line = f"新增 {applied.created}，更新 {applied.updated}，未变 {applied.unchanged}"
        if applied.changed:
            self.stdout.write(f"已导入 {district.name}的{sheet.what}：{line}")
        else:
            self.stdout.write(f"{district.name}：{line}，没有任何改动。")
