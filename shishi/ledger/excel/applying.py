"""Writing an ``ImportPlan``: all of it in one transaction, in bulk, with its audit events.

Units, leaders and categories the plan names are created first (one query to find the
existing names, one bulk insert for the rest). Items and their leader and partner links go in
through ``bulk`` (executemany), updates are grouped by the fields they change and guarded by
the item's version, and the audit events — one per created or changed record and one for the
import — are appended to the chain with ``audit.record_many``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.dbstats import refresh_planner_statistics
from shishi.ledger import signals
from shishi.ledger.excel import bulk, reading
from shishi.ledger.excel.plan import (
    NO_DEADLINE,
    ImportPlan,
    ImportRefused,
    ImportResult,
    PlannedItem,
    format_targets,
)
from shishi.ledger.models import Category, Item, Lifecycle, Programme, Target
from shishi.ledger.parsing import clean_text
from shishi.ledger.services import ensure_programme, lifecycle_for_rate
from shishi.orgs.models import Jurisdiction, Person, Unit


def _unit_kind(name: str) -> str:
    if name.endswith(("街道办事处", "街道")):
        return Unit.Kind.STREET
    if name.endswith(("镇", "乡", "镇政府", "乡政府")):
        return Unit.Kind.TOWNSHIP
    if name.endswith("党支部"):
        return Unit.Kind.PARTY_BRANCH
    if name.endswith("党委"):
        return Unit.Kind.PARTY_COMMITTEE
    if name.endswith(("局", "委", "办", "中心", "部", "院", "所", "队", "联", "会")):
        return Unit.Kind.BUREAU
    return Unit.Kind.OTHER


def _ensure_named(
    model: type[Unit] | type[Person],
    jurisdiction: Jurisdiction,
    names: Iterable[str],
    entries: list[audit.Entry],
    action: str,
) -> tuple[dict[str, int], int]:
    """Name → pk for every name, creating the missing ones in one bulk insert."""
    found = {
        clean_text(name): pk
        for pk, name in model.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name")
    }
    missing = [n for n in dict.fromkeys(names) if n and n not in found]
    if not missing:
        return found, 0
    objs: list[Any]
    if model is Unit:
        objs = [Unit(jurisdiction=jurisdiction, name=n, kind=_unit_kind(n)) for n in missing]
    else:
        objs = [Person(jurisdiction=jurisdiction, name=n) for n in missing]
    model.objects.bulk_create(objs, batch_size=bulk.CHUNK)
    if any(o.pk is None for o in objs):  # a backend that cannot return ids from bulk inserts
        ids = dict(
            model.objects.filter(jurisdiction=jurisdiction, name__in=missing).values_list(
                "name", "pk"
            )
        )
        for obj in objs:
            obj.pk = ids[obj.name]
    for obj in objs:
        found[obj.name] = obj.pk
        changes: dict[str, Any] = {"name": [None, obj.name]}
        if model is Unit:
            changes["kind"] = [None, obj.kind]
        entries.append(audit.entry_for(action, obj, changes, jurisdiction.pk))
    return found, len(objs)


def _ensure_categories(
    programme: Programme, names: Sequence[str], entries: list[audit.Entry]
) -> tuple[dict[str, int], int]:
    """Category name → pk; new categories take the sheet's order after the existing ones."""
    existing = list(Category.objects.filter(programme=programme).values_list("pk", "name", "order"))
    found = {reading.compact(name): pk for pk, name, _order in existing}
    top = max((order for _pk, _name, order in existing), default=0)
    objs = [
        Category(
            jurisdiction_id=programme.jurisdiction_id,
            programme=programme,
            name=name,
            order=top + position,
        )
        for position, name in enumerate(names, start=1)
        if name not in found
    ]
    if not objs:
        return found, 0
    Category.objects.bulk_create(objs, batch_size=bulk.CHUNK)
    if any(o.pk is None for o in objs):
        ids = dict(Category.objects.filter(programme=programme).values_list("name", "pk"))
        for obj in objs:
            obj.pk = ids[obj.name]
    for obj in objs:
        found[obj.name] = obj.pk
        changes = {"name": [None, obj.name], "order": [None, obj.order]}
        entries.append(audit.entry_for("category.create", obj, changes, programme.jurisdiction_id))
    return found, len(objs)


def _stale(item: PlannedItem) -> ImportRefused:
    return ImportRefused(
        f"预览之后台账已被他人修改(第{item.row}行“{item.name}”,编号{item.number}),"
        "请重新上传预览后再确认导入",
        status=409,
    )


def _check_fresh(plan: ImportPlan, programme: Programme) -> None:
    """Refuse if the ledger changed since the plan was made."""
    current = {
        number: (pk, version)
        for number, pk, version in Item.objects.filter(programme=programme).values_list(
            "number", "pk", "version"
        )
    }
    for item in plan.items:
        if item.action == "create" and item.number in current:
            raise _stale(item)
        if item.action == "update" and current.get(item.number) != (item.item_id, item.version):
            raise _stale(item)


def write_plan(plan: ImportPlan, *, actor: Any) -> ImportResult:
    """Write a checked plan in one transaction (``importing.apply_import`` checks first)."""
    jurisdiction = plan.jurisdiction
    now = timezone.now()
    entries: list[audit.Entry] = []
    creates = plan.creates
    updates = plan.updates
    with transaction.atomic():
        programme = ensure_programme(jurisdiction, plan.year, actor=actor)
        _check_fresh(plan, programme)
        active = [*creates, *updates]
        units, new_units = _ensure_named(
            Unit,
            jurisdiction,
            (u for p in active for u in (p.lead_unit, *p.partner_units)),
            entries,
            "unit.create",
        )
        people, new_people = _ensure_named(
            Person,
            jurisdiction,
            (n for p in active for n in p.sponsor_leaders),
            entries,
            "person.create",
        )
        categories, new_categories = _ensure_categories(
            programme, plan.categories if active else [], entries
        )
        context = _Context(plan, programme, units, people, categories, now, entries)
        _create_items(context, creates)
        _update_items(context, updates)
        if active:
            changes = {
                "sheet": [None, plan.sheet_name],
                "created": [None, len(creates)],
                "updated": [None, len(updates)],
                "unchanged": [None, len(plan.items) - len(active)],
            }
            entries.append(audit.entry_for("programme.import", programme, changes, jurisdiction.pk))
        audit.record_many(actor=actor, entries=entries)
        if active:
            signals.programme_changed(programme.pk)
            # A bulk change of the ledger: let SQLite's planner see the new table sizes.
            transaction.on_commit(lambda: refresh_planner_statistics(sqlite_only=True))
    return ImportResult(
        created=len(creates),
        updated=len(updates),
        unchanged=len(plan.items) - len(active),
        programme=programme,
        new_units=new_units,
        new_leaders=new_people,
        new_categories=new_categories,
    )


@dataclass
class _Context:
    plan: ImportPlan
    programme: Programme
    units: dict[str, int]
    people: dict[str, int]
    categories: dict[str, int]
    now: dt.datetime
    entries: list[audit.Entry]

    @property
    def progress_date(self) -> dt.date:
        return self.plan.as_of or timezone.localdate()


_ITEM_COLUMNS = (
    "jurisdiction_id",
    "programme_id",
    "category_id",
    "number",
    "seq",
    "name",
    "content",
    "measures",
    "deadline_text",
    "due_date",
    "is_ongoing",
    "lead_unit_id",
    "planned_investment",
    "done_investment",
    "completion_rate",
    "lifecycle",
    "progress_text",
    "progress_date",
    "remarks",
    "version",
    "created_at",
    "updated_at",
)
# What an item.create event records (item_snapshot's fields), empty values left out.
_SNAPSHOT_COLUMNS = tuple(
    (i, name)
    for i, name in enumerate(_ITEM_COLUMNS)
    if name not in ("jurisdiction_id", "programme_id", "seq", "progress_date", "version")
    and not name.endswith("_at")
)


def _create_items(ctx: _Context, creates: Sequence[PlannedItem]) -> None:
    if not creates:
        return
    programme = ctx.programme
    progress_date = ctx.progress_date
    not_started = Lifecycle.NOT_STARTED
    rows = []
    for p in creates:
        deadline = p.deadline or NO_DEADLINE
        rate = p.completion_rate if p.completion_rate is not None else Decimal(0)
        rows.append(
            (
                programme.jurisdiction_id,
                programme.pk,
                ctx.categories[p.category] if p.category else None,
                p.number,
                p.seq,
                p.name,
                p.content,
                p.measures,
                deadline.text,
                deadline.due_date,
                deadline.is_ongoing,
                ctx.units[p.lead_unit],
                p.planned_investment,
                p.done_investment,
                rate,
                lifecycle_for_rate(rate, not_started),
                p.progress_text or "",
                progress_date if p.progress_text else None,
                p.remarks,
                1,
                ctx.now,
                ctx.now,
            )
        )
    bulk.insert_rows(Item, _ITEM_COLUMNS, rows)
    numbers = {p.number for p in creates}
    ids = {
        number: pk
        for number, pk in Item.objects.filter(programme=programme).values_list("number", "pk")
        if number in numbers
    }
    leader_links: list[tuple[int, int]] = []
    partner_links: list[tuple[int, int]] = []
    targets: list[tuple[Any, ...]] = []
    for p, row in zip(creates, rows, strict=True):
        pk = ids[p.number]
        people, units = ctx.people, ctx.units
        leader_links += ((pk, people[n]) for n in p.sponsor_leaders)
        partner_links += ((pk, units[n]) for n in p.partner_units)
        targets += (
            (pk, t.name, t.value, t.unit, i, ctx.now, ctx.now) for i, t in enumerate(p.targets)
        )
        changes: dict[str, Any] = {}
        for i, name in _SNAPSHOT_COLUMNS:
            value = row[i]
            # Empty values are left out (tested by type: Decimal == "" is slow).
            if value is None or value is False or (value.__class__ is str and not value):
                continue
            changes[name] = [None, value]
        if p.sponsor_leaders:
            changes["sponsor_leaders"] = [None, sorted(p.sponsor_leaders)]
        if p.partner_units:
            changes["partner_units"] = [None, sorted(p.partner_units)]
        if p.targets:
            changes["targets"] = [None, format_targets(p.targets)]
        ctx.entries.append(_entry(ctx, "item.create", pk, p, changes))
    bulk.insert_rows(Item.sponsor_leaders.through, ("item_id", "person_id"), leader_links)
    bulk.insert_rows(Item.partner_units.through, ("item_id", "unit_id"), partner_links)
    bulk.insert_rows(Target, _TARGET_COLUMNS, targets)


_TARGET_COLUMNS = ("item_id", "name", "value", "unit", "order", "created_at", "updated_at")


def _entry(
    ctx: _Context, action: str, pk: int, item: PlannedItem, changes: dict[str, Any]
) -> audit.Entry:
    return audit.Entry(
        action,
        "ledger.item",
        str(pk),
        f"{item.number} {item.name}"[:300],
        changes,
        ctx.programme.jurisdiction_id,
    )


def _update_items(ctx: _Context, updates: Sequence[PlannedItem]) -> None:
    if not updates:
        return
    rows: list[tuple[dict[str, Any], int, int]] = []
    relink_leaders: list[PlannedItem] = []
    relink_partners: list[PlannedItem] = []
    retarget: list[PlannedItem] = []
    for p in updates:
        assert p.item_id is not None and p.version is not None
        old = p.old
        values: dict[str, Any] = {}
        for key in p.changes:
            if key in ("name", "content", "measures", "remarks", "seq"):
                values[key] = getattr(p, key)
            elif key == "deadline_text":
                deadline = p.deadline or NO_DEADLINE
                values["deadline_text"] = deadline.text
                values["due_date"] = deadline.due_date
                values["is_ongoing"] = deadline.is_ongoing
            elif key == "category":
                values["category_id"] = ctx.categories[p.category] if p.category else None
            elif key == "lead_unit":
                values["lead_unit_id"] = ctx.units[p.lead_unit]
            elif key == "completion_rate" and p.completion_rate is not None:
                values["completion_rate"] = p.completion_rate
                values["lifecycle"] = lifecycle_for_rate(p.completion_rate, old["lifecycle"])
            elif key == "progress_text" and p.progress_text is not None:
                values["progress_text"] = p.progress_text
                values["progress_date"] = ctx.progress_date
            elif key in ("planned_investment", "done_investment"):
                values[key] = getattr(p, key)
            elif key == "sponsor_leaders":
                relink_leaders.append(p)
            elif key == "partner_units":
                relink_partners.append(p)
            elif key == "targets":
                retarget.append(p)
        changes: dict[str, Any] = {
            key: [old[key], value]
            for key, value in values.items()
            if key in old and old[key] != value
        }
        for key in ("sponsor_leaders", "partner_units", "targets"):
            if key in p.changes:
                changes[key] = list(p.changes[key])
        values["version"] = p.version + 1
        values["updated_at"] = ctx.now
        rows.append((values, p.item_id, p.version))
        ctx.entries.append(_entry(ctx, "item.update", p.item_id, p, changes))
    if bulk.update_rows(Item, rows) != len(rows):
        raise ImportRefused("预览之后台账已被他人修改,请重新上传预览后再确认导入", status=409)
    leader_link = Item.sponsor_leaders.through
    partner_link = Item.partner_units.through
    if relink_leaders:
        leader_link.objects.filter(item_id__in=[p.item_id for p in relink_leaders]).delete()
        bulk.insert_rows(
            leader_link,
            ("item_id", "person_id"),
            [(p.item_id, ctx.people[n]) for p in relink_leaders for n in p.sponsor_leaders],
        )
    if relink_partners:
        partner_link.objects.filter(item_id__in=[p.item_id for p in relink_partners]).delete()
        bulk.insert_rows(
            partner_link,
            ("item_id", "unit_id"),
            [(p.item_id, ctx.units[n]) for p in relink_partners for n in p.partner_units],
        )
    if retarget:
        ids = [p.item_id for p in retarget]
        actuals: dict[tuple[int | None, str], Decimal | None] = {
            (item_id, name): actual
            for item_id, name, actual in Target.objects.filter(item_id__in=ids).values_list(
                "item_id", "name", "actual"
            )
        }
        Target.objects.filter(item_id__in=ids).delete()
        bulk.insert_rows(
            Target,
            (*_TARGET_COLUMNS, "actual"),
            [
                (
                    p.item_id,
                    t.name,
                    t.value,
                    t.unit,
                    i,
                    ctx.now,
                    ctx.now,
                    actuals.get((p.item_id, t.name)),
                )
                for p in retarget
                for i, t in enumerate(p.targets)
            ],
        )
