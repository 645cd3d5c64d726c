"""The ledger's import services: uploaded sheets kept for preview, and a plan written.

``create_import_batch`` and ``mark_import_batch`` keep the wizard's uploaded file and its
status. ``apply_import`` writes an ``ImportPlan`` (made by ``excel.importing.plan_import``):
the same checks, transaction and audit events as every other ledger write, in bulk.

Units, leaders and categories the plan names are created first (one query to find the
existing names, one bulk insert for the rest). New items get their ids reserved up front and
go in with their leader and partner links and targets through ``core.bulk`` (COPY on
PostgreSQL, multi-row INSERTs on SQLite); updates are grouped by the fields they change and
guarded by the item's version; the audit events — one per created or changed record and one
for the import — are appended to the chain with ``audit.record_many``, the creations' JSON
built from values encoded once per distinct value (``audit.EncodedValues``).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shishi.core import audit, bulk
from shishi.core.dbstats import refresh_planner_statistics
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.ledger import signals
from shishi.ledger.excel import reading
from shishi.ledger.excel.plan_types import (
    NO_DEADLINE,
    ImportPlan,
    ImportRefused,
    ImportResult,
    PlannedItem,
    format_targets,
    refuse_unless_office,
)
from shishi.ledger.models import Category, ImportBatch, Item, Lifecycle, Programme, Target
from shishi.ledger.parsing import clean_text
from shishi.ledger.services import ensure_programme, lifecycle_for_rate, publication
from shishi.orgs.models import NAMED_IN_JURISDICTION, Jurisdiction, Person, Unit
from shishi.orgs.permissions import scope_for

# What the audit event keeps of a batch's summary (the full plan stays on the batch).
SUMMARY_AUDIT_KEYS = ("created", "updated", "unchanged", "error_count", "programme", "refused")
FINAL_STATUSES = frozenset(
    (ImportBatch.Status.APPLIED, ImportBatch.Status.FAILED, ImportBatch.Status.CANCELLED)
)


def create_import_batch(
    *, jurisdiction: Jurisdiction, year: int, upload: UploadedFile, actor: Any
) -> ImportBatch:
    """Keep an uploaded ledger sheet for preview (programme office only)."""
    if not scope_for(actor).is_office_for(jurisdiction.pk):
        raise PermissionDenied("只有专班可以导入台账")
    errors: dict[str, str] = {}
    if not 2000 <= year <= 2100:
        errors["year"] = f"年度 {year} 不合理"
    name = (upload.name or "").strip()
    if not name.lower().endswith(".xlsx"):
        errors["file"] = "请上传 .xlsx 格式的Excel文件"
    limit = int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    if (upload.size or 0) > limit:
        errors["file"] = f"文件过大，上限为 {limit // 1024 // 1024} MB"
    if errors:
        raise ValidationFailed("；".join(errors.values()), errors)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    upload.seek(0)
    with transaction.atomic():
        batch = ImportBatch(
            jurisdiction=jurisdiction,
            year=year,
            original_name=name[-255:],
            sha256=sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            status=ImportBatch.Status.PREVIEWED,
        )
        batch.file.save(f"{year}-{sha256[:16]}.xlsx", upload, save=False)
        batch.save()
        audit.record(
            actor=actor,
            action="import_batch.create",
            target=batch,
            changes={
                "original_name": [None, batch.original_name],
                "year": [None, year],
                "sha256": [None, sha256],
            },
            jurisdiction_id=jurisdiction.pk,
        )
    return batch


def year_confirmation_text(year: int) -> str:
    """The words of the tick box that confirms importing a sheet that does not fit the year."""
    return f"我已核对年度，确认导入到{year}年"


def year_refusal(year: int, warnings: Sequence[Any]) -> str:
    """Why a sheet that does not fit ``year`` is not imported without the tick box."""
    first = warnings[0]
    return (
        f"表格内容与所选年度{year}年不符（{first}"
        f"{'等' if len(warnings) > 1 else ''}），"
        f"请核对年度后勾选“{year_confirmation_text(year)}”再导入"
    )


def check_year_confirmed(plan: ImportPlan, *, confirmed: bool) -> None:
    """Refuse a plan whose sheet does not fit the chosen year unless the office confirmed it.

    The wizard's tick box (``confirm_year``) and the console's ``--accept-year-mismatch``
    are the confirmation; without it nothing is imported.
    """
    if plan.year_mismatch and not confirmed:
        message = year_refusal(plan.year, plan.year_warnings)
        raise ValidationFailed(message, {"confirm_year": message})


def mark_import_batch(
    batch: ImportBatch,
    *,
    status: str,
    summary: dict[str, Any],
    actor: Any,
    fields: dict[str, Any] | None = None,
) -> ImportBatch:
    """Record the outcome of planning or applying the batch (``fields``: its counts,
    error, who confirmed). ``actor=None`` is the system: a background run's outcome."""
    if actor is not None and not scope_for(actor).is_office_for(batch.jurisdiction_id):
        raise PermissionDenied("只有专班可以导入台账")
    if status not in ImportBatch.Status.values:
        raise ValidationFailed(f"未知状态：{status}")
    extra = dict(fields or {})
    if status in FINAL_STATUSES:
        extra.setdefault("finished_at", timezone.now())
    with transaction.atomic():
        old_status = batch.status
        batch.status = status
        batch.summary = summary
        for name, value in extra.items():
            setattr(batch, name, value)
        batch.save(update_fields=["status", "summary", "updated_at", *extra])
        audit.record(
            actor=actor,
            action=f"import_batch.{status}",
            target=batch,
            changes={
                "status": [old_status, status],
                **{
                    key: [None, summary[key]]
                    for key in SUMMARY_AUDIT_KEYS
                    if key in summary and summary[key] is not None
                },
            },
            jurisdiction_id=batch.jurisdiction_id,
        )
    return batch


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of a bulk import.

    Planning and writing 10,000 items allocate about a million lists, tuples and records,
    all kept until the end and none in reference cycles: the collector finds nothing, yet
    each full pass walks all of them (0.15 s of a 10,000-item import, measured).
    Reference counting frees memory as usual meanwhile; the collector resumes at the end,
    unless it was already off (another import in another thread, or the caller).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- applying a plan ----------------------------------------------------------------------


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
    rows = model.objects.filter(jurisdiction=jurisdiction)
    if model is Unit:
        rows = rows.filter(NAMED_IN_JURISDICTION)  # not the branches named within a committee
    found = {clean_text(name): pk for pk, name in rows.values_list("pk", "name")}
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
        ids = dict(rows.filter(name__in=missing).values_list("name", "pk"))
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
        f"预览之后台账已被他人修改（第{item.row}行“{item.name}”，编号{item.number}），"
        "请重新上传预览后再确认导入",
        status=409,
    )


# Columns of an item's progress: an import that writes them moves its progress version on.
PROGRESS_COLUMNS = frozenset({"completion_rate", "progress_text", "done_investment"})


def _check_fresh(plan: ImportPlan, programme: Programme) -> None:
    """Refuse if the ledger changed since the plan was made (its fields or its progress)."""
    current = {
        number: (pk, version, progress_version)
        for number, pk, version, progress_version in Item.objects.filter(
            programme=programme
        ).values_list("number", "pk", "version", "progress_version")
    }
    for item in plan.items:
        if item.action == "create" and item.number in current:
            raise _stale(item)
        planned = (item.item_id, item.version, item.old.get("progress_version"))
        if item.action == "update" and current.get(item.number) != planned:
            raise _stale(item)


def apply_import(
    plan: ImportPlan, *, actor: Any, before_commit: Callable[[], None] | None = None
) -> ImportResult:
    """Write the plan in one transaction: every item of it, or nothing.

    Refused if the plan has errors, if the actor may not manage the jurisdiction's
    programme (its programme office or the city office above; ``None`` is the system), or
    if the ledger changed since the plan was made (then plan again). Writes one audit event
    per created unit, leader, category and item, per changed item, and one for the import;
    an import that changes nothing writes nothing. The rows go in through ``core.bulk``.
    ``before_commit`` runs last inside the transaction: raising there undoes it all (a
    background import cancelled while it wrote).
    """
    if plan.errors:
        count = plan.error_count or len(plan.errors)
        raise ImportRefused(f"表格中有{count}处错误，未导入任何数据；请修正后重新上传")
    refuse_unless_office(actor, plan.jurisdiction)
    with collector_paused():
        return _write_plan(plan, actor=actor, before_commit=before_commit)


def _write_plan(
    plan: ImportPlan, *, actor: Any, before_commit: Callable[[], None] | None
) -> ImportResult:
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
        if before_commit is not None:
            before_commit()
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
    "id",
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


def _create_items(ctx: _Context, creates: Sequence[PlannedItem]) -> None:
    """Insert the new items, their links and targets; one item.create event each.

    One pass over the plan: the ids are reserved first, so each item's row, links, targets
    and audit event are made together. The event records the item's fields as
    ``item_snapshot`` does, empty values left out.
    """
    if not creates:
        return
    programme = ctx.programme
    jurisdiction_id, programme_id = programme.jurisdiction_id, programme.pk
    progress_date = ctx.progress_date
    now = ctx.now
    not_started = Lifecycle.NOT_STARTED
    categories, units, people = ctx.categories, ctx.units, ctx.people
    entries = ctx.entries
    lifecycles: dict[Decimal, str] = {}
    as_json = audit.EncodedValues()
    text_json, value_json, names_json = as_json.text, as_json.value, as_json.names
    rows: list[tuple[Any, ...]] = []
    leader_links: list[tuple[int, int]] = []
    partner_links: list[tuple[int, int]] = []
    targets: list[tuple[Any, ...]] = []
    zero = Decimal(0)
    for p, pk in zip(creates, bulk.reserve_ids(Item, len(creates)), strict=True):
        deadline = p.deadline or NO_DEADLINE
        rate = p.completion_rate if p.completion_rate is not None else zero
        lifecycle = lifecycles.get(rate)
        if lifecycle is None:
            lifecycle = lifecycles[rate] = lifecycle_for_rate(rate, not_started)
        category_id = categories[p.category] if p.category else None
        lead_unit_id = units[p.lead_unit]
        progress_text = p.progress_text or ""
        rows.append(
            (
                pk, jurisdiction_id, programme_id, category_id, p.number, p.seq, p.name,
                p.content, p.measures, deadline.text, deadline.due_date, deadline.is_ongoing,
                lead_unit_id, p.planned_investment, p.done_investment, rate, lifecycle,
                progress_text, progress_date if progress_text else None, p.remarks, 1, now, now,
            )
        )  # fmt: skip
        # The event: the fields item_snapshot records, empty values left out.
        fields = [
            ("lead_unit_id", str(lead_unit_id)),
            ("completion_rate", value_json(rate)),
            ("lifecycle", text_json(lifecycle)),
        ]
        if p.number:
            fields.append(("number", audit.encode_value(p.number)))
        if category_id is not None:
            fields.append(("category_id", str(category_id)))
        if p.name:
            fields.append(("name", audit.encode_value(p.name)))
        if p.content:
            fields.append(("content", text_json(p.content)))
        if p.measures:
            fields.append(("measures", text_json(p.measures)))
        if deadline.text:
            fields.append(("deadline_text", text_json(deadline.text)))
        if deadline.due_date is not None:
            fields.append(("due_date", value_json(deadline.due_date)))
        if deadline.is_ongoing:
            fields.append(("is_ongoing", "true"))
        if p.planned_investment is not None:
            fields.append(("planned_investment", value_json(p.planned_investment)))
        if p.done_investment is not None:
            fields.append(("done_investment", value_json(p.done_investment)))
        if progress_text:
            fields.append(("progress_text", text_json(progress_text)))
        if p.remarks:
            fields.append(("remarks", text_json(p.remarks)))
        if p.sponsor_leaders:
            leader_links += [(pk, people[n]) for n in p.sponsor_leaders]
            fields.append(("sponsor_leaders", names_json(p.sponsor_leaders)))
        if p.partner_units:
            partner_links += [(pk, units[n]) for n in p.partner_units]
            fields.append(("partner_units", names_json(p.partner_units)))
        if p.targets:
            targets += [(pk, t.name, t.value, t.unit, i, now, now) for i, t in enumerate(p.targets)]
            fields.append(("targets", audit.encode_value(format_targets(p.targets))))
        entries.append(_entry(ctx, "item.create", pk, p, audit.creation_changes(fields)))
    bulk.insert_many(Item, _ITEM_COLUMNS, rows)
    bulk.insert_many(Item.sponsor_leaders.through, ("item_id", "person_id"), leader_links)
    bulk.insert_many(Item.partner_units.through, ("item_id", "unit_id"), partner_links)
    bulk.insert_many(Target, _TARGET_COLUMNS, targets)


_TARGET_COLUMNS = ("item_id", "name", "value", "unit", "order", "created_at", "updated_at")


def _entry(
    ctx: _Context,
    action: str,
    pk: int,
    item: PlannedItem,
    changes: dict[str, Any] | audit.Canonical,
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
        if PROGRESS_COLUMNS & set(values):
            values["progress_version"] = old["progress_version"] + 1
        values["updated_at"] = ctx.now
        rows.append((values, p.item_id, p.version))
        ctx.entries.append(_entry(ctx, "item.update", p.item_id, p, changes))
    if bulk.update_many(Item, rows) != len(rows):
        raise ImportRefused("预览之后台账已被他人修改，请重新上传预览后再确认导入", status=409)
    # The office's own sheet: its public items show the imported values at once.
    publication.refresh_published_from_live([p.item_id for p in updates if p.item_id])
    _relink(
        Item.sponsor_leaders.through,
        "person_id",
        {p.item_id: [ctx.people[n] for n in p.sponsor_leaders] for p in relink_leaders},
    )
    _relink(
        Item.partner_units.through,
        "unit_id",
        {p.item_id: [ctx.units[n] for n in p.partner_units] for p in relink_partners},
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
        bulk.insert_many(
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


def _relink(link: Any, field: str, links: dict[int | None, list[int]]) -> None:
    """Replace the items' rows in a many-to-many table (``field``: the other side's id)."""
    if not links:
        return
    link.objects.filter(item_id__in=list(links)).delete()
    bulk.insert_many(
        link,
        ("item_id", field),
        [(item_id, other) for item_id, others in links.items() for other in others],
    )
