"""Who does what with a service request (on top of ``permissions``; docs/enterprise.md,
"Service requests").

- sees it (``permissions.may_handle_request``): the district's office, the owner unit's
  people (editors, heads, viewers), the staff of its station;
- takes one in: the office (any enterprise of its district), a station's staff (only the
  enterprises that station serves);
- assigns the owner unit and the time limit: the office, the staff of its station;
- records a contact with the enterprise: the office, the owner unit's editors and heads, the
  station's staff;
- closes it with an outcome: the office, the owner unit's editors and heads;
- the full contact phone (audited): whoever records contacts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from shishi.enterprise import permissions
from shishi.orgs.permissions import scope_for


def may_see(user: Any, request: Any) -> bool:
    return permissions.may_handle_request(user, request)


def _station_staff(user: Any, request: Any) -> bool:
    return request.station_id is not None and request.station_id in (
        permissions.staffed_station_ids(user)
    )


def _unit_worker(user: Any, request: Any) -> bool:
    scope = scope_for(user)
    unit_id = request.owner_unit_id
    return unit_id is not None and (scope.edits_unit(unit_id) or scope.heads_unit(unit_id))


def may_assign(user: Any, request: Any) -> bool:
    if scope_for(user).is_anonymous:
        return False
    return permissions.is_office(user, request.jurisdiction_id) or _station_staff(user, request)


def may_record_contact(user: Any, request: Any) -> bool:
    if scope_for(user).is_anonymous:
        return False
    return (
        permissions.is_office(user, request.jurisdiction_id)
        or _unit_worker(user, request)
        or _station_staff(user, request)
    )


def may_close(user: Any, request: Any) -> bool:
    if scope_for(user).is_anonymous:
        return False
    return permissions.is_office(user, request.jurisdiction_id) or _unit_worker(user, request)


def may_show_phone(user: Any, request: Any) -> bool:
    return may_record_contact(user, request)


def may_take_in(user: Any, jurisdiction_id: int) -> bool:
    """The office of the district, or the staff of one of its active stations."""
    from shishi.enterprise.models import Station

    if permissions.is_office(user, jurisdiction_id):
        return True
    stations = permissions.staffed_station_ids(user)
    return (
        bool(stations)
        and Station.objects.filter(pk__in=stations, jurisdiction_id=jurisdiction_id).exists()
    )


def visible_filter(user: Any) -> Q | None:
    """The requests ``user`` sees as a ``Q`` (None: every request, for a superuser; an empty
    match for a user who sees none)."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return Q(pk__in=[])
    if scope.is_superuser:
        return None
    where = Q(pk__in=[])
    offices = permissions.office_jurisdiction_ids(user)
    if offices:
        where |= Q(jurisdiction_id__in=offices)
    units = scope.editor_unit_ids | scope.head_unit_ids | scope.viewer_unit_ids
    if units:
        where |= Q(owner_unit_id__in=units)
    stations = permissions.staffed_station_ids(user)
    if stations:
        where |= Q(station_id__in=stations)
    return where
