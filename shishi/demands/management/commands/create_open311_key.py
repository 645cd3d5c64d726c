"""Make an Open311 API key for a district; the key is printed once and never stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.errors import ValidationFailed
from shishi.demands.open311 import keys
from shishi.orgs.models import Jurisdiction, User


class Command(BaseCommand):
    help = (
        "Create an Open311 API key NAME for a district and print it (shown only once). "
        "Partners send it as api_key when they POST requests to /open311/v2/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="whose key it is, e.g. '城市管家App'")
        parser.add_argument(
            "--jurisdiction",
            default="",
            help="the district's division code, e.g. 230103 (optional with one district)",
        )
        parser.add_argument("--user", default="", help="the account issuing it (for the record)")

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["jurisdiction"].strip()
        districts = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
        if code:
            district = districts.filter(code=code).first()
            if district is None:
                raise CommandError(f"没有行政区划代码为 {code} 的区")
        else:
            found = list(districts.order_by("code")[:2])
            if len(found) != 1:
                raise CommandError("请用 --jurisdiction 指明是哪个区（行政区划代码，如 230103）")
            district = found[0]
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"用户不存在或已停用：{options['user']}")
        try:
            row, key = keys.create_key(district, name=options["name"], actor=actor)
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        # The key alone on stdout, so scripts can capture it; the warning goes to stderr.
        self.stdout.write(key)
        self.stderr.write(
            f"已为{district.name}创建Open311密钥“{row.name}”。"
            "请立即妥善保存：它只显示这一次，系统中只保存其哈希值。"
        )
