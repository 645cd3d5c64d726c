"""The item page's reads: targets, milestones, the progress timeline and the history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from shishi.core import selectors as core_selectors
from shishi.ledger import permissions, queries
from shishi.ledger.models import Attachment, Category, Item, Milestone, ProgressUpdate, Target
from shishi.ledger.rows import EventRow, Ref, UpdateRow
from shishi.orgs import selectors as orgs_selectors

HISTORY_LIMIT = 10  # the latest changes (the side panel); "全部" shows the rest
UPDATE_LIMIT = 50  # the latest progress updates; "全部" shows the rest


def item_targets(item: Item) -> list[Target]:
    """The item's targets in their order."""
    return list(Target.objects.filter(item_id=item.pk).order_by("order", "id"))


def item_milestones(item: Item) -> list[Milestone]:
    """The item's milestones in the office's order (new ones go in by their date)."""
    return list(Milestone.objects.filter(item_id=item.pk).order_by("order", "due_date", "id"))


def item_updates(item: Item) -> QuerySet[ProgressUpdate]:
    """The item's progress updates, newest first; attachments in ``update.attachment_list``."""
    return (
        ProgressUpdate.objects.filter(item=item)
        .select_related("author", "unit")
        .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
        .order_by("-reported_on", "-id")
    )


def attachments_of(update: ProgressUpdate) -> list[Attachment]:
    prefetched = getattr(update, "attachment_list", None)
    return prefetched if prefetched is not None else list(update.attachments.all())


def item_attachment(item: Item, attachment_pk: int) -> Attachment | None:
    """An attachment of one of the item's progress updates, or None."""
    update = item_updates(item).filter(attachments__pk=attachment_pk).first()
    if update is None:
        return None
    return next((a for a in attachments_of(update) if a.pk == attachment_pk), None)


def timeline_updates(item: Item, *, limit: int | None) -> tuple[list[UpdateRow], int]:
    """The item's latest ``limit`` updates (all when None), newest first, with their
    attachments, and how many updates there are (one written query)."""
    return queries.timeline(item.pk, limit=limit)


def history_rows(item: Item, *, limit: int | None) -> list[EventRow]:
    """The item's latest ``limit`` audit events (all when None), newest first, each with
    how its account is shown today (two queries: the events, their accounts)."""
    events = core_selectors.audit_events_of("ledger.item", item.pk, limit=limit)
    labels = orgs_selectors.account_labels(e.actor_id for e in events)
    return [
        EventRow(
            action=e.action,
            changes=e.changes,
            created_at=e.created_at,
            actor_label=labels.get(e.actor_id, "") if e.actor_id is not None else "",
            actor_name=e.actor_name or "",
        )
        for e in events
    ]


def referenced_ids(events: Iterable[EventRow]) -> tuple[set[int], set[int]]:
    """The category and unit ids the events' changes name (old or new values)."""
    found: tuple[set[int], set[int]] = (set(), set())
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        for ids, key in zip(found, ("category_id", "lead_unit_id"), strict=True):
            ids.update(int(v) for v in changes.get(key) or () if str(v).isdigit())
    return found


def reference_names(
    item: Item, category_ids: set[int], unit_ids: set[int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Names of the categories and units an item's history refers to, from the item's
    district. The item's own category and lead unit come with the item; others are read
    only when the history names them (one query each)."""
    categories: dict[int, str] = {}
    others = set(category_ids)
    if item.category_id is not None and item.category is not None:
        categories[item.category_id] = item.category.name
        others.discard(item.category_id)
    if others:
        named = Category.objects.filter(jurisdiction_id=item.jurisdiction_id, pk__in=others)
        categories.update(named.values_list("pk", "name"))
    lead = item.lead_unit
    units = orgs_selectors.unit_names(item.jurisdiction_id, unit_ids - {lead.pk})
    if lead.jurisdiction_id == item.jurisdiction_id:
        units[lead.pk] = lead.name
    return categories, units


@dataclass
class ItemHistory:
    """The item's latest changes (or all), and the names of what they refer to."""

    events: list[EventRow]
    more: bool  # older changes are left out
    category_names: dict[int, str]
    unit_names: dict[int, str]


def item_history(item: Item, *, show_all: bool) -> ItemHistory:
    events = history_rows(item, limit=None if show_all else HISTORY_LIMIT + 1)
    more = not show_all and len(events) > HISTORY_LIMIT
    events = events[:HISTORY_LIMIT] if more else events
    return ItemHistory(events, more, *reference_names(item, *referenced_ids(events)))


@dataclass
class ItemPage:
    """What the item page shows, and what the user may do there."""

    leaders: list[Ref]
    partners: list[Ref]
    targets: list[Target]
    milestones: list[Milestone]
    updates: list[UpdateRow]
    update_count: int
    can_post: bool
    can_edit: bool
    can_close: bool

    @property
    def more_updates(self) -> bool:
        return len(self.updates) < self.update_count


def item_page(user: Any, item: Item, *, all_updates: bool) -> ItemPage:
    """The item page's data: the latest updates (or all of them). Its change history is
    read apart (``item_history``), for the panel the page loads after it."""
    leaders, partners = queries.item_links([item.pk]).get(item.pk, ([], []))
    # Removed targets too: older updates still name the figures they reported.
    every_target = list(Target.all_objects.filter(item_id=item.pk).order_by("order", "id"))
    targets = [t for t in every_target if t.removed_at is None]
    target_names = {str(t.pk): t for t in every_target}
    updates, count = timeline_updates(item, limit=None if all_updates else UPDATE_LIMIT)
    for update in updates:
        for target_id, value in update.target_actuals.items():
            target = target_names.get(str(target_id))
            if target is not None:
                update.target_lines.append((target.name, value, target.unit))
    can_edit = permissions.can_edit_item(user, item)
    partner_ids = {p.id for p in partners}
    can_post = can_edit or permissions.can_post_note(user, item, partner_ids=partner_ids)
    can_close = permissions.can_close_out(user, item)
    milestones = item_milestones(item)
    return ItemPage(
        leaders,
        partners,
        targets,
        milestones,
        updates,
        count,
        can_post,
        can_edit,
        can_close,
    )
