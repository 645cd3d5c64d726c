"""Reads of the 免申即享 payout pages: the district's no-apply policies with their totals
(count per status, paid amount), and one policy's payouts by status, paginated."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, Sum

from shishi.core.errors import NotFound
from shishi.enterprise import permissions
from shishi.enterprise.models import Match, Payout, PayoutStatus, Policy, Verdict
from shishi.enterprise.push_selectors import office_ids

PER_PAGE = 50


@dataclass(frozen=True)
class Totals:
    listed: int
    handed: int
    paid: int
    refused: int
    paid_amount: Decimal
    eligible: int  # the stored eligible matches

    @property
    def count(self) -> int:
        return self.listed + self.handed + self.paid + self.refused


def _totals(policy_ids: list[int]) -> dict[int, Totals]:
    rows = (
        Payout.objects.filter(policy_id__in=policy_ids)
        .values("policy_id")
        .annotate(
            listed=Count("id", filter=Q(status=PayoutStatus.LISTED)),
            handed=Count("id", filter=Q(status=PayoutStatus.HANDED)),
            paid=Count("id", filter=Q(status=PayoutStatus.PAID)),
            refused=Count("id", filter=Q(status=PayoutStatus.REFUSED)),
            amount=Sum("amount", filter=Q(status=PayoutStatus.PAID)),
        )
    )
    eligible = dict(
        Match.objects.filter(policy_id__in=policy_ids, verdict=Verdict.ELIGIBLE)
        .values("policy_id")
        .annotate(n=Count("enterprise_id"))
        .values_list("policy_id", "n")
    )
    out = {pk: Totals(0, 0, 0, 0, Decimal(0), eligible.get(pk, 0)) for pk in policy_ids}
    for r in rows:
        out[r["policy_id"]] = Totals(
            r["listed"],
            r["handed"],
            r["paid"],
            r["refused"],
            r["amount"] or Decimal(0),
            eligible.get(r["policy_id"], 0),
        )
    return out


def no_apply_policies(user: Any) -> list[tuple[Policy, Totals]]:
    """The no-apply policies of the user's districts (published first), with totals."""
    ids = office_ids(user)
    policies = Policy.objects.filter(no_apply=True)
    if ids is not None:
        policies = policies.filter(jurisdiction_id__in=ids)
    found = list(policies.order_by("status", "-published_at", "-id"))
    totals = _totals([p.pk for p in found])
    return [(p, totals[p.pk]) for p in found]


def access_policy(user: Any, pk: int) -> Policy:
    policy = Policy.objects.filter(pk=pk, no_apply=True).first()
    if policy is None or not permissions.is_office(user, policy.jurisdiction_id):
        raise NotFound("免申即享政策不存在或无权查看")
    return policy


def policy_totals(policy: Policy) -> Totals:
    return _totals([policy.pk])[policy.pk]


def payout_page(policy: Policy, *, status: str, q: str, page: Any) -> Page[Any]:
    query = (
        Payout.objects.filter(policy_id=policy.pk)
        .select_related("enterprise")
        .order_by("enterprise__name", "pk")
    )
    if status in PayoutStatus.values:
        query = query.filter(status=status)
    text = q.strip()[:100]
    if text:
        query = query.filter(Q(enterprise__name__icontains=text) | Q(enterprise__uscc=text.upper()))
    return Paginator(query, PER_PAGE).get_page(page)
