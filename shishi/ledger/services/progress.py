"""Progress updates: a unit reports its rate, text, figures and files; partners add notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

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
    Target,
)
from shishi.ledger.services.items import (
    bump_version,
    check_version,
    lifecycle_for_rate,
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
            f"附件“{f.name}”类型不支持({ctype or '未知'}):请上传图片、PDF或Office文件"
        )


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
    expected_version: int | None = None,
    as_note: bool = False,
) -> ProgressUpdate:
    """Post a progress update; the item's rate, lifecycle and latest progress follow from it.

    A partner unit may post a note (``as_note``): it is kept on the timeline but does not
    change the item's rate. A closed-out item takes no progress until it is reopened.
    """
    editor = permissions.can_post_progress(actor, item)
    if not editor and not (as_note and permissions.can_post_note(actor, item)):
        raise PermissionDenied("只有牵头单位或专班可以填报进展;配合单位只能添加备注")
    if as_note and rate is not None:
        raise ValidationFailed("配合单位备注不能修改完成率")
    if item.lifecycle == Lifecycle.CLOSED_OUT:
        raise ValidationFailed("事项已销号,如需继续填报请先由专班重新打开")
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = "请填写进展情况"
    if rate is not None and not Decimal(0) <= rate <= Decimal(100):
        errors["rate"] = "完成率应在0到100之间"
    today = timezone.localdate()
    reported_on = reported_on or today
    if reported_on > today:
        errors["reported_on"] = "进展日期不能晚于今天"
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
    check_version(item, expected_version)
    scope = scope_for(actor)
    unit_id = item.lead_unit_id if scope.edits_unit(item.lead_unit_id) else None
    if unit_id is None and as_note:
        unit_id = next(iter(sorted(permissions.partner_unit_ids_for(actor, item))), None)
    with transaction.atomic():
        before = {
            "completion_rate": item.completion_rate,
            "lifecycle": item.lifecycle,
            "progress_text": item.progress_text,
            "done_investment": item.done_investment,
        }
        update = ProgressUpdate.objects.create(
            jurisdiction_id=item.jurisdiction_id,
            item=item,
            author=actor if getattr(actor, "pk", None) else None,
            unit_id=unit_id,
            reported_on=reported_on,
            rate=rate,
            text=text,
            target_actuals={str(k): str(v) for k, v in (target_actuals or {}).items()},
            done_investment=done_investment,
            is_note=as_note,
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
        ]
        if unit_id is not None and unit_id == item.lead_unit_id:
            update.unit = item.lead_unit
        changes: dict[str, list[Any]] = {}
        if not as_note:
            is_latest = item.progress_date is None or reported_on >= item.progress_date
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
            bump_version(item, expected_version, fields)
            for target_id, value in (target_actuals or {}).items():
                target = targets[target_id]
                if target.actual != value:
                    changes[f"target:{target.name}"] = [target.actual, value]
                    Target.objects.filter(pk=target_id).update(actual=value)
            after = {k: getattr(item, k) for k in before}
            changes.update(audit.diff(before, after))
        changes["update"] = [None, update.pk]
        # The update itself, so the item's history reads on its own.
        changes["reported_on"] = [None, reported_on]
        if rate is not None:
            changes["rate"] = [None, rate]
        changes["text"] = [None, text]
        audit.record(
            actor=actor,
            action="item.note" if as_note else "item.progress",
            target=item,
            changes=changes,
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return update
