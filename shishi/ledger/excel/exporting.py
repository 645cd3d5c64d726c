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

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from shishi.core.errors import PermissionDenied
from shishi.ledger.excel import layout, reading
from shishi.ledger.excel.importing import format_targets
from shishi.ledger.models import Category, Item, Lifecycle, Programme, Target
from shishi.ledger.selectors.listing import ItemFilters, filter_items
from shishi.ledger.services import TargetInput
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


# One export row: (item id, number, 序号).
_Entry = tuple[int, str, int]


@dataclass
class _Section:
    position: int | None  # the category's position on the sheet; None: no category
    name: str | None
    entries: list[_Entry]


def _sections(
    programme: Programme, qs: Any, *, keep_empty: bool = True, chunk: int
) -> tuple[list[_Section], bool]:
    """The items' ids grouped by category in the sheet's order, and whether 编号 must be
    written.

    Reads only (id, category, number, 序号) of each item, in chunks. ``keep_empty=False``
    (a filtered export) leaves out the categories without rows; the others are numbered as
    they appear on the sheet.
    """
    categories = list(Category.objects.filter(programme=programme).order_by("order", "id"))
    sections = {c.pk: _Section(None, c.name, []) for c in categories}
    loose = _Section(None, None, [])
    rows = qs.order_by("seq", "number", "id").values_list("id", "category_id", "number", "seq")
    for pk, category_id, number, seq in rows.iterator(chunk_size=chunk):
        sections.get(category_id or 0, loose).entries.append((pk, number, seq))
    named = [s for s in sections.values() if keep_empty or s.entries]
    for position, section in enumerate(named, start=1):
        section.position = position
    ordered = ([loose] if loose.entries else []) + named

    derivable: list[tuple[int | None, str]] = []
    for section in ordered:
        for _pk, number, seq in section.entries:
            derived_seq = _seq_for(number, section.position)
            if derived_seq is None or derived_seq != seq:
                return ordered, True
            derivable.append((section.position, str(seq)))
    derived = reading.derive_numbers(derivable, categorised=bool(categories))
    return ordered, derived != [number for s in ordered for _pk, number, _seq in s.entries]


_FIELDS = (
    "id", "seq", "number", "name", "content", "measures", "deadline_text",
    "original_deadline_text", "lead_unit__name", "planned_investment", "done_investment",
    "progress_text", "completion_rate", "remarks",
)  # fmt: skip


def _rows(ids: list[int], chunk: int) -> Iterator[dict[str, Any]]:
    """The export's rows of the items ``ids``, in that order, read ``chunk`` items at a time.

    Four queries a chunk (the items with their lead unit, leaders, partner units, targets),
    each carrying at most ``chunk`` ids: PostgreSQL takes at most 65,535 parameters in one
    query. Plain values, no model instances: a prefetch builds querysets per item, which
    took half of a 100,000-item export.
    """
    leader_links = Item.sponsor_leaders.through.objects
    partner_links = Item.partner_units.through.objects
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        items = {row[0]: row for row in Item.objects.filter(pk__in=part).values_list(*_FIELDS)}
        leaders: dict[int, list[str]] = {}
        for item_id, name in (
            leader_links.filter(item_id__in=part)
            .order_by("item_id", "person_id")
            .values_list("item_id", "person__name")
        ):
            leaders.setdefault(item_id, []).append(name)
        partners: dict[int, list[str]] = {}
        for item_id, name in (
            partner_links.filter(item_id__in=part)
            .order_by("item_id", "unit_id")
            .values_list("item_id", "unit__name")
        ):
            partners.setdefault(item_id, []).append(name)
        targets: dict[int, list[TargetInput]] = {}
        for item_id, name, value, unit in (
            Target.objects.filter(item_id__in=part)
            .order_by("item_id", "order", "id")
            .values_list("item_id", "name", "value", "unit")
        ):
            targets.setdefault(item_id, []).append(TargetInput(name, value, unit))
        for pk in part:
            row = items.get(pk)
            if row is None:  # deleted since the ids were read
                continue
            (
                _pk, seq, number, name, content, measures, deadline, original, lead_unit,
                planned, done, progress, rate, remarks,
            ) = row  # fmt: skip
            yield {
                "seq": seq,
                "number": number,
                "name": name,
                "content": content,
                "measures": measures,
                "target": format_targets(targets.get(pk, ())),
                "deadline": deadline,
                "original_deadline": original,
                "leaders": "、".join(leaders.get(pk, ())),
                "lead_unit": lead_unit,
                "partner_units": "、".join(partners.get(pk, ())),
                "planned_investment": planned,
                "done_investment": done,
                "progress": progress,
                "rate": rate,
                "remarks": remarks,
            }


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


def export_chunk() -> int:
    """Items read per query when exporting (``SHISHI_EXPORT_CHUNK``)."""
    return max(1, int(getattr(settings, "SHISHI_EXPORT_CHUNK", 2_000)))


def write_export(
    programme: Programme,
    target: str | Path | IO[bytes],
    *,
    actor: Any,
    filters: ItemFilters | None = None,
    chunk: int | None = None,
) -> int:
    """Write the programme's ledger as .xlsx to ``target`` (a path or a binary file); the
    number of items written. Anyone who may read the jurisdiction may export.

    ``filters`` (the ledger page's; its programme and district fields are ignored) keeps
    the rows the page lists and names the filters in the title line. ``actor=None`` means
    the system (the console command). Text that a spreadsheet would run as a formula
    (=, +, -, @ …) is written as a string cell with Excel's quote prefix.

    Memory stays bounded whatever the ledger's size: the ids are read first, then the
    items ``chunk`` at a time (``SHISHI_EXPORT_CHUNK``) with their related rows, and the
    workbook is written row by row (xlsxwriter's constant-memory mode, see ``layout``).
    """
    if not _may_read(actor, programme):
        raise PermissionDenied("无权导出该辖区的台账")
    chunk = chunk or export_chunk()
    filtered = is_filtered(filters)
    qs = Item.objects.filter(programme=programme)
    if filtered:
        assert filters is not None
        qs = filter_items(qs, replace(filters, programme=None, jurisdiction=None, year=None))
    sections, with_numbers = _sections(programme, qs, keep_empty=not filtered, chunk=chunk)
    has_targets = Target.objects.filter(item__in=qs.values("pk")).exists()
    has_money = qs.filter(
        Q(planned_investment__isnull=False) | Q(done_investment__isnull=False)
    ).exists()
    columns = layout.office_columns(targets=has_targets, investment=has_money, numbers=with_numbers)
    if qs.exclude(original_deadline_text="").exists():
        at = next(i for i, c in enumerate(columns) if c.key == "deadline") + 1
        columns.insert(at, ORIGINAL_DEADLINE)
    out = [
        layout.Section(
            section.name,
            _rows([pk for pk, _n, _s in section.entries], chunk),
            count=len(section.entries),
        )
        for section in sections
    ]
    jurisdiction = programme.jurisdiction
    layout.write_ledger(
        target,
        title=export_title(programme, filters),
        filler=f"填报单位：{jurisdiction.name}“我为群众办实事”领导小组办公室",
        as_of=timezone.localdate(),
        columns=columns,
        sections=out,
    )
    return sum(len(section.entries) for section in sections)


def export_ledger(programme: Programme, *, actor: Any, filters: ItemFilters | None = None) -> bytes:
    """The programme's ledger as .xlsx bytes (see ``write_export``, which the pages and the
    console command use to write to a file instead)."""
    with tempfile.TemporaryFile() as handle:
        write_export(programme, handle, actor=actor, filters=filters)
        handle.seek(0)
        return handle.read()
