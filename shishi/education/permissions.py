"""Who may do what with study, landmarks and publicity (on top of ``orgs.permissions``).

- The district's programme office (and a city office over it) keeps everything: reviews
  study activities, sets the campaign targets, keeps the landmarks, routes, the
  sensitive-word list, the party organisations and the publicity records.
- A unit's editors (and heads) enter study activities for their unit — and, for a party
  committee, for its branches — and see their own; they cannot review.
- Anyone checks in at a landmark and reads the guide map (public pages).
"""

from __future__ import annotations

from typing import Any

from shishi.core.errors import PermissionDenied
from shishi.orgs.models import Unit
from shishi.orgs.permissions import scope_for


def is_office(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).is_office_for(jurisdiction_id)


def office_jurisdiction_ids(user: Any) -> set[int]:
    return scope_for(user).office_covered_ids()


def entering_unit_ids(user: Any) -> set[int]:
    """The units ``user`` enters study activities for: those it edits or heads, and the
    branches of a committee among them."""
    scope = scope_for(user)
    own = scope.editor_unit_ids | scope.head_unit_ids
    if not own:
        return set()
    branches = Unit.objects.filter(parent_id__in=own, kind=Unit.Kind.PARTY_BRANCH)
    return own | set(branches.values_list("pk", flat=True))


def check_office(actor: Any, jurisdiction_id: int, message: str) -> None:
    """The district's office (or the city office over it) may, else ``PermissionDenied``
    with ``message``; ``None`` is the system itself (the console's commands, the demo),
    never a request (a view passes ``request.user``, an anonymous user included)."""
    if actor is not None and not is_office(actor, jurisdiction_id):
        raise PermissionDenied(message)


def may_enter_for(user: Any, unit: Unit) -> bool:
    """Enters (and edits, while not approved) an activity of ``unit``."""
    return is_office(user, unit.jurisdiction_id) or unit.pk in entering_unit_ids(user)
