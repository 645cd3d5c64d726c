"""The notify app's background tasks (Django's tasks API; the worker runs them)."""

from __future__ import annotations

from django_tasks import task

from shishi.notify.services import engine


@task()
def deliver(delivery_ids: list[int]) -> int:
    """Send these deliveries (those still due); how many were sent or settled."""
    return engine.deliver_batch(delivery_ids).attempted
