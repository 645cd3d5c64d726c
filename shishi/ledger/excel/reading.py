"""Finding the ledger in a workbook: the sheet, its header, its columns, its kinds of rows.

Offices' sheets differ in everything but their purpose: a title and a date row above the
header, one to three header rows with merged cells, the same column called four different
names, category rows between the items, a signature row at the end, the ledger on the
second sheet behind a cover page. This module turns any of them into a grid of cells with a
known column for each field; ``importing`` does the rest.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from python_calamine import CalamineSheet, CalamineWorkbook, PasswordError

from shishi.core.workbooks import (
    MAX_SHEET_CELLS,
    UnreadableWorkbook,
    check_extent,
    column_letter,
    too_many_rows,
)
from shishi.ledger.parsing import clean_text

Source = str | Path | bytes | bytearray | memoryview | IO[bytes]

MAX_FILE_BYTES = 100 * 1024 * 1024
HEADER_SCAN_ROWS = 30
MAX_HEADER_ROWS = 3

# field → header words that name it (compared after dropping spaces and "(…)" parts).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "序", "顺序号", "项目序号"),
    "number": ("编号", "项目编号", "实事编号", "事项编号"),
    "name": (
        "项目名称", "实事名称", "事项名称", "项目", "实事项目", "实事", "名称", "任务名称",
        "实事项目名称", "事项", "民生实事",
    ),
    "content": (
        "主要内容", "工作内容", "建设内容", "具体内容", "项目内容", "内容", "实施内容",
        "主要任务", "项目概况", "建设规模及内容",
    ),
    "measures": (
        "推进措施", "工作措施", "主要措施", "措施", "具体措施", "推进举措", "保障措施",
        "工作举措", "实施措施",
    ),
    "target": ("目标", "工作目标", "目标任务", "量化目标", "预期目标", "任务目标", "年度目标"),
    "deadline": (
        "完成时限", "时限要求", "完成时间", "时限", "完成期限", "完成时限要求", "办结时限",
        "计划完成时间",
    ),
    "leaders": (
        "区级包保领导", "包保区领导", "包保领导", "分管领导", "区级领导", "包保区级领导",
        "责任领导", "牵头领导", "包保责任领导", "区级责任领导", "市级包保领导", "包保市领导",
        "领导",
    ),
    "lead_unit": (
        "责任单位", "牵头单位", "牵头责任单位", "主责单位", "牵头部门", "责任部门", "牵头",
        "主办单位", "责任主体", "牵头责任部门",
    ),
    "partner_units": (
        "配合单位", "协办单位", "配合部门", "协同单位", "协办部门", "配合", "协办",
        "参与单位", "配合责任单位",
    ),
    "planned_investment": ("计划投资", "总投资", "计划总投资", "投资额", "项目总投资", "投资"),
    "done_investment": ("完成投资", "已完成投资", "累计完成投资", "完成投资额", "已完成投资额"),
    "progress": (
        "进展情况", "目前进展", "工作进展", "进展", "推进情况", "当前进展", "完成情况",
        "进展情况说明", "工作推进情况", "目前进展情况",
    ),
    "rate": ("完成率", "进度", "完成进度", "完成比例", "完成百分比", "进度百分比", "形象进度"),
    "remarks": ("备注", "说明"),
    "category": ("类别", "分类", "所属类别", "类型", "项目类别", "领域", "方面", "类别名称"),
}  # fmt: skip

# Words of a header cell spanning several columns (they name no field themselves).
GROUP_WORDS = frozenset(
    ("责任分工", "责任落实", "责任人", "投资情况", "基本情况", "推进情况及完成率", "责任")
)

SIGNATURE_WORDS = (
    "填表人", "填报人", "制表人", "审核人", "审签人", "单位负责人", "负责人", "联系人",
    "联系电话", "电话", "审核", "制表", "填表日期", "报送日期", "填报日期", "分管领导",
    "主要领导", "签字", "签发", "盖章",
)  # fmt: skip
# "填表人:", "单位负责人(签字):", "联系电话" alone — but not an item named "联系人制度建设".
_SIGNATURE = re.compile(rf"^(?:{'|'.join(SIGNATURE_WORDS)})(?:\([^)]*\))?(?:[::]|$)")
NOTE_PREFIXES = ("注:", "说明:", "备注:", "填表说明")
TOTAL_WORDS = frozenset(("合计", "总计", "小计", "共计"))

_NUMERALS = "一二三四五六七八九十百零〇"
_CATEGORY_PREFIX = re.compile(
    rf"^(?:第[{_NUMERALS}\d]+(?:类|部分|方面)[、.,:]?"
    rf"|[{_NUMERALS}]+[、.,:]"
    rf"|\([{_NUMERALS}\d]+\)[、.]?"
    rf"|\d{{1,3}}[、.](?!\d))\s*"
)
_CATEGORY_COUNT = re.compile(r"[(\[]\s*(?:共|计)?\s*(\d+)\s*(?:项|个|件|条)?\s*[)\]]\s*:?$")
_CATEGORY_SUFFIX = re.compile(r"(?:类|方面|领域|板块|部分|类别)$")


# --- loading --------------------------------------------------------------------------


def read_source(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise UnreadableWorkbook("文件过大（超过100MB），请拆分后再导入")
            return path.read_bytes()
        except FileNotFoundError:
            raise UnreadableWorkbook(f"找不到文件“{path.name}”") from None
        except IsADirectoryError:
            raise UnreadableWorkbook(f"“{path.name}”是目录，不是文件") from None
        except OSError as exc:
            raise UnreadableWorkbook(f"无法读取文件“{path.name}”：{exc.strerror}") from None
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            with contextlib.suppress(OSError, ValueError):
                source.seek(0)
        data = source.read(MAX_FILE_BYTES + 1)
        if isinstance(data, str):
            raise UnreadableWorkbook("请以二进制方式打开Excel文件")
        if len(data) > MAX_FILE_BYTES:
            raise UnreadableWorkbook("文件过大（超过100MB），请拆分后再导入")
        return bytes(data)
    raise UnreadableWorkbook("无法读取上传的文件")


def _sniff(data: bytes) -> None:
    """Refuse what is plainly not a workbook, saying what it seems to be."""
    if not data.strip():
        raise UnreadableWorkbook("文件是空的")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
        return
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta"))
        or b"<table" in head
    ):
        raise UnreadableWorkbook(
            "该文件实际是网页（HTML/XML）格式，只是扩展名为Excel；请用Excel打开后“另存为”.xlsx再导入"
        )
    if head.startswith(b"%pdf"):
        raise UnreadableWorkbook("该文件是PDF，不是Excel表格；请上传.xlsx或.xls文件")
    raise UnreadableWorkbook(
        "该文件不是Excel工作簿（可能是CSV或文本文件改了扩展名）；请用Excel“另存为”.xlsx后再导入"
    )


@dataclass
class Sheet:
    name: str
    raw: CalamineSheet

    def head(self, n: int) -> list[list[Any]]:
        return self.raw.to_python(skip_empty_area=False, nrows=n)

    def rows(self) -> list[list[Any]]:
        return self.raw.to_python(skip_empty_area=False)

    def merges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges as (first_row, first_col, last_row, last_col), 0-based inclusive."""
        ranges = self.raw.merged_cell_ranges or []
        return [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in ranges]


def max_rows() -> int:
    """The most rows a sheet of one import may have (``SHISHI_IMPORT_MAX_ROWS``)."""
    return int(getattr(settings, "SHISHI_IMPORT_MAX_ROWS", 20_000))


def measure(data: bytes) -> int:
    """The rows of the workbook's largest sheet, read from its XML (0 for an .xls file).

    Raises ``UnreadableWorkbook`` for a zip bomb, an absurd extent or a sheet over the
    import's row limit, in well under a second and a few megabytes whatever the file.
    """
    _sniff(data)
    if not data.startswith(b"PK"):
        return 0
    return max((s.rows for s in check_extent(data, max_rows=max_rows())), default=0)


def load_sheets(source: Source) -> list[Sheet]:
    """Every worksheet of the workbook that has cells; raises ``UnreadableWorkbook``."""
    data = read_source(source)
    measure(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise UnreadableWorkbook("文件设置了打开密码，请取消密码后再导入") from None
    except Exception:  # calamine raises several types for damaged files
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise UnreadableWorkbook(
                "无法读取该文件：可能已加密（设置了密码）或已损坏；请用Excel另存为.xlsx后再导入"
            ) from None
        raise UnreadableWorkbook("文件已损坏或不是有效的Excel工作簿（.xlsx/.xls）") from None
    sheets = []
    for name in book.sheet_names:
        try:
            raw = book.get_sheet_by_name(name)
        except Exception:  # one damaged sheet should not hide the others
            continue
        if raw.height == 0 or raw.width == 0:
            continue
        if raw.height * raw.width > MAX_SHEET_CELLS:
            continue  # an .xls sheet too large to hold as Python lists
        if raw.height > max_rows():  # an .xls sheet (an .xlsx one was refused from its XML)
            raise UnreadableWorkbook(too_many_rows(name, raw.height, max_rows()))
        sheets.append(Sheet(name, raw))
    if not sheets:
        raise UnreadableWorkbook("工作簿中没有内容")
    return sheets


# --- cells ----------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def compact(value: Any) -> str:
    """Cell text without any whitespace (header words, row markers)."""
    return re.sub(r"\s+", "", clean_text(value))


_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】")
_SYNONYM_INDEX = {word: key for key, words in FIELD_SYNONYMS.items() for word in words}


def _header_key(text: str) -> str:
    key = _PARENS.sub("", text)
    return key.strip(":*※#%/ ")


def match_field(text: str) -> str | None:
    """The field a header cell names, or None."""
    if not text:
        return None
    return _SYNONYM_INDEX.get(_header_key(text))


def money_unit(labels: Sequence[str]) -> str:
    joined = "".join(labels)
    if "亿元" in joined:
        return "亿元"
    if "万元" in joined or "万" in joined:
        return "万元"
    if re.search(r"\(元\)|单位:元", joined):
        return "元"
    return "万元"


# --- the header -----------------------------------------------------------------------


@dataclass
class Header:
    row: int  # 0-based index of the first header row
    depth: int
    fields: dict[str, int]  # field → column index
    words: dict[int, str]  # column index → the sheet's header words
    money_units: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.fields)

    @property
    def first_data_row(self) -> int:
        return self.row + self.depth

    def word(self, key: str) -> str:
        col = self.fields[key]
        return self.words.get(col) or column_letter(col)


def _row_fields(row: Sequence[Any]) -> set[str]:
    found = set()
    for value in row:
        if isinstance(value, str) and value.strip():
            key = match_field(compact(value))
            if key:
                found.add(key)
    return found


def _is_header_like(row: Sequence[Any]) -> bool:
    """A row of header words: some known, and no numbers or dates (those mean data)."""
    known = False
    for value in row:
        if is_blank(value):
            continue
        if not isinstance(value, str):
            return False
        text = compact(value)
        if match_field(text) or _header_key(text) in GROUP_WORDS:
            known = True
    return known


def _depth(rows: Sequence[Sequence[Any]], start: int, merges: Sequence[tuple[int, ...]]) -> int:
    depth = 1
    for r1, _c1, r2, _c2 in merges:
        if r1 == start and r2 > start:
            depth = max(depth, min(r2 - start + 1, MAX_HEADER_ROWS))
    while (
        depth < MAX_HEADER_ROWS
        and start + depth < len(rows)
        and _is_header_like(rows[start + depth])
    ):
        depth += 1
    return depth


def _build_header(
    rows: Sequence[Sequence[Any]], start: int, depth: int, merges: Sequence[tuple[int, ...]]
) -> Header:
    band = range(start, min(start + depth, len(rows)))
    width = max((len(rows[r]) for r in band), default=0)
    grid = [[compact(rows[r][c]) if c < len(rows[r]) else "" for c in range(width)] for r in band]
    last = start + len(grid) - 1
    if merges:
        for r1, c1, r2, c2 in merges:
            if r2 < start or r1 > last or c1 >= width:
                continue
            anchor = compact(rows[r1][c1]) if r1 < len(rows) and c1 < len(rows[r1]) else ""
            for r in range(max(r1, start), min(r2, last) + 1):
                for c in range(c1, min(c2, width - 1) + 1):
                    if not grid[r - start][c]:
                        grid[r - start][c] = anchor
    else:
        # No merge information (some .xls writers): a group word spreads right over the
        # columns that have sub-headers beneath it.
        for i in range(len(grid) - 1):
            for c in range(1, width):
                if not grid[i][c] and grid[i][c - 1] and grid[i + 1][c] and grid[i + 1][c - 1]:
                    grid[i][c] = grid[i][c - 1]
    fields: dict[str, int] = {}
    words: dict[int, str] = {}
    units: dict[str, str] = {}
    ignored: list[str] = []
    for c in range(width):
        labels: list[str] = []
        for i in range(len(grid)):
            text = grid[i][c]
            if text and (not labels or labels[-1] != text):
                labels.append(text)
        if not labels:
            continue
        chosen = None
        for label in reversed(labels):
            key = match_field(label)
            if key and key not in fields:
                chosen = (key, label)
                break
        if chosen is None:
            words[c] = labels[-1]
            if _header_key(labels[-1]) not in GROUP_WORDS:
                ignored.append(labels[-1])
            continue
        key, label = chosen
        fields[key] = c
        words[c] = label
        if key in ("planned_investment", "done_investment"):
            units[key] = money_unit(labels)
    return Header(start, len(grid), fields, words, units, ignored)


def find_header(
    rows: Sequence[Sequence[Any]], merges: Sequence[tuple[int, ...]] = ()
) -> Header | None:
    """The best header within the first rows: it must name the item and two more fields."""
    best: Header | None = None
    for start in range(min(HEADER_SCAN_ROWS, len(rows))):
        if not _row_fields(rows[start]):
            continue
        header = _build_header(rows, start, _depth(rows, start, merges), merges)
        if "name" not in header.fields or header.score < 3:
            continue
        if best is None or header.score > best.score:
            best = header
    return best


# --- rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryMark:
    name: str
    declared: int | None  # the "(28项)" count, if written


def category_mark(text: str) -> CategoryMark | None:
    """A category row's text → its name and declared count; None if it is not one."""
    text = compact(text)
    if not text or len(text) > 60:
        return None
    count = _CATEGORY_COUNT.search(text)
    body = text[: count.start()] if count else text
    prefix = _CATEGORY_PREFIX.match(body)
    name = body[prefix.end() :] if prefix else body
    name = name.strip(":、.,")
    if not name or name.replace(".", "").isdigit():
        return None
    if not (prefix or count or _CATEGORY_SUFFIX.search(name)):
        return None
    return CategoryMark(name, int(count.group(1)) if count else None)


def strip_category_ordinal(text: str) -> str:
    """Category cell text → name ("一、民生服务类(34项)" → "民生服务类")."""
    mark = category_mark(text)
    return mark.name if mark else compact(text)


ROW_BLANK, ROW_SKIP, ROW_CATEGORY, ROW_DATA = "blank", "skip", "category", "data"


def classify(row: Sequence[Any], header: Header) -> tuple[str, CategoryMark | None]:
    """What a row below the header is: blank, skipped, a category row or an item."""
    first_col, first, more = -1, None, False
    for c, v in enumerate(row):
        if v is None or v == "" or (v.__class__ is str and v.isspace()):
            continue
        if first_col >= 0:
            more = True
            break
        first_col, first = c, v
    if first_col < 0:
        return ROW_BLANK, None
    if not isinstance(first, str):  # a number first: an item (the usual 序号), or nothing
        if not more and first_col == header.fields.get("seq"):
            return ROW_BLANK, None  # a numbered row of an empty template
        return ROW_DATA, None
    text = compact(first)
    if _SIGNATURE.match(text) or text.startswith(NOTE_PREFIXES) or text in TOTAL_WORDS:
        return ROW_SKIP, None
    if not more or all(is_blank(v) or v == first for v in row[first_col + 1 :]):
        mark = category_mark(text)
        if mark is not None:
            return ROW_CATEGORY, mark
    return ROW_DATA, None


# --- numbering ------------------------------------------------------------------------


def plain_int(text: str) -> int | None:
    """'7' → 7; '07' → 7; anything else (1-1, A3, 7.5) → None."""
    return int(text) if text.isdigit() and len(text) <= 9 else None


def derive_numbers(entries: Sequence[tuple[int | None, str]], *, categorised: bool) -> list[str]:
    """Item numbers (identities) from (category position, 序号 text) pairs, in sheet order.

    A 序号 that is not a plain integer ("1-1", "A3") is the number itself. Plain integers
    are numbered per category ("2-5") when the sheet has categories and restarts its
    numbering in each (or has only one category); otherwise the 序号 is the number.
    """
    ints = [plain_int(seq) for _pos, seq in entries]
    per_category = False
    if categorised:
        seen: set[int] = set()
        duplicates = False
        positions: set[int | None] = set()
        for (pos, _seq), value in zip(entries, ints, strict=True):
            if value is None:
                continue
            positions.add(pos)
            if value in seen:
                duplicates = True
            seen.add(value)
        per_category = duplicates or len(positions - {None}) <= 1
    out = []
    for (pos, seq), value in zip(entries, ints, strict=True):
        if value is None:
            out.append(seq)
        elif per_category and pos is not None:
            out.append(f"{pos}-{value}")
        else:
            out.append(str(value))
    return out
