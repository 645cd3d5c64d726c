"""System checks of the audit log's settings (``shishi check``; ``--deploy`` for production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from shishi.core import auditkeys


@register(Tags.security)
def audit_key_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Malformed keys or an unavailable algorithm stop the audit log: errors."""
    problems: list[CheckMessage] = []
    try:
        keys = auditkeys.parse_keys(getattr(settings, "SHISHI_AUDIT_KEYS", "") or "")
    except auditkeys.KeyError_ as exc:
        return [Error(str(exc), id="shishi.E001")]
    short = [k.key_id for k in keys if len(k.secret) < auditkeys.MIN_SECRET_CHARS]
    if short:
        problems.append(
            Warning(
                f"SHISHI_AUDIT_KEYS: keys {', '.join(short)} are shorter than "
                f"{auditkeys.MIN_SECRET_CHARS} characters",
                hint="Use 32 random bytes, e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`.",
                id="shishi.W002",
            )
        )
    if auditkeys.chain_algorithm() == auditkeys.HMAC_SM3 and not auditkeys.sm3_available():
        problems.append(
            Error(
                "SM3 was chosen for the audit chain (SHISHI_CRYPTO=gm or SHISHI_AUDIT_HASH=sm3) "
                "but this OpenSSL does not provide it",
                id="shishi.E003",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def audit_keys_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production the audit key lives apart from SECRET_KEY, and checkpoints go to a file."""
    problems: list[CheckMessage] = []
    if not (getattr(settings, "SHISHI_AUDIT_KEYS", "") or "").strip():
        problems.append(
            Warning(
                "SHISHI_AUDIT_KEYS is not set: the audit chain is sealed with a key derived "
                "from SECRET_KEY",
                hint="Set SHISHI_AUDIT_KEYS=id:secret and keep it where the database's "
                "administrators cannot read it (docs/operations.md, The audit log).",
                id="shishi.W001",
            )
        )
    if not getattr(settings, "SHISHI_AUDIT_CHECKPOINT_DIR", ""):
        problems.append(
            Warning(
                "SHISHI_AUDIT_CHECKPOINT_DIR is empty: audit checkpoints are kept in the "
                "database only",
                id="shishi.W003",
            )
        )
    return problems
