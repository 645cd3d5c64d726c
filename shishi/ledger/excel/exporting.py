"""Export a programme's ledger as an .xlsx in the office layout.

The sheet looks like the ones the districts pass around (see ``layout``) and imports back
to the same ledger: the 序号 in each category is written so that the importer derives each
item's own number from it. Where the numbers do not follow that pattern (items numbered by
hand in the app, or a filtered export that leaves some out), a 编号 column carries them so
the round trip still holds.

With ``filters`` (the ledger page's: category, unit, leader, status, overdue, search) the
sheet has exactly the rows the page lists, and its title line names the filters:
"…实事清单（民生服务类，仅逾期）". A 原完成时限 column appears when an exported item's
deadline was moved by an approved change request.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from typing import Any

from django.utils import timezone

from shishi.core.errors import PermissionDenied
from shishi.ledger.excel import layout, reading
from shishi.ledger.excel.importing import format_targets
from shishi.ledger.models import Category, Item, Lifecycle, Programme
from shishi.ledger.selectors.listing import ItemFilters, filter_items
from shishi.orgs.models import Person, Unit
from shishi.orgs.permissions import scope_for

ORIGINAL_DEADLINE = layout.Column("original_deadline", "原完成时限", 14)


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


def _sections(
    programme: Programme, items: list[Item], *, keep_empty: bool = True
) -> tuple[list[_Section], bool]:
    """Items grouped by category in the sheet's order, and whether 编号 must be written.

    ``keep_empty=False`` (a filtered export) leaves out the categories without rows; the
    others are numbered as they appear on the sheet.
    """
    categories = list(Category.objects.filter(programme=programme).order_by("order", "id"))
    sections = {c.pk: _Section(None, c.name, []) for c in categories}
    loose = _Section(None, None, [])
    for item in items:
        sections.get(item.category_id or 0, loose).items.append(item)
    named = [s for s in sections.values() if keep_empty or s.items]
    for position, section in enumerate(named, start=1):
        section.position = position
    ordered = ([loose] if loose.items else []) + named

    entries: list[tuple[int | None, str]] = []
    for section in ordered:
        for item in section.items:
            seq = _seq_for(item.number, section.position)
            if seq is None or seq != item.seq:
                return ordered, True
            entries.append((section.position, str(seq)))
    derived = reading.derive_numbers(entries, categorised=bool(categories))
    return ordered, derived != [item.number for s in ordered for item in s.items]


def is_filtered(filters: ItemFilters | None) -> bool:
    f = filters
    return f is not None and bool(
        f.category or f.unit or f.leader or f.lifecycle or f.q or f.overdue
    )


def filter_words(programme: Programme, filters: ItemFilters | None) -> list[str]:
    """What the filters mean, in the words of the page: ["民生服务类", "仅逾期"].

    Names are looked up in the programme's own district only (an id from elsewhere matches
    no row, and its name is not shown).
    """
    if not is_filtered(filters):
        return []
    assert filters is not None
    words: list[str] = []
    if filters.category:
        name = (
            Category.objects.filter(programme=programme, pk=filters.category)
            .values_list("name", flat=True)
            .first()
        )
        words.append(name or "未知类别")
    if filters.unit:
        name = (
            Unit.objects.filter(jurisdiction_id=programme.jurisdiction_id, pk=filters.unit)
            .values_list("name", flat=True)
            .first()
        )
        words.append(f"{name or '未知单位'}承担")
    if filters.leader:
        name = (
            Person.objects.filter(jurisdiction_id=programme.jurisdiction_id, pk=filters.leader)
            .values_list("name", flat=True)
            .first()
        )
        words.append(f"{name or '未知领导'}包保")
    if filters.lifecycle and filters.lifecycle in Lifecycle.values:
        words.append(str(Lifecycle(filters.lifecycle).label))
    if filters.overdue:
        words.append("仅逾期")
    if filters.q:
        words.append(f"含“{filters.q}”")
    return words


def export_title(programme: Programme, filters: ItemFilters | None = None) -> str:
    words = filter_words(programme, filters)
    return f"{programme.name}（{'，'.join(words)}）" if words else programme.name


def export_ledger(programme: Programme, *, actor: Any, filters: ItemFilters | None = None) -> bytes:
    """The programme's ledger as .xlsx bytes (anyone who may read the jurisdiction).

    ``filters`` (the ledger page's; its programme and district fields are ignored) keeps
    the rows the page lists and names the filters in the title line. ``actor=None`` means
    the system (the console command). Text that a spreadsheet would run as a formula
    (=, +, -, @ …) is written as a string cell with Excel's quote prefix.
    """
    if not _may_read(actor, programme):
        raise PermissionDenied("无权导出该辖区的台账")
    filtered = is_filtered(filters)
    qs = Item.objects.filter(programme=programme)
    if filtered:
        assert filters is not None
        qs = filter_items(qs, replace(filters, programme=None, jurisdiction=None, year=None))
    items = list(
        qs.select_related("lead_unit", "jurisdiction")
        .prefetch_related("sponsor_leaders", "partner_units", "targets")
        .order_by("seq", "number", "id")
    )
    sections, with_numbers = _sections(programme, items, keep_empty=not filtered)
    has_targets = any(item.targets.all() for item in items)
    has_money = any(
        item.planned_investment is not None or item.done_investment is not None for item in items
    )
    columns = layout.office_columns(targets=has_targets, investment=has_money, numbers=with_numbers)
    if any(item.original_deadline_text for item in items):
        at = next(i for i, c in enumerate(columns) if c.key == "deadline") + 1
        columns.insert(at, ORIGINAL_DEADLINE)
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
                    "original_deadline": item.original_deadline_text,
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
        title=export_title(programme, filters),
        filler=f"填报单位：{jurisdiction.name}“我为群众办实事”领导小组办公室",
        as_of=timezone.localdate(),
        columns=columns,
        sections=out,
    )
    return buffer.getvalue()
