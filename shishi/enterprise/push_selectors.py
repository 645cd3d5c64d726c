"""Reads of the matches and push pages: a policy's stored matches with whether each
enterprise was pushed and read (paginated: a policy may fit 50,000 enterprises), the push log
per policy, and what the read-receipt page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shishi.core.errors import NotFound, PermissionDenied
from shishi.enterprise import permissions
from shishi.enterprise.matching import Condition, Judgement, describe, judge
from shishi.enterprise.models import Match, Policy, Push, Verdict
from shishi.enterprise.verdicts import facts_of, street_names
from shishi.orgs.permissions import scope_for

PER_PAGE = 50
MAX_QUERY = 100
CHANNEL_LABELS = {"sms": _("短信"), "email": _("邮件"), "inbox": _("站内消息")}
PUSH_STATES = {
    "unsent": _("未送达"),
    "sent": _("已送达"),
    "read": _("已阅读"),
    "unread": _("已送达未阅读"),
}


def _page(query: QuerySet[Any], number: Any) -> Page[Any]:
    return Paginator(query, PER_PAGE).get_page(number)


def office_ids(user: Any) -> set[int] | None:
    """The districts whose pushes ``user`` keeps as office; None for a superuser (all)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return None
    ids = permissions.office_jurisdiction_ids(user)
    if not ids:
        raise PermissionDenied("只有专班可以查看政策推送")
    return ids


def access_policy(user: Any, pk: int) -> Policy:
    """A policy of a district ``user`` is office of (else 404: as if it did not exist)."""
    policy = Policy.objects.filter(pk=pk).first()
    if policy is None or not permissions.is_office(user, policy.jurisdiction_id):
        raise NotFound("政策不存在或无权查看")
    return policy


@dataclass(frozen=True)
class MatchCounts:
    eligible: int
    possible: int
    pushed: int
    read: int
    eligible_unpushed: int
    possible_unpushed: int


def match_counts(policy: Policy) -> MatchCounts:
    pushed = Push.objects.filter(policy_id=policy.pk, enterprise_id=OuterRef("enterprise_id"))
    by = dict(
        Match.objects.filter(policy_id=policy.pk)
        .values_list("verdict")
        .annotate(n=Count("enterprise_id"))
        .values_list("verdict", "n")
    )
    unpushed = dict(
        Match.objects.filter(policy_id=policy.pk)
        .exclude(Exists(pushed))
        .values_list("verdict")
        .annotate(n=Count("enterprise_id"))
        .values_list("verdict", "n")
    )
    pushes = Push.objects.filter(policy_id=policy.pk).aggregate(
        n=Count("id"), read=Count("id", filter=Q(read_at__isnull=False))
    )
    return MatchCounts(
        eligible=by.get(Verdict.ELIGIBLE.value, 0),
        possible=by.get(Verdict.POSSIBLE.value, 0),
        pushed=pushes["n"],
        read=pushes["read"],
        eligible_unpushed=unpushed.get(Verdict.ELIGIBLE.value, 0),
        possible_unpushed=unpushed.get(Verdict.POSSIBLE.value, 0),
    )


def policy_matches(policy: Policy, *, verdict: str, page: Any) -> Page[Any]:
    """The policy's stored matches (of ``verdict``, or both), the enterprise's facts, and its
    push's times (null when not pushed); enterprises by name."""
    push = Push.objects.filter(policy_id=policy.pk, enterprise_id=OuterRef("enterprise_id"))
    query = (
        Match.objects.filter(policy_id=policy.pk)
        .select_related("enterprise", "enterprise__street")
        .annotate(
            push_id=Subquery(push.values("pk")[:1]),
            sent_at=Subquery(push.values("sent_at")[:1]),
            read_at=Subquery(push.values("read_at")[:1]),
        )
        .order_by("enterprise__name", "enterprise_id")
    )
    if verdict in (Verdict.ELIGIBLE.value, Verdict.POSSIBLE.value):
        query = query.filter(verdict=verdict)
    return _page(query, page)


# --- the push log ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PushFilters:
    policy: int | None = None
    state: str = ""
    q: str = ""


def push_summary(user: Any) -> list[Any]:
    """Per policy with pushes: how many pushed, sent, read (newest policy first)."""
    ids = office_ids(user)
    policies = (
        Policy.objects.all() if ids is None else Policy.objects.filter(jurisdiction_id__in=ids)
    )
    return list(
        policies.annotate(
            pushed=Count("pushes"),
            sent=Count("pushes", filter=Q(pushes__sent_at__isnull=False)),
            read=Count("pushes", filter=Q(pushes__read_at__isnull=False)),
        )
        .filter(pushed__gt=0)
        .order_by("-published_at", "-id")
    )


def push_page(user: Any, filters: PushFilters, page: Any) -> Page[Any]:
    ids = office_ids(user)
    query = Push.objects.select_related("policy", "enterprise").order_by("-created_at", "-id")
    if ids is not None:
        query = query.filter(policy__jurisdiction_id__in=ids)
    if filters.policy:
        query = query.filter(policy_id=filters.policy)
    if filters.state == "unsent":
        query = query.filter(sent_at__isnull=True)
    elif filters.state == "sent":
        query = query.filter(sent_at__isnull=False)
    elif filters.state == "read":
        query = query.filter(read_at__isnull=False)
    elif filters.state == "unread":
        query = query.filter(sent_at__isnull=False, read_at__isnull=True)
    text = filters.q.strip()[:MAX_QUERY]
    if text:
        query = query.filter(Q(enterprise__name__icontains=text) | Q(enterprise__uscc=text.upper()))
    found = _page(query, page)
    found.object_list = rows = list(found.object_list)
    for row in rows:
        row.channels_list = [CHANNEL_LABELS.get(c, c) for c in row.channels.split(",") if c]
    return found


# --- the read-receipt page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadPage:
    push: Push
    policy: Policy
    conditions: list[str]
    judgement: Judgement
    today: dt.date


def read_page(push: Push, *, today: dt.date | None = None) -> ReadPage:
    """The policy in words and why this enterprise was sent it (judged now)."""
    today = today or timezone.localdate()
    policy = Policy.objects.prefetch_related("conditions").get(pk=push.policy_id)
    names = street_names([policy])
    conditions = [Condition(c.kind, dict(c.params)) for c in policy.conditions.all()]
    return ReadPage(
        push=push,
        policy=policy,
        conditions=[describe(c, names) for c in conditions],
        judgement=judge(conditions, facts_of(push.enterprise), today, names),
        today=today,
    )
