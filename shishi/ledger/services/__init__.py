"""Every write to the ledger. Views, API, importer, commands and the demo call these.

Each service checks permission, validates, runs in one transaction, and writes the audit
event with old → new values. By concern: ``items`` (programmes, categories, items and
their life cycle), ``plans`` (an item's targets and milestones, items by hand from ids),
``progress`` (progress updates and notes), ``publication`` (what the public portal
shows); the import's bulk write is ``ledger.import_services``."""

from shishi.ledger.services.items import (
    EDITABLE_FIELDS,
    SNAPSHOT_FIELDS,
    MilestoneInput,
    TargetInput,
    close_out_item,
    create_item,
    ensure_category,
    ensure_programme,
    item_snapshot,
    lifecycle_for_rate,
    reopen_item,
    update_item,
)
from shishi.ledger.services.plans import (
    add_item,
    add_milestone,
    add_target,
    complete_milestone,
    edit_item,
    move_milestone,
    move_target,
    remove_milestone,
    remove_target,
    set_targets,
    undo_milestone_completion,
    update_milestone,
    update_target,
)
from shishi.ledger.services.progress import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    record_progress,
)
from shishi.ledger.services.publication import (
    NOT_A_PHOTO,
    NOT_PUBLISHER,
    NOTE_NOT_PUBLIC,
    PUBLIC_PHOTO_TYPES,
    set_attachment_publication,
    set_item_publication,
    set_items_publication,
    set_update_publication,
)

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "EDITABLE_FIELDS",
    "MAX_ATTACHMENT_BYTES",
    "NOTE_NOT_PUBLIC",
    "NOT_A_PHOTO",
    "NOT_PUBLISHER",
    "PUBLIC_PHOTO_TYPES",
    "SNAPSHOT_FIELDS",
    "MilestoneInput",
    "TargetInput",
    "add_item",
    "add_milestone",
    "add_target",
    "close_out_item",
    "complete_milestone",
    "create_item",
    "edit_item",
    "ensure_category",
    "ensure_programme",
    "item_snapshot",
    "lifecycle_for_rate",
    "move_milestone",
    "move_target",
    "record_progress",
    "remove_milestone",
    "remove_target",
    "reopen_item",
    "set_attachment_publication",
    "set_item_publication",
    "set_items_publication",
    "set_targets",
    "set_update_publication",
    "undo_milestone_completion",
    "update_item",
    "update_milestone",
    "update_target",
]
