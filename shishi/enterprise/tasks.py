"""Enterprise services' scheduled jobs (run by ``shishi worker``).

Every night each district's stored matches are computed again (``matches.match_all``): a
founding date crosses a year, a policy comes into force or lapses, and registers change
without a policy changing. The tasks a policy's publication and an import enqueue are in
``matches`` (``match_policy_task``, ``match_all_task``) and ``push`` (sending).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from shishi.enterprise import matches
from shishi.jobs.schedule import scheduled


@scheduled(
    "enterprise.rematch",
    "30 2 * * *",
    description=_("每天2:30按企业名录重新匹配各区已发布的惠企政策"),
)
def rematch(slot: datetime) -> None:
    matches.match_all(today=slot.date())  # every district's policies, over the workers
