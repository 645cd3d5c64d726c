"""The 大中小微 enterprise size standard: 国家统计局《统计上大中小微型企业划分办法（2017）》.

Pure: no models, no queries. ``classify(industry_code, employees=, revenue=, total_assets=)``
gives a ``Classification`` (a ``Size`` or ``None`` with the reason); ``explain(...)`` gives the
reason alone. Revenue and total assets are in 万元, employees in 人.

The rules (the standard's 附注):

1. Large, medium and small must meet the lower limits of ALL the indicators listed for their
   industry at once, otherwise the firm drops one class ("下划一档"); micro needs only one
   indicator under the small limit ("微型企业只须满足所列指标中的一项即可").
2. The industries are those of GB/T 4754-2017; the rows marked * in the table are groups
   (工业 = B, C, D; 交通运输业 = G54–G58 and 装卸搬运 G591, not 铁路运输业 G53; 信息传输业 =
   I63, I64; 其他未列明行业 = M, N, O, Q85, R and 房地产中介服务 K703, 其他房地产业 K709, not
   自有房地产经营活动).

A lower limit is met "at the limit": the table writes X≥1000 for large and 300≤X<1000 for
medium, so 1000 people is large and 999 is medium.

A missing indicator does not always leave the size unknown: one known indicator under the small
limit already makes the firm micro. Otherwise the size is ``None`` and ``at_most`` says the
highest class the known indicators still allow (the matcher treats an unknown size as
"possible").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

from shishi.core.errors import ValidationFailed

__all__ = [
    "ROWS",
    "Classification",
    "Indicator",
    "Row",
    "Size",
    "classify",
    "explain",
    "row_for_code",
]


class Size(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


# Lowest first: a higher rank is a larger class.
SIZE_RANK: Mapping[Size, int] = {Size.MICRO: 0, Size.SMALL: 1, Size.MEDIUM: 2, Size.LARGE: 3}
# The classes with a lower limit in the table, largest first; micro is what falls below small.
_LIMITED: tuple[Size, Size, Size] = (Size.LARGE, Size.MEDIUM, Size.SMALL)


class Indicator(models.TextChoices):
    EMPLOYEES = "employees", _("从业人员")
    REVENUE = "revenue", _("营业收入")
    TOTAL_ASSETS = "total_assets", _("资产总额")


# The standard's names, used in reasons (the same words as the labels, but plain strings so a
# reason reads the same whatever language is active).
_INDICATOR_NAME = {
    Indicator.EMPLOYEES: "从业人员",
    Indicator.REVENUE: "营业收入",
    Indicator.TOTAL_ASSETS: "资产总额",
}
_SIZE_NAME = {Size.LARGE: "大型", Size.MEDIUM: "中型", Size.SMALL: "小型", Size.MICRO: "微型"}

Number = int | Decimal


@dataclass(frozen=True)
class Row:
    """One row of the standard's table: an industry and the lower limits of each class."""

    key: str
    name: str
    # indicator -> (large, medium, small) lower limits; people for employees, 万元 otherwise.
    limits: Mapping[Indicator, tuple[Number, Number, Number]]

    def limit(self, indicator: Indicator, size: Size) -> Number:
        return self.limits[indicator][_LIMITED.index(size)]


def _row(key: str, name: str, **limits: tuple[Number, Number, Number]) -> Row:
    return Row(key, name, {Indicator(k): v for k, v in limits.items()})


# 统计上大中小微型企业划分标准 (the table attached to 国统字〔2017〕213号), in its order.
# employees in 人, revenue and total_assets in 万元; the three numbers are the lower limits of
# large, medium and small.
ROWS: tuple[Row, ...] = (
    _row("agriculture", "农、林、牧、渔业", revenue=(20000, 500, 50)),
    _row("industry", "工业", employees=(1000, 300, 20), revenue=(40000, 2000, 300)),
    _row("construction", "建筑业", revenue=(80000, 6000, 300), total_assets=(80000, 5000, 300)),
    _row("wholesale", "批发业", employees=(200, 20, 5), revenue=(40000, 5000, 1000)),
    _row("retail", "零售业", employees=(300, 50, 10), revenue=(20000, 500, 100)),
    _row("transport", "交通运输业", employees=(1000, 300, 20), revenue=(30000, 3000, 200)),
    _row("warehousing", "仓储业", employees=(200, 100, 20), revenue=(30000, 1000, 100)),
    _row("postal", "邮政业", employees=(1000, 300, 20), revenue=(30000, 2000, 100)),
    _row("accommodation", "住宿业", employees=(300, 100, 10), revenue=(10000, 2000, 100)),
    _row("catering", "餐饮业", employees=(300, 100, 10), revenue=(10000, 2000, 100)),
    _row(
        "information_transmission",
        "信息传输业",
        employees=(2000, 100, 10),
        revenue=(100000, 1000, 100),
    ),
    _row("software", "软件和信息技术服务业", employees=(300, 100, 10), revenue=(10000, 1000, 50)),
    _row(
        "real_estate_development",
        "房地产开发经营",
        revenue=(200000, 1000, 100),
        total_assets=(10000, 5000, 2000),
    ),
    _row("property_management", "物业管理", employees=(1000, 300, 100), revenue=(5000, 1000, 500)),
    _row(
        "leasing_business",
        "租赁和商务服务业",
        employees=(300, 100, 10),
        total_assets=(120000, 8000, 100),
    ),
    _row("other", "其他未列明行业", employees=(300, 100, 10)),
)
ROWS_BY_KEY: Mapping[str, Row] = {row.key: row for row in ROWS}


@dataclass(frozen=True)
class _Scope:
    """What a code prefix falls under: a row key, or ``None`` and why the standard is not for it."""

    row: str | None
    note: str = ""


_OUT = "不在本办法的适用范围内"
# GB/T 4754-2017 code prefixes (section letter, then division / group / class digits) -> row.
# The longest matching prefix wins. From the standard's 附注 and 第三条 (its 15 sections and the
# 社会工作 division).
CODE_SCOPE: Mapping[str, _Scope] = {
    "A": _Scope("agriculture"),
    "B": _Scope("industry"),
    "C": _Scope("industry"),
    "D": _Scope("industry"),
    "E": _Scope("construction"),
    "F51": _Scope("wholesale"),
    "F52": _Scope("retail"),
    "G53": _Scope(None, "铁路运输业不属于交通运输业，" + _OUT),
    "G54": _Scope("transport"),
    "G55": _Scope("transport"),
    "G56": _Scope("transport"),
    "G57": _Scope("transport"),
    "G58": _Scope("transport"),
    "G591": _Scope("transport"),  # 装卸搬运: the 附注 puts it in 交通运输业
    "G592": _Scope("warehousing"),
    "G593": _Scope("warehousing"),
    "G594": _Scope("warehousing"),
    "G595": _Scope("warehousing"),
    "G596": _Scope("warehousing"),
    "G599": _Scope("warehousing"),
    "G60": _Scope("postal"),
    "H61": _Scope("accommodation"),
    "H62": _Scope("catering"),
    "I63": _Scope("information_transmission"),
    "I64": _Scope("information_transmission"),
    "I65": _Scope("software"),
    "J": _Scope(None, "金融业" + _OUT + "（另有《金融业企业划型标准规定》）"),
    "K701": _Scope("real_estate_development"),
    "K702": _Scope("property_management"),
    "K703": _Scope("other"),
    # 704 was 自有房地产经营活动 in GB/T 4754-2011 and is 房地产租赁经营 in 2017; the 附注
    # excludes 自有房地产经营活动 from 其他未列明行业 and no other row takes it.
    "K704": _Scope(None, "房地产租赁经营（原自有房地产经营活动）" + _OUT),
    "K709": _Scope("other"),
    "L": _Scope("leasing_business"),
    "M": _Scope("other"),
    "N": _Scope("other"),
    "O": _Scope("other"),
    "P": _Scope(None, "教育" + _OUT),
    "Q84": _Scope(None, "卫生" + _OUT),
    "Q85": _Scope("other"),  # 社会工作
    "R": _Scope("other"),
    "S": _Scope(None, "公共管理、社会保障和社会组织" + _OUT),
    "T": _Scope(None, "国际组织" + _OUT),
}

# The divisions (两位大类) of each section of GB/T 4754-2017, to catch a letter that does not
# go with its digits (``A6513``).
_DIVISIONS: Mapping[str, range] = {
    "A": range(1, 6),
    "B": range(6, 13),
    "C": range(13, 44),
    "D": range(44, 47),
    "E": range(47, 51),
    "F": range(51, 53),
    "G": range(53, 61),
    "H": range(61, 63),
    "I": range(63, 66),
    "J": range(66, 70),
    "K": range(70, 71),
    "L": range(71, 73),
    "M": range(73, 76),
    "N": range(76, 80),
    "O": range(80, 83),
    "P": range(83, 84),
    "Q": range(84, 86),
    "R": range(86, 91),
    "S": range(91, 97),
    "T": range(97, 98),
}

_CODE = re.compile(r"[A-T](\d{2}(\d{1,2})?)?")


@dataclass(frozen=True)
class Classification:
    """The size, or ``None`` with the reason; ``at_most`` bounds an unknown size from above."""

    size: Size | None
    reason: str
    row: Row | None = None
    at_most: Size | None = None
    missing: tuple[Indicator, ...] = field(default=())

    @property
    def known(self) -> bool:
        return self.size is not None


def row_for_code(industry_code: str) -> tuple[Row | None, str]:
    """The table row of a canonical GB/T 4754-2017 code, or ``None`` and why.

    Raises ``ValidationFailed`` on ``industry_code`` when the code is not a well-formed code (a
    section letter, then 2, 3 or 4 digits of a division of that section).
    """
    code = industry_code.strip().upper() if isinstance(industry_code, str) else ""
    if not _CODE.fullmatch(code):
        message = f"行业代码“{industry_code}”格式不对，应为门类字母加2至4位数字，如C3511、I6513。"
        raise ValidationFailed(message, {"industry_code": message})
    if len(code) > 1 and int(code[1:3]) not in _DIVISIONS[code[0]]:
        message = f"行业代码“{code}”的大类{code[1:3]}不属于门类{code[0]}。"
        raise ValidationFailed(message, {"industry_code": message})
    for length in range(len(code), 0, -1):
        scope = CODE_SCOPE.get(code[:length])
        if scope is not None:
            if scope.row is None:
                return None, f"{code}：{scope.note}。"
            return ROWS_BY_KEY[scope.row], ""
    # No prefix matched: only a longer code can say which row (F, G59, K70…).
    step = 2 if len(code) == 1 else 1  # a letter is followed by a two-digit division
    finer = sorted({p[: len(code) + step] for p in CODE_SCOPE if p.startswith(code)})
    detail = "、".join(finer)
    return None, f"行业代码{code}不够细，须细到{detail}等下一级才能对应划型标准的行业。"


def _decimal(name: str, label: str, value: Number | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        message = f"{label}须为数字。"
        raise ValidationFailed(message, {name: message})
    try:
        number = Decimal(value)
        finite = number.is_finite()
    except (InvalidOperation, ValueError):
        finite = False
    if not finite:
        message = f"{label}须为有限的数字。"
        raise ValidationFailed(message, {name: message})
    if number < 0:
        message = f"{label}不能为负数。"
        raise ValidationFailed(message, {name: message})
    return number


def _values(
    employees: int | None, revenue: Number | None, total_assets: Number | None
) -> dict[Indicator, Decimal | None]:
    if employees is not None and (isinstance(employees, bool) or not isinstance(employees, int)):
        message = "从业人员须为整数。"
        raise ValidationFailed(message, {"employees": message})
    return {
        Indicator.EMPLOYEES: _decimal("employees", "从业人员", employees),
        Indicator.REVENUE: _decimal("revenue", "营业收入", revenue),
        Indicator.TOTAL_ASSETS: _decimal("total_assets", "资产总额", total_assets),
    }


def _level(row: Row, indicator: Indicator, value: Decimal) -> Size:
    """The highest class whose lower limit this one indicator meets ("及以上": at counts)."""
    for size in _LIMITED:
        if value >= row.limit(indicator, size):
            return size
    return Size.MICRO


def _amount(indicator: Indicator, value: Number) -> str:
    """A figure as a person reads it: 320人, 2000万元, 2.5亿元."""
    if indicator is Indicator.EMPLOYEES:
        return f"{value:f}人" if isinstance(value, Decimal) else f"{value}人"
    value = Decimal(value)
    if value >= 10000:
        return f"{_plain(value / 10000)}亿元"
    return f"{_plain(value)}万元"


def _plain(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.0001')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _limits(row: Row, size: Size, indicators: tuple[Indicator, ...]) -> str:
    return "、".join(_amount(i, row.limit(i, size)) for i in indicators)


def classify(
    industry_code: str,
    *,
    employees: int | None,
    revenue: Number | None,
    total_assets: Number | None,
) -> Classification:
    """Classify one enterprise by the 2017 standard.

    ``employees`` in 人, ``revenue`` (营业收入) and ``total_assets`` (资产总额) in 万元; ``None``
    where not known. Indicators the industry's row does not list are ignored. Raises
    ``ValidationFailed`` naming the field for a malformed code or a negative / non-numeric
    figure; never raises for a well-formed input.
    """
    values = _values(employees, revenue, total_assets)
    row, why = row_for_code(industry_code)
    if row is None:
        return Classification(None, why)
    indicators = tuple(row.limits)
    known = {i: v for i, v in values.items() if i in row.limits and v is not None}
    missing = tuple(i for i in indicators if i not in known)
    levels = {i: _level(row, i, v) for i, v in known.items()}
    figures = "、".join(
        f"{_INDICATOR_NAME[i]}{_amount(i, known[i])}" for i in indicators if i in known
    )
    head = f"{row.name}：{figures}" if figures else f"{row.name}："
    lead = f"{head}，" if figures else head

    under = [i for i in indicators if levels.get(i) is Size.MICRO]
    if under:
        # Micro needs only one indicator below the small limit; the others do not matter.
        names = "、".join(_INDICATOR_NAME[i] for i in under)
        return Classification(
            Size.MICRO,
            f"{head}，{names}低于小型企业下限（{_limits(row, Size.SMALL, tuple(under))}），"
            f"为微型企业",
            row,
            missing=missing,
        )

    if missing:
        names = "、".join(_INDICATOR_NAME[i] for i in missing)
        ceiling = min(levels.values(), key=SIZE_RANK.__getitem__, default=Size.LARGE)
        bound = "" if ceiling is Size.LARGE else f"，按已知指标至多为{_SIZE_NAME[ceiling]}企业"
        return Classification(
            None,
            f"{lead}缺少{names}，无法判定企业规模{bound}",
            row,
            at_most=ceiling,
            missing=missing,
        )

    size = min(levels.values(), key=SIZE_RANK.__getitem__)
    both = "同时" if len(indicators) > 1 else ""
    reason = f"{head}，{both}达到{_SIZE_NAME[size]}企业下限（{_limits(row, size, indicators)}）"
    if size is not Size.LARGE:
        higher = _LIMITED[_LIMITED.index(size) - 1]
        short = tuple(i for i in indicators if SIZE_RANK[levels[i]] < SIZE_RANK[higher])
        if len(short) < len(indicators):
            # Some indicator reached the next class up but not all: "否则下划一档".
            names = "、".join(_INDICATOR_NAME[i] for i in short)
            reason += (
                f"；{names}未达到{_SIZE_NAME[higher]}企业下限"
                f"（{_limits(row, higher, short)}），不能划为{_SIZE_NAME[higher]}"
            )
    return Classification(size, reason, row)


def explain(
    industry_code: str,
    *,
    employees: int | None,
    revenue: Number | None,
    total_assets: Number | None,
) -> str:
    """The reason ``classify`` gives, for a person to read."""
    return classify(
        industry_code, employees=employees, revenue=revenue, total_assets=total_assets
    ).reason
