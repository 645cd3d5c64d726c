"""Progress updates: a unit reports its rate, text, figures and files; partners add notes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import (
    Attachment,
    Item,
    Lifecycle,
    ProgressUpdate,
    Review,
    Target,
    lifecycle_for_rate,
)
from shishi.ledger.services import publication
from shishi.ledger.services.items import (
    PROGRESS_LOCK,
    bump_version,
    check_version,
)
from shishi.orgs.permissions import scope_for

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_ATTACHMENT_TYPES = (
    "image/",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument",
    "application/msword",
    "application/vnd.ms-excel",
)


# --- progress -------------------------------------------------------------------------


def _validate_attachment(f: UploadedFile) -> None:
    ctype = (f.content_type or "").lower()
    if f.size and f.size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(f"附件“{f.name}”超过10MB")
    if not ctype.startswith(ALLOWED_ATTACHMENT_TYPES):
        raise ValidationFailed(
            f"附件“{f.name}”类型不支持（{ctype or '未知'}）：请上传图片、PDF或Office文件"
        )


@dataclass(frozen=True)
class HeldFile:
    """A file uploaded with a progress post that was refused (a conflict, a missing field):
    kept in storage so that the corrected form can attach it without a second upload. The
    token is signed with the uploader's id and expires after a day."""

    token: str
    name: str
    size: int
    content_type: str
    path: str


HELD_SALT = "shishi.ledger.held-upload"
HELD_MAX_AGE = 24 * 3600


def hold_uploads(files: Sequence[UploadedFile], *, actor: Any) -> list[HeldFile]:
    """Keep acceptable uploads of a refused post (files the rules refuse are not kept)."""
    held = []
    for f in files:
        try:
            _validate_attachment(f)
        except ValidationFailed:
            continue
        name = f.name or "附件"
        path = default_storage.save(f"held/{getattr(actor, 'pk', 0)}/{uuid.uuid4().hex}/{name}", f)
        size, ctype = f.size or 0, f.content_type or ""
        data = {"p": path, "n": name, "s": size, "t": ctype, "u": getattr(actor, "pk", 0)}
        held.append(HeldFile(signing.dumps(data, salt=HELD_SALT), name, size, ctype, path))
    return held


def held_files(tokens: Sequence[str], *, actor: Any) -> list[HeldFile]:
    """The held files these tokens name, if they are the actor's, fresh and still there."""
    out = []
    for token in dict.fromkeys(tokens):
        try:
            data = signing.loads(token, salt=HELD_SALT, max_age=HELD_MAX_AGE)
        except signing.BadSignature:
            continue
        if data.get("u") != getattr(actor, "pk", 0) or not default_storage.exists(data["p"]):
            continue
        out.append(HeldFile(token, data["n"], data["s"], data["t"], data["p"]))
    return out


def _evidence_needed(item: Item, rate: Decimal) -> str:
    """Why a rate needs a file as evidence ('' if it does not)."""
    step = item.programme.evidence_step
    current = item.completion_rate
    if step is None or rate <= current:
        return ""
    if rate >= 100:
        return f"完成率从{current:.0f}%提高到100%，请上传佐证材料（照片或文件）"
    if rate - current > step:
        return (
            f"完成率一次提高{rate - current:.0f}个百分点（超过{step}个），"
            "请上传佐证材料（照片或文件）"
        )
    return ""


# The item's progress columns a progress update sets (and a rejection may roll back).
PROGRESS_STATE = (
    "completion_rate",
    "lifecycle",
    "progress_text",
    "progress_date",
    "done_investment",
)


def _text(value: Any) -> str | None:
    """A value of ``PROGRESS_STATE`` as JSON keeps it (dates ISO, decimals as text)."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _attach_held(update: ProgressUpdate, held: HeldFile) -> Attachment:
    """Attach a held file to the update, and drop the held copy."""
    with default_storage.open(held.path) as f:
        attachment = Attachment.objects.create(
            update=update,
            file=File(f, name=held.name),
            name=held.name,
            content_type=held.content_type,
            size=held.size,
        )
    transaction.on_commit(lambda: default_storage.delete(held.path))
    return attachment


def record_progress(
    item: Item,
    *,
    actor: Any,
    text: str,
    rate: Decimal | None = None,
    reported_on: dt.date | None = None,
    target_actuals: dict[int, Decimal] | None = None,
    done_investment: Decimal | None = None,
    attachments: Sequence[UploadedFile] = (),
    held: Sequence[HeldFile] = (),
    expected_version: int | None = None,
    as_note: bool = False,
    reason: str = "",
) -> ProgressUpdate:
    """Post a progress update; the item's rate, lifecycle and latest progress follow from it.

    ``expected_version`` is the item's ``progress_version`` when the form was opened: the
    post conflicts only with another progress post made since, never with an office edit.
    A rate below the current one needs a ``reason``; a unit's jump of more than the
    programme's ``evidence_step`` points, or to 100%, needs a file (new or ``held``). A
    partner unit may post a note (``as_note``): kept on the timeline, it does not change
    the rate. A closed-out item takes no progress until it is reopened. A unit's update
    waits in the office's review queue (unless the programme publishes automatically);
    the office's own is published.
    """
    editor = permissions.can_post_progress(actor, item)
    if not editor and not (as_note and permissions.can_post_note(actor, item)):
        raise PermissionDenied("只有牵头单位或专班可以填报进展；配合单位只能添加备注")
    if as_note and rate is not None:
        raise ValidationFailed("配合单位备注不能修改完成率", {"rate": "配合单位备注不能修改完成率"})
    if item.lifecycle == Lifecycle.CLOSED_OUT:
        raise ValidationFailed("事项已销号，如需继续填报请先由专班重新打开")
    errors: dict[str, str] = {}
    text = (text or "").strip()
    reason = (reason or "").strip()
    if not text:
        errors["text"] = "请填写进展情况"
    if rate is not None and not Decimal(0) <= rate <= Decimal(100):
        errors["rate"] = "完成率应在0到100之间"
    today = timezone.localdate()
    reported_on = reported_on or today
    if reported_on > today:
        errors["reported_on"] = "进展日期不能晚于今天"
    is_latest = item.progress_date is None or reported_on >= item.progress_date
    if rate is not None and "rate" not in errors and not as_note and is_latest:
        if rate < item.completion_rate and not reason:
            errors["reason"] = f"完成率低于当前的{item.completion_rate:.0f}%，请填写下调原因"
        # The office's own posts need no evidence: it is the one who checks evidence.
        is_office = permissions.can_review(actor, item.jurisdiction_id)
        why = "" if is_office else _evidence_needed(item, rate)
        if why and not attachments and not held:
            errors["attachments"] = why
    if done_investment is not None and done_investment < 0:
        errors["done_investment"] = "完成投资不能为负数"
    targets = {t.pk: t for t in item.targets.all()} if target_actuals else {}
    for target_id, value in (target_actuals or {}).items():
        if target_id not in targets:
            errors[f"target_{target_id}"] = "目标不属于该事项"
        elif value < 0:
            errors[f"target_{target_id}"] = "完成值不能为负数"
    for f in attachments:
        try:
            _validate_attachment(f)
        except ValidationFailed as exc:
            errors.setdefault("attachments", exc.message)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    check_version(item, expected_version, PROGRESS_LOCK)
    scope = scope_for(actor)
    if as_note:
        review = Review.INTERNAL
    elif permissions.can_review(actor, item.jurisdiction_id) or item.programme.auto_publish:
        review = Review.PUBLISHED
    else:
        review = Review.PENDING
    published_by_actor = review == Review.PUBLISHED and getattr(actor, "pk", None)
    reviewer = actor if published_by_actor else None
    unit_id = item.lead_unit_id if scope.edits_unit(item.lead_unit_id) else None
    if unit_id is None and as_note:
        unit_id = next(iter(sorted(permissions.partner_unit_ids_for(actor, item))), None)
    with transaction.atomic():
        before = {f: getattr(item, f) for f in PROGRESS_STATE}
        update = ProgressUpdate.objects.create(
            jurisdiction_id=item.jurisdiction_id,
            item=item,
            programme_id=item.programme_id,
            author=actor if getattr(actor, "pk", None) else None,
            unit_id=unit_id,
            reported_on=reported_on,
            rate=rate,
            text=text,
            target_actuals={str(k): str(v) for k, v in (target_actuals or {}).items()},
            done_investment=done_investment,
            is_note=as_note,
            reason=reason,
            review=review,
            is_public=review == Review.PUBLISHED,
            reviewed_by=reviewer,
            reviewed_at=timezone.now() if review == Review.PUBLISHED else None,
        )
        update.attachment_list = [  # type: ignore[attr-defined]
            Attachment.objects.create(
                update=update,
                file=f,
                name=f.name or "附件",
                content_type=f.content_type or "",
                size=f.size or 0,
            )
            for f in attachments
        ] + [_attach_held(update, h) for h in held]
        if unit_id is not None and unit_id == item.lead_unit_id:
            update.unit = item.lead_unit
        changes: dict[str, list[Any]] = {}
        if not as_note:
            fields = []
            if is_latest:
                item.progress_text, item.progress_date = text, reported_on
                fields += ["progress_text", "progress_date"]
                if rate is not None:
                    item.completion_rate = rate
                    item.lifecycle = lifecycle_for_rate(rate, item.lifecycle)
                    fields += ["completion_rate", "lifecycle"]
                elif item.lifecycle == Lifecycle.NOT_STARTED:
                    item.lifecycle = Lifecycle.IN_PROGRESS
                    fields.append("lifecycle")
            if done_investment is not None:
                item.done_investment = done_investment
                fields.append("done_investment")
            bump_version(item, expected_version, fields, PROGRESS_LOCK)
            actuals_before = {}
            for target_id, value in (target_actuals or {}).items():
                target = targets[target_id]
                if target.actual != value:
                    changes[f"target:{target.name}"] = [target.actual, value]
                    actuals_before[str(target_id)] = _text(target.actual)
                    Target.objects.filter(pk=target_id).update(actual=value)
            after = {k: getattr(item, k) for k in before}
            changes.update(audit.diff(before, after))
            update.previous = {
                "state": {k: _text(v) for k, v in before.items()},
                "actuals": actuals_before,
                "version": item.progress_version,
            }
            ProgressUpdate.objects.filter(pk=update.pk).update(previous=update.previous)
        changes["update"] = [None, update.pk]
        # The update itself, so the item's history reads on its own.
        changes["reported_on"] = [None, reported_on]
        if rate is not None:
            changes["rate"] = [None, rate]
        changes["text"] = [None, text]
        if reason:
            changes["reason"] = [None, reason]
        changes["review"] = [None, review]
        if review == Review.PUBLISHED:
            publication.refresh_published_progress_many([update])
        audit.record(
            actor=actor,
            action="item.note" if as_note else "item.progress",
            target=item,
            changes=changes,
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return update
