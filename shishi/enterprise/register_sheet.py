"""The enterprise register from the office's own sheet: read, check, plan, write.

``read_sheet`` finds the header among the first rows (the office's column names and their
synonyms), reads every row into an enterprise's values and lists every bad cell as
``第R行，C列（名称）：原因``. ``plan_import`` compares the rows with the district's register
(three queries whatever the size: enterprises, qualifications, contacts) and ``apply_plan``
writes the difference with ``core.bulk`` in one transaction — all or nothing: a sheet with
any error writes nothing, and importing the same sheet again changes nothing.

A column the sheet has sets its field (an empty cell clears it: the sheet is the office's
register); a column the sheet lacks leaves the field as it is. Amounts go in 万元 (the unit
read from the header, 万元 when unstated). The street comes from 所属街道, or, without that
column, from the registered address by the names of the district's street units.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from python_calamine import CalamineWorkbook, PasswordError

from shishi.core import audit, bulk
from shishi.core.errors import PermissionDenied
from shishi.core.fields import PersonalNumber, personal_number
from shishi.core.uscc import normalize_uscc
from shishi.core.workbooks import UnreadableWorkbook, check_extent, column_letter
from shishi.enterprise import industry, permissions
from shishi.enterprise.models import Contact, Enterprise, Qualification
from shishi.enterprise.size import Size, classify
from shishi.orgs.models import Jurisdiction, Unit

MAX_ROWS = 200_000
HEADER_SCAN_ROWS = 10
MAX_ERRORS = 1000  # listed; the count says how many there are in all
SAMPLE_ROWS = 200

# field → the header words that name it (compared without spaces, "*" and the unit part).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "单位名称", "名称", "企业（单位）名称", "市场主体名称"),
    "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码"),
    "industry_code": ("行业代码", "所属行业代码", "国民经济行业代码", "行业分类代码"),
    "industry_name": ("所属行业", "行业", "行业名称", "国民经济行业", "行业类别", "行业分类"),
    "founded_on": ("成立日期", "注册日期", "成立时间", "注册时间", "登记日期"),
    "employees": ("从业人员", "员工人数", "从业人数", "职工人数", "从业人员数", "员工数"),
    "revenue": ("营业收入", "年营业收入", "主营业务收入", "营收"),
    "total_assets": ("资产总额", "总资产"),
    "tax_paid": ("纳税额", "纳税总额", "年纳税额", "纳税"),
    "address": ("注册地址", "地址", "注册地", "住所", "企业地址"),
    "street": ("所属街道", "街道", "所在街道", "街道（镇）", "所属街镇"),
    "qualifications": ("资质", "企业资质", "资质认定", "企业资质认定"),
    "contact_name": ("联系人", "联系人姓名"),
    "contact_phone": ("联系电话", "联系人电话", "手机号码", "联系方式", "手机"),
    "contact_email": ("电子邮箱", "邮箱", "电子邮件", "联系人邮箱"),
}
LABELS = {
    "name": "企业名称",
    "uscc": "统一社会信用代码",
    "industry_code": "行业代码",
    "industry_name": "所属行业",
    "founded_on": "成立日期",
    "employees": "从业人员",
    "revenue": "营业收入",
    "total_assets": "资产总额",
    "tax_paid": "纳税额",
    "address": "注册地址",
    "street": "所属街道",
    "qualifications": "资质",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "电子邮箱",
}
MONEY = ("revenue", "total_assets", "tax_paid")
REQUIRED = ("name", "uscc")
# The enterprise's own fields a sheet may set (``street_id`` for 所属街道, ``size`` derived).
ENTERPRISE_FIELDS = (
    "name",
    "industry_code",
    "founded_on",
    "employees",
    "revenue",
    "total_assets",
    "tax_paid",
    "address",
    "street_id",
    "size",
)

_SYNONYM_INDEX = {
    unicodedata.normalize("NFKC", w): key for key, words in SYNONYMS.items() for w in words
}
_PARENS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")  # after NFKC: （） are ()
_QUALIFICATION_SPLIT = re.compile(r"[,;\s" + "、" + "]+")  # after NFKC: ，； are ,;
# 2019-03-01, 2019/3/1, 2019.3.1, 2019年3月1日 (年月日 escaped: the punctuation lint reads
# a pattern's half-width marks beside them as prose).
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.\u5e74]\s*(\d{1,2})\s*[-/.\u6708]\s*(\d{1,2})\s*\u65e5?")
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CENT = Decimal("0.01")
_TEN_THOUSAND = Decimal(10000)
_MAX_AMOUNT = Decimal("99999999999999.99")  # the columns' 16 digits, 2 after the point
_MAX_EMPLOYEES = 10_000_000


class SheetRefused(Exception):
    """The file cannot be read as a register at all (not a workbook, no header…)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CellError:
    row: int  # the sheet's row number, 1-based
    column: str  # the column letter; "" for the whole row
    label: str  # the column's field in words
    message: str

    def __str__(self) -> str:
        where = f"{self.column}列（{self.label}）" if self.column else self.label
        return f"第{self.row}行，{where}：{self.message}"

    def as_dict(self) -> dict[str, Any]:
        column = f"{self.column}（{self.label}）" if self.column else self.label
        return {"row": self.row, "column": column, "message": self.message, "text": str(self)}


@dataclass
class SheetRow:
    row: int
    uscc: str
    values: dict[str, Any]  # ENTERPRISE_FIELDS the sheet gives
    qualifications: tuple[str, ...] | None  # None: no column
    contact: tuple[str, PersonalNumber | None, str] | None  # name, phone, e-mail


@dataclass
class Header:
    row: int  # 0-based index of the header row
    columns: dict[str, int]  # field → 0-based column
    units: dict[str, Decimal]  # money field → factor to 万元


@dataclass
class ParsedSheet:
    sheet: str
    header: Header
    rows: list[SheetRow]
    errors: list[CellError]
    error_count: int

    @property
    def fields(self) -> set[str]:
        return set(self.header.columns)


# --- reading ------------------------------------------------------------------------------


def _header_parts(cell: Any) -> tuple[str | None, str]:
    """The field a header cell names and the unit it states ('' when none)."""
    if not isinstance(cell, str):
        return None, ""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell)).strip("*※#:")
    unit = ""
    for m in _PARENS.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if inner in ("元", "万元", "人"):
            unit = inner
    key = _PARENS.sub("", text).strip("*※#:/")
    for suffix in ("万元", "元"):
        if key.endswith(suffix) and key[: -len(suffix)] in _SYNONYM_INDEX:
            key, unit = key[: -len(suffix)], suffix
            break
    field_name = _SYNONYM_INDEX.get(key)
    if field_name is None:
        # "所属行业（名称）" and the like: the parentheses named no unit but a part of the name.
        field_name = _SYNONYM_INDEX.get(text.strip("*※#:/"))
    return field_name, unit


def find_header(rows: Sequence[Sequence[Any]]) -> Header | None:
    """The first of the top rows that names both the enterprise's name and its USCC."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        units: dict[str, Decimal] = {}
        for col, cell in enumerate(row):
            name, unit = _header_parts(cell)
            if name is None or name in columns:
                continue
            columns[name] = col
            if name in MONEY:
                units[name] = Decimal(1) / _TEN_THOUSAND if unit == "元" else Decimal(1)
        if "name" in columns and "uscc" in columns:
            return Header(index, columns, units)
    return None


def load_rows(data: bytes) -> tuple[str, list[list[Any]]]:
    """The first sheet with a register header: its name and its cells."""
    if not data.strip():
        raise SheetRefused("文件是空的")
    if not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise SheetRefused("文件不是Excel工作簿，请上传.xlsx文件")
    try:
        check_extent(data, max_rows=MAX_ROWS + HEADER_SCAN_ROWS)
    except UnreadableWorkbook as exc:
        raise SheetRefused(exc.message) from None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except PasswordError:
        raise SheetRefused("文件设置了打开密码，请取消密码后再导入") from None
    except Exception:  # calamine raises several types for damaged files
        raise SheetRefused("文件已损坏或不是有效的Excel工作簿（.xlsx）") from None
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)
            head = sheet.to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS)
        except Exception:  # one damaged sheet should not hide the others
            continue
        if find_header(head) is not None:
            if sheet.height > MAX_ROWS + HEADER_SCAN_ROWS:
                raise SheetRefused(f"工作表“{name}”超过一次导入的上限{MAX_ROWS:,}行，请分批导入")
            return name, sheet.to_python(skip_empty_area=False)
    raise SheetRefused(
        "没有找到企业名录的表头：表格前几行中应有“企业名称”（或“单位名称”）和"
        "“统一社会信用代码”（或“社会信用代码”）两列"
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii() or "  " in text or "\t" in text or "\n" in text:
        text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
        text = re.sub(r"\s+", " ", text)
    return text.strip()


def parse_date(value: Any) -> dt.date:
    """A founding date from a date cell or text (2019-03-01, 2019/3/1, 2019年3月1日,
    20190301); ``ValueError`` for the reader otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    m = _DATE_TEXT.fullmatch(text) or _DATE_DIGITS.fullmatch(text)
    if not m:
        raise ValueError(f"“{text[:30]}”不是日期，请写成2019-03-01、2019年3月1日或20190301")
    year, month, day = (int(g) for g in m.groups())
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期{year}年{month}月{day}日不存在") from None
    if year < 1900 or date > timezone.localdate():
        raise ValueError(f"日期{date:%Y-%m-%d}不合理（应在1900年以后、不晚于今天）")
    return date


def parse_amount(value: Any, factor: Decimal = Decimal(1)) -> Decimal:
    """An amount in 万元 from a cell in the column's unit (``factor`` to 万元)."""
    if isinstance(value, bool):
        raise ValueError("不是数字")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _text(value).replace(",", "").removesuffix("万元").removesuffix("元").strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{_text(value)[:30]}”不是数字") from None
    if not number.is_finite():
        raise ValueError("不是数字")
    if number < 0:
        raise ValueError(f"不能为负数（{_text(value)[:30]}）")
    number = (number * factor).quantize(_CENT, rounding=ROUND_HALF_UP)
    if number > _MAX_AMOUNT:
        raise ValueError("数额过大")
    return number


def parse_employees(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("不是整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"人数应为整数（{value}）")
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = _text(value).replace(",", "").removesuffix("人").strip()
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"“{_text(value)[:30]}”不是整数")
        number = int(text)
    if number < 0:
        raise ValueError(f"不能为负数（{number}）")
    if number > _MAX_EMPLOYEES:
        raise ValueError("人数过大")
    return number


def parse_qualifications(value: Any) -> tuple[str, ...]:
    names = {n for n in _QUALIFICATION_SPLIT.split(_text(value)) if n}
    too_long = [n for n in names if len(n) > 50]
    if too_long:
        raise ValueError(f"资质名称过长：{too_long[0][:20]}…（最多50字）")
    return tuple(sorted(names))


def street_index(jurisdiction_id: int) -> dict[str, int]:
    """The district's streets (and townships) by name: the unit's name, and the name without
    办事处 (花园街道办事处 → 花园街道)."""
    index: dict[str, int] = {}
    units = Unit.objects.filter(
        jurisdiction_id=jurisdiction_id, kind__in=(Unit.Kind.STREET, Unit.Kind.TOWNSHIP)
    ).values_list("pk", "name")
    for pk, name in units:
        index.setdefault(name, pk)
        short = name.removesuffix("办事处")
        if short and short != name:
            index.setdefault(short, pk)
    return index


def street_from_address(address: str, streets: dict[str, int]) -> int | None:
    """The street unit whose name the address contains (the longest name wins)."""
    best: tuple[int, int] | None = None
    for name, pk in streets.items():
        if len(name) >= 2 and name in address and (best is None or len(name) > best[0]):
            best = (len(name), pk)
    return best[1] if best else None


def read_sheet(data: bytes, *, jurisdiction_id: int) -> ParsedSheet:
    """Every row of the sheet checked; ``SheetRefused`` when it is not a register at all."""
    sheet_name, cells = load_rows(data)
    header = find_header(cells[:HEADER_SCAN_ROWS])
    assert header is not None
    streets = street_index(jurisdiction_id)
    return parse_rows(sheet_name, header, cells[header.row + 1 :], streets=streets)


def parse_rows(
    sheet_name: str,
    header: Header,
    rows: Iterable[Sequence[Any]],
    *,
    streets: dict[str, int],
) -> ParsedSheet:
    cols = header.columns
    letter = {f: column_letter(c) for f, c in cols.items()}
    errors: list[CellError] = []
    error_count = 0
    out: list[SheetRow] = []
    seen: dict[str, int] = {}
    has_street = "street" in cols
    has_address = "address" in cols
    has_industry = "industry_code" in cols or "industry_name" in cols
    has_size_inputs = has_industry or any(
        f in cols for f in ("employees", "revenue", "total_assets")
    )
    has_contact = "contact_name" in cols or "contact_phone" in cols or "contact_email" in cols
    width = max(cols.values()) + 1
    by_address = has_address and not has_street

    def bad(row_no: int, name: str, message: str) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_ERRORS:
            errors.append(CellError(row_no, letter.get(name, ""), LABELS[name], message))

    for offset, raw in enumerate(rows):
        row_no = header.row + 2 + offset
        cells = list(raw) + [None] * (width - len(raw)) if len(raw) < width else raw

        def cell(name: str, cells: Sequence[Any] = cells) -> Any:
            col = cols.get(name)
            if col is None:
                return None
            value = cells[col]
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            return value

        if all(cell(f) is None for f in cols):
            continue  # a blank row
        values: dict[str, Any] = {}
        ok = True

        name = _text(cell("name"))
        if not name:
            bad(row_no, "name", "必填，不能为空")
            ok = False
        elif len(name) > 200:
            bad(row_no, "name", "企业名称过长（最多200字）")
            ok = False
        values["name"] = name

        raw_uscc = cell("uscc")
        uscc = ""
        if raw_uscc is None:
            bad(row_no, "uscc", "必填，不能为空")
            ok = False
        else:
            try:
                uscc = normalize_uscc(_text(raw_uscc))
            except ValueError as exc:
                bad(row_no, "uscc", f"“{_text(raw_uscc)[:30]}”不是有效的统一社会信用代码：{exc}")
                ok = False
            else:
                first = seen.get(uscc)
                if first is not None:
                    bad(row_no, "uscc", f"{uscc}与第{first}行重复")
                    ok = False
                else:
                    seen[uscc] = row_no

        if has_industry:
            code = ""
            code_cell, name_cell = cell("industry_code"), cell("industry_name")
            try:
                if code_cell is not None:
                    code = industry.normalize(_text(code_cell))
                elif name_cell is not None:
                    code = industry.by_name(_text(name_cell))
            except ValueError as exc:
                bad(row_no, "industry_code" if code_cell is not None else "industry_name", str(exc))
                ok = False
            values["industry_code"] = code

        if "founded_on" in cols:
            value = cell("founded_on")
            try:
                values["founded_on"] = None if value is None else parse_date(value)
            except ValueError as exc:
                bad(row_no, "founded_on", str(exc))
                ok = False

        if "employees" in cols:
            value = cell("employees")
            try:
                values["employees"] = None if value is None else parse_employees(value)
            except ValueError as exc:
                bad(row_no, "employees", str(exc))
                ok = False

        for money in MONEY:
            if money in cols:
                value = cell(money)
                try:
                    values[money] = (
                        None if value is None else parse_amount(value, header.units[money])
                    )
                except ValueError as exc:
                    bad(row_no, money, str(exc))
                    ok = False

        address = ""
        if has_address:
            address = _text(cell("address"))
            if len(address) > 300:
                bad(row_no, "address", "地址过长（最多300字）")
                ok = False
            values["address"] = address
        if has_street:
            street = _text(cell("street"))
            if not street:
                values["street_id"] = None
            else:
                pk = streets.get(street) or streets.get(street + "街道")
                if pk is None:
                    bad(row_no, "street", f"“{street[:30]}”不是本区的街道（镇）")
                    ok = False
                values["street_id"] = pk
        elif by_address:
            values["street_id"] = street_from_address(address, streets) if address else None

        qualifications: tuple[str, ...] | None = None
        if "qualifications" in cols:
            try:
                qualifications = parse_qualifications(cell("qualifications"))
            except ValueError as exc:
                bad(row_no, "qualifications", str(exc))
                ok = False

        contact: tuple[str, PersonalNumber | None, str] | None = None
        if has_contact:
            contact_name = _text(cell("contact_name"))
            phone: PersonalNumber | None = None
            phone_cell = cell("contact_phone")
            if phone_cell is not None:
                try:
                    phone = personal_number("phone", _text(phone_cell))
                except ValueError as exc:
                    bad(row_no, "contact_phone", str(exc))
                    ok = False
            email = _text(cell("contact_email")).lower()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    bad(row_no, "contact_email", f"“{email[:40]}”不是有效的电子邮箱")
                    ok = False
            if len(contact_name) > 50:
                bad(row_no, "contact_name", "联系人姓名过长（最多50字）")
                ok = False
            if contact_name or phone is not None or email:
                if not contact_name:
                    bad(row_no, "contact_name", "填写了联系电话或邮箱，须同时填写联系人")
                    ok = False
                contact = (contact_name, phone, email)

        if ok:
            out.append(SheetRow(row_no, uscc, values, qualifications, contact))
    if has_size_inputs:
        for r in out:
            r.values["size"] = None  # derived in plan_import, with the stored values
    return ParsedSheet(sheet_name, header, out, errors, error_count)


def size_of(
    code: str, employees: int | None, revenue: Decimal | None, assets: Decimal | None
) -> str:
    """The derived size ('' when unknown or the code cannot tell)."""
    if not code:
        return ""
    try:
        result = classify(code, employees=employees, revenue=revenue, total_assets=assets)
    except Exception:  # a stored code that is not canonical: unknown, not an error here
        return ""
    return result.size.value if result.size is not None else ""


# --- planning -----------------------------------------------------------------------------


@dataclass
class Change:
    row: int
    uscc: str
    name: str
    action: str  # create | update
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class Plan:
    jurisdiction_id: int
    parsed: ParsedSheet
    creates: list[SheetRow] = field(default_factory=list)
    # (row, pk, expected version, field → (old, new) of the changed fields)
    updates: list[tuple[SheetRow, int, int, dict[str, tuple[Any, Any]]]] = field(
        default_factory=list
    )
    unchanged: int = 0
    qualification_adds: list[tuple[str, str]] = field(default_factory=list)  # (uscc, name)
    qualification_drops: list[int] = field(default_factory=list)  # Qualification ids
    contact_adds: list[tuple[str, str, PersonalNumber | None, str, bool]] = field(
        default_factory=list
    )  # (uscc, name, phone, email, primary)
    contact_updates: list[tuple[int, str, str]] = field(default_factory=list)  # (pk, name, email)
    touched: set[str] = field(default_factory=set)  # USCCs with anything written
    changes: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.parsed.error_count == 0

    @property
    def created(self) -> int:
        return len(self.creates)

    @property
    def updated(self) -> int:
        return len(self.touched) - len(self.creates)

    @property
    def total(self) -> int:
        return len(self.parsed.rows)

    def summary(self) -> dict[str, Any]:
        sample = []
        for c in self.changes[:SAMPLE_ROWS]:
            sample.append(
                {
                    "row": c.row,
                    "uscc": c.uscc,
                    "name": c.name,
                    "action": c.action,
                    "changes": [[LABELS.get(f, f), _shown(o), _shown(n)] for f, o, n in c.changes],
                }
            )
        return {
            "sheet": self.parsed.sheet,
            "ok": self.ok,
            "total": self.total,
            "created": self.created if self.ok else 0,
            "updated": self.updated if self.ok else 0,
            "unchanged": (self.total - len(self.touched)) if self.ok else 0,
            "error_count": self.parsed.error_count,
            "error_rows": [e.as_dict() for e in self.parsed.errors],
            "sample": sample,
            "columns": sorted(LABELS[f] for f in self.parsed.fields),
        }


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, tuple | list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


_FIELD_LABEL = {**LABELS, "street_id": "所属街道", "size": "企业规模"}


def _readable(name: str, value: Any, street_names: dict[int, str]) -> Any:
    """A changed value as the preview shows it: the street's name, the size's label."""
    if name == "street_id" and value is not None:
        return street_names.get(value, value)
    if name == "size" and value:
        return Size(value).label
    return value


def plan_import(parsed: ParsedSheet, jurisdiction_id: int) -> Plan:
    """What writing the sheet would change in the district's register (three queries)."""
    plan = Plan(jurisdiction_id, parsed)
    if not parsed.rows or parsed.error_count:
        return plan
    street_names = {pk: name for name, pk in street_index(jurisdiction_id).items()}
    stored_fields = ("pk", "uscc", "version", *ENTERPRISE_FIELDS)
    existing: dict[str, dict[str, Any]] = {
        row["uscc"]: row
        for row in Enterprise.objects.filter(jurisdiction_id=jurisdiction_id).values(*stored_fields)
    }
    sheet_fields = parsed.fields
    wants_qualifications = "qualifications" in sheet_fields
    wants_contacts = any(f.startswith("contact_") for f in sheet_fields)
    qualifications: dict[int, dict[str, int]] = {}
    if wants_qualifications:
        for pk, ent, name in Qualification.objects.filter(
            enterprise__jurisdiction_id=jurisdiction_id
        ).values_list("pk", "enterprise_id", "name"):
            qualifications.setdefault(ent, {})[name] = pk
    contacts: dict[int, list[tuple[int, str, str, str]]] = {}
    if wants_contacts:
        for pk, ent, name, phone_hash, email in Contact.objects.filter(
            enterprise__jurisdiction_id=jurisdiction_id
        ).values_list("pk", "enterprise_id", "name", "phone_hash", "email"):
            contacts.setdefault(ent, []).append((pk, name, phone_hash, email))

    for r in parsed.rows:
        old = existing.get(r.uscc)
        merged = dict(old) if old is not None else {f: _blank(f) for f in ENTERPRISE_FIELDS}
        merged.update({k: v for k, v in r.values.items() if k != "size"})
        if "size" in r.values or old is None:
            merged["size"] = size_of(
                merged["industry_code"],
                merged["employees"],
                merged["revenue"],
                merged["total_assets"],
            )
        r.values = {f: merged[f] for f in ENTERPRISE_FIELDS}
        if old is None:
            plan.creates.append(r)
            plan.touched.add(r.uscc)
            plan.changes.append(Change(r.row, r.uscc, r.values["name"], "create"))
            if r.qualifications:
                plan.qualification_adds += [(r.uscc, n) for n in r.qualifications]
            if r.contact is not None:
                plan.contact_adds.append((r.uscc, *r.contact, True))
            continue
        changed = {f: (old[f], r.values[f]) for f in ENTERPRISE_FIELDS if r.values[f] != old[f]}
        change = Change(
            r.row,
            r.uscc,
            r.values["name"],
            "update",
            [
                (_FIELD_LABEL[f], _readable(f, o, street_names), _readable(f, n, street_names))
                for f, (o, n) in changed.items()
            ],
        )
        if changed:
            plan.updates.append((r, old["pk"], old["version"], changed))
        if r.qualifications is not None:
            have = qualifications.get(old["pk"], {})
            added = [n for n in r.qualifications if n not in have]
            dropped = [pk for n, pk in have.items() if n not in r.qualifications]
            if added or dropped:
                plan.qualification_adds += [(r.uscc, n) for n in added]
                plan.qualification_drops += dropped
                change.changes.append(
                    ("资质", "、".join(sorted(have)) or "—", "、".join(r.qualifications) or "—")
                )
        if r.contact is not None:
            _plan_contact(plan, change, r, contacts.get(old["pk"], []))
        if change.changes:
            plan.touched.add(r.uscc)
            plan.changes.append(change)
    return plan


def _plan_contact(
    plan: Plan, change: Change, r: SheetRow, have: list[tuple[int, str, str, str]]
) -> None:
    """The sheet's contact: the stored one with the same phone (else the same name, when the
    sheet gives no phone) is kept up to date; otherwise a new contact is added."""
    assert r.contact is not None
    name, phone, email = r.contact
    digest = phone.lookup_hash() if phone is not None else ""
    same = None
    for pk, old_name, old_hash, old_email in have:
        if (digest and old_hash == digest) or (not digest and old_name == name):
            same = (pk, old_name, old_email)
            break
    if same is None:
        plan.contact_adds.append((r.uscc, name, phone, email, not have))
        change.changes.append(("联系人", "—", name))
        return
    pk, old_name, old_email = same
    new_email = email or old_email
    if (old_name, old_email) != (name, new_email):
        plan.contact_updates.append((pk, name, new_email))
        change.changes.append(("联系人", f"{old_name} {old_email}".strip(), f"{name} {new_email}"))


def _blank(name: str) -> Any:
    return "" if name in ("name", "industry_code", "address", "size") else None


# --- writing ------------------------------------------------------------------------------


class StaleRegister(Exception):
    """Someone changed an enterprise of the sheet between planning and writing."""


@dataclass(frozen=True)
class Result:
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def apply_plan(plan: Plan, *, actor: Any, source: str = "") -> Result:
    """Write the plan in one transaction; ``StaleRegister`` (nothing written) when an
    enterprise changed meanwhile. Audited: an event per enterprise created or changed and
    one for the import. Enqueues the matching of the whole register on commit."""
    if not plan.ok:
        raise ValueError("a plan with errors is not written")
    now = timezone.now()
    encoder = audit.EncodedValues()  # each distinct value encoded once for all the events
    try:
        return _write(plan, actor=actor, source=source, now=now, encoder=encoder)
    except IntegrityError:  # an enterprise of the sheet was added meanwhile
        raise StaleRegister("企业名录在导入过程中被修改，请重新预览后再确认") from None


def _write(
    plan: Plan, *, actor: Any, source: str, now: Any, encoder: audit.EncodedValues
) -> Result:
    jurisdiction_id = plan.jurisdiction_id
    entries: list[audit.Entry] = []
    with transaction.atomic():
        ids = bulk.reserve_ids(Enterprise, len(plan.creates))
        pk_of: dict[str, int] = {}
        fields = ("id", "jurisdiction_id", "uscc", *ENTERPRISE_FIELDS, "created_at", "updated_at")
        rows = []
        for pk, r in zip(ids, plan.creates, strict=True):
            pk_of[r.uscc] = pk
            rows.append(
                (pk, jurisdiction_id, r.uscc, *(r.values[f] for f in ENTERPRISE_FIELDS), now, now)
            )
            entries.append(
                audit.Entry(
                    "enterprise.create",
                    "enterprise.enterprise",
                    str(pk),
                    r.values["name"][:300],
                    audit.creation_changes(
                        (k, _encoded(encoder, v))
                        for k, v in r.values.items()
                        if v is not None and v != ""
                    ),
                    jurisdiction_id,
                )
            )
        bulk.insert_many(Enterprise, fields, rows)
        updates = []
        for r, pk, version, changed in plan.updates:
            pk_of[r.uscc] = pk
            values = {f: new for f, (_old, new) in changed.items()}
            values.update(version=version + 1, updated_at=now)
            updates.append((values, pk, version))
            entries.append(
                audit.Entry(
                    "enterprise.update",
                    "enterprise.enterprise",
                    str(pk),
                    r.values["name"][:300],
                    {k: [audit.jsonable(o), audit.jsonable(n)] for k, (o, n) in changed.items()},
                    jurisdiction_id,
                )
            )
        if updates and bulk.update_many(Enterprise, updates) != len(updates):
            raise StaleRegister("企业名录在导入过程中被修改，请重新预览后再确认")
        missing = {u for u, _n in plan.qualification_adds} | {c[0] for c in plan.contact_adds}
        missing -= set(pk_of)
        if missing:
            pk_of.update(
                Enterprise.objects.filter(
                    jurisdiction_id=jurisdiction_id, uscc__in=missing
                ).values_list("uscc", "pk")
            )
        if plan.qualification_drops:
            Qualification.objects.filter(pk__in=plan.qualification_drops).delete()
        bulk.insert_many(
            Qualification,
            ("enterprise_id", "name"),
            ((pk_of[u], n) for u, n in plan.qualification_adds),
        )
        bulk.insert_many(
            Contact,
            (
                "enterprise_id",
                "name",
                "phone",
                "phone_hash",
                "email",
                "is_primary",
                "created_at",
                "updated_at",
            ),
            (
                (pk_of[u], n, phone or "", phone or "", e, primary, now, now)
                for u, n, phone, e, primary in plan.contact_adds
            ),
        )
        for pk, name, email in plan.contact_updates:
            Contact.objects.filter(pk=pk).update(name=name, email=email, updated_at=now)
        result = Result(plan.created, plan.updated, plan.total - len(plan.touched))
        entries.append(
            audit.Entry(
                "enterprise.import",
                "orgs.jurisdiction",
                str(jurisdiction_id),
                source[:300],
                {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
                jurisdiction_id,
            )
        )
        audit.record_many(actor=actor, entries=entries)
        if result.changed:
            transaction.on_commit(lambda: _enqueue_matching(jurisdiction_id))
    return result


def _encoded(encoder: audit.EncodedValues, value: Any) -> str:
    if isinstance(value, str):
        return encoder.text(value)
    if isinstance(value, Decimal | dt.date):
        return encoder.value(value)
    return audit.encode_value(value)


def _enqueue_matching(jurisdiction_id: int) -> None:
    from shishi.enterprise.matches import match_all_task

    match_all_task.enqueue(jurisdiction_id)


def import_file(
    data: bytes, jurisdiction: Jurisdiction, *, actor: Any, source: str = "", write: bool = True
) -> tuple[Plan, Result | None]:
    """Read, check and (with ``write``, when the sheet has no error) apply a sheet: the
        command (``actor`` None: the system) and the wizard's confirmation (the district's office
    only). ``SheetRefused`` for a file that is no register."""
    if actor is not None and not permissions.is_office(actor, jurisdiction.pk):
        raise PermissionDenied("只有专班可以导入企业名录")
    parsed = read_sheet(data, jurisdiction_id=jurisdiction.pk)
    plan = plan_import(parsed, jurisdiction.pk)
    if not write or not plan.ok:
        return plan, None
    return plan, apply_plan(plan, actor=actor, source=source)


__all__ = [
    "CellError",
    "ParsedSheet",
    "Plan",
    "Result",
    "SheetRefused",
    "StaleRegister",
    "apply_plan",
    "import_file",
    "parse_amount",
    "parse_date",
    "plan_import",
    "read_sheet",
]
