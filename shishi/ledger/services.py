"""Every write to the ledger. Views, API, importer, commands and the demo call these.

Each service checks permission, validates, runs in one transaction, and writes the audit
event with old → new values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import (
    Attachment,
    Category,
    Item,
    Lifecycle,
    Milestone,
    Programme,
    ProgressUpdate,
    Target,
)
from shishi.ledger.parsing import parse_deadline
from shishi.orgs.models import Jurisdiction, Person, Unit
from shishi.orgs.permissions import scope_for

# Scalar fields an edit may change, with the audit snapshot taking them all.
EDITABLE_FIELDS = (
    "name",
    "content",
    "measures",
    "deadline_text",
    "start_date",
    "planned_investment",
    "done_investment",
    "remarks",
    "category_id",
    "lead_unit_id",
)
SNAPSHOT_FIELDS = (
    *EDITABLE_FIELDS,
    "number",
    "due_date",
    "is_ongoing",
    "completion_rate",
    "lifecycle",
    "progress_text",
)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_ATTACHMENT_TYPES = (
    "image/",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument",
    "application/msword",
    "application/vnd.ms-excel",
)


def item_snapshot(item: Item, *, with_relations: bool = True) -> dict[str, Any]:
    snap: dict[str, Any] = {f: getattr(item, f) for f in SNAPSHOT_FIELDS}
    if with_relations and item.pk:
        snap["sponsor_leaders"] = sorted(p.name for p in item.sponsor_leaders.all())
        snap["partner_units"] = sorted(u.name for u in item.partner_units.all())
    return snap


def lifecycle_for_rate(rate: Decimal, current: str) -> str:
    """The lifecycle a rate implies; a closed-out item stays closed out."""
    if current == Lifecycle.CLOSED_OUT:
        return current
    if rate >= 100:
        return Lifecycle.DONE
    if rate > 0:
        return Lifecycle.IN_PROGRESS
    return Lifecycle.IN_PROGRESS if current == Lifecycle.IN_PROGRESS else Lifecycle.NOT_STARTED


def _check_version(item: Item, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != item.version:
        raise StaleEdit(
            f"该事项已被他人修改(当前版本 {item.version},您编辑的是版本 {expected_version}),"
            "请刷新后重新填写"
        )


def _bump(item: Item, expected_version: int | None, fields: Sequence[str]) -> None:
    """Save ``fields`` only if the row still has the version we read (optimistic lock)."""
    _check_version(item, expected_version)
    version = item.version
    values = {f: getattr(item, f) for f in fields}
    values["updated_at"] = timezone.now()
    values["version"] = version + 1
    updated = Item.objects.filter(pk=item.pk, version=version).update(**values)
    if updated != 1:
        current = Item.objects.filter(pk=item.pk).values_list("version", flat=True).first()
        raise StaleEdit(f"该事项已被他人修改(当前版本 {current}),请刷新后重新填写")
    item.version = version + 1
    item.updated_at = values["updated_at"]


# --- programmes and categories ------------------------------------------------------


def ensure_programme(
    jurisdiction: Jurisdiction, year: int, *, actor: Any, name: str | None = None
) -> Programme:
    """The jurisdiction's programme for ``year``, created if missing (office only)."""
    scope = scope_for(actor) if actor is not None else None
    if scope is not None and not scope.is_office_for(jurisdiction.pk):
        raise PermissionDenied("只有专班可以创建年度计划")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(f"年度 {year} 不合理")
    with transaction.atomic():
        programme, created = Programme.objects.get_or_create(
            jurisdiction=jurisdiction,
            year=year,
            defaults={"name": name or f"{jurisdiction.name}{year}年“我为群众办实事”实事清单"},
        )
        if created:
            audit.record(
                actor=actor,
                action="programme.create",
                target=programme,
                changes={"year": [None, year], "name": [None, programme.name]},
                jurisdiction_id=jurisdiction.pk,
            )
    return programme


def ensure_category(
    programme: Programme, name: str, *, actor: Any, order: int = 0, parent: Category | None = None
) -> Category:
    """The programme's category of this name, created if missing (office only)."""
    if actor is not None and not scope_for(actor).is_office_for(programme.jurisdiction_id):
        raise PermissionDenied("只有专班可以设置类别")
    name = name.strip()
    if not name:
        raise ValidationFailed("类别名称不能为空")
    with transaction.atomic():
        category, created = Category.objects.get_or_create(
            programme=programme,
            name=name,
            defaults={
                "order": order,
                "parent": parent,
                "jurisdiction_id": programme.jurisdiction_id,
            },
        )
        if created:
            audit.record(
                actor=actor,
                action="category.create",
                target=category,
                changes={"name": [None, name]},
                jurisdiction_id=programme.jurisdiction_id,
            )
    return category


# --- items ----------------------------------------------------------------------------


@dataclass
class TargetInput:
    name: str
    value: Decimal
    unit: str = ""
    actual: Decimal | None = None


@dataclass
class MilestoneInput:
    title: str
    due_date: dt.date
    done_date: dt.date | None = None
    planned_rate: Decimal | None = None


def create_item(
    programme: Programme,
    *,
    actor: Any,
    number: str,
    name: str,
    lead_unit: Unit,
    category: Category | None = None,
    seq: int = 0,
    content: str = "",
    measures: str = "",
    deadline_text: str = "",
    start_date: dt.date | None = None,
    sponsor_leaders: Iterable[Person] = (),
    partner_units: Iterable[Unit] = (),
    planned_investment: Decimal | None = None,
    done_investment: Decimal | None = None,
    completion_rate: Decimal | None = None,
    progress_text: str = "",
    remarks: str = "",
    targets: Sequence[TargetInput] = (),
    milestones: Sequence[MilestoneInput] = (),
) -> Item:
    """Add an item to the programme's ledger (programme office only)."""
    if not permissions.can_manage_programme(actor, programme):
        raise PermissionDenied("只有专班可以新增实事")
    errors = {}
    if not name.strip():
        errors["name"] = "项目名称不能为空"
    if lead_unit.jurisdiction_id != programme.jurisdiction_id:
        errors["lead_unit"] = "责任单位不属于本辖区"
    deadline = None
    if deadline_text.strip():
        try:
            deadline = parse_deadline(deadline_text, programme.year)
        except ValueError as exc:
            errors["deadline_text"] = str(exc)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    rate = completion_rate if completion_rate is not None else Decimal(0)
    with transaction.atomic():
        item = Item.objects.create(
            jurisdiction_id=programme.jurisdiction_id,
            programme=programme,
            category=category,
            number=number,
            seq=seq,
            name=name.strip(),
            content=content,
            measures=measures,
            deadline_text=deadline.text if deadline else "",
            due_date=deadline.due_date if deadline else None,
            is_ongoing=deadline.is_ongoing if deadline else False,
            start_date=start_date,
            lead_unit=lead_unit,
            planned_investment=planned_investment,
            done_investment=done_investment,
            completion_rate=rate,
            lifecycle=lifecycle_for_rate(rate, Lifecycle.NOT_STARTED),
            progress_text=progress_text,
            remarks=remarks,
        )
        item.sponsor_leaders.set(list(sponsor_leaders))
        item.partner_units.set(list(partner_units))
        Target.objects.bulk_create(
            Target(item=item, name=t.name, value=t.value, unit=t.unit, actual=t.actual, order=i)
            for i, t in enumerate(targets)
        )
        Milestone.objects.bulk_create(
            Milestone(
                item=item,
                title=m.title,
                due_date=m.due_date,
                done_date=m.done_date,
                planned_rate=m.planned_rate,
                order=i,
            )
            for i, m in enumerate(milestones)
        )
        audit.record(
            actor=actor,
            action="item.create",
            target=item,
            changes=audit.diff({}, item_snapshot(item)),
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return item


def update_item(
    item: Item,
    *,
    actor: Any,
    expected_version: int | None,
    sponsor_leaders: Iterable[Person] | None = None,
    partner_units: Iterable[Unit] | None = None,
    **changes: Any,
) -> Item:
    """Change an item's fields; refused if someone changed it since ``expected_version``."""
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied("只有专班或牵头单位可以修改此事项")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改字段: {', '.join(sorted(unknown))}")
    _check_version(item, expected_version)
    if (
        "lead_unit_id" in changes
        and changes["lead_unit_id"] != item.lead_unit_id
        and not scope_for(actor).is_office_for(item.jurisdiction_id)
    ):
        raise PermissionDenied("只有专班可以更改责任单位")
    if "name" in changes and not str(changes["name"]).strip():
        raise ValidationFailed("项目名称不能为空", {"name": "项目名称不能为空"})
    with transaction.atomic():
        before = item_snapshot(item)
        for field, value in changes.items():
            setattr(item, field, value)
        fields = list(changes)
        if "deadline_text" in changes:
            text = str(changes["deadline_text"] or "").strip()
            if text:
                try:
                    deadline = parse_deadline(text, item.programme.year)
                except ValueError as exc:
                    raise ValidationFailed(str(exc), {"deadline_text": str(exc)}) from None
                item.deadline_text, item.due_date = deadline.text, deadline.due_date
                item.is_ongoing = deadline.is_ongoing
            else:
                item.deadline_text, item.due_date, item.is_ongoing = "", None, False
            fields += ["due_date", "is_ongoing"]
        _bump(item, expected_version, fields)
        if sponsor_leaders is not None:
            item.sponsor_leaders.set(list(sponsor_leaders))
        if partner_units is not None:
            item.partner_units.set(list(partner_units))
        after = item_snapshot(item)
        changed = audit.diff(before, after)
        if changed:
            audit.record(
                actor=actor,
                action="item.update",
                target=item,
                changes=changed,
                jurisdiction_id=item.jurisdiction_id,
            )
            signals.item_changed(item)
    return item


def set_targets(item: Item, targets: Sequence[TargetInput], *, actor: Any) -> list[Target]:
    """Replace the item's targets (keeping actuals of targets with the same name)."""
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied("只有专班或牵头单位可以修改此事项")
    with transaction.atomic():
        old = list(item.targets.all())
        Target.objects.filter(item=item).delete()
        new = Target.objects.bulk_create(
            Target(item=item, name=t.name, value=t.value, unit=t.unit, actual=t.actual, order=i)
            for i, t in enumerate(targets)
        )
        audit.record(
            actor=actor,
            action="item.targets",
            target=item,
            changes={
                "targets": [
                    [f"{t.name} {t.value}{t.unit}" for t in old],
                    [f"{t.name} {t.value}{t.unit}" for t in new],
                ]
            },
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return new


def add_milestone(item: Item, milestone: MilestoneInput, *, actor: Any) -> Milestone:
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied("只有专班或牵头单位可以修改此事项")
    if not milestone.title.strip():
        raise ValidationFailed("节点名称不能为空")
    with transaction.atomic():
        obj = Milestone.objects.create(
            item=item,
            title=milestone.title.strip(),
            due_date=milestone.due_date,
            done_date=milestone.done_date,
            planned_rate=milestone.planned_rate,
            order=item.milestones.count(),
        )
        audit.record(
            actor=actor,
            action="item.milestone_add",
            target=item,
            changes={"milestone": [None, f"{obj.title} {obj.due_date}"]},
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return obj


def complete_milestone(
    milestone: Milestone, *, actor: Any, done_date: dt.date | None = None
) -> Milestone:
    item = milestone.item
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied("只有专班或牵头单位可以修改此事项")
    with transaction.atomic():
        old = milestone.done_date
        milestone.done_date = done_date or timezone.localdate()
        milestone.save(update_fields=["done_date", "updated_at"])
        audit.record(
            actor=actor,
            action="item.milestone_done",
            target=item,
            changes={f"milestone:{milestone.title}": [old, milestone.done_date]},
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return milestone


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
    _check_version(item, expected_version)
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
            _bump(item, expected_version, fields)
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


def close_out_item(
    item: Item, *, actor: Any, note: str = "", expected_version: int | None = None
) -> Item:
    """Accept a done item as finished and strike it off (销号). Office only."""
    if not permissions.can_close_out(actor, item):
        raise PermissionDenied("只有专班可以销号")
    if item.lifecycle == Lifecycle.CLOSED_OUT:
        raise ValidationFailed("事项已销号")
    if item.lifecycle != Lifecycle.DONE:
        raise ValidationFailed(f"只有已完成的事项可以销号(当前完成率 {item.completion_rate:.0f}%)")
    _check_version(item, expected_version)
    with transaction.atomic():
        before = item.lifecycle
        item.lifecycle = Lifecycle.CLOSED_OUT
        item.closed_out_at = timezone.now()
        _bump(item, expected_version, ["lifecycle", "closed_out_at"])
        audit.record(
            actor=actor,
            action="item.close_out",
            target=item,
            changes={"lifecycle": [before, item.lifecycle], "note": [None, note]},
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return item


def reopen_item(
    item: Item, *, actor: Any, reason: str, expected_version: int | None = None
) -> Item:
    """Take a closed-out item back into work; the reason is required and kept."""
    if not permissions.can_close_out(actor, item):
        raise PermissionDenied("只有专班可以重新打开事项")
    if item.lifecycle != Lifecycle.CLOSED_OUT:
        raise ValidationFailed("只有已销号的事项可以重新打开")
    if not reason.strip():
        raise ValidationFailed("请填写重新打开的原因", {"reason": "请填写重新打开的原因"})
    _check_version(item, expected_version)
    with transaction.atomic():
        before = item.lifecycle
        item.lifecycle = Lifecycle.IN_PROGRESS
        item.closed_out_at = None
        _bump(item, expected_version, ["lifecycle", "closed_out_at"])
        audit.record(
            actor=actor,
            action="item.reopen",
            target=item,
            changes={"lifecycle": [before, item.lifecycle], "reason": [None, reason.strip()]},
            jurisdiction_id=item.jurisdiction_id,
        )
        signals.item_changed(item)
    return item


# --- publication on the public portal -------------------------------------------------------
# The portal shows what the programme office publishes. The flags live on the ledger's rows,
# so the ledger writes them; the portal adds its own checks (can it serve the photo?) and
# calls these. Audit events name the item as their target, so they show in its history:
# ``item.update_publish`` / ``item.update_unpublish`` with the update's id and date,
# ``item.photo_publish`` / ``item.photo_unpublish`` with the attachment's id and name.

PUBLIC_PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
NOT_PUBLISHER = "只有本区专班(或市专班)可以决定公开内容"
NOTE_NOT_PUBLIC = "配合单位备注仅供内部参考,不能公开"
NOT_A_PHOTO = "只有照片(JPEG、PNG、WebP格式)可以公开"


def _require_publisher(actor: Any, jurisdiction_id: int) -> None:
    """The programme office of the district, or the city office over it."""
    if not scope_for(actor).is_office_for(jurisdiction_id):
        raise PermissionDenied(NOT_PUBLISHER)


def _locked_flag(rows: Any, pk: int, gone: str) -> bool:
    """The row's ``is_public``, the row locked until the transaction ends; NotFound if gone."""
    flag = rows.select_for_update().filter(pk=pk).values_list("is_public", flat=True).first()
    if flag is None:
        raise NotFound(gone)
    return bool(flag)


def _audit_publication(
    on: ProgressUpdate, action: str, public: bool, /, *, actor: Any, **changes: list[Any]
) -> None:
    """One audit event on the update's item: what changed, the update's date, the flag."""
    audit.record(
        actor=actor,
        action=action,
        target=on.item,
        changes={
            **changes,
            "reported_on": [None, on.reported_on],
            "is_public": [not public, public],
        },
        jurisdiction_id=on.jurisdiction_id,
    )


def _publish_photos(
    update: ProgressUpdate, attachments: Iterable[Attachment], public: bool, *, actor: Any
) -> int:
    changed = 0
    for attachment in attachments:
        if attachment.update_id != update.pk:
            raise ValidationFailed("所选照片不属于该条进展")
        if public and attachment.content_type not in PUBLIC_PHOTO_TYPES:
            raise ValidationFailed(f"“{attachment.name}”:{NOT_A_PHOTO}")
        if attachment.is_public == public:
            continue
        Attachment.objects.filter(pk=attachment.pk).update(is_public=public)
        attachment.is_public = public
        action = "item.photo_publish" if public else "item.photo_unpublish"
        name = [None, attachment.name]
        _audit_publication(
            update,
            action,
            public,
            actor=actor,
            attachment=[None, attachment.pk],
            attachment_name=name,
        )
        changed += 1
    return changed


def set_update_publication(
    update: ProgressUpdate,
    *,
    actor: Any,
    public: bool,
    attachments: Iterable[Attachment] = (),
) -> bool:
    """Publish or withdraw a progress update on the portal; True if its flag changed.

    Office only. Its photos are not published with it, except those in ``attachments``
    (the ones the office ticked), all or nothing with the update. A partner unit's note is
    never published; withdrawing anything is always allowed.
    """
    _require_publisher(actor, update.jurisdiction_id)
    if public and update.is_note:
        raise ValidationFailed(NOTE_NOT_PUBLIC)
    chosen = list(attachments)
    with transaction.atomic():
        was_public = _locked_flag(ProgressUpdate.objects, update.pk, "该条进展已不存在,请刷新页面")
        update.is_public = public
        changed = was_public != public
        if changed:
            ProgressUpdate.objects.filter(pk=update.pk).update(is_public=public)
            action = "item.update_publish" if public else "item.update_unpublish"
            _audit_publication(update, action, public, actor=actor, update=[None, update.pk])
        photos_changed = _publish_photos(update, chosen, True, actor=actor) if public else 0
        if changed or photos_changed:
            signals.item_changed(update.item)
    return changed


def set_attachment_publication(attachment: Attachment, *, actor: Any, public: bool) -> bool:
    """Publish or withdraw one photo of a progress update; True if its flag changed.

    Office only; JPEG, PNG and WebP images only, never a partner unit's note's. The photo
    shows on the portal only while its update and item are public too.
    """
    update = attachment.update
    _require_publisher(actor, update.jurisdiction_id)
    if public and update.is_note:
        raise ValidationFailed(NOTE_NOT_PUBLIC)
    with transaction.atomic():
        attachment.is_public = _locked_flag(
            Attachment.objects, attachment.pk, "该照片已不存在,请刷新页面"
        )
        changed = _publish_photos(update, [attachment], public, actor=actor)
        if changed:
            signals.item_changed(update.item)
    return bool(changed)
