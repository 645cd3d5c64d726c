"""Scheduled jobs, declared in code beside what they do:

    @scheduled("board.refresh", "*/10 * * * *", description=_("刷新作战图"))
    def refresh_boards(slot: datetime) -> None: ...

``cron`` is a five-field cron rule in Asia/Shanghai time. The worker runs each job once per
slot (the time the rule fires), recorded so that restarts and several workers do not repeat
it; after downtime it runs the last missed slot only. The job receives its slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise

JobFunc = Callable[[datetime], object]


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    func: JobFunc
    description: str | Promise = ""


REGISTRY: dict[str, Job] = {}


def scheduled(
    name: str, cron: str, *, description: str | Promise = ""
) -> Callable[[JobFunc], JobFunc]:
    """Register ``func`` as the job ``name`` firing on ``cron``."""

    def register(func: JobFunc) -> JobFunc:
        existing = REGISTRY.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"two scheduled jobs are named {name!r}")
        REGISTRY[name] = Job(name, cron, func, description)
        return func

    return register
