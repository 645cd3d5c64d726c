"""Export a programme's ledger as an .xlsx in the office layout.

The sheet looks like the ones the districts pass around (see ``layout``) and imports back
to the same ledger: the 序号 in each category is written so that the importer derives each
item's own number from it. Where the numbers do not follow that pattern (items numbered by
hand in the app), a 编号 column carries them so the round trip still holds.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from shishi.core.errors import PermissionDenied
from shishi.ledger.excel import layout, reading
from shishi.ledger.excel.importing import format_targets
from shishi.ledger.models import Category, Item, Programme
from shishi.orgs.permissions import scope_for


def _may_read(actor: Any, programme: Programme) -> bool:
    return actor is None or scope_for(actor).can_read_jurisdiction(programme.jurisdiction_id)


def _seq_for(number: str, position: int | None) -> int | None:
    """The 序号 that gives back ``number`` under the importer's numbering, if any."""
    if position is not None and (m := re.fullmatch(rf"{position}-(\d+)", number)):
        return reading.plain_int(m.group(1))
    return reading.plain_int(number)


@dataclass
class _Section:
    position: int | None  # the category's position on the sheet; None: no category
    name: str | None
    items: list[Item]


def _sections(programme: Programme, items: list[Item]) -> tuple[list[_Section], bool]:
    """Items grouped by category in the sheet's order, and whether 编号 must be written."""
    categories = list(Category.objects.filter(programme=programme).order_by("order", "id"))
    sections = {c.pk: _Section(i, c.name, []) for i, c in enumerate(categories, start=1)}
    loose = _Section(None, None, [])
    for item in items:
        sections.get(item.category_id or 0, loose).items.append(item)
    ordered = ([loose] if loose.items else []) + list(sections.values())

    entries: list[tuple[int | None, str]] = []
    for section in ordered:
        for item in section.items:
            seq = _seq_for(item.number, section.position)
            if seq is None or seq != item.seq:
                return ordered, True
            entries.append((section.position, str(seq)))
    derived = reading.derive_numbers(entries, categorised=bool(categories))
    return ordered, derived != [item.number for s in ordered for item in s.items]


def export_ledger(programme: Programme, *, actor: Any) -> bytes:
    """The programme's ledger as .xlsx bytes (anyone who may read the jurisdiction).

    ``actor=None`` means the system (the console command). Text that a spreadsheet would
    run as a formula (=, +, -, @ …) is written as a string cell with Excel's quote prefix.
    """
    if not _may_read(actor, programme):
        raise PermissionDenied("无权导出该辖区的台账")
    items = list(
        Item.objects.filter(programme=programme)
        .select_related("lead_unit", "jurisdiction")
        .prefetch_related("sponsor_leaders", "partner_units", "targets")
        .order_by("seq", "number", "id")
    )
    sections, with_numbers = _sections(programme, items)
    has_targets = any(item.targets.all() for item in items)
    has_money = any(
        item.planned_investment is not None or item.done_investment is not None for item in items
    )
    columns = layout.office_columns(targets=has_targets, investment=has_money, numbers=with_numbers)
    out = []
    for section in sections:
        rows = []
        for item in section.items:
            leaders = sorted(item.sponsor_leaders.all(), key=lambda p: p.pk)
            partners = sorted(item.partner_units.all(), key=lambda u: u.pk)
            rows.append(
                {
                    "seq": item.seq,
                    "number": item.number,
                    "name": item.name,
                    "content": item.content,
                    "measures": item.measures,
                    "target": format_targets(item.targets.all()),
                    "deadline": item.deadline_text,
                    "leaders": "、".join(p.name for p in leaders),
                    "lead_unit": item.lead_unit.name,
                    "partner_units": "、".join(u.name for u in partners),
                    "planned_investment": item.planned_investment,
                    "done_investment": item.done_investment,
                    "progress": item.progress_text,
                    "rate": item.completion_rate,
                    "remarks": item.remarks,
                }
            )
        out.append(layout.Section(section.name, rows))
    jurisdiction = programme.jurisdiction
    buffer = io.BytesIO()
    layout.write_ledger(
        buffer,
        title=programme.name,
        filler=f"填报单位:{jurisdiction.name}“我为群众办实事”领导小组办公室",
        as_of=timezone.localdate(),
        columns=columns,
        sections=out,
    )
    return buffer.getvalue()
