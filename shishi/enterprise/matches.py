"""The stored matches: for each published policy in force, the enterprises of its district
that are eligible or possibly eligible (``matching.compile_policy``: one query a verdict),
written with ``core.bulk`` in place of the policy's previous matches. A policy that is not
published or not in force keeps none.

When: a policy published or its conditions changed (``match_policy_task``, on commit), the
register imported (``match_all_task``), and every night (``tasks.py``: a founding date
crosses a year, a policy comes into force or lapses).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from shishi.core import bulk
from shishi.enterprise.matching import Condition, compile_policy
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
            eligible, possible = compile_policy(conditions_of(policy), today)
            register = Enterprise.objects.filter(jurisdiction_id=policy.jurisdiction_id)
            for verdict, q in ((Verdict.ELIGIBLE, eligible), (Verdict.POSSIBLE, possible)):
                ids = register.filter(q).values_list("pk", flat=True).order_by()
                counts[verdict.value] = bulk.insert_many(
                    Match,
                    ("policy_id", "enterprise_id", "verdict", "computed_at"),
                    ((policy.pk, pk, verdict.value, now) for pk in ids.iterator()),
                )
        Policy.objects.filter(pk=policy.pk).update(matched_at=now)
    log.info("policy %s matched: %s", policy.pk, counts)
    return counts


def match_all(jurisdiction_id: int | None = None, *, today: dt.date | None = None) -> int:
    """Recompute every policy's matches (of one district, or all); how many matches there
    are afterwards."""
    policies = Policy.objects.prefetch_related("conditions").order_by("pk")
    if jurisdiction_id is not None:
        policies = policies.filter(jurisdiction_id=jurisdiction_id)
    for policy in policies:
        store_matches(policy, today=today)
    scope = Q() if jurisdiction_id is None else Q(policy__jurisdiction_id=jurisdiction_id)
    return Match.objects.filter(scope).count()


@task()
def match_policy_task(policy_id: int) -> dict[str, int]:
    policy = Policy.objects.prefetch_related("conditions").filter(pk=policy_id).first()
    return store_matches(policy) if policy is not None else {}


@task()
def match_all_task(jurisdiction_id: int) -> int:
    return match_all(jurisdiction_id)
