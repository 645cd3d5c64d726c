"""Back up the database, the uploaded files and a manifest in one step."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.core.backups import backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: the online backup API; PostgreSQL: pg_dump -Fc), "
        "MEDIA_ROOT (tar.gz) and a manifest of row counts and the audit head into FOLDER. "
        "Keys are not included: keep SECRET_KEY, SHISHI_PII_KEY(S) and SHISHI_AUDIT_KEYS apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")
        parser.add_argument("--no-media", action="store_true", help="the database only")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["folder"], media=not options["no_media"])
        except (OSError, NotImplementedError) as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        except Exception as exc:  # pg_dump's exit status
            stderr = getattr(exc, "stderr", b"") or b""
            raise CommandError(f"backup failed: {exc} {stderr.decode(errors='replace')}") from exc
        self.stdout.write(f"database: {result.database}")
        if result.media:
            self.stdout.write(f"media: {result.media}")
        self.stdout.write(f"manifest: {result.manifest} ({sum(result.counts.values())} rows)")
