"""shishi import_hotline FILE --jurisdiction CODE --user USERNAME: a sheet of 12345 tickets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import hotline
from shishi.orgs.models import Jurisdiction, User


class Command(BaseCommand):
    help = "Take a sheet of 12345 hotline tickets in (all or nothing; known tickets skipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--jurisdiction", required=True, help="the district's division code")
        parser.add_argument("--user", required=True, help="the operator or office account")

    def handle(self, *args: Any, **options: Any) -> None:
        district = Jurisdiction.objects.filter(
            code=options["jurisdiction"], level=Jurisdiction.Level.DISTRICT
        ).first()
        if district is None:
            raise CommandError(f"没有行政区划代码为 {options['jurisdiction']} 的区县")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有账号 {options['user']}")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {path}：{exc.strerror}") from None
        try:
            done = hotline.import_sheet(district.pk, data, path.name, actor=user)
        except (ValidationFailed, PermissionDenied) as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"导入{len(done.created)}张工单；已导入过的{len(done.skipped)}张跳过")
