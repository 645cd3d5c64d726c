"""Writes of the party organisations (committees and branches: ``orgs.Unit`` rows of kinds
``party_committee`` / ``party_branch`` with ``members``), one at a time; the sheet writes in
bulk (``party_sheet``).

Each checks that the actor keeps the district (its programme office, or the city office over
it), validates (a name of at most 200 characters, unique in the district for a committee and
within its committee for a branch; members a whole number ≥ 0), refuses a stale edit and
writes an audit event with the old and new values.

``Unit`` has no ``version``: the edit stamp is the row's ``updated_at`` (ISO text, carried
in the form as ``stamp``); an edit or removal whose stamp is not the stored one is refused
with ``StaleEdit``, never overwritten. A new organisation is created by
``orgs.services.ensure_unit`` (its own ``unit.create`` event).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import router, transaction
from django.db.models import ProtectedError, RestrictedError
from django.db.models.deletion import Collector

from shishi.core import audit
from shishi.core.errors import NotFound, StaleEdit, ValidationFailed
from shishi.education.party_selectors import stamp_of
from shishi.education.sheets import MAX_COUNT, check_office
from shishi.orgs.models import NAMED_IN_JURISDICTION, Jurisdiction, Unit
from shishi.orgs.services import ensure_unit

STALE = "这个党组织已被他人修改，请刷新后再改"


@dataclass(frozen=True)
class OrgInput:
    name: str
    members: int | None


def _clean(data: OrgInput) -> tuple[str, int]:
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = "请填写名称"
    elif len(name) > 200:
        errors["name"] = "名称过长（最多200字）"
    elif "<" in name or ">" in name:
        errors["name"] = "名称不能含尖括号"
    members = data.members
    if members is None:
        errors["members"] = "请填写党员数"
    elif not 0 <= members <= MAX_COUNT:
        errors["members"] = "党员数应为不小于0的整数"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    assert members is not None
    return name, members


def _name_taken(jurisdiction_id: int, name: str, *, parent: Unit | None, own: Unit | None) -> str:
    """Why ``name`` cannot be used, or ""."""
    if parent is not None:
        clash = Unit.objects.filter(parent=parent, kind=Unit.Kind.PARTY_BRANCH, name=name)
        message = f"{parent.name}下已有名为“{name}”的党支部"
    else:
        clash = Unit.objects.filter(
            NAMED_IN_JURISDICTION, jurisdiction_id=jurisdiction_id, name=name
        )
        message = f"本区已有名为“{name}”的单位"
    if own is not None:
        clash = clash.exclude(pk=own.pk)
    return message if clash.exists() else ""


def _check_stamp(locked: Unit, stamp: str | None) -> None:
    if not stamp or stamp_of(locked) != stamp:
        raise StaleEdit(STALE)


def create_org(
    jurisdiction: Jurisdiction, data: OrgInput, *, actor: Any, committee: Unit | None = None
) -> Unit:
    """A new committee (``committee`` None) or a branch of ``committee``, with its members."""
    check_office(actor, jurisdiction.pk)
    if committee is not None and (
        committee.kind != Unit.Kind.PARTY_COMMITTEE or committee.jurisdiction_id != jurisdiction.pk
    ):
        raise NotFound("没有找到这个党委")
    name, members = _clean(data)
    kind = Unit.Kind.PARTY_BRANCH if committee is not None else Unit.Kind.PARTY_COMMITTEE
    with transaction.atomic():
        taken = _name_taken(jurisdiction.pk, name, parent=committee, own=None)
        if taken:
            raise ValidationFailed(taken, {"name": taken})
        unit = ensure_unit(jurisdiction, name, kind=kind, parent=committee, actor=actor)
        Unit.objects.filter(pk=unit.pk).update(members=members)
        unit.refresh_from_db()
        audit.record(
            actor=actor,
            action="education.party_org_create",
            target=unit,
            changes={
                "name": [None, name],
                "kind": [None, kind],
                "parent_id": [None, committee.pk if committee else None],
                "members": [None, members],
            },
            jurisdiction_id=jurisdiction.pk,
        )
    return unit


def update_org(unit: Unit, data: OrgInput, *, stamp: str | None, actor: Any) -> Unit:
    """Rename an organisation or change its members; a stale ``stamp`` is refused."""
    check_office(actor, unit.jurisdiction_id)
    name, members = _clean(data)
    with transaction.atomic():
        locked = (
            Unit.objects.select_for_update(of=("self",)).select_related("parent").get(pk=unit.pk)
        )
        _check_stamp(locked, stamp)
        parent = locked.parent if locked.kind == Unit.Kind.PARTY_BRANCH else None
        taken = _name_taken(locked.jurisdiction_id, name, parent=parent, own=locked)
        if taken:
            raise ValidationFailed(taken, {"name": taken})
        old = {"name": locked.name, "members": locked.members}
        locked.name = name
        locked.members = members
        locked.save(update_fields=["name", "members", "updated_at"])
        changes = audit.diff(old, {"name": name, "members": members})
        if changes:
            audit.record(
                actor=actor,
                action="education.party_org_update",
                target=locked,
                changes=changes,
                jurisdiction_id=locked.jurisdiction_id,
            )
    return locked


def remove_org(unit: Unit, *, stamp: str | None, actor: Any) -> None:
    """Remove an organisation: a committee only once it has no branches; one that other
    records point to (study activities, campaign targets, users' memberships…) is refused
    with the reason, so nothing is deleted along with it."""
    check_office(actor, unit.jurisdiction_id)
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        _check_stamp(locked, stamp)
        if Unit.objects.filter(parent=locked).exists():
            message = "请先删除这个党委下的党支部"
            raise ValidationFailed(message, {"name": message})
        if _records_point_to(locked):
            message = "这个党组织已有学习活动、目标或账号等记录，不能删除"
            raise ValidationFailed(message, {"name": message})
        audit.record(
            actor=actor,
            action="education.party_org_remove",
            target=locked,
            changes={"name": [locked.name, None], "members": [locked.members, None]},
            jurisdiction_id=locked.jurisdiction_id,
        )
        locked.delete()


def _records_point_to(unit: Unit) -> bool:
    """Whether deleting ``unit`` would take or be stopped by any other row (a protected study
    activity, a campaign target it would cascade to, a membership, a link): an organisation
    is removed only when nothing else goes with it."""
    collector = Collector(using=router.db_for_write(Unit))
    try:
        collector.collect([unit])
    except (ProtectedError, RestrictedError):
        return True
    if any(model is not Unit and rows for model, rows in collector.data.items()):
        return True
    return any(query.exists() for query in collector.fast_deletes)
