"""Service stations (益企工作站): every write (docs/enterprise.md, "Service stations").

The district's office (or the city office over it) creates and edits a station (name,
address, active), names its staff — user accounts that hold a role in the district — and
the enterprises it serves, added by USCC from the district's register and removed. A
station's staff take in requests for those enterprises (``requests.take_in_by_staff``).

``Station`` has no ``version`` column: its edit form carries the ``updated_at`` it was
loaded with (``stamp``), and an edit against an older stamp is refused (``StaleEdit``),
never written over. Each write is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shishi.core import audit, uscc
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.inputs import has_control
from shishi.enterprise import permissions
from shishi.enterprise.models import Enterprise, Station
from shishi.orgs.models import Membership, User

NAME_MAX = 100
ADDRESS_MAX = 300


def stamp(station: Station) -> str:
    """The edit form's version of ``station``."""
    return f"{station.updated_at.timestamp():.6f}"


def _require_office(actor: Any, jurisdiction_id: int) -> None:
    if not permissions.is_office(actor, jurisdiction_id):
        raise PermissionDenied("只有本区专班可以管理益企工作站")


def _fields(name: str, address: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    name = (name or "").strip()
    address = (address or "").strip()
    if not name:
        errors["name"] = "请填写工作站名称"
    elif len(name) > NAME_MAX or has_control(name) or "\n" in name:
        errors["name"] = f"工作站名称最多{NAME_MAX}个字，写在一行"
    if len(address) > ADDRESS_MAX or has_control(address):
        errors["address"] = f"地址最多{ADDRESS_MAX}个字"
    if errors:
        raise ValidationFailed("请改正标出的内容", errors)
    return name, address


def _taken(jurisdiction_id: int, name: str, exclude: int | None = None) -> None:
    others = Station.objects.filter(jurisdiction_id=jurisdiction_id, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationFailed("本区已有同名的工作站", {"name": "本区已有同名的工作站"})


def create_station(
    jurisdiction_id: int, *, name: str, address: str = "", is_active: bool = True, actor: Any
) -> Station:
    _require_office(actor, jurisdiction_id)
    name, address = _fields(name, address)
    with transaction.atomic():
        _taken(jurisdiction_id, name)
        try:
            with transaction.atomic():
                station = Station.objects.create(
                    jurisdiction_id=jurisdiction_id,
                    name=name,
                    address=address,
                    is_active=bool(is_active),
                )
        except IntegrityError:
            raise ValidationFailed(
                "本区已有同名的工作站", {"name": "本区已有同名的工作站"}
            ) from None
        audit.record(
            actor=actor,
            action="enterprise.station_create",
            target=station,
            changes={
                "name": [None, name],
                "address": [None, address],
                "is_active": [None, station.is_active],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return station


def _lock(station: Station, expected_stamp: str | None) -> Station:
    locked = Station.objects.select_for_update().filter(pk=station.pk).first()
    if locked is None:
        raise NotFound("没有这个工作站")
    if expected_stamp is not None and stamp(locked) != expected_stamp:
        raise StaleEdit("这个工作站已被他人修改，请刷新后再操作")
    return locked


def _touch(station: Station) -> None:
    now = timezone.now()
    Station.objects.filter(pk=station.pk).update(updated_at=now)
    station.updated_at = now


def update_station(
    station: Station,
    *,
    name: str,
    address: str,
    is_active: bool,
    actor: Any,
    expected_stamp: str | None,
) -> Station:
    _require_office(actor, station.jurisdiction_id)
    name, address = _fields(name, address)
    with transaction.atomic():
        locked = _lock(station, expected_stamp)
        _taken(locked.jurisdiction_id, name, exclude=locked.pk)
        old = {"name": locked.name, "address": locked.address, "is_active": locked.is_active}
        new = {"name": name, "address": address, "is_active": bool(is_active)}
        changes = audit.diff(old, new)
        if changes:
            Station.objects.filter(pk=locked.pk).update(**new, updated_at=timezone.now())
            locked.refresh_from_db()
            audit.record(
                actor=actor,
                action="enterprise.station_update",
                target=locked,
                changes=changes,
                jurisdiction_id=locked.jurisdiction_id,
            )
    return locked


def district_user(jurisdiction_id: int, username: str) -> User | None:
    """An active account holding a role in the district, by its user name."""
    name = (username or "").strip()
    if not name or len(name) > 150:
        return None
    user = User.objects.filter(username=name, is_active=True).first()
    if user is None:
        return None
    holds = Membership.objects.filter(user=user, jurisdiction_id=jurisdiction_id).exists()
    return user if holds else None


def _changed(locked: Station, action: str, changes: dict[str, Any], actor: Any) -> None:
    """A station's staff or enterprises changed: its stamp moves (the edit form's stale
    check) and the change is audited."""
    _touch(locked)
    audit.record(
        actor=actor,
        action=action,
        target=locked,
        changes=changes,
        jurisdiction_id=locked.jurisdiction_id,
    )


def add_staff(station: Station, *, username: str, actor: Any) -> User:
    _require_office(actor, station.jurisdiction_id)
    user = district_user(station.jurisdiction_id, username)
    if user is None:
        message = "没有这个账号，或该账号不在本区：请填写本区人员的登录名"
        raise ValidationFailed(message, {"username": message})
    with transaction.atomic():
        locked = _lock(station, None)
        if locked.staff.filter(pk=user.pk).exists():
            raise ValidationFailed("已是本站工作人员", {"username": "已是本站工作人员"})
        locked.staff.add(user)
        _changed(locked, "enterprise.station_staff_add", {"staff": [None, user.username]}, actor)
    return user


def remove_staff(station: Station, *, user_id: int, actor: Any) -> None:
    _require_office(actor, station.jurisdiction_id)
    with transaction.atomic():
        locked = _lock(station, None)
        user = locked.staff.filter(pk=user_id).first()
        if user is None:
            raise NotFound("这个账号不是本站工作人员")
        locked.staff.remove(user)
        _changed(locked, "enterprise.station_staff_remove", {"staff": [user.username, None]}, actor)


def add_enterprise(station: Station, *, code: str, actor: Any) -> Enterprise:
    """Serve the register's enterprise with USCC ``code``."""
    _require_office(actor, station.jurisdiction_id)
    try:
        normal = uscc.normalize_uscc(code)
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"uscc": str(exc)}) from exc
    enterprise = Enterprise.objects.filter(
        jurisdiction_id=station.jurisdiction_id, uscc=normal
    ).first()
    if enterprise is None:
        message = "这家企业不在本区企业名录中"
        raise ValidationFailed(message, {"uscc": message})
    with transaction.atomic():
        locked = _lock(station, None)
        if locked.enterprises.filter(pk=enterprise.pk).exists():
            raise ValidationFailed("本站已服务这家企业", {"uscc": "本站已服务这家企业"})
        locked.enterprises.add(enterprise)
        _changed(
            locked,
            "enterprise.station_enterprise_add",
            {"enterprise": [None, enterprise.uscc]},
            actor,
        )
    return enterprise


def remove_enterprise(station: Station, *, enterprise_id: int, actor: Any) -> None:
    _require_office(actor, station.jurisdiction_id)
    with transaction.atomic():
        locked = _lock(station, None)
        enterprise = locked.enterprises.filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotFound("本站没有服务这家企业")
        locked.enterprises.remove(enterprise)
        _changed(
            locked,
            "enterprise.station_enterprise_remove",
            {"enterprise": [enterprise.uscc, None]},
            actor,
        )
