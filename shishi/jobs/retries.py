"""Retry policies of tasks: how many attempts, and how long to wait between them.

The database backend runs a task once; the worker (``shishi.jobs.worker``) reads the policy
that ``retrying`` attaches to the task's function and, when a run raises, puts the task back
as ready with ``run_after`` = now + back-off, until the attempts are used up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django_tasks.base import Task

POLICY_ATTR = "_shishi_retry_policy"

# A task whose worker died is run again even without a policy (its effects are guarded by
# ``effects.once``), but not forever: a task that kills its worker every time stops here.
LOST_WORKER_ATTEMPTS = 3

F = TypeVar("F")


class PermanentError(Exception):
    """Raised by a task whose failure another attempt cannot mend (bad input, a refusal):
    the task fails at once, whatever attempts it has left."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 1
    backoff: float = 10.0  # seconds before the second attempt; doubled for each next one
    max_backoff: float = 3600.0
    retry_on: tuple[type[BaseException], ...] = (Exception,)

    def delay(self, attempt: int) -> timedelta:
        """How long to wait after failed attempt number ``attempt`` (1 for the first)."""
        seconds = min(self.backoff * (2 ** max(attempt - 1, 0)), self.max_backoff)
        return timedelta(seconds=seconds)

    def should_retry(self, exc: BaseException, attempt: int) -> bool:
        if isinstance(exc, PermanentError) or not isinstance(exc, self.retry_on):
            return False
        return attempt < self.max_attempts

    def lost_worker_limit(self) -> int:
        return max(self.max_attempts, LOST_WORKER_ATTEMPTS)


NO_RETRY = RetryPolicy()


def retrying(
    max_attempts: int,
    *,
    backoff: float = 10.0,
    max_backoff: float = 3600.0,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
) -> Callable[[F], F]:
    """Give a task up to ``max_attempts`` runs, waiting ``backoff`` seconds after the first
    failure, twice that after the second, and so on up to ``max_backoff``.

    Put it under ``@task()`` (or over it: both orders work)::

        @task()
        @retrying(5, backoff=30)
        def send_sms(message_id: int) -> None: ...

    Only exceptions of ``retry_on`` are retried; ``PermanentError`` never is.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if backoff < 0 or max_backoff < 0:
        raise ValueError("back-off must not be negative")
    policy = RetryPolicy(max_attempts, backoff, max_backoff, tuple(retry_on))

    def attach(func: F) -> F:
        target = func.func if isinstance(func, Task) else func
        setattr(target, POLICY_ATTR, policy)
        return func

    return attach


def policy_of(task: Task[Any, Any]) -> RetryPolicy:
    """The retry policy declared for ``task`` (one attempt if none)."""
    policy = getattr(task.func, POLICY_ATTR, None)
    return policy if isinstance(policy, RetryPolicy) else NO_RETRY
