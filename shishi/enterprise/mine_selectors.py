"""What an enterprise's signed-in contact sees of its own enterprise (never another's): the
register's facts, the policies it fits (eligible, and possible with the reason per
condition), the pushes it got (read or not), and its service requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shishi.core.errors import PermissionDenied
from shishi.enterprise import permissions
from shishi.enterprise.models import Enterprise, Push, ServiceRequest
from shishi.enterprise.verdicts import PolicyVerdict, enterprise_verdicts

MAX_ROWS = 100  # pushes and requests shown, newest first


@dataclass(frozen=True)
class Mine:
    enterprise: Enterprise
    qualifications: list[str]
    verdicts: list[PolicyVerdict]
    pushes: list[Push]
    requests: list[ServiceRequest]


def own_enterprises(user: Any) -> list[Mine]:
    """The enterprises ``user`` is a contact of, each with what its page shows; refused for
    anyone who is no enterprise's contact."""
    ids = permissions.contact_enterprise_ids(user)
    if not ids:
        raise PermissionDenied("这个页面只对企业联系人开放")
    out = []
    enterprises = (
        Enterprise.objects.filter(pk__in=ids)
        .select_related("street", "jurisdiction")
        .prefetch_related("qualifications")
        .order_by("name", "pk")
    )
    for enterprise in enterprises:
        out.append(
            Mine(
                enterprise=enterprise,
                qualifications=sorted(q.name for q in enterprise.qualifications.all()),
                verdicts=enterprise_verdicts(enterprise, ineligible=False),
                pushes=list(
                    Push.objects.filter(enterprise_id=enterprise.pk)
                    .select_related("policy")
                    .order_by("-created_at", "-pk")[:MAX_ROWS]
                ),
                requests=list(
                    ServiceRequest.objects.filter(enterprise_id=enterprise.pk)
                    .select_related("owner_unit")
                    .order_by("-created_at", "-pk")[:MAX_ROWS]
                ),
            )
        )
    return out
