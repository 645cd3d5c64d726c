"""Who may read and change the ledger. Every view, API endpoint and service asks here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shishi.core.errors import NotFound, PermissionDenied
from shishi.ledger.models import ImportBatch, Item, Programme
from shishi.orgs.permissions import scope_for


def can_read_item(user: Any, item: Item) -> bool:
    return scope_for(user).can_read_jurisdiction(item.jurisdiction_id)


def can_edit_item(user: Any, item: Item) -> bool:
    """Office of the district, or an editor of the item's lead unit."""
    scope = scope_for(user)
    return scope.is_office_for(item.jurisdiction_id) or scope.edits_unit(item.lead_unit_id)


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
    return can_edit_item(user, item)


def can_post_note(user: Any, item: Item, *, partner_ids: set[int] | None = None) -> bool:
    return can_edit_item(user, item) or bool(
        partner_unit_ids_for(user, item, partner_ids=partner_ids)
    )


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
    if write and not can_edit_item(user, item):
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
