"""Writes for organisations: jurisdictions, units, people, users, memberships."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.pii import mask_email
from shishi.orgs.models import (
    ADMIN_ROLES,
    NAMED_IN_JURISDICTION,
    ApiToken,
    Jurisdiction,
    Membership,
    Person,
    Role,
    Unit,
    User,
)
from shishi.orgs.permissions import (
    account_jurisdiction_ids,
    can_manage_account,
    forget_scope,
    scope_for,
)


def ensure_jurisdiction(
    *, code: str, name: str, level: str, parent: Jurisdiction | None = None, actor: Any = None
) -> Jurisdiction:
    """Create the jurisdiction or return the existing one with that division code."""
    with transaction.atomic():
        obj, created = Jurisdiction.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        if created:
            obj.full_clean()
            audit.record(
                actor=actor,
                action="jurisdiction.create",
                target=obj,
                changes={"code": [None, code], "name": [None, name]},
                jurisdiction_id=obj.pk,
            )
    return obj


def ensure_unit(
    jurisdiction: Jurisdiction,
    name: str,
    *,
    kind: str = Unit.Kind.OTHER,
    parent: Unit | None = None,
    actor: Any = None,
) -> Unit:
    name = name.strip()
    if not name:
        raise ValidationFailed("单位名称不能为空")
    if kind == Unit.Kind.PARTY_BRANCH and parent is not None:
        found = Unit.objects.filter(kind=kind, parent=parent)  # unique within its committee
    else:
        found = Unit.objects.filter(NAMED_IN_JURISDICTION)
    with transaction.atomic():
        unit, created = found.get_or_create(
            jurisdiction=jurisdiction, name=name, defaults={"kind": kind, "parent": parent}
        )
        if created:
            audit.record(
                actor=actor,
                action="unit.create",
                target=unit,
                changes={"name": [None, name], "kind": [None, kind]},
                jurisdiction_id=jurisdiction.pk,
            )
    return unit


def ensure_person(
    jurisdiction: Jurisdiction, name: str, *, title: str = "", actor: Any = None
) -> Person:
    name = name.strip()
    if not name:
        raise ValidationFailed("姓名不能为空")
    with transaction.atomic():
        person, created = Person.objects.get_or_create(
            jurisdiction=jurisdiction, name=name, defaults={"title": title}
        )
        if created:
            audit.record(
                actor=actor,
                action="person.create",
                target=person,
                changes={"name": [None, name]},
                jurisdiction_id=jurisdiction.pk,
            )
    return person


def ensure_user(
    username: str,
    *,
    password: str | None = None,
    display_name: str = "",
    actor: Any = None,
    password_hash: str | None = None,
) -> User:
    """The user of this name, created if missing (with ``password``, or ``password_hash``
    already hashed by ``make_password``: the demo hashes its one password once, not once a
    login at half a second each)."""
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username, defaults={"display_name": display_name}
        )
        if created:
            if password_hash:
                user.password = password_hash
            elif password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
            audit.record(
                actor=actor,
                action="user.create",
                target=user,
                changes={"username": [None, username]},
            )
    return user


def set_user_email(user: User, email: str, *, actor: Any) -> User:
    """A person's e-mail address (where the e-mail channel writes to), checked; "" removes it."""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed("邮箱格式不正确", {"email": "邮箱格式不正确"}) from None
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        if row.email != email:
            old, row.email = row.email, email
            row.save(update_fields=["email"])
            audit.record(
                actor=actor,
                action="user.email",
                target=row,
                changes={"email": [mask_email(old), mask_email(email)]},
            )
    user.email = email
    return user


def grant_role(
    user: User,
    role: str,
    jurisdiction: Jurisdiction,
    *,
    unit: Unit | None = None,
    actor: Any = None,
) -> Membership:
    """Give a user a role in a jurisdiction (and unit, for unit roles). Idempotent.

    The three administrators are kept apart (三员分立): an administrator role is granted
    only by the security administrator (or a superuser, or the console: ``actor`` None),
    to a person who holds no other role, and a person holding one gets no other.
    """
    if role not in Role.values:
        raise ValidationFailed(f"未知角色：{role}")
    _check_separation(user, role, jurisdiction, actor)
    if role in (Role.UNIT_EDITOR, Role.UNIT_HEAD, Role.UNIT_VIEWER) and unit is None:
        raise ValidationFailed("单位角色必须指定单位")
    if unit is not None and unit.jurisdiction_id != jurisdiction.pk:
        raise ValidationFailed("单位不属于该辖区")
    if role == Role.CITY_OFFICE and jurisdiction.level != Jurisdiction.Level.CITY:
        raise ValidationFailed("市级专班角色只能授予市级辖区")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, role=role, jurisdiction=jurisdiction, unit=unit
        )
        if created:
            audit.record(
                actor=actor,
                action="membership.grant",
                target=membership,
                changes={"role": [None, role], "unit": [None, unit.pk if unit else None]},
                jurisdiction_id=jurisdiction.pk,
            )
    forget_scope(user)
    return membership


def _check_separation(user: User, role: str, jurisdiction: Jurisdiction, actor: Any) -> None:
    """三员分立: one administrator role per person, and none beside the ledger's roles."""
    held = {
        r: Role(r).label
        for r in Membership.objects.filter(user=user).values_list("role", flat=True)
        if r != role
    }
    held_admin = [label for r, label in held.items() if r in ADMIN_ROLES]
    if role in ADMIN_ROLES:
        if actor is not None and not (
            getattr(actor, "is_superuser", False)
            or scope_for(actor).administers(Role.SECURITY_ADMIN)
        ):
            raise PermissionDenied("只有安全管理员可以授予系统管理员、安全管理员、审计管理员角色")
        if user.is_superuser:
            raise ValidationFailed("超级用户不能再担任系统管理员、安全管理员或审计管理员")
        if held_admin:
            raise ValidationFailed(
                f"该用户已担任{held_admin[0]}，一人只能担任系统管理员、安全管理员、审计管理员中的一个"
            )
        if held:
            raise ValidationFailed(
                f"该用户已有业务角色（{'、'.join(str(v) for v in held.values())}），"
                "管理员角色应授予专用账号"
            )
        if (
            Membership.objects.filter(user=user, role=role)
            .exclude(jurisdiction=jurisdiction)
            .exists()
        ):
            raise ValidationFailed(f"该用户已在其他辖区担任{Role(role).label}")
    elif held_admin:
        raise ValidationFailed(f"该用户是{held_admin[0]}，不能再担任业务角色")


def link_person_to_user(person: Person, user: User, *, actor: Any = None) -> Person:
    with transaction.atomic():
        if person.user_id != user.pk:
            old = person.user_id
            person.user = user
            person.save(update_fields=["user", "updated_at"])
            audit.record(
                actor=actor,
                action="person.link_user",
                target=person,
                changes={"user": [old, user.pk]},
                jurisdiction_id=person.jurisdiction_id,
            )
    return person


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_token(user: User, *, name: str = "", actor: Any = None) -> str:
    """Create a bearer token for ``user``; returns the key, which is shown only once."""
    key = "ss_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, key_hash=hash_token(key))
        audit.record(
            actor=actor,
            action="api_token.create",
            target=token,
            changes={"user": [None, user.pk], "name": [None, name]},
        )
    return key


def record_audit_export(actor: Any, filters: dict[str, str], *, fmt: str) -> None:
    """The audit administrator's export, itself an audit event (三员: their own actions are
    audited like everyone's). Permission is checked by the caller (``audit_log.export_rows``)."""
    with transaction.atomic():
        audit.record_raw(
            actor=actor,
            action="audit.export",
            target_type="core.auditevent",
            target_id="",
            target_repr=f"审计日志导出（{fmt}）",
            changes={"format": [None, fmt], "filters": [None, filters]},
            jurisdiction_id=None,
        )


# --- passwords ------------------------------------------------------------------------------

_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def change_password(user: User, *, old_password: str, new_password: str) -> None:
    """The account changes its own password: the old one must be right, the new one must
    meet the policy (``AUTH_PASSWORD_VALIDATORS``) and differ from it. Clears the office's
    "must change" flag. Audited (never the password itself)."""
    if not user.check_password(old_password):
        raise ValidationFailed("原密码不正确", {"old_password": "原密码不正确"})
    if new_password == old_password:
        raise ValidationFailed("新密码不能与原密码相同", {"new_password": "新密码不能与原密码相同"})
    errors = _password_errors(new_password, user)
    if errors:
        raise ValidationFailed("新密码不符合要求", {"new_password": " ".join(errors)})
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        was_flagged = row.must_change_password
        row.set_password(new_password)
        row.must_change_password = False
        row.save(update_fields=["password", "must_change_password"])
        audit.record(
            actor=user,
            action="user.password_change",
            target=row,
            changes={"must_change_password": [was_flagged, False]},
        )
    user.password, user.must_change_password = row.password, False


def temporary_password(user: User) -> str:
    """A random password that meets the policy, for the office to hand over once."""
    while True:
        candidate = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(10)) + "-"
        candidate += "".join(secrets.choice("23456789") for _ in range(2))
        if not _password_errors(candidate, user):
            return candidate


def reset_password(target: User, *, actor: Any) -> str:
    """The office resets the password of an account of its district: a temporary password,
    returned to be shown once (it is stored only hashed) and to be changed at next login.
    Audited with the account and the office; the account's sessions end."""
    if not can_manage_account(actor, target):
        raise PermissionDenied("只能重置本区（本市）账号的密码")
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=target.pk)
        password = temporary_password(row)
        row.set_password(password)  # also changes the session hash: the account is signed out
        row.must_change_password = True
        row.save(update_fields=["password", "must_change_password"])
        where = sorted(account_jurisdiction_ids(row.pk))
        audit.record(
            actor=actor,
            action="user.password_reset",
            target=row,
            changes={"must_change_password": [target.must_change_password, True]},
            jurisdiction_id=where[0] if where else None,
        )
    target.password, target.must_change_password = row.password, True
    return password
