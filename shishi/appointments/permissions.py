"""Who may use the appointment services (on top of ``orgs.permissions``): the district's
operators (接线员) and office ask whether a person is eligible and book for them."""

from __future__ import annotations

from typing import Any

from shishi.orgs.permissions import scope_for


def is_operator(user: Any, jurisdiction_id: int) -> bool:
    scope = scope_for(user)
    return jurisdiction_id in scope.operator_jurisdiction_ids or scope.is_office_for(
        jurisdiction_id
    )


def operator_jurisdiction_ids(user: Any) -> set[int]:
    scope = scope_for(user)
    return set(scope.operator_jurisdiction_ids) | set(scope.office_covered_ids())
