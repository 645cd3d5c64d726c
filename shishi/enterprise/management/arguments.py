"""What the enterprise commands share: the district, the user to act as, the sheet's bytes."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from shishi.orgs.models import Jurisdiction, User

MAX_FILE_BYTES = 50 * 1024 * 1024


def find_district(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code.strip(), level="district").first()
    if found is None:
        raise CommandError(f"没有行政区划代码为“{code}”的区（应为6位数字，如230103）")
    return found


def find_actor(username: str | None) -> User | None:
    """The user to act as; None (the system) when no --as is given."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"没有名为“{username}”的有效用户")
    return user


def read_sheet(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path.name}: 文件超过{MAX_FILE_BYTES // 1024 // 1024}MB")
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"无法读取文件“{path.name}”：{exc.strerror}") from None
