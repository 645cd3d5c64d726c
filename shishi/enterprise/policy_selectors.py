"""Reads of the policy library: the office's search (every status) and the public one
(published and in force), a policy's page (its conditions in words, its stored matches by
verdict), the district the office page is for.

Search by industry: a code (any form ``industry.normalize`` takes) keeps the policies without
an industry condition, and those whose "属于" condition covers the code or lies within it
(``I65`` finds the policies for ``I6513`` and for ``I``), less those whose "不属于" condition
covers it. The industry conditions of the district are read once (a few hundred rows) and
judged here: JSON containment differs across databases and the library is small.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from shishi.core.errors import NotFound, PermissionDenied
from shishi.enterprise import industry, permissions
from shishi.enterprise.matching import Condition, describe
from shishi.enterprise.models import (
    ConditionKind,
    Match,
    Policy,
    PolicyCondition,
    PolicyStatus,
    Verdict,
)
from shishi.enterprise.policy_services import OFFICE_ONLY, street_units
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

PAGE_SIZE = 20
MAX_QUERY = 100


@dataclass
class District:
    """The page's district and the others the user may switch to."""

    district: Jurisdiction
    districts: list[tuple[str, str]]  # (code, name), when several


def office_districts(user: Any) -> list[Jurisdiction]:
    scope = scope_for(user)
    query = Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT)
    if not scope.is_superuser:
        query = query.filter(pk__in=permissions.office_jurisdiction_ids(user))
    return list(query.order_by("code"))


def office_district(user: Any, code: str | None) -> District:
    """The district (by its code, else the first) whose library the user keeps; 403 for a
    user who keeps none."""
    districts = office_districts(user)
    if not districts:
        raise PermissionDenied(OFFICE_ONLY)
    chosen = next((j for j in districts if j.code == (code or "").strip()), districts[0])
    return District(chosen, [(j.code, j.name) for j in districts] if len(districts) > 1 else [])


def office_policy(user: Any, pk: int) -> Policy:
    """A policy of a district the user keeps: 404 for any other (its existence is not told)."""
    policy = Policy.objects.select_related("jurisdiction").filter(pk=pk).first()
    if policy is None or not permissions.is_office(user, policy.jurisdiction_id):
        raise NotFound("没有找到这项政策")
    return policy


@dataclass
class Filters:
    q: str = ""
    level: str = ""
    benefit: str = ""
    industry: str = ""  # canonical code, "" for none
    status: str = ""


def industry_filter(jurisdiction_id: int, code: str) -> Q:
    """The policies an enterprise of ``code`` may fit by industry (see the module's text)."""
    chain = set(industry.lookup(code).chain)
    excluded: set[int] = set()
    anys: dict[int, bool] = {}
    rows = PolicyCondition.objects.filter(
        policy__jurisdiction_id=jurisdiction_id,
        kind__in=(ConditionKind.INDUSTRY_ANY, ConditionKind.INDUSTRY_NONE),
    ).values_list("policy_id", "kind", "params")
    for policy_id, kind, params in rows:
        codes = [str(c) for c in (params or {}).get("codes") or []]
        if kind == ConditionKind.INDUSTRY_ANY:
            related = any(c in chain or c.startswith(code) for c in codes)
            anys[policy_id] = anys.get(policy_id, True) and related
        elif any(c in chain for c in codes):
            excluded.add(policy_id)
    excluded.update(pk for pk, related in anys.items() if not related)
    return ~Q(pk__in=excluded) if excluded else Q()


def _search(query: QuerySet[Policy], jurisdiction_id: int, f: Filters) -> QuerySet[Policy]:
    if f.q:
        query = query.filter(
            Q(title__icontains=f.q) | Q(doc_number__icontains=f.q) | Q(issuer__icontains=f.q)
        )
    if f.level:
        query = query.filter(level=f.level)
    if f.benefit:
        query = query.filter(benefit=f.benefit)
    if f.status:
        query = query.filter(status=f.status)
    if f.industry:
        query = query.filter(industry_filter(jurisdiction_id, f.industry))
    return query


def in_force_q(today: dt.date) -> Q:
    return (
        Q(status=PolicyStatus.PUBLISHED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )


@dataclass
class Listing:
    page: Page[Policy]
    paginator: Paginator[Policy]
    page_range: list[Any]
    filters: Filters
    rows: list[Policy] = field(default_factory=list)


def _listing(query: QuerySet[Policy], f: Filters, page: str | None) -> Listing:
    paginator = Paginator(query, PAGE_SIZE)
    found = paginator.get_page(page)
    return Listing(
        page=found,
        paginator=paginator,
        page_range=list(paginator.get_elided_page_range(found.number)),
        filters=f,
        rows=list(found.object_list),
    )


def library(jurisdiction: Jurisdiction, f: Filters, page: str | None) -> Listing:
    """The office's library, every status: the unpublished first (work to do), then the
    newest published."""
    query = Policy.objects.filter(jurisdiction=jurisdiction).order_by(
        F("published_at").desc(nulls_first=True), "-id"
    )
    return _listing(_search(query, jurisdiction.pk, f), f, page)


def public_library(
    jurisdiction: Jurisdiction, f: Filters, page: str | None, *, today: dt.date | None = None
) -> Listing:
    """Published policies in force, for anyone."""
    today = today or timezone.localdate()
    query = Policy.objects.filter(Q(jurisdiction=jurisdiction) & in_force_q(today)).order_by(
        "-published_at", "-id"
    )
    f = Filters(q=f.q, level=f.level, benefit=f.benefit, industry=f.industry)
    return _listing(_search(query, jurisdiction.pk, f), f, page)


def public_district(code: str) -> Jurisdiction:
    found = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if found is None:
        raise NotFound("没有找到这个区")
    return found


def public_policy(jurisdiction: Jurisdiction, pk: int, *, today: dt.date | None = None) -> Policy:
    """A published policy in force of the district; 404 for a draft, an expired one or
    another district's."""
    today = today or timezone.localdate()
    policy = (
        Policy.objects.filter(Q(jurisdiction=jurisdiction, pk=pk) & in_force_q(today))
        .select_related("jurisdiction")
        .first()
    )
    if policy is None:
        raise NotFound("没有找到这项政策，或它尚未发布、已失效")
    return policy


@dataclass(frozen=True)
class ConditionLine:
    kind: str
    kind_label: str
    words: str
    structured: bool


def condition_lines(policy: Policy) -> list[ConditionLine]:
    """The policy's conditions in words (``matching.describe``), streets by name."""
    streets = {pk: name for name, pk in street_units(policy.jurisdiction_id).items()}
    out = []
    for c in policy.conditions.all().order_by("order", "id"):
        condition = Condition(c.kind, dict(c.params))
        try:
            words = describe(condition, streets)
        except ValueError:
            words = "（条件数据有误，请专班修改）"
        label = ConditionKind(c.kind).label if c.kind in ConditionKind.values else c.kind
        out.append(ConditionLine(c.kind, str(label), words, c.kind != ConditionKind.TEXT))
    return out


def match_counts(policy: Policy) -> dict[str, int]:
    """The stored matches by verdict (eligible, possible)."""
    counts = {Verdict.ELIGIBLE.value: 0, Verdict.POSSIBLE.value: 0}
    for verdict, n in (
        Match.objects.filter(policy=policy)
        .values_list("verdict")
        .annotate(n=Count("enterprise_id"))
        .order_by()
    ):
        counts[verdict] = n
    return counts
