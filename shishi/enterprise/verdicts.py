"""One enterprise against every published policy in force of its district, judged here and
now with a reason per condition (``matching.judge``): the enterprise's page, the contact's
own page and ``GET /api/v1/enterprises/{uscc}/matches`` read this, not the stored matches,
so what they show is never behind the register.

The district's library in force (policies, their conditions, the conditions in words) is
kept per process (``library``) and read again only when a cheap check says it changed: one
aggregate query over the district's policies and conditions (how many, the latest change,
the sum of versions, the highest condition id) and the day. Building it from the database for
every request took most of the request's time with 344 policies (bench).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from shishi.enterprise.matching import Condition, Facts, Judgement, describe, judge
from shishi.enterprise.models import (
    ConditionKind,
    Enterprise,
    Policy,
    PolicyCondition,
    PolicyStatus,
    Verdict,
)
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
    """The district's published policies in force on ``today``, newest first."""
    return list(
        Policy.objects.filter(jurisdiction_id=jurisdiction_id, status=PolicyStatus.PUBLISHED)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("-published_at", "-id")
    )


def conditions_by_policy(policies: list[Policy]) -> dict[int, list[Condition]]:
    """Each policy's conditions in order, read as plain rows in one query (no model objects:
    for a library of 344 policies, building them took most of a request's time — bench)."""
    out: dict[int, list[Condition]] = {p.pk: [] for p in policies}
    rows = (
        PolicyCondition.objects.filter(policy_id__in=list(out))
        .order_by("policy_id", "order", "id")
        .values_list("policy_id", "kind", "params")
    )
    for policy_id, kind, params in rows:
        out[policy_id].append(Condition(kind, dict(params)))
    return out


def street_names(policies: list[Policy]) -> dict[int, str]:
    """The names of the streets ``policies``' conditions name."""
    return _street_names(
        [Condition(c.kind, dict(c.params)) for p in policies for c in p.conditions.all()]
    )


def _street_names(conditions: Iterable[Condition]) -> dict[int, str]:
    ids: set[int] = set()
    for c in conditions:
        if c.kind == ConditionKind.STREET_IN:
            ids.update(int(s) for s in c.params.get("streets") or [])
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


@dataclass(frozen=True)
class Library:
    """A district's published policies in force on a day, with their conditions in order
    and in words. Shared by the requests of a process: read only."""

    policies: list[Policy]
    conditions: dict[int, list[Condition]]
    described: dict[int, list[str]]


_libraries: dict[int, tuple[tuple[Any, ...], Library]] = {}


def _fingerprint(jurisdiction_id: int, today: dt.date) -> tuple[Any, ...]:
    policies = Policy.objects.filter(jurisdiction_id=jurisdiction_id).aggregate(
        n=Count("pk"), at=Max("updated_at"), versions=Sum("version")
    )
    conditions = PolicyCondition.objects.filter(policy__jurisdiction_id=jurisdiction_id).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    return (today, *policies.values(), *conditions.values())


def library(jurisdiction_id: int, today: dt.date) -> Library:
    """The district's library in force on ``today``, from the process's copy when it is
    still current."""
    key = _fingerprint(jurisdiction_id, today)
    kept = _libraries.get(jurisdiction_id)
    if kept is not None and kept[0] == key:
        return kept[1]
    policies = policies_in_force(jurisdiction_id, today)
    conditions = conditions_by_policy(policies)
    names = _street_names(c for cs in conditions.values() for c in cs)
    described = {pk: [describe(c, names) for c in cs] for pk, cs in conditions.items()}
    found = Library(policies, conditions, described)
    _libraries[jurisdiction_id] = (key, found)
    return found


def enterprise_verdicts(
    enterprise: Enterprise, *, today: dt.date | None = None, ineligible: bool = True
) -> list[PolicyVerdict]:
    """Every published policy in force for ``enterprise``: eligible first, then possible,
    then (unless ``ineligible`` is False) the rest; the newest policy first within each."""
    today = today or timezone.localdate()
    lib = library(enterprise.jurisdiction_id, today)
    facts = facts_of(enterprise)
    out = []
    for policy in lib.policies:
        judgement = judge(
            lib.conditions[policy.pk], facts, today, described=lib.described[policy.pk]
        )
        if ineligible or judgement.verdict != Verdict.INELIGIBLE:
            out.append(PolicyVerdict(policy, judgement))
    out.sort(key=lambda v: ORDER[v.verdict])  # stable: keeps the newest first
    return out
