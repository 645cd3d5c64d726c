"""Who may do what with enterprise services (on top of ``orgs.permissions``).

- The district's programme office (and a city office over it) keeps the policy library and
  the register, sees every match, pushes, lists 免申即享 payouts, runs the stations and
  every service request.
- A station's staff (``Station.staff``) enter requests for the enterprises it serves and
  follow them; a unit's people (editors, heads, viewers) handle the requests it owns.
- An enterprise contact with a login (``Contact.user``) sees its own enterprise only: its
  facts, matches, pushes and requests — never another enterprise's.
- Anyone reads the published policies (public pages).
"""

from __future__ import annotations

from typing import Any

from shishi.orgs.permissions import scope_for


def is_office(user: Any, jurisdiction_id: int) -> bool:
    return scope_for(user).is_office_for(jurisdiction_id)


def office_jurisdiction_ids(user: Any) -> set[int]:
    return scope_for(user).office_covered_ids()


def contact_enterprise_ids(user: Any) -> set[int]:
    """The enterprises ``user`` is a signed-in contact of."""
    from shishi.enterprise.models import Contact

    scope = scope_for(user)
    if scope.user_id is None:
        return set()
    return set(
        Contact.objects.filter(user_id=scope.user_id).values_list("enterprise_id", flat=True)
    )


def staffed_station_ids(user: Any) -> set[int]:
    """The active stations ``user`` works at."""
    from shishi.enterprise.models import Station

    scope = scope_for(user)
    if scope.user_id is None:
        return set()
    return set(
        Station.objects.filter(staff__id=scope.user_id, is_active=True).values_list("id", flat=True)
    )


def station_enterprise_ids(user: Any) -> set[int]:
    """The enterprises served by the stations ``user`` works at."""
    from shishi.enterprise.models import Station

    stations = staffed_station_ids(user)
    if not stations:
        return set()
    return set(
        Station.enterprises.through.objects.filter(station_id__in=stations).values_list(
            "enterprise_id", flat=True
        )
    )


def may_see_enterprise(user: Any, enterprise: Any) -> bool:
    """Reads ``enterprise``'s page and matches: its district's office, the staff of a station
    serving it, or its own contact."""
    if is_office(user, enterprise.jurisdiction_id):
        return True
    if enterprise.pk in contact_enterprise_ids(user):
        return True
    return enterprise.pk in station_enterprise_ids(user)


def may_handle_request(user: Any, request: Any) -> bool:
    """Works on a service request: the office, the owner unit's people, the staff of its
    station."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return False
    if is_office(user, request.jurisdiction_id):
        return True
    unit_id = request.owner_unit_id
    if unit_id is not None and (
        scope.edits_unit(unit_id) or scope.heads_unit(unit_id) or unit_id in scope.viewer_unit_ids
    ):
        return True
    return request.station_id is not None and request.station_id in staffed_station_ids(user)
