"""A person's choices: channels per kind, quiet hours, the e-mail digest, their phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from shishi.core import audit, pii
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.notify.kinds import people_kinds
from shishi.notify.models import PERSONAL_CHANNELS, Channel, Contact, Preference
from shishi.orgs.services import set_user_email

SMS_NEEDS_PHONE = "选择短信前，请先填写手机号码"
QUIET_BOTH = "免打扰时段请同时填写开始和结束时间，或都留空"


def save_preferences(
    user: Any,
    *,
    channels: Mapping[str, Sequence[str]],
    phone: str,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
    email_digest: str,
    language: str = "",
    remove_phone: bool = False,
    email: str | None = None,
) -> Contact:
    """Save the user's own choices. A ``phone`` given replaces the number (stored encrypted
    with its keyed hash, shown masked); empty keeps it, unless ``remove_phone``. ``email``
    (None: unchanged) is the address the e-mail channel writes to. Errors name their field
    (``phone``, ``email``, ``quiet_start``, ``email_digest``, ``channels:<kind>``)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    errors: dict[str, str] = {}
    number = ""
    if (phone or "").strip():
        try:
            number = pii.normalize_phone(phone)
        except ValueError as exc:
            errors["phone"] = str(exc)
    if email is not None:
        email = email.strip()
        try:
            if email:
                validate_email(email)
        except DjangoValidationError:
            errors["email"] = "邮箱格式不正确"
    current = Contact.objects.filter(user_id=user.pk).values_list("phone_hash", flat=True).first()
    keeps_phone = bool(current) and not remove_phone
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_start"] = QUIET_BOTH
    if email_digest not in Contact.Digest.values:
        errors["email_digest"] = "请选择邮件发送方式"
    languages = {code for code, _ in settings.LANGUAGES}
    language = language or settings.LANGUAGE_CODE
    if language not in languages:
        errors["language"] = "请选择消息语言"
    chosen: dict[str, list[str]] = {}
    known = {k.name for k in people_kinds()}
    for kind, values in channels.items():
        if kind not in known:
            errors[f"channels:{kind}"] = "没有这类消息"
            continue
        picked = sorted({str(v) for v in values})
        if any(v not in PERSONAL_CHANNELS for v in picked):
            errors[f"channels:{kind}"] = "只能选择电子邮件或短信"
        elif Channel.SMS in picked and not (number or keeps_phone) and "phone" not in errors:
            errors["phone"] = SMS_NEEDS_PHONE
        chosen[kind] = picked
    if errors:
        raise ValidationFailed("；".join(dict.fromkeys(errors.values())), errors)
    with transaction.atomic():
        contact, _ = Contact.objects.select_for_update().get_or_create(user_id=user.pk)
        before = {
            "phone": contact.phone_masked,
            "quiet": _quiet(contact.quiet_start, contact.quiet_end),
            "email_digest": contact.email_digest,
            "language": contact.language,
        }
        if number:
            if contact.phone_hash != pii.lookup_hash(number, purpose="phone"):
                contact.phone_encrypted = number  # encrypted on save, its hash set from it
                contact.phone_masked = pii.mask_phone(number)
        elif remove_phone:
            contact.phone_encrypted = contact.phone_masked = ""
        contact.quiet_start, contact.quiet_end = quiet_start, quiet_end
        contact.email_digest = email_digest
        contact.language = language
        contact.save()
        old = dict(
            Preference.objects.filter(user_id=user.pk, kind__in=list(chosen)).values_list(
                "kind", "channels"
            )
        )
        for kind, picked in chosen.items():
            Preference.objects.update_or_create(
                user_id=user.pk, kind=kind, defaults={"channels": picked}
            )
        after = {
            "phone": contact.phone_masked,  # masked: the audit log never holds the number
            "quiet": _quiet(quiet_start, quiet_end),
            "email_digest": email_digest,
            "language": language,
        }
        if email is not None and email != (user.email or ""):
            set_user_email(user, email, actor=user)
        changes = audit.diff(before, after)
        for kind, picked in chosen.items():
            if old.get(kind) != picked:
                changes[f"channels:{kind}"] = [old.get(kind), picked]
        if changes:
            audit.record(actor=user, action="notify.preferences", target=user, changes=changes)
    return contact


def _quiet(start: dt.time | None, end: dt.time | None) -> str:
    if start is None or end is None:
        return ""
    return f"{start:%H:%M}–{end:%H:%M}"
