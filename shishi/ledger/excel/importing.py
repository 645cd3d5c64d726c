"""Import a ledger sheet: plan first (nothing written), then apply all of it or nothing.

``plan_import`` reads the workbook, finds the ledger on whichever sheet has it, parses every
row and compares it with the programme's ledger: each item is to be created, updated (with
old → new values) or left unchanged, and every bad cell is listed with the sheet's own row
number and header words. ``apply_import`` (the ledger's service, ``import_services``)
writes a plan without errors in one transaction,
with bulk writes and one audit event per created or changed record.

Rules an office can rely on:

- Identity is (programme, number). The number is the 编号 column where the sheet has one;
  otherwise "category position-序号" when the sheet numbers items per category (the usual
  shape: 2-5 is the fifth item of the second category), else the 序号 itself, else the row
  order. Re-importing a sheet updates its items instead of duplicating them; items of the
  programme that the sheet does not list are left alone.
- A column the sheet does not have leaves that field alone. A blank cell clears the field,
  except 进展情况, 完成率 and 完成投资, which units keep up to date themselves: there a blank
  cell keeps the current value (a new item starts at 0 %).
- A blank 完成时限 is allowed (the item has no deadline, as when created without one in
  the app); anything written there must be a date or an open-ended phrase such as 长期坚持.
- Unknown units and leaders are listed in the plan and created in the jurisdiction on apply.
- ``actor=None`` means the system (the console command run by an administrator); any other
  actor must be the programme office of the jurisdiction, or the city office above it.
"""

from __future__ import annotations

from typing import Any

from shishi.ledger.excel.plan_types import (
    FIELD_LABELS,
    ImportPlan,
    ImportRefused,
    ImportResult,
    PlannedItem,
    RowError,
    cell_text,
    format_targets,
    parse_targets,
    refuse_unless_office,
)
from shishi.ledger.excel.planning import Progress, make_plan
from shishi.ledger.excel.reading import Source
from shishi.ledger.import_services import apply_import, collector_paused
from shishi.orgs.models import Jurisdiction

__all__ = [
    "FIELD_LABELS",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "PlannedItem",
    "RowError",
    "apply_import",
    "cell_text",
    "format_targets",
    "parse_targets",
    "plan_import",
]


def plan_import(
    source: Source,
    *,
    jurisdiction: Jurisdiction,
    year: int,
    actor: Any,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportPlan:
    """Read a ledger workbook and say what importing it would do; write nothing.

    ``source`` is a path, the file's bytes or a binary file object (an upload). Raises
    ``ImportRefused`` if the actor may not import for the jurisdiction, or if the file is not
    a readable workbook with a recognisable ledger header. Problems in the rows do not
    raise: they are listed in ``plan.errors`` (and ``apply_import`` refuses such a plan).
    ``file_name`` (the upload's name) is checked for a year other than ``year``; what does
    not fit the year is in ``plan.year_warnings`` (see ``year_check``). ``progress`` is
    told the rows read and validated (a background import shows them, and may raise there
    to stop).
    """
    refuse_unless_office(actor, jurisdiction)
    if not 2000 <= year <= 2100:
        raise ImportRefused(f"年度 {year} 不合理")
    with collector_paused():
        return make_plan(
            source, jurisdiction=jurisdiction, year=year, file_name=file_name, progress=progress
        )
