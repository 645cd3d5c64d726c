"""The permissions kernel: what a user may see and do, from their memberships.

One ``Scope`` per user per request, cached on the user object, answers every question;
the per-app ``permissions`` modules build on it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from shishi.core.errors import NotFound
from shishi.orgs import queries
from shishi.orgs.models import ADMIN_ROLES, Jurisdiction, Role, User

_CACHE_ATTR = "_shishi_scope"


@dataclass
class Scope:
    user_id: int | None
    is_superuser: bool = False
    city_jurisdiction_ids: set[int] = field(default_factory=set)
    office_jurisdiction_ids: set[int] = field(default_factory=set)
    member_jurisdiction_ids: set[int] = field(default_factory=set)
    editor_unit_ids: set[int] = field(default_factory=set)  # editors and heads
    head_unit_ids: set[int] = field(default_factory=set)
    viewer_unit_ids: set[int] = field(default_factory=set)
    leader_jurisdiction_ids: set[int] = field(default_factory=set)
    inspector_jurisdiction_ids: set[int] = field(default_factory=set)
    operator_jurisdiction_ids: set[int] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    # The administrator roles (三员分立) and where each is held: they grant no ledger access.
    admin_jurisdiction_ids: dict[str, set[int]] = field(default_factory=dict)
    _city_covered: set[int] | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def city_covered_ids(self) -> set[int]:
        """Cities this user is city office of, and all their districts."""
        if self._city_covered is None:
            ids = set(self.city_jurisdiction_ids)
            if ids:
                ids |= set(
                    Jurisdiction.objects.filter(parent_id__in=ids).values_list("id", flat=True)
                )
            self._city_covered = ids
        return self._city_covered

    def readable_jurisdiction_ids(self) -> set[int]:
        """Districts (and cities) whose ledger this user may read."""
        return self.member_jurisdiction_ids | self.city_covered_ids()

    def can_read_jurisdiction(self, jurisdiction_id: int) -> bool:
        return self.is_superuser or jurisdiction_id in self.readable_jurisdiction_ids()

    def office_covered_ids(self) -> set[int]:
        """Districts (and cities) this user is office of: programme office, or city office
        over them (superusers aside: callers decide what "all" means for them)."""
        return self.office_jurisdiction_ids | self.city_covered_ids()

    def is_office_for(self, jurisdiction_id: int) -> bool:
        """Programme office of this district, or city office over it."""
        return (
            self.is_superuser
            or jurisdiction_id in self.office_jurisdiction_ids
            or jurisdiction_id in self.city_covered_ids()
        )

    def operated_ids(self) -> set[int]:
        """Districts this user takes residents' calls for: operator (接线员) or office."""
        return self.operator_jurisdiction_ids | self.office_covered_ids()

    def operates(self, jurisdiction_id: int) -> bool:
        """Operator of this district, or its office (which does all an operator does)."""
        return jurisdiction_id in self.operator_jurisdiction_ids or self.is_office_for(
            jurisdiction_id
        )

    def is_any_office(self) -> bool:
        return self.is_superuser or bool(self.office_jurisdiction_ids or self.city_jurisdiction_ids)

    def edits_unit(self, unit_id: int | None) -> bool:
        return unit_id is not None and unit_id in self.editor_unit_ids

    def heads_unit(self, unit_id: int | None) -> bool:
        """Signs off this unit's reports (单位负责人)."""
        return unit_id is not None and unit_id in self.head_unit_ids

    def administers(self, role: str) -> bool:
        """Holds this administrator role (系统管理员, 安全管理员 or 审计管理员)."""
        return bool(self.admin_jurisdiction_ids.get(role))

    def audit_jurisdiction_ids(self) -> set[int] | None:
        """Whose audit events the audit administrator reads: the jurisdictions the role is
        held in and their districts; None means every event (held in a top jurisdiction,
        which also covers events of no jurisdiction: accounts, tokens, settings)."""
        held = self.admin_jurisdiction_ids.get(Role.AUDIT_ADMIN, set())
        if not held:
            return set()
        rows = Jurisdiction.objects.filter(pk__in=held).values_list("pk", "parent_id")
        if any(parent is None for _pk, parent in rows):
            return None
        children = Jurisdiction.objects.filter(parent_id__in=held).values_list("id", flat=True)
        return set(held) | set(children)


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (one query)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        scope = Scope(user_id=None)
    else:
        scope = Scope(user_id=user.pk, is_superuser=user.is_superuser)
        for role, jurisdiction_id, unit_id in queries.memberships(user.pk):
            scope.roles.add(role)
            if role in ADMIN_ROLES:
                scope.admin_jurisdiction_ids.setdefault(role, set()).add(jurisdiction_id)
            elif role == Role.CITY_OFFICE:
                scope.city_jurisdiction_ids.add(jurisdiction_id)
            else:
                scope.member_jurisdiction_ids.add(jurisdiction_id)
            if role == Role.PROGRAMME_OFFICE:
                scope.office_jurisdiction_ids.add(jurisdiction_id)
            elif role == Role.UNIT_EDITOR and unit_id:
                scope.editor_unit_ids.add(unit_id)
            elif role == Role.UNIT_HEAD and unit_id:
                scope.editor_unit_ids.add(unit_id)
                scope.head_unit_ids.add(unit_id)
            elif role == Role.UNIT_VIEWER and unit_id:
                scope.viewer_unit_ids.add(unit_id)
            elif role == Role.SPONSOR_LEADER:
                scope.leader_jurisdiction_ids.add(jurisdiction_id)
            elif role == Role.INSPECTOR:
                scope.inspector_jurisdiction_ids.add(jurisdiction_id)
            elif role == Role.OPERATOR:
                scope.operator_jurisdiction_ids.add(jurisdiction_id)
    if user is not None:
        with contextlib.suppress(AttributeError):
            setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def audit_scope(user: Any) -> set[int] | None:
    """The jurisdictions whose audit events ``user`` may read (None: all of them); only the
    audit administrator reads the audit log (三员分立: not the superuser, not the offices)."""
    from shishi.core.errors import PermissionDenied

    scope = scope_for(user)
    if not scope.administers(Role.AUDIT_ADMIN):
        raise PermissionDenied("只有审计管理员可以查看和导出审计日志")
    return scope.audit_jurisdiction_ids()


# --- accounts -------------------------------------------------------------------------------


def account_jurisdiction_ids(user_id: int) -> set[int]:
    """The districts (and cities) where the account holds a role."""
    return {jurisdiction_id for _role, jurisdiction_id, _unit in queries.memberships(user_id)}


def can_manage_account(actor: Any, target: Any) -> bool:
    """Whether ``actor`` may reset ``target``'s password: the office of every district where
    the account holds a role (the city office over them); never a superuser's but by a
    superuser, never one's own (that is the password page), never an account with no role."""
    scope = scope_for(actor)
    if target.pk == getattr(actor, "pk", None) or scope.is_anonymous:
        return False
    if scope.is_superuser:
        return True
    if target.is_superuser:
        return False
    where = account_jurisdiction_ids(target.pk)
    return bool(where) and all(scope.is_office_for(pk) for pk in where)


def access_account(actor: Any, user_id: int) -> User:
    """The account ``actor`` manages, else NotFound (an account the office does not manage
    is not shown to it at all)."""
    target = User.objects.filter(pk=user_id).first()
    if target is None or not can_manage_account(actor, target):
        raise NotFound("没有找到该账号，或该账号不归本区专班管理")
    return target
