"""Make a bearer token for the API; the key is printed once and never stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.orgs.models import ApiToken, User
from shishi.orgs.services import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token for USERNAME and print its key (shown only once). "
        "Use it as 'Authorization: Bearer <key>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'ETL'")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        name: str = options["name"].strip()
        max_name = ApiToken._meta.get_field("name").max_length or 100
        if len(name) > max_name:
            raise CommandError(f"令牌名称过长（最多 {max_name} 个字符）")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        key = create_api_token(user, name=name)
        # The key alone on stdout, so scripts can capture it; the warning goes to stderr.
        self.stdout.write(key)
        self.stderr.write("请立即妥善保存此令牌：它只显示这一次，系统中只保存其哈希值。")
