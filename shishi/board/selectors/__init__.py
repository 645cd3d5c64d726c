"""Reads of the battle board (挂图作战): programme, unit, leader and city boards.

Every function checks access first (``permissions``) and runs a constant number of queries
whatever the number of items or updates: the figures are SQL aggregates over
``ItemStatus`` (today) or ``ItemSnapshot`` (a past week), never a loop over items.

Today's board reads the current statuses. They go stale as days pass (the planned rate
moves, updates age), and the ledger's ``items_changed`` signal marks changed items within
the ledger's own transaction. Selectors only read: a view first asks for the write
``services.reassess_if_stale`` (two index-only counts when nothing is stale; the marked
items alone, a few milliseconds; or, on the first view of a day, the whole programme,
about 1 s for 10,000 items, unless the ``refresh_board`` command ran early that morning).

A board ``as_of`` a past date shows the latest weekly snapshot on or before that date,
exactly as it was taken (``Board.snapshot_on`` says which), never a recomputation.

Every count is a ``Figure``: its value and the filter ``params`` of the items behind it,
for the board's item list (``board_items``), e.g. ``{"programme": "3", "unit": "12",
"light": "red"}``; list values are comma-separated (``"status": "behind,overdue"``).

By concern: ``common`` (filters, figures, the rows a board reads, current totals),
``programme`` (programme, unit and leader boards), ``items`` (the items behind a figure),
``city`` (the city board), ``landing`` (which board a user lands on).
"""

from shishi.board.selectors.circular import Circular, CircularRow, circular_items
from shishi.board.selectors.city import (
    CityBoard,
    DistrictRow,
    access_city,
    city_board,
    city_programme_ids,
    city_years,
)
from shishi.board.selectors.common import (
    BoardFilter,
    Figure,
    GroupRow,
    LabelledCount,
    Totals,
    TrendPoint,
    current_totals,
    live_version,
)
from shishi.board.selectors.items import (
    PAGE_LIMIT,
    BoardItemRow,
    ItemPage,
    board_items,
    filter_words,
)
from shishi.board.selectors.landing import Landing, OwnBoard, landing, own_board
from shishi.board.selectors.programme import (
    ALERT_LIMIT,
    GANTT_LIMIT,
    Board,
    Gantt,
    GanttMilestone,
    GanttRow,
    district_years,
    programme_board,
    programme_thresholds,
    snapshot_dates,
)

__all__ = [
    "ALERT_LIMIT",
    "GANTT_LIMIT",
    "PAGE_LIMIT",
    "Board",
    "BoardFilter",
    "BoardItemRow",
    "Circular",
    "CircularRow",
    "CityBoard",
    "DistrictRow",
    "Figure",
    "Gantt",
    "GanttMilestone",
    "GanttRow",
    "GroupRow",
    "ItemPage",
    "LabelledCount",
    "Landing",
    "OwnBoard",
    "Totals",
    "TrendPoint",
    "access_city",
    "board_items",
    "circular_items",
    "city_board",
    "city_programme_ids",
    "city_years",
    "current_totals",
    "district_years",
    "filter_words",
    "landing",
    "live_version",
    "own_board",
    "programme_board",
    "programme_thresholds",
    "snapshot_dates",
]
