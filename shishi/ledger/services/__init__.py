"""Every write to the ledger. Views, API, importer, commands and the demo call these.

Each service checks permission, validates, runs in one transaction, and writes the audit
event with old → new values. By concern: ``items`` (programmes, categories, items and
their life cycle), ``plans`` (an item's targets and milestones, items by hand from ids),
``progress`` (progress updates and notes), ``publication`` (what the public portal
shows), ``review`` (the office's review of units' updates), ``changes`` (change
requests), ``carry`` (结转 into next year); the import's bulk write is
``ledger.import_services``.
"""

from shishi.ledger.models import lifecycle_for_rate
from shishi.ledger.services.changes import (
    approve_change_request,
    file_change_request,
    reject_change_request,
    withdraw_change_request,
)
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
    reopen_item,
    set_programme_review,
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
    HeldFile,
    held_files,
    hold_uploads,
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
from shishi.ledger.services.review import publish_updates, reject_update

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "EDITABLE_FIELDS",
    "MAX_ATTACHMENT_BYTES",
    "NOTE_NOT_PUBLIC",
    "NOT_A_PHOTO",
    "NOT_PUBLISHER",
    "PUBLIC_PHOTO_TYPES",
    "SNAPSHOT_FIELDS",
    "HeldFile",
    "MilestoneInput",
    "TargetInput",
    "add_item",
    "add_milestone",
    "add_target",
    "approve_change_request",
    "close_out_item",
    "complete_milestone",
    "create_item",
    "edit_item",
    "ensure_category",
    "ensure_programme",
    "file_change_request",
    "held_files",
    "hold_uploads",
    "item_snapshot",
    "lifecycle_for_rate",
    "move_milestone",
    "move_target",
    "publish_updates",
    "record_progress",
    "reject_change_request",
    "reject_update",
    "remove_milestone",
    "remove_target",
    "reopen_item",
    "set_attachment_publication",
    "set_item_publication",
    "set_items_publication",
    "set_programme_review",
    "set_targets",
    "set_update_publication",
    "undo_milestone_completion",
    "update_item",
    "update_milestone",
    "update_target",
    "withdraw_change_request",
]
