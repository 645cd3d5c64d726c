"""From a workbook to an ``ImportPlan``: rows parsed, numbered and compared with the ledger.

Reads only: the jurisdiction's units and people and the programme's items are loaded once,
every cell is parsed (each distinct text once — ledgers repeat themselves), and every bad
cell becomes a ``RowError`` with the sheet's own row number and header words.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shishi.ledger.excel import reading
from shishi.ledger.excel.plan import (
    LENGTH_LIMITS,
    MAX_LISTED_ERRORS,
    NO_DEADLINE,
    ImportPlan,
    ImportRefused,
    PlannedItem,
    RowError,
    cell_text,
    format_targets,
    parse_targets,
    targets_key,
)
from shishi.ledger.excel.reading import Header, Sheet, Source, UnreadableWorkbook
from shishi.ledger.models import Category, Item, Programme, Target
from shishi.ledger.parsing import clean_text, parse_deadline, parse_money, parse_rate, split_names
from shishi.ledger.services import TargetInput
from shishi.orgs.models import Jurisdiction, Person, Unit

logger = logging.getLogger(__name__)


class _Memo:
    """Ledgers repeat themselves (units, leaders, deadlines, rates): parse each text once."""

    def __init__(self, parse: Callable[[Any], Any]) -> None:
        self.parse = parse
        self.done: dict[Any, tuple[Any, str | None]] = {}

    def __call__(self, value: Any) -> Any:
        key = (value.__class__, value)
        try:
            hit = self.done.get(key)
        except TypeError:  # an unhashable cell value
            return self.parse(value)
        if hit is None:
            try:
                hit = (self.parse(value), None)
            except ValueError as exc:
                hit = (None, str(exc))
            self.done[key] = hit
        if hit[1] is not None:
            raise ValueError(hit[1])
        return hit[0]


class _Errors:
    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.count = 0

    def add(self, row: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(RowError(row, column, message))

    def final(self) -> list[RowError]:
        more = self.count - len(self.listed)
        if more > 0:
            note = f"另有{more}处错误未列出(共{self.count}处),请先修正以上错误后再上传"
            return [*self.listed, RowError(0, "", note)]
        return self.listed


_ITEM_VALUES = (
    "pk",
    "number",
    "version",
    "seq",
    "name",
    "content",
    "measures",
    "deadline_text",
    "due_date",
    "is_ongoing",
    "lead_unit_id",
    "category_id",
    "completion_rate",
    "lifecycle",
    "progress_text",
    "remarks",
    "planned_investment",
    "done_investment",
)


@dataclass
class _Existing:
    """The jurisdiction's names and the programme's items, loaded once per plan."""

    programme: Programme | None
    units: dict[str, int]  # clean name → pk
    unit_names: dict[int, str]  # pk → clean name
    people: dict[str, int]
    person_names: dict[int, str]
    categories: dict[int, str] = field(default_factory=dict)  # pk → clean name
    items: dict[str, dict[str, Any]] = field(default_factory=dict)  # number → values
    leaders: dict[int, list[str]] = field(default_factory=dict)  # item pk → sorted names
    partners: dict[int, list[str]] = field(default_factory=dict)
    targets: dict[int, list[tuple[str, Decimal, str]]] = field(default_factory=dict)


def _load_existing(jurisdiction: Jurisdiction, year: int, *, with_targets: bool) -> _Existing:
    programme = Programme.objects.filter(jurisdiction=jurisdiction, year=year).first()
    unit_names = {
        pk: clean_text(n)
        for pk, n in Unit.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name")
    }
    person_names = {
        pk: clean_text(n)
        for pk, n in Person.objects.filter(jurisdiction=jurisdiction).values_list("pk", "name")
    }
    existing = _Existing(
        programme=programme,
        units={n: pk for pk, n in unit_names.items()},
        unit_names=unit_names,
        people={n: pk for pk, n in person_names.items()},
        person_names=person_names,
    )
    if programme is None:
        return existing
    existing.categories = {
        pk: reading.compact(n)
        for pk, n in Category.objects.filter(programme=programme).values_list("pk", "name")
    }
    for values in Item.objects.filter(programme=programme).values(*_ITEM_VALUES):
        existing.items[values["number"]] = values
    leader_links = Item.sponsor_leaders.through.objects.filter(item__programme=programme)
    for item_id, person_id in leader_links.values_list("item_id", "person_id"):
        existing.leaders.setdefault(item_id, []).append(person_names[person_id])
    partner_links = Item.partner_units.through.objects.filter(item__programme=programme)
    for item_id, unit_id in partner_links.values_list("item_id", "unit_id"):
        existing.partners.setdefault(item_id, []).append(unit_names[unit_id])
    for names in (*existing.leaders.values(), *existing.partners.values()):
        names.sort()
    if with_targets:
        rows = (
            Target.objects.filter(item__programme=programme)
            .order_by("item_id", "order", "id")
            .values_list("item_id", "name", "value", "unit")
        )
        for item_id, name, value, unit in rows:
            existing.targets.setdefault(item_id, []).append((name, value.normalize(), unit))
    return existing


def _pick_sheet(sheets: Sequence[Sheet]) -> tuple[Sheet, Header]:
    """The sheet whose header names the most ledger fields (the first one on a tie)."""
    best: tuple[Sheet, Header] | None = None
    for sheet in sheets:
        head = sheet.head(reading.HEADER_SCAN_ROWS + reading.MAX_HEADER_ROWS)
        header = reading.find_header(head, sheet.merges())
        if header is not None and (best is None or header.score > best[1].score):
            best = (sheet, header)
    if best is None:
        names = "、".join(f"“{s.name}”" for s in sheets)
        raise ImportRefused(
            f"在工作表{names}中没有找到台账表头:表头应在前{reading.HEADER_SCAN_ROWS}行内,"
            "并包含“项目名称”和另外至少两列(如“序号”“责任单位”“完成时限”)"
        )
    return best


def _fill_vertical_merges(
    rows: list[list[Any]], merges: Sequence[tuple[int, int, int, int]], first_data_row: int
) -> None:
    """A cell merged over several item rows (one lead unit for three items) applies to each."""
    for r1, c1, r2, c2 in merges:
        if r2 <= r1 or r1 < first_data_row or r1 >= len(rows):
            continue
        anchor = rows[r1]
        for r in range(r1 + 1, min(r2, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c1, min(c2, len(row) - 1, len(anchor) - 1) + 1):
                if reading.is_blank(row[c]):
                    row[c] = anchor[c]


_AS_OF = re.compile(r"(?:截至|截止|统计)(?:时间|日期)?:?(\d{4})年(\d{1,2})月(\d{1,2})日")


def _as_of(rows: Sequence[Sequence[Any]], header: Header) -> dt.date | None:
    """The 截至时间 written above the header, if any."""
    for row in rows[: header.row]:
        for value in row:
            if isinstance(value, str) and (m := _AS_OF.search(reading.compact(value))):
                try:
                    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    return None
    return None


@dataclass(slots=True)
class _Row:
    """One item row as parsed, before its number is known."""

    order: int
    seq_text: str
    number_text: str
    category_pos: int | None
    item: PlannedItem


def _money_parser(unit: str) -> Callable[[Any], Decimal | None]:
    return lambda value: parse_money(value, default_unit=unit)


class _Planner:
    """Parses the rows below the header into planned items and errors."""

    def __init__(self, year: int, header: Header, known_people: set[str]) -> None:
        self.year = year
        self.header = header
        self.known_people = known_people
        self.errors = _Errors()
        self.warnings: list[RowError] = []
        self.categories: list[str] = []
        self.category_pos: dict[str, int] = {}
        self.declared: dict[str, tuple[int, int]] = {}  # name → (declared count, row)
        self.rows: list[_Row] = []
        self.texts: dict[Any, str] = {}
        self.deadline = _Memo(lambda v: parse_deadline(v, year))
        self.rate = _Memo(parse_rate)
        self.units = _Memo(split_names)
        self.leaders = _Memo(lambda v: split_names(v, self.known_people))
        self.money = {
            key: _Memo(_money_parser(header.money_units.get(key, "万元")))
            for key in ("planned_investment", "done_investment")
        }

    def word(self, key: str) -> str:
        return self.header.word(key)

    def _category(self, name: str) -> int:
        if name not in self.category_pos:
            self.categories.append(name)
            self.category_pos[name] = len(self.categories)
        return self.category_pos[name]

    def text(self, value: Any) -> str:
        key = value if value.__class__ is str else (value.__class__, value)
        try:
            hit = self.texts.get(key)
        except TypeError:  # an unhashable cell value
            return cell_text(value)
        if hit is None:
            hit = self.texts[key] = cell_text(value)
        return hit

    def parse(self, rows: list[list[Any]]) -> None:
        header = self.header
        current: str | None = None
        last_column_category = ""
        order = 0
        width = max(header.fields.values(), default=0) + 1
        for index in range(header.first_data_row, len(rows)):
            row = rows[index]
            if len(row) < width:
                row = rows[index] = [*row, *[""] * (width - len(row))]
            kind, mark = reading.classify(row, header)
            if kind == reading.ROW_CATEGORY and mark is not None:
                current = mark.name
                self._category(current)
                if mark.declared is not None and current not in self.declared:
                    self.declared[current] = (mark.declared, index + 1)
                continue
            if kind != reading.ROW_DATA:
                continue
            order += 1
            try:
                parsed = self._parse_row(row, index + 1, order, current, last_column_category)
            except Exception:  # a bug must not become a 500: report the row, log the cause
                logger.exception("unexpected error parsing ledger row %s", index + 1)
                self.errors.add(index + 1, "", "无法解析此行,请检查单元格内容")
                continue
            last_column_category = parsed.item.category
            self.rows.append(parsed)

    def _parse_row(
        self,
        row: Sequence[Any],
        rownum: int,
        order: int,
        current: str | None,
        last_column_category: str,
    ) -> _Row:
        cols = self.header.fields  # every row is as wide as the header (see ``parse``)
        err = self.errors.add

        name = self.text(row[cols["name"]]) if "name" in cols else ""
        item = PlannedItem(row=rownum, number="", name=name, category="")
        if not item.name:
            err(rownum, self.word("name"), "项目名称为空")
        elif len(item.name) > LENGTH_LIMITS["name"]:
            err(rownum, self.word("name"), f"项目名称过长({len(item.name)}字,最多300字)")

        seq_text = self.text(row[cols["seq"]]).rstrip(".、") if "seq" in cols else ""
        number_text = self.text(row[cols["number"]]) if "number" in cols else ""
        category = current or ""
        if "category" in cols:
            text = self.text(row[cols["category"]])
            if text:
                category = reading.strip_category_ordinal(text)
            elif last_column_category:
                category = last_column_category  # a category cell merged down its items
            if len(category) > LENGTH_LIMITS["category"]:
                err(rownum, self.word("category"), "类别名称过长(最多100字)")
                category = category[: LENGTH_LIMITS["category"]]
        item.category = category
        int_seq = reading.plain_int(seq_text)
        item.seq = int_seq if int_seq is not None else order

        if "content" in cols:
            item.content = self.text(row[cols["content"]])
        if "measures" in cols:
            item.measures = self.text(row[cols["measures"]])
        if "remarks" in cols:
            item.remarks = self.text(row[cols["remarks"]])
        if "progress" in cols:
            item.progress_text = self.text(row[cols["progress"]]) or None

        if "deadline" in cols:
            value = row[cols["deadline"]]
            if reading.is_blank(value):
                item.deadline = NO_DEADLINE
            else:
                try:
                    item.deadline = self.deadline(value)
                except ValueError as exc:
                    err(rownum, self.word("deadline"), str(exc))
                else:
                    if len(item.deadline.text) > LENGTH_LIMITS["deadline"]:
                        err(rownum, self.word("deadline"), "完成时限过长(最多100字)")

        if "lead_unit" in cols:
            units = self.units(row[cols["lead_unit"]])
            if not units:
                err(rownum, self.word("lead_unit"), "责任单位为空")
            else:
                item.lead_unit = units[0]
                if len(units) > 1:
                    item.partner_units = list(units[1:])
                    note = f"责任单位有{len(units)}个,以“{units[0]}”为责任单位,其余作为配合单位"
                    self.warnings.append(RowError(rownum, self.word("lead_unit"), note))
        if "partner_units" in cols:
            for unit in self.units(row[cols["partner_units"]]):
                if unit not in item.partner_units:
                    item.partner_units.append(unit)
        if item.lead_unit in item.partner_units:
            item.partner_units.remove(item.lead_unit)
        for unit in (item.lead_unit, *item.partner_units):
            if len(unit) > 200:
                key = "lead_unit" if unit == item.lead_unit else "partner_units"
                err(rownum, self.word(key), f"单位名称过长(最多200字):“{unit[:20]}…”")

        if "leaders" in cols:
            item.sponsor_leaders = list(self.leaders(row[cols["leaders"]]))
            self.known_people.update(item.sponsor_leaders)
            for leader in item.sponsor_leaders:
                if len(leader) > 100:
                    message = f"领导姓名或职务过长(最多100字):“{leader[:20]}…”"
                    err(rownum, self.word("leaders"), message)

        if "rate" in cols:
            try:
                item.completion_rate = self.rate(row[cols["rate"]])
            except ValueError as exc:
                err(rownum, self.word("rate"), str(exc))

        for key in ("planned_investment", "done_investment"):
            if key in cols:
                try:
                    amount = self.money[key](row[cols[key]])
                except ValueError as exc:
                    unit = self.header.money_units.get(key, "万元")
                    err(rownum, self.word(key), f"{exc}:应为数字(单位{unit})")
                    continue
                if amount is not None and amount < 0:
                    err(rownum, self.word(key), "金额不能为负数")
                    continue
                setattr(item, key, amount)

        if "target" in cols:
            item.targets, unparsed = parse_targets(self.text(row[cols["target"]]))
            for segment in unparsed:
                note = f"“{segment}”没有数量,未作为量化目标导入(应如“改造老旧小区20个”)"
                self.warnings.append(RowError(rownum, self.word("target"), note))
        position = self._category(category) if category else None
        return _Row(order, seq_text, number_text, position, item)

    def number_rows(self) -> None:
        """Give every row its number; report blank 序号 and numbers used twice.

        A 序号 column left blank throughout counts as no 序号 column (numbered by row order).
        """
        cols = self.header.fields
        if "seq" not in cols or all(not r.seq_text for r in self.rows):
            for r in self.rows:
                r.seq_text = str(r.order)
                r.item.seq = r.order
        numbers = reading.derive_numbers(
            [(r.category_pos, r.seq_text) for r in self.rows], categorised=bool(self.categories)
        )
        first_row: dict[str, int] = {}
        for parsed, derived in zip(self.rows, numbers, strict=True):
            number = parsed.number_text or derived
            item = parsed.item
            item.number = number
            if parsed.number_text:
                column = self.word("number")
            else:
                column = self.word("seq") if "seq" in cols else ""
            if not number:
                self.errors.add(item.row, column, "序号为空")
            elif len(number) > LENGTH_LIMITS["number"]:
                self.errors.add(item.row, column, "编号过长(最多32个字符)")
            elif number in first_row:
                where = f"在类别“{item.category}”中" if "-" in derived else ""
                message = f"序号{where}与第{first_row[number]}行重复(编号{number})"
                self.errors.add(item.row, column, message)
            else:
                first_row[number] = item.row

    def check_declared_counts(self, items: Sequence[PlannedItem]) -> None:
        counts: dict[str, int] = {}
        for item in items:
            counts[item.category] = counts.get(item.category, 0) + 1
        for name, (declared, rownum) in self.declared.items():
            actual = counts.get(name, 0)
            if actual != declared:
                note = f"类别“{name}”标注{declared}项,表中实有{actual}项"
                self.warnings.append(RowError(rownum, "", note))


def _diff(item: PlannedItem, existing: _Existing, present: set[str]) -> None:
    """Fill ``item.changes`` with (old, new) for each field the sheet changes."""
    old = item.old
    changes: dict[str, tuple[Any, Any]] = {}

    def text_change(key: str, new_value: str) -> None:
        before = clean_text(old[key])
        if before != new_value:
            changes[key] = (before, new_value)

    if old["seq"] != item.seq:
        changes["seq"] = (old["seq"], item.seq)
    text_change("name", item.name)
    if "category" in present or "__separators__" in present:
        old_category = existing.categories.get(old["category_id"], "")
        if old_category != item.category:
            changes["category"] = (old_category, item.category)
    if "content" in present:
        text_change("content", item.content)
    if "measures" in present:
        text_change("measures", item.measures)
    if item.deadline is not None:
        text_change("deadline_text", item.deadline.text)
    if "lead_unit" in present:
        old_unit = existing.unit_names.get(old["lead_unit_id"], "")
        if old_unit != item.lead_unit:
            changes["lead_unit"] = (old_unit, item.lead_unit)
    if "partner_units" in present or item.partner_units:
        old_partners = existing.partners.get(old["pk"], [])
        if old_partners != sorted(item.partner_units):
            changes["partner_units"] = (old_partners, sorted(item.partner_units))
    if "leaders" in present:
        old_leaders = existing.leaders.get(old["pk"], [])
        if old_leaders != sorted(item.sponsor_leaders):
            changes["sponsor_leaders"] = (old_leaders, sorted(item.sponsor_leaders))
    if item.completion_rate is not None and old["completion_rate"] != item.completion_rate:
        changes["completion_rate"] = (old["completion_rate"], item.completion_rate)
    if item.progress_text is not None:
        text_change("progress_text", item.progress_text)
    if "remarks" in present:
        text_change("remarks", item.remarks)
    if "planned_investment" in present and old["planned_investment"] != item.planned_investment:
        changes["planned_investment"] = (old["planned_investment"], item.planned_investment)
    if item.done_investment is not None and old["done_investment"] != item.done_investment:
        changes["done_investment"] = (old["done_investment"], item.done_investment)
    if "target" in present:
        old_targets = existing.targets.get(old["pk"], [])
        if old_targets != targets_key(item.targets):
            before = format_targets(TargetInput(n, v, u) for n, v, u in old_targets)
            changes["targets"] = (before, format_targets(item.targets))
    item.changes = changes
    item.action = "update" if changes else "unchanged"


def make_plan(source: Source, *, jurisdiction: Jurisdiction, year: int) -> ImportPlan:
    """Read the workbook and compare it with the programme's ledger (see ``importing``)."""
    try:
        sheets = reading.load_sheets(source)
        sheet, header = _pick_sheet(sheets)
        rows = sheet.rows()
        merges = sheet.merges()
    except UnreadableWorkbook as exc:
        raise ImportRefused(exc.message) from None
    except ImportRefused:
        raise
    except Exception:  # calamine on a damaged file, or a bug: never a traceback to the user
        logger.exception("unreadable ledger workbook")
        raise ImportRefused("无法读取该文件:文件已损坏或格式不受支持(请上传.xlsx或.xls)") from None
    _fill_vertical_merges(rows, merges, header.first_data_row)

    present = set(header.fields)
    existing = _load_existing(jurisdiction, year, with_targets="target" in present)
    planner = _Planner(year, header, set(existing.people))
    header_rownum = header.row + 1
    for key, label in (("name", "项目名称"), ("lead_unit", "责任单位")):
        if key not in present:
            planner.errors.add(header_rownum, label, f"表头中没有“{label}”列")
    planner.parse(rows)
    planner.number_rows()
    items = [r.item for r in planner.rows]
    planner.check_declared_counts(items)
    if not items and not planner.errors.count:
        planner.errors.add(header_rownum, "", "表头下面没有实事行(是否选错了文件或工作表?)")
    if planner.categories and "category" not in present:
        present.add("__separators__")

    matched = 0
    for item in items:
        old = existing.items.get(item.number)
        if old is not None:
            matched += 1
            item.item_id, item.version, item.old = old["pk"], old["version"], old
            _diff(item, existing, present)

    new_units: dict[str, None] = {}
    new_leaders: dict[str, None] = {}
    for item in items:
        for unit in (item.lead_unit, *item.partner_units):
            if unit and unit not in existing.units:
                new_units[unit] = None
        for leader in item.sponsor_leaders:
            if leader not in existing.people:
                new_leaders[leader] = None
    known_categories = set(existing.categories.values())
    for word in header.ignored:
        planner.warnings.append(RowError(header_rownum, word, "未识别的列,已忽略"))
    return ImportPlan(
        jurisdiction=jurisdiction,
        year=year,
        sheet_name=sheet.name,
        header_row=header_rownum,
        errors=planner.errors.final(),
        items=items,
        categories=planner.categories,
        new_units=list(new_units),
        new_leaders=list(new_leaders),
        new_categories=[c for c in planner.categories if c not in known_categories],
        warnings=planner.warnings,
        columns={key: header.word(key) for key in header.fields},
        as_of=_as_of(rows, header),
        programme_id=existing.programme.pk if existing.programme else None,
        not_in_sheet=len(existing.items) - matched,
        error_count=planner.errors.count,
    )
