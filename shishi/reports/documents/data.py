"""The plain data a compiled document is made from (issue 14, "Compiled reports").

The reports app's services gather the figures of a cycle's period into these frozen
dataclasses and hand them to ``docx.write_*`` / ``xlsx.write_*``; nothing here touches the
database. Each top-level class round-trips through JSON (``to_json`` / ``from_json``) so a
compiled version keeps its data snapshot and can be compiled again from it, byte for byte the
same figures.

Numbers: counts are ``int``; rates are percentages 0–100 as ``float`` (``None`` where there is
none, e.g. no planned rate); ``Figure.value`` and the indicators' values are ``int`` or
``float``. Text is as the office or the unit wrote it: the writers escape nothing by hand
(python-docx and xlsxwriter write text, never markup).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union

Number = int | float

T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """A headline figure: "已完成 45 项"."""

    label: str
    value: Number
    unit: str = ""


@dataclass(frozen=True)
class CategoryRow:
    """One category's items by schedule status at the period's end.

    ``behind`` counts every item behind schedule *including* the overdue ones (as the board's
    滞后 column does); ``overdue`` is the part of ``behind`` past its due date.
    """

    category: str
    items: int
    done: int
    on_schedule: int
    behind: int
    overdue: int
    average_rate: float | None = None


@dataclass(frozen=True)
class ItemRow:
    """An item as a report names it: number, name, lead unit and sponsor leaders, rate."""

    number: str
    name: str
    lead_unit: str
    sponsor_leaders: list[str] = field(default_factory=list)
    rate: float | None = None
    planned_rate: float | None = None
    due: dt.date | None = None
    category: str = ""
    note: str = ""


@dataclass(frozen=True)
class Changes:
    """What changed since the previous period."""

    newly_done: list[ItemRow] = field(default_factory=list)
    newly_started: list[ItemRow] = field(default_factory=list)
    newly_behind: list[ItemRow] = field(default_factory=list)


@dataclass(frozen=True)
class UnitPunctuality:
    """A unit's submissions counted over the cycle: on time, late, missing; rank 1 is best."""

    unit: str
    on_time: int
    late: int
    missing: int
    rank: int


@dataclass(frozen=True)
class UnitText:
    unit: str
    text: str


@dataclass(frozen=True)
class Section:
    """A heading of the cycle ("下半月工作安排"): the office's text, then each unit's."""

    heading: str
    text: str = ""
    units: list[UnitText] = field(default_factory=list)


@dataclass(frozen=True)
class Indicator:
    """A programme indicator (数据统计): this period's value, the cumulative one, the target."""

    name: str
    unit: str
    this_period: Number
    cumulative: Number
    target: Number | None = None


@dataclass(frozen=True)
class RateBand:
    """How many items have a completion rate in a band ("60%–80%"), for the distribution chart."""

    label: str
    count: int


RATE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("0–20%", 0, 20),
    ("20%–40%", 20, 40),
    ("40%–60%", 40, 60),
    ("60%–80%", 60, 80),
    ("80%–100%", 80, 100),
)
DONE_BAND = "已完成"


def rate_bands(rates: Iterable[float | None]) -> list[RateBand]:
    """Count rates into the report's bands: [0, 20), …, [80, 100), and 100 as 已完成.

    A service with the rates of every item at the period's end calls this once; the chart then
    draws six bars whatever the number of items. ``None`` (no rate yet) counts as 0.
    """
    counts = [0] * (len(RATE_BANDS) + 1)
    for rate in rates:
        r = 0.0 if rate is None else float(rate)
        if r >= 100:
            counts[-1] += 1
            continue
        for i, (_label, low, high) in enumerate(RATE_BANDS):
            if low <= r < high or (i == 0 and r < low):
                counts[i] += 1
                break
    labels = [label for label, _low, _high in RATE_BANDS] + [DONE_BAND]
    return [RateBand(label, n) for label, n in zip(labels, counts, strict=True)]


@dataclass(frozen=True)
class LateUnit:
    """A unit late or missing in a circular's period; ``submitted`` is None when missing."""

    unit: str
    due: dt.datetime | None = None
    submitted: dt.datetime | None = None
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.submitted is None


@dataclass(frozen=True)
class BriefingImage:
    """A photo in a briefing article: a file path on this machine (PNG or JPEG)."""

    path: str
    caption: str = ""


@dataclass(frozen=True)
class Article:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    images: list[BriefingImage] = field(default_factory=list)


@dataclass(frozen=True)
class ExtraTable:
    """A table of an extra part: its caption, header and rows of text; ``widths`` in mm
    (relative; equal when empty) for the .docx."""

    caption: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class ExtraPart:
    """A part another app adds to a compiled report (``reports.extras``; supervision's
    督办整改情况): headline figures, paragraphs and tables, written after the indicators."""

    key: str  # the providing app's name for it ("supervision")
    heading: str
    figures: list[Figure] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    tables: list[ExtraTable] = field(default_factory=list)


class _Json:
    """``to_json`` / ``from_json`` for a tree of these dataclasses (dates as ISO text)."""

    def to_dict(self) -> dict[str, Any]:
        return typing.cast(dict[str, Any], _dump(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        return typing.cast(T, _load(cls, data))

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        return typing.cast(T, _load(cls, json.loads(text)))


@dataclass(frozen=True)
class ReportData(_Json):
    """A compiled report (周报告, 月小结…): everything its .docx and .xlsx show."""

    title: str
    number: str  # "南岗区为民办实事工作周报告 第25期" or just "第25期"
    issuer: str
    date: dt.date
    period_label: str  # "2026年6月15日至6月21日"
    headline: list[Figure] = field(default_factory=list)
    by_category: list[CategoryRow] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    lagging: list[ItemRow] = field(default_factory=list)
    punctuality: list[UnitPunctuality] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    rate_distribution: list[RateBand] = field(default_factory=list)
    intro: str = ""  # the office's introduction, before the figures; paragraphs per line
    extra: list[ExtraPart] = field(default_factory=list)  # other apps' parts (reports.extras)


@dataclass(frozen=True)
class CircularData(_Json):
    """A circular (通报) of a period's lagging and overdue items and late or missing units."""

    title: str
    number: str
    issuer: str
    date: dt.date
    period_label: str
    text: str = ""  # the office's text; paragraphs split on blank lines or newlines
    lagging: list[ItemRow] = field(default_factory=list)
    overdue: list[ItemRow] = field(default_factory=list)
    late_units: list[LateUnit] = field(default_factory=list)


@dataclass(frozen=True)
class BriefingData(_Json):
    """An issue of a numbered briefing series (简报专刊, 第N期)."""

    series: str  # "为民办实事简报专刊"
    number: int  # 第N期
    date: dt.date
    issuer: str
    articles: list[Article] = field(default_factory=list)
    distribution: str = ""  # 报送/发送 line of the 版记, optional


def paragraphs(text: str) -> list[str]:
    """The non-blank lines of a text, stripped: how an edited text becomes paragraphs."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- JSON ---------------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _load(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        if set(args) == {int, float}:
            return value
        return _load(args[0], value)
    if origin is list:
        (arg,) = typing.get_args(tp)
        return [_load(arg, v) for v in value]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp) if f.init}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"{tp.__name__}: unknown fields {sorted(unknown)}")
        return tp(**{k: _load(hints[k], v) for k, v in value.items()})
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    if tp is float and isinstance(value, int):
        return float(value)
    return value
