"""Who may use the appointment services (on top of ``orgs.permissions``): the district's
operators (接线员) and office ask whether a person is eligible and book for them."""

from __future__ import annotations

from typing import Any

from shishi.orgs.permissions import scope_for


def is_operator(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).operates(jurisdiction_id)


def operator_jurisdiction_ids(user: Any) -> set[int]:
    return scope_for(user).operated_ids()


# booking
def serves(user: Any, service: Any) -> bool:
    """One of the delivering unit's people (its editors, heads or viewers) or a staff member
    of the service: they see and handle the service's bookings."""
    from shishi.appointments.models import Staff

    scope = scope_for(user)
    unit_id = service.unit_id
    if scope.edits_unit(unit_id) or scope.heads_unit(unit_id) or unit_id in scope.viewer_unit_ids:
        return True
    return bool(
        scope.user_id
        and Staff.objects.filter(service=service, user_id=scope.user_id, is_active=True).exists()
    )


def served_unit_ids(user: Any) -> set[int]:
    """The units whose services' bookings this user sees as the unit's people."""
    scope = scope_for(user)
    return scope.editor_unit_ids | scope.head_unit_ids | scope.viewer_unit_ids
