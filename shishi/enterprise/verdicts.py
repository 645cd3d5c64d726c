"""One enterprise against every published policy in force of its district, judged here and
now with a reason per condition (``matching.judge``): the enterprise's page, the contact's
own page and ``GET /api/v1/enterprises/{uscc}/matches`` read this, not the stored matches,
so what they show is never behind the register.

A handful of queries whatever the library's size: the policies with their conditions, the
enterprise's qualifications, the names of the streets the conditions name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from shishi.enterprise.matching import Condition, Facts, Judgement, judge
from shishi.enterprise.models import ConditionKind, Enterprise, Policy, PolicyStatus, Verdict
from shishi.orgs.models import Unit

ORDER = {Verdict.ELIGIBLE.value: 0, Verdict.POSSIBLE.value: 1, Verdict.INELIGIBLE.value: 2}


@dataclass(frozen=True)
class PolicyVerdict:
    policy: Policy
    judgement: Judgement

    @property
    def verdict(self) -> str:
        return self.judgement.verdict


def facts_of(enterprise: Enterprise) -> Facts:
    """What the register says of ``enterprise`` (one query for its qualifications, unless
    they were prefetched)."""
    street = enterprise.street if enterprise.street_id is not None else None
    return Facts(
        industry_code=enterprise.industry_code,
        size=enterprise.size,
        street_id=enterprise.street_id,
        street_name=street.name if street is not None else "",
        qualifications=frozenset(q.name for q in enterprise.qualifications.all()),
        founded_on=enterprise.founded_on,
        employees=enterprise.employees,
        revenue=enterprise.revenue,
        tax_paid=enterprise.tax_paid,
    )


def policies_in_force(jurisdiction_id: int, today: dt.date) -> list[Policy]:
    """The district's published policies in force on ``today``, with their conditions."""
    return list(
        Policy.objects.filter(jurisdiction_id=jurisdiction_id, status=PolicyStatus.PUBLISHED)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .prefetch_related("conditions")
        .order_by("-published_at", "-id")
    )


def street_names(policies: list[Policy]) -> dict[int, str]:
    ids: set[int] = set()
    for policy in policies:
        for c in policy.conditions.all():
            if c.kind == ConditionKind.STREET_IN:
                ids.update(int(s) for s in c.params.get("streets") or [])
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def enterprise_verdicts(
    enterprise: Enterprise, *, today: dt.date | None = None, ineligible: bool = True
) -> list[PolicyVerdict]:
    """Every published policy in force for ``enterprise``: eligible first, then possible,
    then (unless ``ineligible`` is False) the rest; the newest policy first within each."""
    today = today or timezone.localdate()
    policies = policies_in_force(enterprise.jurisdiction_id, today)
    names = street_names(policies)
    facts = facts_of(enterprise)
    out = []
    for policy in policies:
        conditions = [Condition(c.kind, dict(c.params)) for c in policy.conditions.all()]
        judgement = judge(conditions, facts, today, names)
        if ineligible or judgement.verdict != Verdict.INELIGIBLE:
            out.append(PolicyVerdict(policy, judgement))
    out.sort(key=lambda v: ORDER[v.verdict])  # stable: keeps the newest first
    return out
