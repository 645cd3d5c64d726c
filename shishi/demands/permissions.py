"""Who may see and do what with demands (on top of ``orgs.permissions``).

- The district's **operators** (接线员) take demands in (phone, walk-in), dispatch them and
  call residents back; they see every demand of the district with its contact.
- The **office** (区专班; the city office over it) does all an operator does, rules on
  sent-back demands, extensions and appeals, and sees the statistics.
- A **unit** (editors, head) sees the demands dispatched to it and handles them: accept or
  send back, reply, ask for an extension, appeal. It sees the resident's contact masked,
  and never who filed a report (举报).
- Sponsor leaders and inspectors of the district read the district's demands, masked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from shishi.core.errors import NotFound, PermissionDenied
from shishi.demands.models import Demand
from shishi.orgs.permissions import scope_for


def is_office(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).is_office_for(jurisdiction_id)


def is_operator(user: Any, jurisdiction_id: int) -> bool:
    """Takes demands in and dispatches them: the district's operators and office."""
    return scope_for(user).operates(jurisdiction_id)


def require_operator(user: Any, jurisdiction_id: int) -> None:
    if not is_operator(user, jurisdiction_id):
        raise PermissionDenied("只有接线员和专班可以进行此操作")


def require_office(user: Any, jurisdiction_id: int) -> None:
    if not is_office(user, jurisdiction_id):
        raise PermissionDenied("只有专班可以进行此操作")


def handles(user: Any, demand: Demand) -> bool:
    """The unit the demand is dispatched to (its editors and head)."""
    return demand.unit_id is not None and scope_for(user).edits_unit(demand.unit_id)


def reads_district(user: Any, jurisdiction_id: int) -> bool:
    scope = scope_for(user)
    return (
        is_operator(user, jurisdiction_id)
        or jurisdiction_id in scope.leader_jurisdiction_ids
        or jurisdiction_id in scope.inspector_jurisdiction_ids
    )


def can_read(user: Any, demand: Demand) -> bool:
    scope = scope_for(user)
    return (
        reads_district(user, demand.jurisdiction_id)
        or handles(user, demand)
        or (demand.unit_id is not None and demand.unit_id in scope.viewer_unit_ids)
    )


def sees_contact(user: Any, demand: Demand) -> bool:
    """The resident's name and numbers in full: the operators and the office only (they call
    back); never anyone else for a report (举报)."""
    return is_operator(user, demand.jurisdiction_id)


def demands_q(user: Any) -> Q:
    """The demands the user may read, as a filter."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    districts = (
        scope.office_covered_ids()
        | scope.operator_jurisdiction_ids
        | scope.leader_jurisdiction_ids
        | scope.inspector_jurisdiction_ids
    )
    q = Q(jurisdiction_id__in=districts) if districts else Q(pk__in=[])
    units = scope.editor_unit_ids | scope.viewer_unit_ids
    if units:
        q |= Q(unit_id__in=units)
    return q


def access_demand(user: Any, pk: int) -> Demand:
    found = Demand.objects.select_related("category", "unit").filter(pk=pk).first()
    if found is None or not can_read(user, found):
        raise NotFound("没有找到这条诉求")
    return found
