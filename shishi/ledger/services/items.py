"""Programmes, categories and items: their creation, edits, targets, milestones and life
cycle (close-out and reopening)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import (
    Category,
    ChangeRequest,
    Item,
    Lifecycle,
    Milestone,
    Programme,
    Target,
    lifecycle_for_rate,
)
from shishi.ledger.parsing import parse_deadline
from shishi.ledger.services import publication
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


def item_snapshot(item: Item, *, with_relations: bool = True) -> dict[str, Any]:
    snap: dict[str, Any] = {f: getattr(item, f) for f in SNAPSHOT_FIELDS}
    if with_relations and item.pk:
        snap["sponsor_leaders"] = sorted(p.name for p in item.sponsor_leaders.all())
        snap["partner_units"] = sorted(u.name for u in item.partner_units.all())
    return snap


# The item's two optimistic locks (``Item.version`` for its own fields, ``progress_version``
# for its progress), and what a stale write of each is told.
EDIT_LOCK = "version"
PROGRESS_LOCK = "progress_version"


def _stale(lock: str, current: Any, expected: Any) -> StaleEdit:
    if lock == PROGRESS_LOCK:
        return StaleEdit(
            f"您打开表单后，该事项已有新的进展填报（进展版本 {current}，您填写时为 {expected}），"
            "请核对最新进展后再提交；您填写的内容已保留"
        )
    return StaleEdit(
        f"该事项已被他人修改（当前版本 {current}，您编辑的是版本 {expected}），请刷新后重新填写"
    )


def check_version(item: Item, expected_version: int | None, lock: str = EDIT_LOCK) -> None:
    current = getattr(item, lock)
    if expected_version is not None and expected_version != current:
        raise _stale(lock, current, expected_version)


def bump_version(
    item: Item, expected_version: int | None, fields: Sequence[str], lock: str = EDIT_LOCK
) -> None:
    """Save ``fields`` only if the row still has the version we read (optimistic lock);
    ``lock`` names the concern: the item's fields or its progress."""
    check_version(item, expected_version, lock)
    version = getattr(item, lock)
    values = {f: getattr(item, f) for f in fields}
    values["updated_at"] = timezone.now()
    values[lock] = version + 1
    updated = Item.objects.filter(pk=item.pk, **{lock: version}).update(**values)
    if updated != 1:
        current = Item.objects.filter(pk=item.pk).values_list(lock, flat=True).first()
        raise _stale(lock, current, expected_version if expected_version is not None else version)
    setattr(item, lock, version + 1)
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


def set_programme_review(
    programme: Programme,
    *,
    actor: Any,
    auto_publish: bool | None = None,
    evidence_step: int | bool | None = False,
) -> Programme:
    """The programme office's review settings: publish units' updates without review
    (``auto_publish``), and the rise in points above which a unit's post needs evidence
    (``evidence_step``; None turns the rule off; False leaves it as it is)."""
    if not permissions.can_manage_programme(actor, programme):
        raise PermissionDenied("只有专班可以修改审核设置")
    before = {"auto_publish": programme.auto_publish, "evidence_step": programme.evidence_step}
    if auto_publish is not None:
        programme.auto_publish = auto_publish
    if evidence_step is not False:
        if evidence_step is not None and not 1 <= int(evidence_step) <= 100:
            message = "佐证门槛应在1到100个百分点之间"
            raise ValidationFailed(message, {"evidence_step": message})
        programme.evidence_step = None if evidence_step is None else int(evidence_step)
    after = {"auto_publish": programme.auto_publish, "evidence_step": programme.evidence_step}
    changed = audit.diff(before, after)
    if changed:
        with transaction.atomic():
            programme.save(update_fields=["auto_publish", "evidence_step", "updated_at"])
            audit.record(
                actor=actor,
                action="programme.review_settings",
                target=programme,
                changes=changed,
                jurisdiction_id=programme.jurisdiction_id,
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
    seq: int | None = None,
    content: str = "",
    measures: str = "",
    deadline_text: str = "",
    start_date: dt.date | None = None,
    sponsor_leaders: Sequence[Person] = (),
    partner_units: Sequence[Unit] = (),
    planned_investment: Decimal | None = None,
    done_investment: Decimal | None = None,
    completion_rate: Decimal | None = None,
    progress_text: str = "",
    remarks: str = "",
    targets: Sequence[TargetInput] = (),
    milestones: Sequence[MilestoneInput] = (),
) -> Item:
    """Add an item to the programme's ledger (programme office only).

    The number is unique in the programme; without ``seq`` the item goes last in its
    category.
    """
    if not permissions.can_manage_programme(actor, programme):
        raise PermissionDenied("只有专班可以新增实事")
    errors = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = "请填写编号"
    elif len(number) > 32:
        errors["number"] = "编号不能超过32个字符"
    elif Item.objects.filter(programme=programme, number=number).exists():
        errors["number"] = f"编号“{number}”已被本计划的其他事项使用，请换一个编号"
    if not name.strip():
        errors["name"] = "项目名称不能为空"
    elif len(name.strip()) > 300:
        errors["name"] = "项目名称不能超过300字"
    if lead_unit.jurisdiction_id != programme.jurisdiction_id:
        errors["lead_unit"] = "责任单位不属于本辖区"
    if category is not None and category.programme_id != programme.pk:
        errors["category"] = "类别不属于本计划"
    if any(u.jurisdiction_id != programme.jurisdiction_id for u in partner_units):
        errors["partner_units"] = "配合单位不属于本辖区"
    if any(p.jurisdiction_id != programme.jurisdiction_id for p in sponsor_leaders):
        errors["sponsor_leaders"] = "包保领导不属于本辖区"
    if planned_investment is not None and planned_investment < 0:
        errors["planned_investment"] = "计划投资不能为负数"
    deadline = None
    if deadline_text.strip():
        try:
            deadline = parse_deadline(deadline_text, programme.year)
        except ValueError as exc:
            errors["deadline_text"] = str(exc)
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    rate = completion_rate if completion_rate is not None else Decimal(0)
    if seq is None:
        last = (
            Item.objects.filter(programme=programme, category=category)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        seq = (last or 0) + 1
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
    on_request: ChangeRequest | None = None,
    **changes: Any,
) -> Item:
    """Change an item's fields; refused if someone changed it since ``expected_version``.

    The office only (``permissions.fields_for``); a unit files a change request instead.
    The deadline is ``deadline_text`` (parsed into its date) or ``due_date`` alone (which
    writes its text, 2027年12月31日前). ``on_request``: the change request this edit
    applies; the audit event names it and the requesting unit, and a moved deadline keeps
    the first one in ``original_deadline_text`` ("时限已调整").
    """
    if not permissions.can_edit_item(actor, item):
        raise PermissionDenied(permissions.ASK_FOR_CHANGE)
    if "due_date" in changes:
        due_date = changes.pop("due_date")
        if "deadline_text" not in changes:
            changes["deadline_text"] = deadline_text_for(due_date)
        else:
            _check_due_date_matches(changes["deadline_text"], due_date, item.programme.year)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改字段：{', '.join(sorted(unknown))}")
    check_version(item, expected_version)
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
        extra: dict[str, list[Any]] = {}
        if on_request is not None:
            extra["change_request"] = [None, on_request.pk]
            extra["requested_by_unit"] = [None, on_request.unit.name if on_request.unit else ""]
            if (
                before["deadline_text"] != item.deadline_text
                and before["deadline_text"]
                and not item.original_deadline_text
            ):
                item.original_deadline_text = before["deadline_text"]
                fields.append("original_deadline_text")
                extra["original_deadline_text"] = ["", item.original_deadline_text]
        bump_version(item, expected_version, fields)
        if sponsor_leaders is not None:
            item.sponsor_leaders.set(list(sponsor_leaders))
        if partner_units is not None:
            item.partner_units.set(list(partner_units))
        after = item_snapshot(item)
        changed = audit.diff(before, after)
        if changed:
            changed.update(extra)
            audit.record(
                actor=actor,
                action="item.update",
                target=item,
                changes=changed,
                jurisdiction_id=item.jurisdiction_id,
            )
            publication.refresh_published_fields(item)  # the office's edit: public at once
            signals.item_changed(item)
    return item


def deadline_text_for(due_date: dt.date | None) -> str:
    """The deadline text a date alone writes: 2027年12月31日前 (blank for no date)."""
    if due_date is None:
        return ""
    return f"{due_date.year}年{due_date.month}月{due_date.day}日前"


def _check_due_date_matches(text: Any, due_date: dt.date | None, year: int) -> None:
    """Given both, the text's date and ``due_date`` must agree (the text is kept)."""
    text = str(text or "").strip()
    if not text or due_date is None:
        return
    try:
        parsed = parse_deadline(text, year).due_date
    except ValueError as exc:
        raise ValidationFailed(str(exc), {"deadline_text": str(exc)}) from None
    if parsed != due_date:
        message = f"截止日期与完成时限“{text}”不一致"
        raise ValidationFailed(message, {"due_date": message})


def close_out_item(
    item: Item, *, actor: Any, note: str = "", expected_version: int | None = None
) -> Item:
    """Accept a done item as finished and strike it off (销号). Office only."""
    if not permissions.can_close_out(actor, item):
        raise PermissionDenied("只有专班可以销号")
    if item.lifecycle == Lifecycle.CLOSED_OUT:
        raise ValidationFailed("事项已销号")
    if item.lifecycle != Lifecycle.DONE:
        raise ValidationFailed(
            f"只有已完成的事项可以销号（当前完成率 {item.completion_rate:.0f}%）"
        )
    check_version(item, expected_version)
    with transaction.atomic():
        before = item.lifecycle
        item.lifecycle = Lifecycle.CLOSED_OUT
        item.closed_out_at = timezone.now()
        bump_version(item, expected_version, ["lifecycle", "closed_out_at"])
        audit.record(
            actor=actor,
            action="item.close_out",
            target=item,
            changes={"lifecycle": [before, item.lifecycle], "note": [None, note]},
            jurisdiction_id=item.jurisdiction_id,
        )
        publication.refresh_published_fields(item, with_lifecycle=True)
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
    check_version(item, expected_version)
    with transaction.atomic():
        before = item.lifecycle
        item.lifecycle = Lifecycle.IN_PROGRESS
        item.closed_out_at = None
        bump_version(item, expected_version, ["lifecycle", "closed_out_at"])
        audit.record(
            actor=actor,
            action="item.reopen",
            target=item,
            changes={"lifecycle": [before, item.lifecycle], "reason": [None, reason.strip()]},
            jurisdiction_id=item.jurisdiction_id,
        )
        publication.refresh_published_fields(item, with_lifecycle=True)
        signals.item_changed(item)
    return item
