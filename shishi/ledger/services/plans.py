"""An item's plan by hand: its targets (工作目标) and milestones (时间节点).

The office adds, edits, reorders and removes them; these are edits of the item, so each
bumps the item's edit ``version`` and refuses a stale ``expected_version``. Removal is soft
(``removed_at`` and a required ``removed_reason``): the row stays, the pages and the API
no longer show it, and the item's history says who removed what and why. Completing a
milestone is a progress report: the office or the lead unit posts it through
``record_progress`` (its text and files are the evidence) and the milestone links to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, uploads
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger import permissions, signals
from shishi.ledger.models import Category, Item, Milestone, Programme, Target
from shishi.ledger.parsing import parse_deadline
from shishi.ledger.services.items import (
    MilestoneInput,
    TargetInput,
    bump_version,
    create_item,
    update_item,
)
from shishi.ledger.services.progress import record_progress
from shishi.orgs.models import Person, Unit
from shishi.orgs.permissions import scope_for

MAX_QUANTITY = Decimal(10) ** 16  # Target.value: max_digits=18, decimal_places=2
Direction = Literal["up", "down"]
_UNSET: Any = object()  # a field the caller did not give


def check_editor(actor: Any, item: Item) -> None:
    """The item's own fields, targets and milestones are the office's to change; a unit
    editor is pointed to change requests."""
    if permissions.can_edit_item(actor, item):
        return
    if scope_for(actor).editor_unit_ids:
        raise PermissionDenied(permissions.ASK_FOR_CHANGE)
    raise PermissionDenied("只有专班可以修改事项信息")


def _target_text(target: Target | TargetInput) -> str:
    return f"{target.name} {audit.jsonable(Decimal(target.value))}{target.unit}"


def _bump(item: Item, expected_version: int | None) -> None:
    """The item's edit version up by one; a stale ``expected_version`` is refused. Without
    one, the version is the row's (the caller's copy of the item may be older)."""
    if expected_version is None:
        item.version = Item.objects.filter(pk=item.pk).values_list("version", flat=True).get()
    bump_version(item, expected_version, [])


def _record(actor: Any, item: Item, action: str, changes: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action=action,
        target=item,
        changes={k: audit.jsonable(v) for k, v in changes.items()},
        jurisdiction_id=item.jurisdiction_id,
    )
    signals.item_changed(item)


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写删除原因", {"reason": "请填写删除原因"})
    if len(reason) > 300:
        raise ValidationFailed("删除原因不能超过300字", {"reason": "删除原因不能超过300字"})
    return reason


# --- targets --------------------------------------------------------------------------


def _validate_target(name: str, value: Any, unit: str, actual: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写目标名称"
    elif len(name.strip()) > 200:
        errors["name"] = "目标名称不能超过200字"
    if value is None:
        errors["value"] = "请填写目标值"
    elif not Decimal(value).is_finite() or not 0 <= Decimal(value) < MAX_QUANTITY:
        errors["value"] = "目标值应为不小于0的数"
    if len(unit.strip()) > 20:
        errors["unit"] = "单位不能超过20字"
    if actual is not None and (
        not Decimal(actual).is_finite() or not 0 <= Decimal(actual) < MAX_QUANTITY
    ):
        errors["actual"] = "完成值应为不小于0的数"
    return errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)


def _q2(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _amount(value: Any) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def set_targets(
    item: Item,
    targets: Sequence[TargetInput],
    *,
    actor: Any,
    expected_version: int | None = None,
) -> list[Target]:
    """Replace the item's targets (office only). The old ones are removed softly; a new
    target with the name of an old one keeps its actual value unless it brings its own."""
    check_editor(actor, item)
    for target in targets:
        _raise(_validate_target(target.name, target.value, target.unit, target.actual))
    with transaction.atomic():
        old = list(Target.objects.filter(item=item).order_by("order", "id"))
        actuals = {t.name: t.actual for t in old}
        _bump(item, expected_version)
        Target.objects.filter(pk__in=[t.pk for t in old]).update(
            removed_at=timezone.now(), removed_reason="整体替换工作目标"
        )
        new = Target.objects.bulk_create(
            Target(
                item=item,
                name=t.name.strip(),
                value=_amount(t.value),
                unit=t.unit.strip(),
                actual=_q2(t.actual) if t.actual is not None else actuals.get(t.name.strip()),
                order=i,
            )
            for i, t in enumerate(targets)
        )
        _record(
            actor,
            item,
            "item.targets",
            {"targets": [[_target_text(t) for t in old], [_target_text(t) for t in new]]},
        )
    return new


def add_target(
    item: Item, target: TargetInput, *, actor: Any, expected_version: int | None = None
) -> Target:
    """Add a target at the end of the item's list (office only)."""
    check_editor(actor, item)
    _raise(_validate_target(target.name, target.value, target.unit, target.actual))
    with transaction.atomic():
        _bump(item, expected_version)
        last = (
            Target.objects.filter(item=item)
            .order_by("-order")
            .values_list("order", flat=True)
            .first()
        )
        obj = Target.objects.create(
            item=item,
            name=target.name.strip(),
            value=_amount(target.value),
            unit=target.unit.strip(),
            actual=_q2(target.actual),
            order=0 if last is None else last + 1,
        )
        _record(actor, item, "item.target_add", {"target": [None, _target_text(obj)]})
    return obj


def update_target(
    target: Target,
    *,
    actor: Any,
    expected_version: int | None = None,
    name: str = _UNSET,
    value: Decimal = _UNSET,
    unit: str = _UNSET,
    actual: Decimal | None = _UNSET,
) -> Target:
    """Change a target's name, value, unit or actual value (office only); the fields not
    given stay as they are."""
    item = target.item
    check_editor(actor, item)
    new_name = target.name if name is _UNSET else str(name or "").strip()
    new_value = target.value if value is _UNSET else value
    new_unit = target.unit if unit is _UNSET else str(unit or "").strip()
    new_actual = target.actual if actual is _UNSET else actual
    _raise(_validate_target(new_name, new_value, new_unit, new_actual))
    old_name = target.name
    changes: dict[str, list[Any]] = {}
    if new_name != target.name:
        changes[f"target_name:{old_name}"] = [old_name, new_name]
    if _q2(new_value) != target.value:
        changes[f"target_value:{new_name}"] = [target.value, _q2(new_value)]
    if new_unit != target.unit:
        changes[f"target_unit:{new_name}"] = [target.unit, new_unit]
    if _q2(new_actual) != target.actual:
        changes[f"target:{new_name}"] = [target.actual, _q2(new_actual)]
    if not changes:
        return target
    with transaction.atomic():
        _bump(item, expected_version)
        target.name, target.value, target.unit = new_name, _q2(new_value), new_unit  # type: ignore[assignment]
        target.actual = _q2(new_actual)
        target.save(update_fields=["name", "value", "unit", "actual", "updated_at"])
        _record(actor, item, "item.target_update", changes)
    return target


def _reordered(rows: list[Any], row: Any, position: int) -> list[Any]:
    rest = [r for r in rows if r.pk != row.pk]
    position = max(0, min(len(rest), position))
    return [*rest[:position], row, *rest[position:]]


def _position(rows: list[Any], row: Any, direction: Direction | None, position: int | None) -> int:
    index = next(i for i, r in enumerate(rows) if r.pk == row.pk)
    if direction == "up":
        return index - 1
    if direction == "down":
        return index + 1
    if position is None:
        raise ValidationFailed("请给出新的位置", {"position": "请给出新的位置"})
    return position - 1  # people count from 1


def move_target(
    target: Target,
    *,
    actor: Any,
    direction: Direction | None = None,
    position: int | None = None,
    expected_version: int | None = None,
) -> Target:
    """Move a target up or down, or to ``position`` (1 = first) (office only)."""
    item = target.item
    check_editor(actor, item)
    with transaction.atomic():
        rows = list(Target.objects.filter(item=item).order_by("order", "id"))
        before = [t.name for t in rows]
        ordered = _reordered(rows, target, _position(rows, target, direction, position))
        if [t.pk for t in ordered] == [t.pk for t in rows]:
            return target
        _bump(item, expected_version)
        for i, t in enumerate(ordered):
            if t.order != i:
                Target.objects.filter(pk=t.pk).update(order=i)
        target.order = next(i for i, t in enumerate(ordered) if t.pk == target.pk)
        _record(actor, item, "item.target_move", {"targets": [before, [t.name for t in ordered]]})
    return target


def remove_target(
    target: Target, *, actor: Any, reason: str, expected_version: int | None = None
) -> Target:
    """Remove a target softly, with a reason (office only); the row and its figures stay."""
    item = target.item
    check_editor(actor, item)
    reason = _clean_reason(reason)
    with transaction.atomic():
        _bump(item, expected_version)
        target.removed_at, target.removed_reason = timezone.now(), reason
        target.save(update_fields=["removed_at", "removed_reason", "updated_at"])
        _record(
            actor,
            item,
            "item.target_remove",
            {"target": [_target_text(target), None], "removed_reason": [None, reason]},
        )
    return target


# --- milestones -----------------------------------------------------------------------


def _validate_milestone(
    title: str, due_date: Any, planned_rate: Any, done_date: Any = None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "节点名称不能为空"
    elif len(title.strip()) > 200:
        errors["title"] = "节点名称不能超过200字"
    if not isinstance(due_date, dt.date):
        errors["due_date"] = "请填写节点计划日期"
    if planned_rate is not None and not (
        Decimal(planned_rate).is_finite() and 0 <= Decimal(planned_rate) <= 100
    ):
        errors["planned_rate"] = "节点计划完成率应在0到100之间"
    if done_date is not None and done_date > timezone.localdate():
        errors["done_date"] = "完成日期不能晚于今天"
    return errors


def _milestone_rows(item: Item) -> list[Milestone]:
    return list(Milestone.objects.filter(item=item).order_by("order", "due_date", "id"))


def _renumber(ordered: Sequence[Milestone]) -> None:
    for i, m in enumerate(ordered):
        if m.order != i:
            Milestone.objects.filter(pk=m.pk).update(order=i)
            m.order = i


def add_milestone(
    item: Item, milestone: MilestoneInput, *, actor: Any, expected_version: int | None = None
) -> Milestone:
    """Add a milestone (office only), placed after those due on or before its date."""
    check_editor(actor, item)
    _raise(
        _validate_milestone(
            milestone.title, milestone.due_date, milestone.planned_rate, milestone.done_date
        )
    )
    with transaction.atomic():
        _bump(item, expected_version)
        rows = _milestone_rows(item)
        obj = Milestone(
            item=item,
            title=milestone.title.strip(),
            due_date=milestone.due_date,
            done_date=milestone.done_date,
            planned_rate=_q2(milestone.planned_rate),
        )
        # After the last one due on or before it (the office's own order stays as it is).
        at = max((i + 1 for i, m in enumerate(rows) if m.due_date <= milestone.due_date), default=0)
        obj.order = at
        ordered = [*rows[:at], obj, *rows[at:]]
        for i, m in enumerate(ordered):
            if m is not obj and m.order != i:
                Milestone.objects.filter(pk=m.pk).update(order=i)
        obj.save()
        changes: dict[str, Any] = {
            "milestone": [None, obj.title],
            f"milestone_due:{obj.title}": [None, obj.due_date],
        }
        if obj.planned_rate is not None:
            changes[f"milestone_rate:{obj.title}"] = [None, obj.planned_rate]
        if obj.done_date is not None:
            changes[f"milestone:{obj.title}"] = [None, obj.done_date]
        _record(actor, item, "item.milestone_add", changes)
    return obj


def update_milestone(
    milestone: Milestone,
    *,
    actor: Any,
    expected_version: int | None = None,
    title: str = _UNSET,
    due_date: dt.date = _UNSET,
    planned_rate: Decimal | None = _UNSET,
) -> Milestone:
    """Change a milestone's title, planned date or planned rate (office only)."""
    item = milestone.item
    check_editor(actor, item)
    new_title = milestone.title if title is _UNSET else str(title or "").strip()
    new_due = milestone.due_date if due_date is _UNSET else due_date
    new_rate = milestone.planned_rate if planned_rate is _UNSET else planned_rate
    _raise(_validate_milestone(new_title, new_due, new_rate))
    changes: dict[str, list[Any]] = {}
    if new_title != milestone.title:
        changes[f"milestone_title:{milestone.title}"] = [milestone.title, new_title]
    if new_due != milestone.due_date:
        changes[f"milestone_due:{new_title}"] = [milestone.due_date, new_due]
    if _q2(new_rate) != milestone.planned_rate:
        changes[f"milestone_rate:{new_title}"] = [milestone.planned_rate, _q2(new_rate)]
    if not changes:
        return milestone
    with transaction.atomic():
        _bump(item, expected_version)
        milestone.title, milestone.due_date = new_title, new_due
        milestone.planned_rate = _q2(new_rate)
        milestone.save(update_fields=["title", "due_date", "planned_rate", "updated_at"])
        _record(actor, item, "item.milestone_update", changes)
    return milestone


def move_milestone(
    milestone: Milestone,
    *,
    actor: Any,
    direction: Direction | None = None,
    position: int | None = None,
    expected_version: int | None = None,
) -> Milestone:
    """Move a milestone up or down, or to ``position`` (1 = first) (office only)."""
    item = milestone.item
    check_editor(actor, item)
    with transaction.atomic():
        rows = _milestone_rows(item)
        before = [m.title for m in rows]
        ordered = _reordered(rows, milestone, _position(rows, milestone, direction, position))
        if [m.pk for m in ordered] == [m.pk for m in rows]:
            return milestone
        _bump(item, expected_version)
        _renumber(ordered)
        milestone.order = next(m.order for m in ordered if m.pk == milestone.pk)
        _record(
            actor, item, "item.milestone_move", {"milestones": [before, [m.title for m in ordered]]}
        )
    return milestone


def remove_milestone(
    milestone: Milestone, *, actor: Any, reason: str, expected_version: int | None = None
) -> Milestone:
    """Remove a milestone softly, with a reason (office only)."""
    item = milestone.item
    check_editor(actor, item)
    reason = _clean_reason(reason)
    with transaction.atomic():
        _bump(item, expected_version)
        milestone.removed_at, milestone.removed_reason = timezone.now(), reason
        milestone.save(update_fields=["removed_at", "removed_reason", "updated_at"])
        _record(
            actor,
            item,
            "item.milestone_remove",
            {
                "milestone": [milestone.title, None],
                f"milestone_due:{milestone.title}": [milestone.due_date, None],
                "removed_reason": [None, reason],
            },
        )
    return milestone


def complete_milestone(
    milestone: Milestone,
    *,
    actor: Any,
    done_date: dt.date | None = None,
    text: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> Milestone:
    """Mark a milestone done (the office or the lead unit's editors).

    The report is a progress update ("节点完成：…" and the user's text, the files as its
    evidence; the rate stays), and the milestone links to it. The date is not in the future.
    """
    item = milestone.item
    if not permissions.can_post_progress(actor, item):
        raise PermissionDenied("只有牵头单位或专班可以标记节点完成")
    if milestone.removed_at is not None:
        raise ValidationFailed("该节点已删除")
    if milestone.done_date is not None:
        raise ValidationFailed("该节点已标记完成", {"done_date": "该节点已标记完成"})
    done_date = done_date or timezone.localdate()
    if done_date > timezone.localdate():
        raise ValidationFailed("完成日期不能晚于今天", {"done_date": "完成日期不能晚于今天"})
    text = (text or "").strip()
    report = f"节点完成：{milestone.title}" + (f"。{text}" if text else "")
    # The report's files are stored inside: removed again if this transaction rolls back.
    with uploads.atomic_with_files():
        # Ordered by pk: the default order joins the item's category, which cannot be locked.
        locked = (
            Milestone.objects.select_for_update().filter(pk=milestone.pk).order_by("pk").first()
        )
        if locked is None or locked.done_date is not None:
            raise ValidationFailed("该节点已标记完成或已删除", {"done_date": "该节点已标记完成"})
        try:
            update = record_progress(
                item, actor=actor, text=report, reported_on=done_date, attachments=attachments
            )
        except ValidationFailed as exc:
            # The progress form names its date "reported_on"; here it is the done date.
            errors = {("done_date" if k == "reported_on" else k): v for k, v in exc.errors.items()}
            raise ValidationFailed(exc.message, errors) from None
        milestone.done_date, milestone.done_update = done_date, update
        milestone.save(update_fields=["done_date", "done_update", "updated_at"])
        _record(
            actor,
            item,
            "item.milestone_done",
            {f"milestone:{milestone.title}": [None, done_date], "update": [None, update.pk]},
        )
    return milestone


def undo_milestone_completion(milestone: Milestone, *, actor: Any, reason: str = "") -> Milestone:
    """Take back a milestone's completion (office only); its progress report stays on the
    timeline."""
    item = milestone.item
    check_editor(actor, item)
    if milestone.done_date is None:
        raise ValidationFailed("该节点尚未完成")
    reason = (reason or "").strip()
    with transaction.atomic():
        old = milestone.done_date
        milestone.done_date, milestone.done_update = None, None
        milestone.save(update_fields=["done_date", "done_update", "updated_at"])
        changes: dict[str, Any] = {f"milestone:{milestone.title}": [old, None]}
        if reason:
            changes["undo_reason"] = [None, reason]
        _record(actor, item, "item.milestone_undone", changes)
    return milestone


# --- items by hand (the API's and the new-item page's entry) --------------------------


def deadline_text_of(day: dt.date) -> str:
    """The words a ledger would write for a due date: 2027年6月30日前."""
    return f"{day.year}年{day.month}月{day.day}日前"


def reconcile_deadline(
    year: int, *, deadline_text: str | None = _UNSET, due_date: dt.date | None = _UNSET
) -> str | None:
    """The deadline text to store from what the caller gave: a text (parsed later into its
    date), a date alone (written as its text), or both (they must agree). None: neither
    was given. An empty text, or a date of null alone, clears the deadline."""
    text_given = deadline_text is not _UNSET and deadline_text is not None
    date_given = due_date is not _UNSET
    if text_given:
        text = str(deadline_text).strip()
        if not text:
            if date_given and due_date is not None:
                return deadline_text_of(due_date)
            return ""
        try:
            parsed = parse_deadline(text, year)
        except ValueError as exc:
            raise ValidationFailed(str(exc), {"deadline_text": str(exc)}) from None
        if date_given and due_date is not None and parsed.due_date != due_date:
            message = (
                f"截止日期 {due_date.isoformat()} 与完成时限“{text}”不一致"
                f"（按时限为 {parsed.due_date.isoformat() if parsed.due_date else '长期'}）"
            )
            raise ValidationFailed(message, {"due_date": message})
        return text
    if date_given:
        return "" if due_date is None else deadline_text_of(due_date)
    return None


def _links(
    jurisdiction_id: int,
    programme_id: int,
    *,
    category_id: int | None = _UNSET,
    lead_unit_id: int = _UNSET,
    partner_unit_ids: Sequence[int] | None = _UNSET,
    sponsor_leader_ids: Sequence[int] | None = _UNSET,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The category, units and leaders named by id, each checked to be of the item's
    district (or programme); the errors name the fields as given."""
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if category_id is not _UNSET:
        if category_id is None:
            found["category"] = None
        else:
            category = Category.objects.filter(pk=category_id, programme_id=programme_id).first()
            if category is None:
                errors["category_id"] = f"类别 {category_id} 不属于本计划"
            found["category"] = category
    if lead_unit_id is not _UNSET:
        unit = Unit.objects.filter(pk=lead_unit_id, jurisdiction_id=jurisdiction_id).first()
        if unit is None:
            errors["lead_unit_id"] = f"责任单位 {lead_unit_id} 不属于本辖区"
        found["lead_unit"] = unit
    if partner_unit_ids is not _UNSET:
        ids = list(dict.fromkeys(partner_unit_ids or ()))
        units = list(Unit.objects.filter(pk__in=ids, jurisdiction_id=jurisdiction_id))
        missing = sorted(set(ids) - {u.pk for u in units})
        if missing:
            errors["partner_unit_ids"] = f"配合单位 {missing} 不属于本辖区"
        found["partner_units"] = units
    if sponsor_leader_ids is not _UNSET:
        ids = list(dict.fromkeys(sponsor_leader_ids or ()))
        people = list(Person.objects.filter(pk__in=ids, jurisdiction_id=jurisdiction_id))
        missing = sorted(set(ids) - {p.pk for p in people})
        if missing:
            errors["sponsor_leader_ids"] = f"包保领导 {missing} 不属于本辖区"
        found["sponsor_leaders"] = people
    return found, errors


def _plan_errors(
    targets: Sequence[TargetInput], milestones: Sequence[MilestoneInput]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for i, t in enumerate(targets):
        for key, text in _validate_target(t.name, t.value, t.unit, t.actual).items():
            errors[f"targets.{i}.{key}"] = text
    for i, m in enumerate(milestones):
        for key, text in _validate_milestone(
            m.title, m.due_date, m.planned_rate, m.done_date
        ).items():
            errors[f"milestones.{i}.{key}"] = text
    return errors


def add_item(
    programme: Programme,
    *,
    actor: Any,
    number: str,
    name: str,
    lead_unit_id: int,
    category_id: int | None = None,
    partner_unit_ids: Sequence[int] = (),
    sponsor_leader_ids: Sequence[int] = (),
    content: str = "",
    measures: str = "",
    deadline_text: str | None = None,
    due_date: dt.date | None = None,
    planned_investment: Decimal | None = None,
    targets: Sequence[TargetInput] = (),
    milestones: Sequence[MilestoneInput] = (),
) -> Item:
    """Create one item from ids (the API): every field checked, every error named, then
    ``create_item`` (office only)."""
    if not permissions.can_manage_programme(actor, programme):
        raise PermissionDenied("只有专班可以新增实事")
    found, errors = _links(
        programme.jurisdiction_id,
        programme.pk,
        category_id=category_id,
        lead_unit_id=lead_unit_id,
        partner_unit_ids=partner_unit_ids,
        sponsor_leader_ids=sponsor_leader_ids,
    )
    text = ""
    try:
        text = (
            reconcile_deadline(programme.year, deadline_text=deadline_text, due_date=due_date) or ""
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
    errors.update(_plan_errors(targets, milestones))
    if errors:
        # create_item checks the rest (number, name, money): report them all at once.
        try:
            _check_item_fields(programme, number, name, planned_investment)
        except ValidationFailed as exc:
            errors = {**exc.errors, **errors}
        raise ValidationFailed("；".join(errors.values()), errors)
    return create_item(
        programme,
        actor=actor,
        number=number,
        name=name,
        lead_unit=found["lead_unit"],
        category=found["category"],
        content=content,
        measures=measures,
        deadline_text=text,
        sponsor_leaders=found["sponsor_leaders"],
        partner_units=found["partner_units"],
        planned_investment=planned_investment,
        targets=targets,
        milestones=milestones,
    )


def _check_item_fields(
    programme: Programme, number: str, name: str, planned_investment: Decimal | None
) -> None:
    errors: dict[str, str] = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = "请填写编号"
    elif Item.objects.filter(programme=programme, number=number).exists():
        errors["number"] = f"编号“{number}”已被本计划的其他事项使用，请换一个编号"
    if not (name or "").strip():
        errors["name"] = "项目名称不能为空"
    if planned_investment is not None and planned_investment < 0:
        errors["planned_investment"] = "计划投资不能为负数"
    _raise(errors)


EDIT_SCALARS = ("name", "content", "measures", "start_date", "planned_investment", "remarks")


def edit_item(
    item: Item, *, actor: Any, expected_version: int | None, fields: dict[str, Any]
) -> Item:
    """Change an item's own fields from ids (the API's PATCH; office only).

    ``fields`` holds only what the caller gave. The deadline may come as ``deadline_text``
    (parsed into its date), as ``due_date`` alone (written as its text, 2027年6月30日前),
    or both, which must agree.
    """
    check_editor(actor, item)
    unknown = set(fields) - {
        *EDIT_SCALARS,
        "deadline_text",
        "due_date",
        "category_id",
        "lead_unit_id",
        "partner_unit_ids",
        "sponsor_leader_ids",
    }
    if unknown:
        raise ValidationFailed(
            f"不能修改字段：{'、'.join(sorted(unknown))}", {f: "不能修改" for f in unknown}
        )
    link_args = {
        k: fields[k]
        for k in ("category_id", "lead_unit_id", "partner_unit_ids", "sponsor_leader_ids")
        if k in fields
    }
    if link_args.get("lead_unit_id", 0) is None:
        raise ValidationFailed("责任单位不能为空", {"lead_unit_id": "责任单位不能为空"})
    found, errors = _links(item.jurisdiction_id, item.programme_id, **link_args)
    changes: dict[str, Any] = {k: fields[k] for k in EDIT_SCALARS if k in fields}
    if "name" in changes and not str(changes["name"] or "").strip():
        errors["name"] = "项目名称不能为空"
    for key in ("content", "measures", "remarks"):
        if key in changes and changes[key] is None:
            changes[key] = ""
    money = changes.get("planned_investment")
    if money is not None and money < 0:
        errors["planned_investment"] = "计划投资不能为负数"
    try:
        text = reconcile_deadline(
            item.programme.year,
            deadline_text=fields.get("deadline_text", _UNSET),
            due_date=fields.get("due_date", _UNSET),
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
        text = None
    _raise(errors)
    if text is not None:
        changes["deadline_text"] = text
    if "category" in found:
        changes["category_id"] = found["category"].pk if found["category"] else None
    if "lead_unit" in found:
        changes["lead_unit_id"] = found["lead_unit"].pk
    return update_item(
        item,
        actor=actor,
        expected_version=expected_version,
        sponsor_leaders=found.get("sponsor_leaders"),
        partner_units=found.get("partner_units"),
        **changes,
    )


# --- actuals counted by the system ----------------------------------------------------------


def set_counted_actual(target: Target, actual: Decimal, *, source: str) -> bool:
    """Set a target's actual value to a count kept elsewhere in shishi (the visits done of a
    service by appointment): the system's change, no person's, so no office check and no edit
    version bumped (an office's open edit form is not made stale by a count). Recounted, not
    incremented: the same count twice changes nothing. Audited as ``item.target_counted``
    with the source named; whether it changed."""
    value = _q2(actual)
    _raise(_validate_target(target.name, target.value, target.unit, value))
    with transaction.atomic():
        row = (
            Target.objects.select_for_update()
            .filter(pk=target.pk, removed_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if row is None or row.actual == value:
            return False
        old = row.actual
        Target.objects.filter(pk=row.pk).update(actual=value, updated_at=timezone.now())
        target.actual = value
        item = row.item
        _record(
            None,
            item,
            "item.target_counted",
            {f"target:{row.name}": [old, value], "source": [None, source[:200]]},
        )
    return True
