"""Who may see and do what in the notify app, on top of ``orgs.permissions.scope_for``.

- The inbox and preferences: one's own only.
- The delivery log: the office (programme office of a district, city office over its
  districts) sees its districts' deliveries; deliveries of no district only a superuser.
  Phone numbers and e-mail addresses are masked; a superuser (the system administrator who
  checks a complaint about a message) may show them in full, page by page, each time
  recorded in the audit log (``core.masking``); the office acts on the log (re-send, mark
  failed) without needing the number itself.
- Group robots: the office registers its district's and its units' robots; a unit editor
  those of their own unit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shishi.core.errors import NotFound, PermissionDenied
from shishi.notify.models import Delivery, Message, RobotHook
from shishi.orgs.permissions import scope_for

NOT_OFFICE = "只有专班可以查看投递记录"
NO_HOOKS = "只有专班或单位填报人员可以管理群机器人"


def sees_full_addresses(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def log_filter(user: Any) -> Q:
    """The deliveries this user's log shows (raises if none)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    if not scope.is_any_office():
        raise PermissionDenied(NOT_OFFICE)
    ids = scope.office_covered_ids()
    return Q(jurisdiction_id__in=ids)


def access_delivery(user: Any, pk: int) -> Delivery:
    delivery = Delivery.objects.filter(log_filter(user), pk=pk).first()
    if delivery is None:
        raise NotFound("投递记录不存在")
    return delivery


def access_message(user: Any, pk: int) -> Message:
    message = Message.objects.filter(pk=pk, recipient_id=user.pk).first()
    if message is None:
        raise NotFound("消息不存在")
    return message


def can_manage_hook(user: Any, jurisdiction_id: int, unit_id: int | None) -> bool:
    scope = scope_for(user)
    return scope.is_office_for(jurisdiction_id) or (
        unit_id is not None and scope.edits_unit(unit_id)
    )


def hooks_filter(user: Any) -> Q:
    scope = scope_for(user)
    if scope.is_superuser:
        return Q()
    offices = scope.office_covered_ids()
    if not offices and not scope.editor_unit_ids:
        raise PermissionDenied(NO_HOOKS)
    return Q(jurisdiction_id__in=offices) | Q(unit_id__in=scope.editor_unit_ids)


def visible_hooks(user: Any) -> QuerySet[RobotHook]:
    return RobotHook.objects.filter(hooks_filter(user))


def access_hook(user: Any, pk: int) -> RobotHook:
    hook = visible_hooks(user).filter(pk=pk).select_related("unit", "jurisdiction").first()
    if hook is None:
        raise NotFound("群机器人不存在")
    return hook
