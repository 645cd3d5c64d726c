"""Progress updates: a unit reports its rate, text, figures and files; partners add notes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import (
    Attachment,
    ChangeRequestFile,
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


NAME_LENGTH = Attachment._meta.get_field("name").max_length or 200
TYPE_LENGTH = Attachment._meta.get_field("content_type").max_length or 100


def _validate_attachment(f: UploadedFile) -> None:
    name = uploads.display_name(f.name, 60)
    ctype = uploads.media_type(f.content_type, TYPE_LENGTH)
    if f.size and f.size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(f"附件“{name}”超过10MB")
    if ctype is None:
        raise ValidationFailed(f"附件“{name}”的类型无法识别：请上传图片、PDF或Office文件")
    if not ctype.startswith(ALLOWED_ATTACHMENT_TYPES):
        raise ValidationFailed(
            f"附件“{name}”类型不支持（{ctype or '未知'}）：请上传图片、PDF或Office文件"
        )


def check_uploads(files: Sequence[UploadedFile], field: str) -> dict[str, str]:
    """The errors of files sent with one request: each file's own, then their total."""
    errors: dict[str, str] = {}
    for f in files:
        try:
            _validate_attachment(f)
        except ValidationFailed as exc:
            errors.setdefault(field, exc.message)
    if field not in errors:
        try:
            uploads.check_request_total(files, field)
        except ValidationFailed as exc:
            errors[field] = exc.message
    return errors


def item_file_bytes(item_id: int) -> int:
    """What an item's files take: its progress attachments and its change requests' files."""
    attached = Attachment.objects.filter(update__item_id=item_id).aggregate(s=Sum("size"))["s"]
    requested = ChangeRequestFile.objects.filter(request__item_id=item_id).aggregate(s=Sum("size"))[
        "s"
    ]
    return int(attached or 0) + int(requested or 0)


def store_upload(field_owner: Any, f: Any, name: str) -> str:
    """Store an upload under the path its model's ``upload_to`` gives (inside
    ``uploads.atomic_with_files``: removed again if the write rolls back)."""
    field = type(field_owner)._meta.get_field("file")
    path = field.generate_filename(field_owner, uploads.storage_name(name))
    return uploads.store(path, f, max_length=field.max_length)


def lock_item(item: Item, fields: Sequence[str]) -> None:
    """Lock the item's row for this transaction and read ``fields`` afresh into ``item``.

    Writers of the same item queue here (on SQLite the IMMEDIATE transaction has the write
    lock already), so a post without ``expected_version`` is never refused because another
    was saved a moment before."""
    # Ordered by pk: the default order joins the item's category, which cannot be locked.
    row = Item.objects.select_for_update().filter(pk=item.pk).order_by("pk").values(*fields)
    fresh = row.first()
    if fresh is None:
        raise NotFound("事项不存在或已删除")
    for key, value in fresh.items():
        setattr(item, key, value)


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
    room = settings.SHISHI_MAX_REQUEST_UPLOAD_BYTES  # never more than one post may carry
    for f in files:
        try:
            _validate_attachment(f)
        except ValidationFailed:
            continue
        room -= f.size or 0
        if room < 0:
            break
        name = uploads.display_name(f.name, NAME_LENGTH)
        folder = f"held/{getattr(actor, 'pk', 0)}/{uuid.uuid4().hex}"
        path = default_storage.save(f"{folder}/{uploads.storage_name(name)}", f)
        size, ctype = f.size or 0, uploads.media_type(f.content_type, TYPE_LENGTH) or ""
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
    attachment = Attachment(
        update=update, name=held.name, content_type=held.content_type, size=held.size
    )
    with default_storage.open(held.path) as f:
        attachment.file.name = store_upload(attachment, File(f, name=held.name), held.name)
    attachment.save()
    transaction.on_commit(lambda: default_storage.delete(held.path))
    return attachment


def _attach(update: ProgressUpdate, f: UploadedFile) -> Attachment:
    name = uploads.display_name(f.name, NAME_LENGTH)
    ctype = uploads.media_type(f.content_type, TYPE_LENGTH) or ""
    attachment = Attachment(update=update, name=name, content_type=ctype, size=f.size or 0)
    attachment.file.name = store_upload(attachment, f, name)
    attachment.save()
    return attachment


def _state_errors(
    item: Item,
    *,
    actor: Any,
    rate: Decimal | None,
    reason: str,
    reported_on: dt.date,
    as_note: bool,
    has_files: bool,
) -> tuple[dict[str, str], bool]:
    """The errors that depend on the item's current progress, and whether the post is its
    latest: checked before the transaction, and again on the locked row."""
    errors: dict[str, str] = {}
    is_latest = item.progress_date is None or reported_on >= item.progress_date
    if rate is not None and not as_note and is_latest:
        if rate < item.completion_rate and not reason:
            errors["reason"] = f"完成率低于当前的{item.completion_rate:.0f}%，请填写下调原因"
        # The office's own posts need no evidence: it is the one who checks evidence.
        is_office = permissions.can_review(actor, item.jurisdiction_id)
        why = "" if is_office else _evidence_needed(item, rate)
        if why and not has_files:
            errors["attachments"] = why
    return errors, is_latest


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
    checked_rate = None if "rate" in errors else rate

    def state_errors() -> tuple[dict[str, str], bool]:
        return _state_errors(
            item,
            actor=actor,
            rate=checked_rate,
            reason=reason,
            reported_on=reported_on,
            as_note=as_note,
            has_files=bool(attachments or held),
        )

    errors.update(state_errors()[0])
    if done_investment is not None and done_investment < 0:
        errors["done_investment"] = "完成投资不能为负数"
    targets = {t.pk: t for t in item.targets.all()} if target_actuals else {}
    for target_id, value in (target_actuals or {}).items():
        if target_id not in targets:
            errors[f"target_{target_id}"] = "目标不属于该事项"
        elif value < 0:
            errors[f"target_{target_id}"] = "完成值不能为负数"
    for key, message in check_uploads(attachments, "attachments").items():
        errors.setdefault(key, message)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
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
    with uploads.atomic_with_files():
        # Concurrent posts of one item queue on its row; only a stale expected_version is
        # a conflict (409). What the checks above read may have moved: read and check again.
        lock_item(item, (*PROGRESS_STATE, PROGRESS_LOCK))
        check_version(item, expected_version, PROGRESS_LOCK)
        if item.lifecycle == Lifecycle.CLOSED_OUT:
            raise ValidationFailed("事项已销号，如需继续填报请先由专班重新打开")
        errors, is_latest = state_errors()
        if attachments or held:
            quota = uploads.quota_error(item_file_bytes(item.pk), [*attachments, *held])
            if quota:
                errors["attachments"] = quota
        if errors:
            raise ValidationFailed("；".join(errors.values()), errors)
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
            _attach(update, f) for f in attachments
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
