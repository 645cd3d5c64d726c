"""Parsing what people write in ledgers: deadlines, rates, money, names lists.

Each parser takes a raw cell (text, number or date) and returns a clean value or raises
``ValueError`` with a message a person can act on (it ends up in the import error list).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

ONGOING_PHRASES = (
    "长期坚持",
    "长期推进",
    "长期",
    "常态化推进",
    "常态化开展",
    "常态化",
    "持续推进",
    "持续开展",
    "持续",
)
YEAR_END_PHRASES = ("年底前", "年底", "年末", "年内", "年底完成", "全年", "年度内")


def clean_text(value: Any) -> str:
    """NFKC-normalise (full-width → half-width), unify quotes, strip stray spaces."""
    if value is None:
        return ""
    if (
        isinstance(value, str)
        and "\t" not in value
        and "\n" not in value
        and "  " not in value
        and unicodedata.is_normalized("NFKC", value)
    ):
        return value.strip()  # the common case, about 30 times faster (bulk imports)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    if "\n" in text:
        # Whitespace around line breaks goes, and blank lines with it. Line by line rather
        # than re.sub(r"\s*\n\s*", "\n"), which is quadratic on long runs of whitespace.
        text = "\n".join(line for raw in text.split("\n") if (line := raw.strip()))
    return text.strip()


@dataclass(frozen=True)
class Deadline:
    text: str
    due_date: dt.date | None
    is_ongoing: bool


MIN_YEAR, MAX_YEAR = 1900, 2100


def _end_of_month(year: int, month: int) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"年份 {year} 不合理")
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _make_date(year: int, month: int, day: int | None, text: str) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"“{text}”中的年份 {year} 不合理")
    if not 1 <= month <= 12:
        raise ValueError(f"“{text}”中的月份 {month} 不存在")
    if day is None:
        return _end_of_month(year, month)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}”不是有效日期（{year}年{month}月没有{day}日）") from None


_FULL_DATE = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*月?")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_MONTH = re.compile(r"^(\d{1,2})\s*月")
_QUARTERS = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}


def parse_deadline(value: Any, year: int) -> Deadline:
    """Parse a 完成时限 cell. ``year`` fills in dates written without one (6月30日前)."""
    if isinstance(value, dt.datetime):
        return Deadline(value.date().isoformat(), value.date(), False)
    if isinstance(value, dt.date):
        return Deadline(value.isoformat(), value, False)
    text = clean_text(value)
    if not text:
        raise ValueError("完成时限为空")
    compact = re.sub(r"\s+", "", text)
    if any(compact.startswith(p) for p in ONGOING_PHRASES):
        return Deadline(text, None, True)
    if compact in YEAR_END_PHRASES or compact.rstrip("前") in YEAR_END_PHRASES:
        return Deadline(text, dt.date(year, 12, 31), False)
    if m := _FULL_DATE.match(compact):
        fy, fm, fd = (int(g) for g in m.groups())
        return Deadline(text, _make_date(fy, fm, fd, text), False)
    if m := re.match(r"^(\d{4})年(上|下)半年", compact):
        hy = int(m.group(1))
        return Deadline(
            text, dt.date(hy, 6, 30) if m.group(2) == "上" else dt.date(hy, 12, 31), False
        )
    if m := re.match(r"^(?:(\d{4})年)?(?:第)?([一二三四1-4])季度", compact):
        q_year = int(m.group(1)) if m.group(1) else year
        return Deadline(text, _end_of_month(q_year, _QUARTERS[m.group(2)]), False)
    if m := re.match(r"^(上|下)半年", compact):
        return Deadline(
            text, dt.date(year, 6, 30) if m.group(1) == "上" else dt.date(year, 12, 31), False
        )
    y: int | None = None
    rest = compact
    if m := _YEAR_MONTH.match(compact):
        y, mo = int(m.group(1)), int(m.group(2))
        rest = compact[m.end() :]
    elif m := _MONTH_DAY.match(compact):
        mo, d = int(m.group(1)), int(m.group(2))
        return Deadline(text, _make_date(year, mo, d, text), False)
    elif m := _MONTH.match(compact):
        mo = int(m.group(1))
        rest = compact[m.end() :]
    else:
        raise ValueError(
            f"无法识别完成时限“{text}”（应为日期，如2021年12月底前、6月30日前，或长期坚持）"
        )
    y = y or year
    if m := re.match(r"^(\d{1,2})日", rest):
        return Deadline(text, _make_date(y, mo, int(m.group(1)), text), False)
    if rest.startswith("上旬"):
        return Deadline(text, _make_date(y, mo, 10, text), False)
    if rest.startswith("中旬"):
        return Deadline(text, _make_date(y, mo, 20, text), False)
    return Deadline(text, _make_date(y, mo, None, text), False)


DONE_WORDS = ("已完成", "完成", "已办结", "办结", "已竣工", "竣工")
NOT_STARTED_WORDS = ("未启动", "未开工", "未开始")


def parse_rate(value: Any) -> Decimal | None:
    """Parse a 完成率 cell into 0–100: 70%, 0.7, 70, 已完成; blank gives ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("完成率不是数字")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        percent = False
    else:
        text = re.sub(r"\s+", "", clean_text(value))
        if not text:
            return None
        if text in DONE_WORDS:
            return Decimal("100.00")
        if text in NOT_STARTED_WORDS:
            return Decimal("0.00")
        percent = text.endswith("%")
        try:
            number = Decimal(text.rstrip("%"))
        except InvalidOperation:
            raise ValueError(f"无法识别完成率“{text}”（应为如70%、0.7或“已完成”）") from None
    if not number.is_finite():
        raise ValueError("完成率不是有效数字")
    if not percent and Decimal(0) <= number <= Decimal(1):
        number *= 100
    if number < 0:
        raise ValueError(f"完成率不能为负数（{number}）")
    if number > 100:
        raise ValueError(f"完成率超过100%({number.normalize():f}%)")
    return number.quantize(Decimal("0.01"))


_UNIT_FACTORS = {
    "亿元": Decimal(100_000_000),
    "亿": Decimal(100_000_000),
    "万元": Decimal(10_000),
    "万": Decimal(10_000),
    "元": Decimal(1),
}


MAX_MONEY = Decimal(10) ** 14  # yuan; the model's DecimalField(max_digits=16, places=2)


def _yuan(amount: Decimal, factor: Decimal, value: Any) -> Decimal:
    if not amount.is_finite():
        raise ValueError(f"金额无效“{value}”")
    if abs(amount) >= MAX_MONEY or abs(yuan := amount * factor) >= MAX_MONEY:
        raise ValueError(f"金额过大“{value}”")
    return yuan.quantize(Decimal("0.01"))


def parse_money(value: Any, *, default_unit: str = "万元") -> Decimal | None:
    """Parse an amount into yuan; bare numbers are in ``default_unit`` (ledgers use 万元)."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _yuan(Decimal(str(value)), _UNIT_FACTORS[default_unit], value)
    text = re.sub(r"[\s,,]", "", clean_text(value))
    if not text:
        return None
    factor = _UNIT_FACTORS[default_unit]
    for suffix, f in _UNIT_FACTORS.items():
        if text.endswith(suffix):
            text, factor = text[: -len(suffix)], f
            break
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"无法识别金额“{value}”") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"金额无效“{value}”")
    return _yuan(amount, factor, value)


_SEPARATORS = re.compile(r"[、,,;;/\n]+")


def split_names(value: Any, known: set[str] | None = None) -> list[str]:
    """Split a cell listing several leaders or units (、 , ; or new lines).

    Leaders are often named by post, and one post can itself contain 、 (区委常委、组织部长):
    a segment that is only a rank (…常委) joins the next one, and segments that together
    form a name already known in the jurisdiction are kept together.
    """
    text = clean_text(value)
    if not text:
        return []
    parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    known = known or set()
    out: list[str] = []
    i = 0
    while i < len(parts):
        joined = False
        for span in (3, 2):
            if i + span <= len(parts):
                candidate = "、".join(parts[i : i + span])
                if candidate in known:
                    out.append(candidate)
                    i += span
                    joined = True
                    break
        if joined:
            continue
        part = parts[i]
        if part.endswith("常委") and i + 1 < len(parts):
            out.append(f"{part}、{parts[i + 1]}")
            i += 2
            continue
        out.append(part)
        i += 1
    seen: set[str] = set()
    return [n for n in out if not (n in seen or seen.add(n))]  # type: ignore[func-returns-value]
