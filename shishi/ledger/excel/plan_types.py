"""What an import would do: the plan, its items and errors, and the cell helpers they share.

``planning`` builds an ``ImportPlan`` from a workbook; ``shishi.ledger.import_services``
writes it. Both are driven from ``importing``, whose two functions are the public interface.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shishi.core.errors import ServiceError
from shishi.ledger.models import Programme
from shishi.ledger.parsing import Deadline, clean_text
from shishi.ledger.services import TargetInput
from shishi.orgs.models import Jurisdiction
from shishi.orgs.permissions import scope_for

MAX_LISTED_ERRORS = 1000
NO_DEADLINE = Deadline("", None, False)

# What the preview calls each field it shows a change of.
FIELD_LABELS = {
    "seq": "序号",
    "name": "项目名称",
    "category": "类别",
    "content": "主要内容",
    "measures": "推进措施",
    "targets": "工作目标",
    "deadline_text": "完成时限",
    "sponsor_leaders": "区级包保领导",
    "lead_unit": "责任单位",
    "partner_units": "配合单位",
    "planned_investment": "计划投资",
    "done_investment": "完成投资",
    "progress_text": "进展情况",
    "completion_rate": "完成率",
    "remarks": "备注",
}
LENGTH_LIMITS = {"name": 300, "deadline": 100, "number": 32, "category": 100}


class ImportRefused(ServiceError):
    """The import cannot go ahead: unreadable file, errors in the sheet, or no permission."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class RowError:
    """A bad cell: the sheet's own 1-based row number and its header words."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row <= 0:
            return self.message
        if not self.column:
            return f"第{self.row}行：{self.message}"
        return f"第{self.row}行，「{self.column}」列：{self.message}"

    def as_line(self) -> str:
        """The console form: ``row R, column C: reason``."""
        if self.row <= 0:
            return self.message
        return f"row {self.row}, column {self.column or '-'}: {self.message}"


@dataclass(slots=True)
class PlannedItem:
    row: int
    number: str
    name: str
    category: str  # "" when the item has no category
    action: str = "create"  # create | update | unchanged
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    seq: int = 0
    content: str = ""
    measures: str = ""
    deadline: Deadline | None = None  # None when the sheet has no 完成时限 column
    lead_unit: str = ""
    partner_units: list[str] = field(default_factory=list)
    sponsor_leaders: list[str] = field(default_factory=list)
    completion_rate: Decimal | None = None  # None: blank cell (keep the current rate)
    progress_text: str | None = None  # None: blank cell (keep the current text)
    remarks: str = ""
    planned_investment: Decimal | None = None
    done_investment: Decimal | None = None
    targets: list[TargetInput] = field(default_factory=list)
    item_id: int | None = None  # the existing item an update or unchanged row matches
    version: int | None = None  # its version when planned
    old: dict[str, Any] = field(default_factory=dict, repr=False)  # its values when planned

    def change_lines(self) -> list[str]:
        """ "完成率: 60 → 70" lines for the preview."""
        return [
            f"{FIELD_LABELS.get(key, key)}: {_show(old)} → {_show(new)}"
            for key, (old, new) in self.changes.items()
        ]


@dataclass
class ImportPlan:
    jurisdiction: Jurisdiction
    year: int
    sheet_name: str
    header_row: int
    errors: list[RowError]
    items: list[PlannedItem]
    categories: list[str]
    new_units: list[str]
    new_leaders: list[str]
    new_categories: list[str] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the sheet's header words
    as_of: dt.date | None = None  # the sheet's 截至时间
    programme_id: int | None = None
    not_in_sheet: int = 0  # items of the programme the sheet does not list (left alone)
    error_count: int = 0  # all errors, also those beyond the listed MAX_LISTED_ERRORS
    # What says the sheet belongs to another year (``year_check``); confirming needs a tick.
    year_warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def year_mismatch(self) -> bool:
        return bool(self.year_warnings)

    @property
    def creates(self) -> list[PlannedItem]:
        return [p for p in self.items if p.action == "create"]

    @property
    def updates(self) -> list[PlannedItem]:
        return [p for p in self.items if p.action == "update"]

    @property
    def unchanged(self) -> list[PlannedItem]:
        return [p for p in self.items if p.action == "unchanged"]

    def category_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.categories, 0)
        for p in self.items:
            counts[p.category] = counts.get(p.category, 0) + 1
        return counts

    def summary(self, *, max_items: int = 200) -> dict[str, Any]:
        """The plan as JSON-able data (the wizard keeps it on the import batch)."""
        return {
            "sheet": self.sheet_name,
            "header_row": self.header_row,
            "year": self.year,
            "ok": self.ok,
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            "not_in_sheet": self.not_in_sheet,
            "categories": self.category_counts(),
            "new_units": self.new_units,
            "new_leaders": self.new_leaders,
            "new_categories": self.new_categories,
            "columns": self.columns,
            "error_count": self.error_count,
            "errors": [str(e) for e in self.errors],
            "warnings": [str(w) for w in self.warnings],
            "year_warnings": [str(w) for w in self.year_warnings],
            "items": [
                {
                    "row": p.row,
                    "number": p.number,
                    "name": p.name,
                    "category": p.category,
                    "action": p.action,
                    "changes": p.change_lines(),
                }
                for p in self.items
                if p.action != "unchanged"
            ][:max_items],
        }


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    programme: Programme
    new_units: int = 0
    new_leaders: int = 0
    new_categories: int = 0


def _show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def refuse_unless_office(actor: Any, jurisdiction: Jurisdiction) -> None:
    if actor is not None and not scope_for(actor).is_office_for(jurisdiction.pk):
        raise ImportRefused(
            f"只有{jurisdiction.name}的专班（领导小组办公室）可以导入台账", status=403
        )


# --- cells ----------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A text cell, cleaned; a quote that kept a formula-like text inert is dropped."""
    if value.__class__ is float:  # as clean_text writes numbers: 3.0 → "3", 0.5 → "0.5"
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        value = value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    elif isinstance(value, bool):
        value = "是" if value else "否"
    text = clean_text(value)
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


_THOUSANDS = re.compile(r"(?<=\d)[,,](?=\d{3}(?!\d))")
_TARGET_SPLIT = re.compile(r"[;;\n,,]+")
_TARGET = re.compile(r"^(?P<name>.*?)(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s]{0,20})$")
_CENT = Decimal("0.01")


def parse_targets(text: str) -> tuple[list[TargetInput], list[str]]:
    """ "改造老旧小区20个;惠及居民3,000户" → targets; segments without a number come back."""
    targets: list[TargetInput] = []
    unparsed: list[str] = []
    for segment in _TARGET_SPLIT.split(_THOUSANDS.sub("", text)):
        segment = segment.strip()
        if not segment:
            continue
        match = _TARGET.match(segment) if len(segment) <= 200 else None
        # At most 16 digits before the point: the model's DecimalField(18, 2).
        if match is None or len(match.group("value").partition(".")[0]) > 16:
            unparsed.append(segment[:50])
            continue
        value = Decimal(match.group("value")).quantize(_CENT)
        name = match.group("name").strip(" :") or "目标"
        targets.append(TargetInput(name, value, match.group("unit")))
    return targets, unparsed


def format_targets(targets: Iterable[Any]) -> str:
    """The reverse of ``parse_targets`` (the export's 工作目标 cell)."""
    parts = []
    for t in targets:
        value = format(Decimal(t.value).normalize(), "f")
        parts.append(f"{'' if t.name == '目标' else t.name}{value}{t.unit}")
    return ";".join(parts)


def targets_key(targets: Iterable[Any]) -> list[tuple[str, Decimal, str]]:
    return [(t.name, Decimal(t.value).normalize(), t.unit) for t in targets]
