"""The stored matches: for each published policy in force, the enterprises of its district
that are eligible or possibly eligible (``matching.compile_policy``), written by the
database itself in one ``INSERT … SELECT`` a policy (``queries.insert_matches``) in place of
the policy's previous matches. A policy that is not published or not in force keeps none.

When: a policy published or its conditions changed (``match_policy_task``, on commit), the
register imported (``match_all_task``), and every night (``tasks.py``: a founding date
crosses a year, a policy comes into force or lapses).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Value, When
from django.utils import timezone
from django_tasks import task

from shishi.enterprise import queries
from shishi.enterprise.matching import Condition, compile_kept
from shishi.enterprise.models import Enterprise, Match, Policy, PolicyStatus, Verdict

log = logging.getLogger("shishi.enterprise.matches")


def conditions_of(policy: Policy) -> list[Condition]:
    return [Condition(c.kind, dict(c.params)) for c in policy.conditions.all()]


def in_force(policy: Policy, today: dt.date) -> bool:
    return (
        policy.status == PolicyStatus.PUBLISHED
        and (policy.valid_from is None or policy.valid_from <= today)
        and (policy.valid_until is None or today <= policy.valid_until)
    )


def store_matches(policy: Policy, *, today: dt.date | None = None) -> dict[str, int]:
    """Recompute ``policy``'s matches; how many of each verdict it has now."""
    today = today or timezone.localdate()
    now = timezone.now()
    counts = {Verdict.ELIGIBLE.value: 0, Verdict.POSSIBLE.value: 0}
    with transaction.atomic():
        Match.objects.filter(policy=policy).delete()
        if in_force(policy, today):
            eligible, kept = compile_kept(conditions_of(policy), today)
            rows = (
                Enterprise.objects.filter(jurisdiction_id=policy.jurisdiction_id)
                .filter(kept)
                .annotate(
                    e=F("pk"),
                    v=Case(
                        When(eligible, then=Value(Verdict.ELIGIBLE.value)),
                        default=Value(Verdict.POSSIBLE.value),
                        output_field=CharField(),
                    ),
                )
                .values("e", "v")
                .order_by()
            )
            counts.update(queries.insert_matches(policy.pk, rows))
        Policy.objects.filter(pk=policy.pk).update(matched_at=now)
    log.info("policy %s matched: %s", policy.pk, counts)
    return counts


def workers() -> int:
    """How many database sessions ``match_all`` spreads the policies over: each policy is
    one statement that one core runs, so on PostgreSQL a second session uses the second
    core (``SHISHI_MATCH_WORKERS``, default 2). SQLite writes one at a time: one."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1  # inside a transaction other sessions would not see its rows
    return max(1, int(getattr(settings, "SHISHI_MATCH_WORKERS", 2)))


def _store_each(policy_ids: list[int], today: dt.date) -> int:
    stored = 0
    try:
        for pk in policy_ids:
            policy = Policy.objects.prefetch_related("conditions").filter(pk=pk).first()
            if policy is not None:
                stored += sum(store_matches(policy, today=today).values())
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # the worker thread's own session
    return stored


def match_all(jurisdiction_id: int | None = None, *, today: dt.date | None = None) -> int:
    """Recompute every policy's matches (of one district, or all), each policy in its own
    transaction, over ``workers()`` sessions; how many matches there are afterwards."""
    today = today or timezone.localdate()
    policies = Policy.objects.order_by("pk")
    if jurisdiction_id is not None:
        policies = policies.filter(jurisdiction_id=jurisdiction_id)
    ids = list(policies.values_list("pk", flat=True))
    n = min(workers(), len(ids))
    if n <= 1:
        return _store_each(ids, today)
    with ThreadPoolExecutor(max_workers=n) as pool:
        return sum(pool.map(_store_each, [ids[i::n] for i in range(n)], [today] * n))


@task()
def match_policy_task(policy_id: int) -> dict[str, int]:
    policy = Policy.objects.prefetch_related("conditions").filter(pk=policy_id).first()
    return store_matches(policy) if policy is not None else {}


@task()
def match_all_task(jurisdiction_id: int) -> int:
    return match_all(jurisdiction_id)
