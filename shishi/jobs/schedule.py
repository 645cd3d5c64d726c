"""Scheduled jobs, declared in code beside what they do:

    @scheduled("board.refresh", "*/10 * * * *", description=_("刷新作战图"))
    def refresh_boards(slot: datetime) -> None: ...

``cron`` is a five-field cron rule in Asia/Shanghai time. The worker runs each job once per
slot (the time the rule fires), recorded so that restarts and several workers do not repeat
it; after downtime it runs the last missed slot only. The job receives its slot.

Jobs live in an app's ``tasks.py``; ``discover()`` imports those modules (the worker and the
office page call it). The runner is ``shishi.jobs.scheduler``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter  # type: ignore[import-untyped]
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

JobFunc = Callable[[datetime], object]

SCHEDULE_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    func: JobFunc
    description: str | Promise = ""

    def due_slot(self, now: datetime) -> datetime:
        """The latest time at or before ``now`` the rule fires (Asia/Shanghai)."""
        minute = now.astimezone(SCHEDULE_TZ).replace(second=0, microsecond=0)
        # croniter's get_prev is strictly before its start: start one minute on.
        prev: datetime = croniter(self.cron, minute + timedelta(minutes=1)).get_prev(datetime)
        return prev

    def next_slot(self, now: datetime) -> datetime:
        """The first time after ``now`` the rule fires (Asia/Shanghai)."""
        nxt: datetime = croniter(self.cron, now.astimezone(SCHEDULE_TZ)).get_next(datetime)
        return nxt


REGISTRY: dict[str, Job] = {}


def scheduled(
    name: str, cron: str, *, description: str | Promise = ""
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as the job ``name`` firing on ``cron``."""
    if not croniter.is_valid(cron) or len(cron.split()) != 5:
        raise ValueError(f"job {name!r}: {cron!r} is not a five-field cron rule")
    if len(name) > 100:
        raise ValueError(f"job {name!r}: a job's name has at most 100 characters")

    def register(func: JobFunc) -> JobFunc:
        existing = REGISTRY.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"two scheduled jobs are named {name!r}")
        REGISTRY[name] = Job(name, cron, func, description)
        return func

    return register


_discovered = False


def discover() -> dict[str, Job]:
    """Import every installed app's ``tasks`` module (once); the registry."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return REGISTRY
