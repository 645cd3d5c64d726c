"""Two OS processes pushing the same policy at once: every matched enterprise gets exactly
one push, and the two counts add up to the enterprises pushed (the policy row is locked while
its pushes are written; the insert skips ``push_once`` conflicts).

PostgreSQL only (``make test-pg``): the in-memory SQLite test database is one connection
that a second process cannot reach (and SQLite serialises writers anyway).
"""

from __future__ import annotations

import multiprocessing
import os
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from shishi.conftest import World
from shishi.enterprise import matches, push
from shishi.enterprise.models import Policy, Push
from shishi.enterprise.tests.push_fixtures import enterprise, policy
from shishi.orgs.models import User

ENTERPRISES = 200
TRIES_EACH = 3

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a second process cannot reach the in-memory SQLite database",
)


def _push_all(policy_id: int, office_id: int, start: Any, out: Any) -> None:
    """In a forked process, on its own connection: push the policy a few times."""
    code = 0
    try:
        office = User.objects.get(pk=office_id)
        start.wait(timeout=60)
        counts = []
        for _ in range(TRIES_EACH):
            found = Policy.objects.get(pk=policy_id)
            counts.append(push.push_policy(found, actor=office, verdicts=["eligible"]))
        out.put(counts)
    except BaseException as exc:  # the parent's assertion shows it
        out.put([f"error: {exc!r}"])
        code = 1
    finally:
        connections.close_all()
        out.close()
        out.join_thread()
        os._exit(code)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_processes_pushing_one_policy_push_each_enterprise_once(world: World) -> None:
    made = policy(world)
    for n in range(ENTERPRISES):
        enterprise(world.nangang, 1000 + n, f"并发企业{n:03d}", revenue=Decimal(900))
    assert matches.store_matches(made)["eligible"] == ENTERPRISES
    connections.close_all()  # the children must not share the parent's socket
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_push_all, args=(made.pk, world.office.pk, start, out)) for _ in range(2)
    ]
    for w in workers:
        w.start()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    flat = [c for part in results for c in part]
    assert all(isinstance(c, int) for c in flat), flat
    assert sum(flat) == ENTERPRISES, flat
    assert Push.objects.filter(policy=made).count() == ENTERPRISES
    assert Push.objects.filter(policy=made).values("enterprise").distinct().count() == ENTERPRISES
