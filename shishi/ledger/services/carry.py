"""Carrying unfinished items into next year's programme (结转).

At the year's end the office picks the items of a programme that are not done and carries
them into the next year's programme (created if missing). Each carried item becomes a new
item there that ``continues`` the old one; the old item stays in its year, unchanged but
for an audit event, so both years' ledgers and boards keep their own history.

What the new item takes from the old one, and why:

- name, content, measures, category (by name, created in the new programme if missing),
  lead and partner units, sponsor leaders, planned investment: the same work, the same
  people.
- the completion rate, the latest progress text, the done investment and the targets'
  actuals are **kept**: the work goes on from where it stands, and a carried item shown
  at 0 % would mislead the board and the public. The new year's progress updates start
  from there.
- open milestones (not done) with their dates; milestones already done stay with the old
  item's history.
- the deadline becomes 年底前 of the new year (an old year's date would be overdue at
  once); the office edits it as for any item. The old deadline is noted in 备注.
- the number is the old year and number, "2021-1-1": unique in the new programme by
  construction, and never the number a sheet of the new year uses, so importing next
  year's ledger cannot overwrite a carried item.

All or nothing: every item is checked first (the office of the district, unfinished, not
already carried over, one programme, a later year), then all are written in one
transaction. Audit: ``item.carry_over`` on the old item ("结转至2027年 #2021-1-1"), and on
the new one its creation plus ``item.carry_in`` ("结转自2021年 #1-1").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from shishi.core import audit
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger import signals
from shishi.ledger.models import FINISHED_LIFECYCLES, Category, Item, Programme
from shishi.ledger.services.items import (
    MilestoneInput,
    TargetInput,
    create_item,
    ensure_category,
    ensure_programme,
)
from shishi.orgs.permissions import scope_for

CARRIED_DEADLINE = "年底前"
MAX_ITEMS = 2000


@dataclass(frozen=True)
class CarryResult:
    programme: Programme
    created: list[Item]  # in the order of the items given


def carried_number(item: Item) -> str:
    return f"{item.programme.year}-{item.number}"


def carry_label(year: int, number: str) -> str:
    """ "2027年 #2021-1-1": where an item went or came from, as the history shows it."""
    return f"{year}年 #{number}"


def _check(items: Sequence[Item], actor: Any) -> Programme:
    """The one programme of ``items`` after every refusal is checked; nothing written."""
    if not items:
        raise ValidationFailed("请选择要结转的事项", {"items": "请选择要结转的事项"})
    if len(items) > MAX_ITEMS:
        message = f"一次最多结转{MAX_ITEMS}项"
        raise ValidationFailed(message, {"items": message})
    programmes = {item.programme_id for item in items}
    if len(programmes) != 1:
        message = "一次只能结转同一年度计划的事项"
        raise ValidationFailed(message, {"items": message})
    source = items[0].programme
    if not scope_for(actor).is_office_for(source.jurisdiction_id):
        raise PermissionDenied("只有专班可以结转事项")
    problems: list[str] = []
    ids = [item.pk for item in items]
    carried = dict(
        Item.objects.filter(continues_id__in=ids).values_list("continues_id", "programme__year")
    )
    for item in items:
        if item.lifecycle in FINISHED_LIFECYCLES:
            problems.append(f"#{item.number}“{item.name}”已完成或已销号，无需结转")
        elif item.pk in carried:
            problems.append(f"#{item.number}“{item.name}”已结转至{carried[item.pk]}年")
    if len(set(ids)) != len(ids):
        problems.append("同一事项选择了两次")
    if problems:
        message = "；".join(problems)
        raise ValidationFailed(message, {"items": message})
    return source


def carry_over(
    items: Sequence[Item],
    to_programme: Programme | None = None,
    *,
    actor: Any,
    to_year: int | None = None,
) -> CarryResult:
    """Carry unfinished ``items`` (of one programme) into ``to_programme``.

    Without ``to_programme`` the district's programme of ``to_year`` (default: the next
    year) is used, created with ``ensure_programme`` if missing. The programme office
    only. Refused as a whole (``ValidationFailed`` naming each item) when an item is done
    or closed out, was carried over before, or the target is not a later programme of the
    same district. See the module's docstring for what each new item takes.
    """
    items = list(items)
    source = _check(items, actor)
    with transaction.atomic():
        # Lock the rows, then check again: two offices carrying the same items at once.
        locked = {
            i.pk: i
            for i in Item.objects.select_for_update(of=("self",))
            .select_related("programme", "lead_unit")
            .filter(pk__in=[i.pk for i in items])
            .order_by("pk")  # the default order joins the category, which cannot be locked
        }
        if len(locked) != len(set(locked) | {i.pk for i in items}):
            raise ValidationFailed("所选事项已不存在，请刷新后重试", {"items": "事项已不存在"})
        items = [locked[i.pk] for i in items]
        _check(items, actor)
        if to_programme is None:
            year = to_year if to_year is not None else source.year + 1
            to_programme = ensure_programme(source.jurisdiction, year, actor=actor)
        if to_programme.jurisdiction_id != source.jurisdiction_id:
            message = "只能结转到本辖区的年度计划"
            raise ValidationFailed(message, {"to_programme": message})
        if to_programme.year <= source.year:
            message = f"只能结转到{source.year}年以后的年度计划"
            raise ValidationFailed(message, {"to_programme": message})
        taken = set(
            Item.objects.filter(
                programme=to_programme, number__in=[carried_number(i) for i in items]
            ).values_list("number", flat=True)
        )
        if taken:
            message = f"{to_programme.year}年计划中已有编号{'、'.join(sorted(taken))}的事项"
            raise ValidationFailed(message, {"items": message})
        created = [_carry_one(item, to_programme, actor=actor) for item in items]
    return CarryResult(to_programme, created)


def _next_seq(programme: Programme, category: Category | None) -> int:
    top = Item.objects.filter(programme=programme, category=category).aggregate(m=Max("seq"))
    return int(top["m"] or 0) + 1


def _carry_one(old: Item, to: Programme, *, actor: Any) -> Item:
    category = None
    if old.category_id is not None:
        source_category = Category.objects.get(pk=old.category_id)
        category = ensure_category(
            to, source_category.name, actor=actor, order=source_category.order
        )
    targets = [
        TargetInput(t.name, t.value, t.unit, t.actual) for t in old.targets.order_by("order", "id")
    ]
    milestones = [
        MilestoneInput(m.title, m.due_date, None, m.planned_rate)
        for m in old.milestones.filter(done_date__isnull=True).order_by("order", "id")
    ]
    origin = carry_label(old.programme.year, old.number)
    note = f"结转自{origin}"
    if old.deadline_text:
        note += f"，原完成时限：{old.deadline_text}"
    remarks = f"{note}\n{old.remarks}" if old.remarks else note
    new = create_item(
        to,
        actor=actor,
        number=carried_number(old),
        seq=_next_seq(to, category),
        name=old.name,
        content=old.content,
        measures=old.measures,
        category=category,
        lead_unit=old.lead_unit,
        deadline_text=CARRIED_DEADLINE,
        sponsor_leaders=list(old.sponsor_leaders.all()),
        partner_units=list(old.partner_units.all()),
        planned_investment=old.planned_investment,
        done_investment=old.done_investment,
        completion_rate=old.completion_rate,
        progress_text=old.progress_text,
        remarks=remarks,
        targets=targets,
        milestones=milestones,
    )
    Item.objects.filter(pk=new.pk).update(continues=old)
    new.continues = old
    audit.record(
        actor=actor,
        action="item.carry_in",
        target=new,
        changes={"carried_from": [None, origin]},
        jurisdiction_id=new.jurisdiction_id,
    )
    audit.record(
        actor=actor,
        action="item.carry_over",
        target=old,
        changes={"carried_to": [None, carry_label(to.year, new.number)]},
        jurisdiction_id=old.jurisdiction_id,
    )
    signals.item_changed(old)
    return new
