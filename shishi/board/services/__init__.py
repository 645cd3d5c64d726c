"""Writes of the battle board: warning rules, item statuses and weekly snapshots.

Only ``set_thresholds`` is a person's action (checked, validated, audited). The rest
rebuilds derived data from the ledger and is called by the ledger's ``items_changed``
signal, by the board's views before they read (``reassess_if_stale``), and by the commands
``refresh_board`` and ``take_snapshots``. By concern:

- ``thresholds``: the warning rules (``set_thresholds``).
- ``reassessment``: current statuses (``refresh_statuses``, ``reassess_if_stale``, the
  ``items_changed`` receiver).
- ``snapshots``: weekly snapshots (``take_snapshots``, ``backfill_snapshots``).
- ``assessing``: what statuses and snapshots share.

All rows go to the database through ``core.bulk``; the board's written SQL is in
``board/queries.py``.
"""

from shishi.board.services.assessing import ASSESSED_COLUMNS, thresholds_for
from shishi.board.services.reassessment import (
    CHANGED,
    PARTIAL_LIMIT,
    on_items_changed,
    reassess_before_read,
    reassess_if_stale,
    refresh_statuses,
    stale_programmes,
)
from shishi.board.services.snapshots import (
    active_programme_ids,
    backfill_snapshots,
    programme_weeks,
    take_snapshots,
    week_end,
)
from shishi.board.services.thresholds import set_thresholds

__all__ = [
    "ASSESSED_COLUMNS",
    "CHANGED",
    "PARTIAL_LIMIT",
    "active_programme_ids",
    "backfill_snapshots",
    "on_items_changed",
    "programme_weeks",
    "reassess_before_read",
    "reassess_if_stale",
    "refresh_statuses",
    "set_thresholds",
    "stale_programmes",
    "take_snapshots",
    "thresholds_for",
    "week_end",
]
