"""Who may watch the background work: the offices (programme or city) and superusers.

The jobs and tasks are the platform's, shared by every district (the board's refresh walks
all programmes), so any office sees the same page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shishi.core.errors import PermissionDenied
from shishi.orgs.permissions import scope_for


def can_watch_jobs(user: Any) -> bool:
    return scope_for(user).is_any_office()


def check_watch_jobs(user: Any) -> None:
    if not can_watch_jobs(user):
        raise PermissionDenied(_("只有专班和市级专班可以查看后台任务"))
