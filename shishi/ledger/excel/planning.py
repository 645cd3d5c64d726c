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
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from shishi.core.pii_text import personal_number_note
from shishi.ledger.excel import reading
from shishi.ledger.excel.comparing import diff_item, load_existing
from shishi.ledger.excel.plan_types import (
    LENGTH_LIMITS,
    MAX_LISTED_ERRORS,
    NO_DEADLINE,
    ImportPlan,
    ImportRefused,
    PlannedItem,
    RowError,
    cell_text,
    parse_targets,
)
from shishi.ledger.excel.reading import Header, Sheet, Source, UnreadableWorkbook
from shishi.ledger.excel.year_check import check_year
from shishi.ledger.parsing import parse_deadline, parse_money, parse_rate, split_names
from shishi.ledger.services import TargetInput
from shishi.orgs.models import Jurisdiction

logger = logging.getLogger(__name__)


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
            note = f"另有{more}处错误未列出（共{self.count}处），请先修正以上错误后再上传"
            return [*self.listed, RowError(0, "", note)]
        return self.listed


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
            f"在工作表{names}中没有找到台账表头：表头应在前{reading.HEADER_SCAN_ROWS}行内，"
            "并包含“项目名称”和另外至少两列（如“序号”“责任单位”“完成时限”）"
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


_Parsed = tuple[Any, str | None]  # (value, error message or None)


class _Unparseable:
    """What a cell value's parser left when it failed unexpectedly (a bug, not bad input)."""


_UNPARSEABLE = _Unparseable()


def _parse_once(parse: Callable[[Any], Any], value: Any) -> Any:
    try:
        return parse(value)
    except Exception:  # a bug must not become a 500: its rows are reported, the cause logged
        logger.exception("unexpected error parsing a ledger cell")
        return _UNPARSEABLE


def _parse_column(
    values: list[Any], cache: dict[Any, Any], parse: Callable[[Any], Any]
) -> tuple[list[Any], bool]:
    """``parse`` of each value, and whether a parser failed (``_UNPARSEABLE`` among them).

    Each distinct value is parsed once, in order of first appearance: a column is mostly
    the same few values (units, deadlines, rates), and the results are spread over the rows
    in C (``map``). Values other than text are told apart by their type (1, 1.0 and True
    are equal as keys).
    """
    if set(map(type, values)) <= {str}:
        keys: list[Any] = values
    else:
        keys = list(zip(map(type, values), values, strict=True))
    try:
        distinct = dict.fromkeys(keys)
    except TypeError:  # an unhashable cell value
        results = [_parse_once(parse, value) for value in values]
        return results, any(r is _UNPARSEABLE for r in results)
    for key in distinct:
        if key not in cache:
            cache[key] = _parse_once(parse, key if keys is values else key[1])
    broken = any(cache[key] is _UNPARSEABLE for key in distinct)
    return list(map(cache.__getitem__, keys)), broken


class _Planner:
    """Parses the rows below the header into planned items and errors.

    Column by column: ledgers repeat themselves (units, leaders, deadlines, rates), so each
    distinct value of a column is parsed once into what it means for a row (its value and
    its error), and a row is then assembled from its columns' results. The rows' errors
    are listed row by row, in the order of the checks in ``_plan_rows``.
    """

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
        self.texts: dict[Any, Any] = {}  # cell value → its text (shared by the text columns)

    def word(self, key: str) -> str:
        return self.header.word(key)

    def _category(self, name: str) -> int:
        if name not in self.category_pos:
            self.categories.append(name)
            self.category_pos[name] = len(self.categories)
        return self.category_pos[name]

    def parse(self, rows: list[list[Any]]) -> None:
        """Classify the rows below the header, then plan the item rows."""
        header = self.header
        current: str | None = None
        order = 0
        width = max(header.fields.values(), default=0) + 1
        classify = reading.classify
        data: list[list[Any]] = []
        places: list[tuple[int, int, str | None]] = []  # (row number, order, its section)
        sections: list[tuple[int, str]] = []  # (item rows above it, name) of category rows
        for index in range(header.first_data_row, len(rows)):
            row = rows[index]
            if len(row) < width:
                row = rows[index] = [*row, *[""] * (width - len(row))]
            kind, mark = classify(row, header)
            if kind == reading.ROW_CATEGORY and mark is not None:
                current = mark.name
                sections.append((len(data), current))
                if mark.declared is not None and current not in self.declared:
                    self.declared[current] = (mark.declared, index + 1)
                continue
            if kind != reading.ROW_DATA:
                continue
            order += 1
            data.append(row)
            places.append((index + 1, order, current))
        self._plan_rows(data, places, sections)

    # --- what one cell value means for its row ------------------------------------------

    def _name(self, value: Any) -> _Parsed:
        name = cell_text(value)
        if not name:
            return name, "项目名称为空"
        if len(name) > LENGTH_LIMITS["name"]:
            return name, f"项目名称过长（{len(name)}字，最多300字）"
        return name, None

    def _seq(self, value: Any) -> tuple[str, int | None]:
        text = cell_text(value).rstrip(".、")
        return text, reading.plain_int(text)

    def _category_name(self, value: Any) -> str:
        text = cell_text(value)
        return reading.strip_category_ordinal(text) if text else ""

    def _deadline(self, value: Any) -> _Parsed:
        """A blank cell is no deadline; a deadline too long is kept, with its error."""
        if reading.is_blank(value):
            return NO_DEADLINE, None
        try:
            deadline = parse_deadline(value, self.year)
        except ValueError as exc:
            return None, str(exc)
        if len(deadline.text) > LENGTH_LIMITS["deadline"]:
            return deadline, "完成时限过长（最多100字）"
        return deadline, None

    def _units(self, value: Any) -> tuple[list[str], bool]:
        """The units named, and whether a name is too long."""
        units = split_names(value)
        return units, any(len(unit) > 200 for unit in units)

    def _leaders(self, value: Any) -> tuple[list[str], list[str]]:
        """The leaders named, and the errors of names too long.

        Values are parsed in the order they first appear, so the leaders of the rows above
        are known when a cell writes two posts as one (区委常委、组织部长).
        """
        leaders = split_names(value, self.known_people)
        self.known_people.update(leaders)
        problems = [
            f"领导姓名或职务过长（最多100字）：“{leader[:20]}…”"
            for leader in leaders
            if len(leader) > 100
        ]
        return leaders, problems

    def _rate(self, value: Any) -> _Parsed:
        try:
            return parse_rate(value), None
        except ValueError as exc:
            return None, str(exc)

    def _money(self, unit: str) -> Callable[[Any], _Parsed]:
        def parse(value: Any) -> _Parsed:
            try:
                amount = parse_money(value, default_unit=unit)
            except ValueError as exc:
                return None, f"{exc}：应为数字（单位{unit}）"
            if amount is not None and amount < 0:
                return None, "金额不能为负数"
            return amount, None

        return parse

    def _targets(self, value: Any) -> tuple[list[TargetInput], list[str]]:
        return parse_targets(cell_text(value))

    # --- the rows -------------------------------------------------------------------------

    def _plan_rows(
        self,
        data: list[list[Any]],
        places: list[tuple[int, int, str | None]],
        sections: list[tuple[int, str]],
    ) -> None:
        """Plan the item rows, column by column.

        Categories are numbered in the order the sheet names them, by category rows and by
        the category column alike.
        """
        cols = self.header.fields
        count = len(data)

        broken: set[int] = set()  # the rows with a cell whose parser failed

        def column(
            key: str, cache: dict[Any, Any], parse: Callable[[Any], Any], absent: Any
        ) -> Any:
            if key not in cols:
                return repeat(absent, count)
            index = cols[key]
            results, failed = _parse_column([row[index] for row in data], cache, parse)
            if failed:
                broken.update(i for i, r in enumerate(results) if r is _UNPARSEABLE)
            return results

        texts = self.texts
        columns = [
            column("name", {}, self._name, ("", "项目名称为空")),
            column("seq", {}, self._seq, ("", None)),
            column("number", texts, cell_text, ""),
            column("category", {}, self._category_name, ""),
            column("content", texts, cell_text, ""),
            column("measures", texts, cell_text, ""),
            column("remarks", texts, cell_text, ""),
            column("progress", texts, cell_text, ""),
            column("deadline", {}, self._deadline, (None, None)),
            column("lead_unit", {}, self._units, ([], False)),
            column("partner_units", {}, self._units, ([], False)),
            column("leaders", {}, self._leaders, ([], [])),
            column("rate", {}, self._rate, (None, None)),
            *(
                column(key, {}, self._money(self.header.money_units.get(key, "万元")), (None, None))
                for key in ("planned_investment", "done_investment")
            ),
            column("target", {}, self._targets, ([], [])),
        ]
        words = {key: self.word(key) for key in cols}
        has_category, has_lead_unit = "category" in cols, "lead_unit" in cols
        err = self.errors.add
        warn = self.warnings.append
        last_column_category = ""
        sections.reverse()  # popped from the end, in sheet order
        for i, cells in enumerate(zip(places, *columns, strict=True)):
            while sections and sections[-1][0] == i:
                self._category(sections.pop()[1])
            if broken and i in broken:
                err(cells[0][0], "", "无法解析此行，请检查单元格内容")
                continue
            (rownum, order, current), (name, name_problem), (seq_text, int_seq) = cells[:3]
            (number_text, category_cell, content, measures, remarks, progress) = cells[3:9]
            (deadline, deadline_problem), (lead_units, long_lead) = cells[9:11]
            (partners, long_partner), (leaders, leader_problems) = cells[11:13]
            (rate, rate_problem), (planned, planned_problem) = cells[13:15]
            (done, done_problem), (targets, unparsed) = cells[15:17]

            if name_problem is not None:
                err(rownum, words.get("name", "项目名称"), name_problem)
            category = current or ""
            if has_category:
                if category_cell:
                    category = category_cell
                elif last_column_category:
                    category = last_column_category  # a category cell merged down its items
                if len(category) > LENGTH_LIMITS["category"]:
                    err(rownum, words["category"], "类别名称过长（最多100字）")
                    category = category[: LENGTH_LIMITS["category"]]
                last_column_category = category
            if deadline_problem is not None:
                err(rownum, words["deadline"], deadline_problem)

            lead_unit = ""
            partner_units: list[str] = []
            if has_lead_unit:
                if not lead_units:
                    err(rownum, words["lead_unit"], "责任单位为空")
                else:
                    lead_unit = lead_units[0]
                    if len(lead_units) > 1:
                        partner_units = lead_units[1:]
                        note = (
                            f"责任单位有{len(lead_units)}个，以“{lead_unit}”为责任单位，"
                            "其余作为配合单位"
                        )
                        warn(RowError(rownum, words["lead_unit"], note))
            if partners:
                if partner_units:
                    partner_units += [u for u in partners if u not in partner_units]
                else:
                    partner_units = list(partners)
                if lead_unit in partner_units:
                    partner_units.remove(lead_unit)
            if long_lead or long_partner:
                for unit in (lead_unit, *partner_units):
                    if len(unit) > 200:
                        key = "lead_unit" if unit == lead_unit else "partner_units"
                        err(rownum, words[key], f"单位名称过长（最多200字）：“{unit[:20]}…”")
            for problem in leader_problems:
                err(rownum, words["leaders"], problem)
            if rate_problem is not None:
                err(rownum, words["rate"], rate_problem)
            if planned_problem is not None:
                err(rownum, words["planned_investment"], planned_problem)
            if done_problem is not None:
                err(rownum, words["done_investment"], done_problem)
            for key, text in (
                ("name", name),
                ("content", content),
                ("measures", measures),
                ("remarks", remarks),
                ("progress", progress),
            ):
                note = personal_number_note(text) if text else ""
                if note:
                    warn(RowError(rownum, words.get(key, ""), note))
            for segment in unparsed:
                note = f"“{segment}”没有数量，未作为量化目标导入（应如“改造老旧小区20个”）"
                warn(RowError(rownum, words["target"], note))

            item = PlannedItem(
                row=rownum,
                number="",
                name=name,
                category=category,
                seq=int_seq if int_seq is not None else order,
                content=content,
                measures=measures,
                deadline=deadline,
                lead_unit=lead_unit,
                partner_units=partner_units,
                sponsor_leaders=list(leaders) if leaders else [],
                completion_rate=rate,
                progress_text=progress or None,
                remarks=remarks,
                planned_investment=planned,
                done_investment=done,
                targets=list(targets) if targets else [],
            )
            position = self._category(category) if category else None
            self.rows.append(_Row(order, seq_text, number_text, position, item))
        for _above, name in reversed(sections):  # category rows below the last item
            self._category(name)

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
        number_word = self.word("number") if "number" in cols else ""
        seq_word = self.word("seq") if "seq" in cols else ""
        for parsed, derived in zip(self.rows, numbers, strict=True):
            number = parsed.number_text or derived
            item = parsed.item
            item.number = number
            column = number_word if parsed.number_text else seq_word
            if not number:
                self.errors.add(item.row, column, "序号为空")
            elif len(number) > LENGTH_LIMITS["number"]:
                self.errors.add(item.row, column, "编号过长（最多32个字符）")
            elif number in first_row:
                where = f"在类别“{item.category}”中" if "-" in derived else ""
                message = f"序号{where}与第{first_row[number]}行重复（编号{number}）"
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
                note = f"类别“{name}”标注{declared}项，表中实有{actual}项"
                self.warnings.append(RowError(rownum, "", note))


# Told how far planning got: ("read", rows of the sheet) then ("validated", item rows).
Progress = Callable[[str, int], None]


def make_plan(
    source: Source,
    *,
    jurisdiction: Jurisdiction,
    year: int,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportPlan:
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
        raise ImportRefused(
            "无法读取该文件：文件已损坏或格式不受支持（请上传.xlsx或.xls）"
        ) from None
    if progress is not None:
        progress("read", len(rows))
    _fill_vertical_merges(rows, merges, header.first_data_row)

    present = set(header.fields)
    existing = load_existing(jurisdiction, year, with_targets="target" in present)
    planner = _Planner(year, header, set(existing.people))
    header_rownum = header.row + 1
    for key, label in (("name", "项目名称"), ("lead_unit", "责任单位")):
        if key not in present:
            planner.errors.add(header_rownum, label, f"表头中没有“{label}”列")
    planner.parse(rows)
    planner.number_rows()
    items = [r.item for r in planner.rows]
    planner.check_declared_counts(items)
    if progress is not None:
        progress("validated", len(items))
    if not items and not planner.errors.count:
        planner.errors.add(header_rownum, "", "表头下面没有实事行（是否选错了文件或工作表？）")
    if planner.categories and "category" not in present:
        present.add("__separators__")

    matched = 0
    for item in items:
        old = existing.items.get(item.number)
        if old is not None:
            matched += 1
            item.item_id, item.version, item.old = old["pk"], old["version"], old
            diff_item(item, existing, present)

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
        planner.warnings.append(RowError(header_rownum, word, "未识别的列，已忽略"))
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
        year_warnings=check_year(
            year=year,
            rows=rows,
            header_row=header.row,
            items=items,
            words={key: header.word(key) for key in header.fields},
            file_name=file_name,
        ),
    )
