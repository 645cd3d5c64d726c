"""Who may see and change the working-day calendar.

- **The pages** (years, a year's days, local days): the offices of the jurisdiction — its
  programme office, the city office over it, the city office of a city (and superusers).
  Anyone else who may read the district is refused (403); a district the user cannot read
  is not found (404), so nothing leaks about other districts.
- **The State Council's schedule** (``ScheduleYear``): the national calendar is the city
  office's to enter, for its city; it applies to every district of the city. The city
  office may also enter or clear a district's own schedule. A district's programme office
  enters the schedule for its own district only where there is no city office to do it: the
  district has no city above it here, or nobody holds the city office role of that city.
  Where a district has its own entry it wins over its city's (the most specific entry wins).
- **Local days** (``LocalDay``): the programme office of a district adds and removes its
  district's days off and duty days; the city office those of the city (they apply to every
  district of it) and of its districts.
"""

from __future__ import annotations

from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for
from shishi.orgs.selectors import has_city_office


def can_manage_calendar(user: Any, jurisdiction: Jurisdiction) -> bool:
    """Open the calendar pages of ``jurisdiction`` and manage its local days."""
    return scope_for(user).is_office_for(jurisdiction.pk)


def can_enter_schedule(user: Any, jurisdiction: Jurisdiction) -> bool:
    """Enter, import or clear the State Council's schedule for ``jurisdiction``."""
    scope = scope_for(user)
    if scope.is_superuser or jurisdiction.pk in scope.city_covered_ids():
        return True
    if jurisdiction.pk not in scope.office_jurisdiction_ids:
        return False
    if jurisdiction.level == Jurisdiction.Level.CITY:
        return False  # a programme office held on a city: its city office enters
    return jurisdiction.parent_id is None or not has_city_office(jurisdiction.parent_id)


def require_schedule_right(user: Any, jurisdiction: Jurisdiction) -> None:
    """Raise PermissionDenied unless ``can_enter_schedule``."""
    if not can_enter_schedule(user, jurisdiction):
        raise PermissionDenied("国务院放假安排由市级专班录入（没有市级专班的区由区专班录入）")


def access_jurisdiction(user: Any, code: str) -> Jurisdiction:
    """The jurisdiction of the calendar pages asked for, checked: NotFound where the user
    cannot read it, PermissionDenied where they read it but are not its office."""
    scope = scope_for(user)
    found = Jurisdiction.objects.filter(code=str(code)).first()
    if found is None or not scope.can_read_jurisdiction(found.pk):
        raise NotFound("没有找到这个辖区")
    if not can_manage_calendar(user, found):
        raise PermissionDenied("只有专班可以管理工作日历")
    return found
