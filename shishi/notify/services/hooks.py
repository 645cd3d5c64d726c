"""Group robots: the office registers its district's and units' WeCom / DingTalk robots, a
unit editor their own unit's. The webhook URL (it holds the robot's key) and DingTalk's
signing secret are stored encrypted and shown masked."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.db import transaction

from shishi.core import audit, pii
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.notify import permissions
from shishi.notify.channels.registry import channel_class
from shishi.notify.channels.robots import InvalidWebhook
from shishi.notify.kinds import ROBOT_TEST
from shishi.notify.models import ROBOT_CHANNELS, Delivery, RobotHook
from shishi.notify.services.engine import deliver_batch
from shishi.notify.services.notices import notify
from shishi.orgs.models import Jurisdiction, Unit

NOT_ALLOWED = "只能管理本辖区或本单位的群机器人"
MAX_URL = 1000


def mask_secret(value: str) -> str:
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}…{value[-4:]}"


def mask_url(url: str) -> str:
    """The webhook with each query value (the key, the access token) masked."""
    parts = urlsplit(url)
    query = "&".join(f"{k}={mask_secret(v)}" for k, v in parse_qsl(parts.query))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))[:300]


def _clean_url(url: str, kind: str, errors: dict[str, str]) -> str:
    """The webhook as the robot's channel will send to it: refused here, naming the field,
    rather than stored and failed at every send (another host, no key)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if not url:
        errors["url"] = "请填写机器人的Webhook地址"
    elif len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        errors["url"] = "Webhook地址应为 http(s):// 开头的网址"
    elif kind in ROBOT_CHANNELS:
        check = getattr(channel_class(kind), "token_from_address", None)
        try:
            if check is not None:
                check(url)
        except InvalidWebhook as exc:
            errors["url"] = str(exc)
    return url


def add_robot_hook(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    unit: Unit | None,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
) -> RobotHook:
    """Register a robot of ``jurisdiction`` (``unit`` None: the district's own)."""
    if unit is not None and unit.jurisdiction_id != jurisdiction.pk:
        raise NotFound("单位不存在或不属于本辖区")
    unit_id = unit.pk if unit is not None else None
    if not permissions.can_manage_hook(actor, jurisdiction.pk, unit_id):
        raise PermissionDenied(NOT_ALLOWED)
    errors: dict[str, str] = {}
    if kind not in ROBOT_CHANNELS:
        errors["kind"] = "请选择企业微信或钉钉"
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "请填写名称（100字以内）"
    url = _clean_url(url, kind, errors)
    secret = (secret or "").strip()
    if len(secret) > 200:
        errors["secret"] = "加签密钥过长"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    with transaction.atomic():
        hook = RobotHook.objects.create(
            jurisdiction=jurisdiction,
            unit=unit,
            kind=kind,
            name=name,
            url_encrypted=pii.encrypt(url, purpose="robot"),
            url_masked=mask_url(url),
            secret_encrypted=pii.encrypt(secret, purpose="robot") if secret else "",
            added_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="notify.hook_add",
            target=hook,
            changes={
                "name": [None, name],
                "kind": [None, kind],
                "unit": [None, unit.name if unit else None],
                "url": [None, hook.url_masked],
                "secret": [None, "***" if secret else ""],
            },
            jurisdiction_id=jurisdiction.pk,
        )
    return hook


def update_robot_hook(
    hook: RobotHook, *, actor: Any, name: str, active: bool, url: str = "", secret: str = ""
) -> RobotHook:
    """Rename, turn on or off, or give a new URL / secret (empty: keep the stored one)."""
    if not permissions.can_manage_hook(actor, hook.jurisdiction_id, hook.unit_id):
        raise PermissionDenied(NOT_ALLOWED)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors["name"] = "请填写名称（100字以内）"
    if (url or "").strip():
        url = _clean_url(url, hook.kind, errors)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    with transaction.atomic():
        before = {"name": hook.name, "active": hook.active, "url": hook.url_masked}
        hook.name, hook.active = name, bool(active)
        if url:
            hook.url_encrypted = pii.encrypt(url, purpose="robot")
            hook.url_masked = mask_url(url)
        changes = audit.diff(before, {"name": name, "active": hook.active, "url": hook.url_masked})
        if (secret or "").strip():
            hook.secret_encrypted = pii.encrypt(secret.strip(), purpose="robot")
            changes["secret"] = ["***", "*** (new)"]
        hook.save()
        if changes:
            audit.record(
                actor=actor,
                action="notify.hook_change",
                target=hook,
                changes=changes,
                jurisdiction_id=hook.jurisdiction_id,
            )
    return hook


def send_test_message(hook: RobotHook, *, actor: Any) -> Delivery:
    """Send a test message to the robot now (through the delivery log); the delivery with
    its outcome."""
    if not permissions.can_manage_hook(actor, hook.jurisdiction_id, hook.unit_id):
        raise PermissionDenied(NOT_ALLOWED)
    if not hook.active:
        raise ValidationFailed("机器人已停用，请先启用", {"active": "机器人已停用"})
    with transaction.atomic():
        notice = notify(
            [hook],
            ROBOT_TEST.name,
            {"hook": hook.name, "actor": str(actor)},
            urgency="urgent",
            jurisdiction=hook.jurisdiction_id,
        )
        audit.record(
            actor=actor,
            action="notify.hook_test",
            target=hook,
            changes={"test": [None, notice.token]},
            jurisdiction_id=hook.jurisdiction_id,
        )
    deliver_batch(notice.due_ids)
    delivery = Delivery.objects.filter(message__notice=notice.token).first()
    if delivery is None:  # pragma: no cover - notify wrote one for the active hook
        raise NotFound("测试消息未能写入")
    return delivery
