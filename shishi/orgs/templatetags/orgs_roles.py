"""Role questions templates ask (values only; the markup stays in the templates)."""

from __future__ import annotations

from typing import Any

from django import template

from shishi.orgs.models import Role
from shishi.orgs.permissions import scope_for

register = template.Library()


@register.filter
def reads_audit_log(user: Any) -> bool:
    """Whether the user is the audit administrator (the 审计日志 link)."""
    return bool(getattr(user, "is_authenticated", False)) and scope_for(user).administers(
        Role.AUDIT_ADMIN
    )
