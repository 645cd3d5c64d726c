"""One-step backups: the database (SQLite's online backup API, PostgreSQL's ``pg_dump -Fc``),
the uploaded files, and a manifest of what was saved (row counts, the audit chain's head),
all into one folder. Restoring is the database's own tool (docs/operations.md, Backups);
``verify_audit`` and the manifest's counts then tell that the restore is whole.

Keys are never written here: SECRET_KEY, SHISHI_PII_KEY(S) and SHISHI_AUDIT_KEYS are kept
apart from the backups (without them personal data cannot be read nor the chain verified).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

from shishi.core.models import AuditChainHead

DERIVED_MEDIA = ("public-photos",)  # remade on demand: left out of the media archive


@dataclass
class Backup:
    database: Path
    media: Path | None
    manifest: Path
    counts: dict[str, int] = field(default_factory=dict)


def pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: ``SHISHI_PG_BIN``, else PATH, else PostgreSQL's
    versioned folders (newest first: a newer pg_dump reads an older server)."""
    folder = os.environ.get("SHISHI_PG_BIN", "")
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise FileNotFoundError(
            f"{name} not found: install the PostgreSQL client or set SHISHI_PG_BIN"
        )
    return candidates[0]


def pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL command-line tools."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def row_counts(using: str = "default") -> dict[str, int]:
    """Rows per table of the project's models (the manifest; a restore must match it)."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            counts[model._meta.db_table] = model._base_manager.using(using).count()
    return dict(sorted(counts.items()))


def backup(folder: str | Path, *, using: str = "default", media: bool = True) -> Backup:
    """Back up the database (and ``MEDIA_ROOT``) into ``folder``, safely while the site runs."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    conn = connections[using]
    if conn.vendor == "sqlite":
        target = out / f"shishi-{stamp}.sqlite3"
        conn.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            conn.connection.backup(copy)  # the online backup API: consistent, WAL included
        finally:
            copy.close()
    elif conn.vendor == "postgresql":
        target = out / f"shishi-{stamp}.dump"
        args, env = pg_args(conn.settings_dict)
        subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", *args,
             "--dbname", str(conn.settings_dict["NAME"])],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    else:
        raise NotImplementedError(f"no backup procedure for {conn.vendor}")
    archive = None
    media_root = Path(settings.MEDIA_ROOT)
    if media and media_root.is_dir():
        archive = out / f"media-{stamp}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(
                media_root,
                arcname="media",
                filter=lambda info: None
                if any(f"media/{d}" == info.name or info.name.startswith(f"media/{d}/")
                       for d in DERIVED_MEDIA)
                else info,
            )  # fmt: skip
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    counts = row_counts(using)
    manifest = out / f"shishi-{stamp}.json"
    manifest.write_text(
        json.dumps(
            {
                "database": target.name,
                "vendor": conn.vendor,
                "media": archive.name if archive else None,
                "audit_head": {"seq": head.seq, "hash": head.last_hash} if head else None,
                "counts": counts,
                "taken_at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return Backup(target, archive, manifest, counts)
