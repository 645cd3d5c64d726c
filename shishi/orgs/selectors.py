"""Reads of the orgs app that other apps ask for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shishi.core.errors import PermissionDenied
from shishi.orgs.models import Membership, Role, Unit, User
from shishi.orgs.permissions import scope_for


def unit_names(jurisdiction_id: int, ids: Iterable[int]) -> dict[int, str]:
    """Names of these units of one district (units of other districts are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = Unit.objects.filter(jurisdiction_id=jurisdiction_id, pk__in=wanted)
    return dict(rows.values_list("pk", "name"))


def account_labels(ids: Iterable[int | None]) -> dict[int, str]:
    """How each of these accounts is shown (its display name, else its username); accounts
    that no longer exist are left out."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    users = User.objects.filter(pk__in=wanted).only("display_name", "username")
    return {user.pk: str(user) for user in users}


def has_city_office(city_id: int) -> bool:
    """Whether anyone holds the city office role of this city."""
    return Membership.objects.filter(jurisdiction_id=city_id, role=Role.CITY_OFFICE).exists()


def _active_member_ids(role: str, field: str, ids: Iterable[int]) -> set[int]:
    """Active accounts holding ``role`` where ``field`` (a unit or jurisdiction) is in ``ids``."""
    wanted = set(ids)
    if not wanted:
        return set()
    rows = Membership.objects.filter(
        **{f"{field}__in": wanted}, role=role, user__is_active=True
    ).values_list("user_id", flat=True)
    return set(rows)


def unit_editor_ids(unit_ids: Iterable[int]) -> set[int]:
    """Active accounts that edit for these units (the people a unit's messages reach)."""
    return _active_member_ids(Role.UNIT_EDITOR, "unit_id", unit_ids)


def unit_head_ids(unit_ids: Iterable[int]) -> set[int]:
    """Active accounts that sign these units' reports off (单位负责人)."""
    return _active_member_ids(Role.UNIT_HEAD, "unit_id", unit_ids)


def office_user_ids(jurisdiction_ids: Iterable[int]) -> set[int]:
    """Active accounts of these districts' programme offices."""
    return _active_member_ids(Role.PROGRAMME_OFFICE, "jurisdiction_id", jurisdiction_ids)


def active_emails(ids: Iterable[int]) -> list[tuple[int, str]]:
    """(id, e-mail) of these accounts that are active (whom messages may reach)."""
    return list(User.objects.filter(pk__in=list(ids), is_active=True).values_list("pk", "email"))


def unit_jurisdiction_ids(unit_ids: Iterable[int]) -> set[int]:
    """The districts these units belong to."""
    return set(Unit.objects.filter(pk__in=list(unit_ids)).values_list("jurisdiction_id", flat=True))


def audit_copy_recipients() -> list[User]:
    """Who receives the audit chain's signed checkpoints: the audit administrators and the
    city and programme offices (active accounts), so copies live outside the database."""
    roles = (Role.AUDIT_ADMIN, Role.CITY_OFFICE, Role.PROGRAMME_OFFICE)
    ids = Membership.objects.filter(role__in=roles, user__is_active=True).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


@dataclass(frozen=True)
class AccountRow:
    """An account on the office's 账号管理 page."""

    id: int
    username: str
    display_name: str
    is_active: bool
    must_change_password: bool
    roles: list[str]  # "单位填报员（区城管局）", …
    manageable: bool  # whether this office may reset its password


def managed_accounts(actor: Any) -> list[AccountRow]:
    """The accounts holding a role in the districts the actor is office of (a city office:
    its city and districts), by user name, with their roles (two queries)."""
    scope = scope_for(actor)
    if not scope.is_any_office():
        raise PermissionDenied("只有区专班（或市专班）可以管理账号")
    covered = Membership.objects.all()
    if not scope.is_superuser:
        covered = covered.filter(jurisdiction_id__in=scope.office_covered_ids())
    memberships = (
        Membership.objects.filter(user_id__in=covered.values("user_id"))
        .select_related("unit", "jurisdiction", "user")
        .order_by("user__username", "jurisdiction__code", "role")
    )
    roles: dict[int, list[str]] = {}
    users: dict[int, User] = {}
    manageable: dict[int, bool] = {}
    for m in memberships:
        where = m.unit.name if m.unit_id and m.unit else m.jurisdiction.name
        roles.setdefault(m.user_id, []).append(f"{m.get_role_display()}（{where}）")
        users[m.user_id] = m.user
        ok = manageable.get(m.user_id, True) and scope.is_office_for(m.jurisdiction_id)
        manageable[m.user_id] = ok
    actor_id = getattr(actor, "pk", None)
    return [
        AccountRow(
            id=user.pk,
            username=user.username,
            display_name=user.display_name,
            is_active=user.is_active,
            must_change_password=user.must_change_password,
            roles=roles[pk],
            manageable=manageable[pk]
            and pk != actor_id
            and (scope.is_superuser or not user.is_superuser),
        )
        for pk, user in users.items()
    ]
