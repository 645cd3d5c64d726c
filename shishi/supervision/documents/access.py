"""Who may download which supervision document (on top of ``supervision.permissions``).

- The problem list and the round summary: those who read the round (its district's office,
  the city office over it, its inspectors and sponsor leaders: ``permissions.access_round``).
- A unit's rectification notice: those, and the unit itself (its editors, head and viewers);
  another unit of the district is refused (403), anyone else finds nothing (404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.orgs.models import Unit
from shishi.supervision import permissions
from shishi.supervision.models import InspectionGroup, Round

ROUND_NOT_FOUND = "没有找到这一轮巡回指导"


def access_notice(user: Any, round_pk: int, unit_pk: int) -> tuple[Round, Unit]:
    """The round and the unit of a notice the user may download, or NotFound /
    PermissionDenied."""
    found = Round.objects.select_related("jurisdiction").filter(pk=round_pk).first()
    if found is None:
        raise NotFound(ROUND_NOT_FOUND)
    unit = Unit.objects.filter(pk=unit_pk, jurisdiction_id=found.jurisdiction_id).first()
    if permissions.reads_district(user, found.jurisdiction_id):
        if unit is None:
            raise NotFound("本区没有这个单位")
        return found, unit
    own = permissions.unit_ids_of(user)
    if unit is not None and unit.pk in own:
        return found, unit
    if own and Unit.objects.filter(pk__in=own, jurisdiction_id=found.jurisdiction_id).exists():
        raise PermissionDenied("只能下载本单位的整改通知书")
    raise NotFound(ROUND_NOT_FOUND)


def _id(query: Mapping[str, str], name: str, label: str) -> int | None:
    raw = (query.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        message = f"{label}（{name}）应是编号（整数）"
        raise ValidationFailed(message, {name: message})
    return int(raw)


def narrowing(round: Round, query: Mapping[str, str]) -> tuple[InspectionGroup | None, Unit | None]:
    """The group (``?group=``) and unit (``?unit=``) a problem list is narrowed to: of the
    round's district, else NotFound; a value that is no id is refused naming the field."""
    group_id, unit_id = _id(query, "group", "指导组"), _id(query, "unit", "单位")
    group = unit = None
    if group_id is not None:
        group = InspectionGroup.objects.filter(
            pk=group_id, jurisdiction_id=round.jurisdiction_id
        ).first()
        if group is None:
            raise NotFound("本区没有这个巡回指导组")
    if unit_id is not None:
        unit = Unit.objects.filter(pk=unit_id, jurisdiction_id=round.jurisdiction_id).first()
        if unit is None:
            raise NotFound("本区没有这个单位")
    return group, unit
