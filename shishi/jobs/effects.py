"""Idempotency keys for side effects: a task run twice does its effect once.

A task may run again: its worker died after the effect but before the task was marked done,
or it failed later and is retried. Guard each database side effect with a key naming it::

    from shishi.jobs.effects import once

    with once(f"reminder:{item.pk}:{slot:%Y%m%d}") as first:
        if first:
            Reminder.objects.create(...)   # the effect, in the same transaction

``once`` opens a transaction (a savepoint inside the caller's) and inserts the unique
``Effect(key)`` row in it; ``first`` is False when the row exists already, that is when the
effect committed before. The effect and its key commit together or not at all, so a worker
killed in the middle leaves neither, and the next run does the effect; a worker killed after
the commit leaves both, and the next run skips it. Two runs at the same time cannot both
get ``first``: the second insert waits for the first transaction and then fails on the key.

An effect outside the database (an SMS, an e-mail) cannot commit with the row: record the
intent first, send, then record the outcome, and treat an intent without an outcome as
unknown (the notify app does that); ``once`` alone guards database writes.

Keys are kept for good (the weekly pruning leaves them), so a key may also serve as a
lasting "done" mark; make it name the effect, not the run (``reminder:42:20260301``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from shishi.jobs.models import Effect

MAX_KEY_LENGTH = 255


@contextmanager
def once(key: str) -> Iterator[bool]:
    """Run the block in one transaction with ``key``'s record; yield whether it is new."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"an effect key must have 1 to {MAX_KEY_LENGTH} characters")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Effect.objects.create(key=key)
            first = True
        except IntegrityError:
            first = False
        yield first


def done(key: str) -> bool:
    """Whether the effect named ``key`` has committed."""
    return Effect.objects.filter(key=key).exists()
