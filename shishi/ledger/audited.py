"""Which recorded keys of the ledger's audit events are columns of their rows
(``core.replay``: ``verify_audit`` compares each row with the last values its events
recorded). Keys that describe an event rather than the row (a progress update's ``rate``,
``text``, ``review``, ``is_public``; ``targets``, ``note``, ``reason``) are left out."""

from shishi.core import replay

replay.register(
    "ledger.item",
    (
        "number",
        "name",
        "content",
        "measures",
        "deadline_text",
        "due_date",
        "is_ongoing",
        "start_date",
        "planned_investment",
        "done_investment",
        "remarks",
        "category_id",
        "lead_unit_id",
        "completion_rate",
        "lifecycle",
        "progress_text",
    ),
)
replay.register("ledger.programme", ("year", "name", "auto_publish", "evidence_step"))
replay.register("ledger.category", ("name", "order"))
