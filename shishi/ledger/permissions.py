"""Who may read and change the ledger. Every view, API endpoint and service asks here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger.models import ImportBatch, Item, Programme
from shishi.orgs.permissions import scope_for

# --- who may change which field ----------------------------------------------------------
# The item's own fields: the programme office (or the city office above it) edits them; a
# unit editor asks for a change (调整申请) that the office approves.
ITEM_FIELDS = frozenset(
    {
        "name",
        "content",
        "measures",
        "deadline_text",
        "due_date",
        "start_date",
        "category_id",
        "lead_unit_id",
        "partner_units",
        "sponsor_leaders",
        "planned_investment",
        "remarks",
        "targets",
        "milestones",
    }
)
# What a progress post carries: the lead unit's editors and the office post it.
PROGRESS_FIELDS = frozenset(
    {"rate", "text", "target_actuals", "done_investment", "attachments", "milestone_done"}
)
# A partner unit's editors add notes, nothing else.
NOTE_FIELDS = frozenset({"note"})
# Fields a change request may ask for (the office's own remarks are not the unit's to ask).
REQUESTABLE_FIELDS = ITEM_FIELDS - {"remarks", "targets", "milestones", "category_id"}

ASK_FOR_CHANGE = (
    "单位不能直接修改事项信息（名称、内容、时限、责任单位、包保领导、目标、节点等），"
    "请提交调整申请，由专班审批"
)


def can_read_item(user: Any, item: Item) -> bool:
    return scope_for(user).can_read_jurisdiction(item.jurisdiction_id)


def fields_for(user: Any, item: Item, *, partner_ids: set[int] | None = None) -> frozenset[str]:
    """Every field of ``item`` the user may change directly: the one table of who may
    change what (the office: everything; the lead unit: progress; a partner: notes)."""
    scope = scope_for(user)
    if scope.is_office_for(item.jurisdiction_id):
        return ITEM_FIELDS | PROGRESS_FIELDS | NOTE_FIELDS
    if scope.edits_unit(item.lead_unit_id):
        return PROGRESS_FIELDS | NOTE_FIELDS
    if partner_unit_ids_for(user, item, partner_ids=partner_ids):
        return NOTE_FIELDS
    return frozenset()


def can_edit_item(user: Any, item: Item) -> bool:
    """May change the item's own fields (name, deadline, units, targets …): the office."""
    return scope_for(user).is_office_for(item.jurisdiction_id)


def can_request_change(user: Any, item: Item) -> bool:
    """May file a change request: an editor of the item's lead unit (the office edits)."""
    scope = scope_for(user)
    return scope.edits_unit(item.lead_unit_id) and not scope.is_office_for(item.jurisdiction_id)


def partner_unit_ids_for(user: Any, item: Item, *, partner_ids: set[int] | None = None) -> set[int]:
    """The user's editor units that are partner units of the item (``partner_ids``: the
    item's partner units, when the caller has read them already)."""
    scope = scope_for(user)
    if not scope.editor_unit_ids:
        return set()
    if partner_ids is None:
        partner_ids = {u.pk for u in item.partner_units.all()}
    return partner_ids & scope.editor_unit_ids


def can_post_progress(user: Any, item: Item) -> bool:
    """Rate, text, actuals, investment, files, milestones done: the office or the lead unit."""
    scope = scope_for(user)
    return scope.is_office_for(item.jurisdiction_id) or scope.edits_unit(item.lead_unit_id)


def can_post_note(user: Any, item: Item, *, partner_ids: set[int] | None = None) -> bool:
    return can_post_progress(user, item) or bool(
        partner_unit_ids_for(user, item, partner_ids=partner_ids)
    )


def can_review(user: Any, jurisdiction_id: int) -> bool:
    """Publish or reject units' updates, decide change requests: the programme office."""
    return scope_for(user).is_office_for(jurisdiction_id)


def can_manage_programme(user: Any, programme: Programme) -> bool:
    """Import, close out, reopen: the programme office (or city office above it)."""
    return scope_for(user).is_office_for(programme.jurisdiction_id)


def can_close_out(user: Any, item: Item) -> bool:
    return scope_for(user).is_office_for(item.jurisdiction_id)


ITEM_RELATED = ("programme", "category", "lead_unit", "jurisdiction")


def access_item(
    user: Any, pk: int, *, write: bool = False, related: Sequence[str] = ITEM_RELATED
) -> Item:
    """The item if the user may read it (or edit it, with ``write``); else raise.

    An item in a district the user cannot see is reported as not found, so that ids of
    other districts' items leak nothing. ``related``: the related rows read with it (a
    write that needs none of them spares the joins).
    """
    item = Item.objects.select_related(*related).filter(pk=pk).order_by().first()
    if item is None or not can_read_item(user, item):
        raise NotFound("事项不存在或无权查看")
    if "programme" in related and "jurisdiction" in related:
        programme = item.programme
        if programme.jurisdiction_id == item.jurisdiction_id:  # always: spare a query
            programme.jurisdiction = item.jurisdiction
    if write and not can_post_progress(user, item):
        raise PermissionDenied("只有专班或牵头单位可以修改此事项")
    return item


def access_programme(user: Any, pk: int, *, manage: bool = False) -> Programme:
    programme = Programme.objects.select_related("jurisdiction").filter(pk=pk).first()
    if programme is None or not scope_for(user).can_read_jurisdiction(programme.jurisdiction_id):
        raise NotFound("计划不存在或无权查看")
    if manage and not can_manage_programme(user, programme):
        raise PermissionDenied("只有专班可以执行此操作")
    return programme


def access_import_batch(user: Any, pk: int) -> ImportBatch:
    """The batch if the user is the office of its jurisdiction; else raise."""
    batch = ImportBatch.objects.select_related("jurisdiction").filter(pk=pk).first()
    scope = scope_for(user)
    if batch is None or not scope.can_read_jurisdiction(batch.jurisdiction_id):
        raise NotFound("导入批次不存在或无权查看")
    if not scope.is_office_for(batch.jurisdiction_id):
        raise PermissionDenied("只有专班可以导入台账")
    return batch
