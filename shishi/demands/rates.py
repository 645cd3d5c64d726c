"""The three rates (三率) of 接诉即办, counted in the database.

For a district and a rating month (``Month``: calendar months by default; with
``SHISHI_DEMAND_RATE_MONTH_START_DAY`` = 21 "June" runs from 21 May 00:00 to 21 June 00:00,
Asia/Shanghai), per unit, category or street, or for the whole district:

- **响应率 (response rate)** = demands signed for (签收) by their time limit (``accepted_at``
  ≤ ``accept_by``) ÷ demands dispatched to the unit in the month (``dispatched_at`` in the
  month; a re-dispatch counts for the unit it went to last). A demand whose time to sign has
  not run out yet and that is not signed for is left out until it is; one sent back (退单)
  and waiting to be dispatched again is left out until it is.
- **解决率 (resolution rate)** = demands called back (回访) in the month whose resident
  calls them solved (满意 or 基本满意) ÷ demands called back in the month. A demand counts
  once, with its latest call-back answer, in the month of that call-back; one closed
  because the resident could not be reached has no answer and is not counted.
- **满意率 (satisfaction rate)** = (满意 + 基本满意 × ``SHISHI_DEMAND_RATE_BASICALLY_WEIGHT``,
  0.8 by default) ÷ demands called back in the month.
- **综合得分 (composite score)** = 响应率 × 10 % + 解决率 × 45 % + 满意率 × 45 %
  (``SHISHI_DEMAND_RATE_WEIGHTS``); a rate with nothing to count gives its weight to the
  others in proportion. Units are ranked by it, then by demands counted.

Demands whose appeal (申诉) was upheld (``assessed`` False) are left out of every rate.

Each function runs one grouped statement (``demands.queries.rate_counts``), whatever the
number of demands, units or months.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from shishi.demands import queries

DIMENSIONS = queries.GROUPS
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True, order=True)
class Month:
    """A rating month, named by its calendar month (the month its last day is in)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        m = _MONTH.fullmatch((text or "").strip())
        if m is None:
            return None
        year, month = int(m.group(1)), int(m.group(2))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            return None
        return cls(year, month)

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        """The rating month a moment falls in."""
        local = moment.astimezone(_zone())
        month = cls(local.year, local.month)
        return month.next() if local >= month.bounds()[1] else month

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes (Asia/Shanghai midnight)."""
        day = start_day()
        zone = _zone()
        end_month = self.next() if day == 1 else self
        start_month = self if day == 1 else self.previous()
        start = dt.datetime(start_month.year, start_month.month, day, tzinfo=zone)
        end = dt.datetime(end_month.year, end_month.month, day, tzinfo=zone)
        return start, end

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def start_day() -> int:
    return min(max(int(settings.SHISHI_DEMAND_RATE_MONTH_START_DAY), 1), 28)


def basically_weight() -> float:
    return float(settings.SHISHI_DEMAND_RATE_BASICALLY_WEIGHT)


def composite_weights() -> tuple[float, float, float]:
    weights = tuple(float(w) for w in settings.SHISHI_DEMAND_RATE_WEIGHTS)
    if len(weights) != 3:
        return (0.1, 0.45, 0.45)
    return (weights[0], weights[1], weights[2])


@dataclass(frozen=True)
class Counts:
    """The counts behind the three rates, for one group (a unit, a category, a street or
    the district) and one window."""

    key: int | None = None
    dispatched: int = 0  # dispatched in the window, due to be signed for
    on_time: int = 0  # of those, signed for by their time limit
    called_back: int = 0  # called back in the window, with an answer
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0

    @property
    def response_rate(self) -> float | None:
        return self.on_time / self.dispatched if self.dispatched else None

    @property
    def resolution_rate(self) -> float | None:
        if not self.called_back:
            return None
        return (self.satisfied + self.basically) / self.called_back

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.called_back:
            return None
        return (self.satisfied + self.basically * basically_weight()) / self.called_back

    @property
    def composite(self) -> float | None:
        """The weighted score; a rate with nothing to count gives its weight to the others."""
        pairs = [
            (w, r)
            for w, r in zip(
                composite_weights(),
                (self.response_rate, self.resolution_rate, self.satisfaction_rate),
                strict=True,
            )
            if r is not None
        ]
        total = sum(w for w, _r in pairs)
        if not pairs or total <= 0:
            return None
        return sum(w * r for w, r in pairs) / total

    @property
    def counted(self) -> int:
        return self.dispatched + self.called_back

    # As the pages show them: "93.5%", or "—" when there is nothing to count.
    @property
    def response_pct(self) -> str:
        return percent(self.response_rate)

    @property
    def resolution_pct(self) -> str:
        return percent(self.resolution_rate)

    @property
    def satisfaction_pct(self) -> str:
        return percent(self.satisfaction_rate)

    @property
    def composite_pct(self) -> str:
        return percent(self.composite)


def _rows(
    jurisdiction_id: int,
    group: str | None,
    windows: list[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime | None,
) -> list[tuple[Any, list[Counts]]]:
    """(key, counts per window) per group, from one statement (``demands.queries``)."""
    found: dict[Any, list[Counts]] = {}
    for key, index, values in queries.rate_counts(
        jurisdiction_id, group, windows, now or timezone.now()
    ):
        per_window = found.setdefault(key, [Counts(key) for _w in windows])
        per_window[index] = Counts(key, *values)
    return list(found.items())


def counts_by(
    jurisdiction_id: int,
    dimension: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> list[Counts]:
    """The counts per unit, category or street (``dimension``) in [start, end), one query;
    groups with nothing to count are not returned."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    found = [c[0] for _key, c in _rows(jurisdiction_id, dimension, [(start, end)], now)]
    return [c for c in found if c.counted]


def district_counts(
    jurisdiction_id: int, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None
) -> Counts:
    rows = _rows(jurisdiction_id, None, [(start, end)], now)
    return rows[0][1][0] if rows else Counts()


def month_counts(jurisdiction_id: int, month: Month, *, now: dt.datetime | None = None) -> Counts:
    start, end = month.bounds()
    return district_counts(jurisdiction_id, start, end, now=now)


def trend(
    jurisdiction_id: int, last: Month, months: int = 12, *, now: dt.datetime | None = None
) -> list[tuple[Month, Counts]]:
    """The district's counts for ``months`` months up to ``last``, in one query."""
    series = [last]
    for _i in range(months - 1):
        series.append(series[-1].previous())
    series.reverse()
    rows = _rows(jurisdiction_id, None, [m.bounds() for m in series], now)
    per_month = rows[0][1] if rows else [Counts() for _m in series]
    return list(zip(series, per_month, strict=True))


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
