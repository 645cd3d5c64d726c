"""Figures of the service requests per station, unit and month (docs/enterprise.md,
"Service requests"), for the figures page, a station's page and the compiled reports'
data statistics (``reports.extras``, registered in ``EnterpriseConfig.ready()``).

Over a period [start, end] (dates, both included) and the requests a ``Q`` allows:

- received: taken in within the period;
- closed: closed within the period, split into solved, partly solved and not solvable;
  on time: of those, closed on or before their due date;
- overdue: as of the period's last day (or today, when that is earlier), not closed by then
  and past the due date — "overdue" on the pages, counted as it was at that day;
- average rating: of the requests closed within the period that the enterprise rated;
- resolution rate (解决率): solved ÷ closed.

One aggregate query per grouping (the district, per station, per unit) and one per month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncDate

from shishi.enterprise.models import RequestOutcome, ServiceRequest, Station
from shishi.orgs.models import Unit
from shishi.reports.documents.data import ExtraPart, ExtraTable, Figure
from shishi.reports.models import Cycle, Period

KEYS = {"station": "station_id", "unit": "owner_unit_id"}


@dataclass(frozen=True)
class Counts:
    received: int = 0
    closed: int = 0
    solved: int = 0
    partly: int = 0
    unsolvable: int = 0
    overdue: int = 0
    on_time: int = 0
    rated: int = 0
    average_rating: Decimal | None = None

    @property
    def resolution_rate(self) -> Decimal | None:
        """解决率 in per cent (one decimal), None when nothing was closed."""
        if not self.closed:
            return None
        rate = Decimal(100 * self.solved) / Decimal(self.closed)
        return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def empty(self) -> bool:
        return not (self.received or self.closed or self.overdue)


@dataclass(frozen=True)
class Row:
    key: int | None
    label: str
    counts: Counts


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = _zone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )


def _aggregates(start: dt.date, end: dt.date, today: dt.date) -> dict[str, Any]:
    low, high = _bounds(start, end)
    as_of = min(end, today)
    as_of_end = _bounds(as_of, as_of)[1]
    closed = Q(closed_at__gte=low, closed_at__lt=high)
    return {
        "received": Count("pk", filter=Q(created_at__gte=low, created_at__lt=high)),
        "closed": Count("pk", filter=closed),
        "solved": Count("pk", filter=closed & Q(outcome=RequestOutcome.SOLVED)),
        "partly": Count("pk", filter=closed & Q(outcome=RequestOutcome.PARTLY)),
        "unsolvable": Count("pk", filter=closed & Q(outcome=RequestOutcome.UNSOLVABLE)),
        "on_time": Count("pk", filter=closed & Q(closed_day__lte=F("due_on"))),
        "overdue": Count(
            "pk",
            filter=Q(created_at__lt=as_of_end, due_on__lt=as_of)
            & (Q(closed_at__isnull=True) | Q(closed_at__gte=as_of_end)),
        ),
        "rated": Count("pk", filter=closed & Q(rating__isnull=False)),
        "average_rating": Avg("rating", filter=closed & Q(rating__isnull=False)),
    }


def _counts(row: dict[str, Any]) -> Counts:
    average = row.get("average_rating")
    return Counts(
        received=int(row.get("received") or 0),
        closed=int(row.get("closed") or 0),
        solved=int(row.get("solved") or 0),
        partly=int(row.get("partly") or 0),
        unsolvable=int(row.get("unsolvable") or 0),
        overdue=int(row.get("overdue") or 0),
        on_time=int(row.get("on_time") or 0),
        rated=int(row.get("rated") or 0),
        average_rating=(
            None
            if average is None
            else Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        ),
    )


def _base(where: Q | None, end: dt.date) -> Any:
    high = _bounds(end, end)[1]
    rows = ServiceRequest.objects.filter(created_at__lt=high)
    if where is not None:
        rows = rows.filter(where)
    return rows.alias(closed_day=TruncDate("closed_at", tzinfo=_zone()))


def total(where: Q | None, start: dt.date, end: dt.date, *, today: dt.date) -> Counts:
    """The requests ``where`` allows, over the period — one query."""
    return _counts(_base(where, end).aggregate(**_aggregates(start, end, today)))


def by(key: str, where: Q | None, start: dt.date, end: dt.date, *, today: dt.date) -> list[Row]:
    """Per station (``key="station"``) or owner unit (``"unit"``), named, busiest first; the
    requests of none (no station, not yet assigned) in a last row."""
    column = KEYS[key]
    rows = (
        _base(where, end).values(column).annotate(**_aggregates(start, end, today)).order_by(column)
    )
    found = {r[column]: _counts(r) for r in rows}
    found = {k: c for k, c in found.items() if not c.empty}
    model: Any = Station if key == "station" else Unit
    names = dict(
        model.objects.filter(pk__in=[k for k in found if k is not None]).values_list("pk", "name")
    )
    none_label = "（非工作站受理）" if key == "station" else "（尚未交办）"
    out = [Row(k, names.get(k, "—") if k is not None else none_label, c) for k, c in found.items()]
    return sorted(out, key=lambda r: (r.key is None, -r.counts.received, r.label))


def months(where: Q | None, year: int, *, today: dt.date) -> list[Row]:
    """Each month of ``year`` up to ``today``'s, one query a month."""
    out = []
    for month in range(1, 13):
        start = dt.date(year, month, 1)
        if start > today:
            break
        end = (
            dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        ) - dt.timedelta(days=1)
        out.append(Row(month, f"{month}月", total(where, start, end, today=today)))
    return out


def headline(counts: Counts) -> str:
    rate = counts.resolution_rate
    text = f"益企工作站和专班受理企业诉求{counts.received}件，办结{counts.closed}件"
    if rate is not None:
        text += f"，解决率{rate}%"
    return text + "。"


def report_part(cycle: Cycle, period: Period, today: dt.date) -> ExtraPart | None:
    """企业诉求办理情况 in the report's period: the district's figures and a row per
    station; None when nothing happened."""
    where = Q(jurisdiction_id=cycle.jurisdiction_id)
    counts = total(where, period.start, period.end, today=today)
    if counts.empty:
        return None
    stations = by("station", where, period.start, period.end, today=today)
    figures = [
        Figure("受理", counts.received, "件"),
        Figure("办结", counts.closed, "件"),
        Figure("已解决", counts.solved, "件"),
        Figure("部分解决", counts.partly, "件"),
        Figure("无法解决", counts.unsolvable, "件"),
        Figure("按时办结", counts.on_time, "件"),
        Figure("超期未办结", counts.overdue, "件"),
    ]
    if counts.resolution_rate is not None:
        figures.append(Figure("解决率", float(counts.resolution_rate), "%"))
    if counts.average_rating is not None:
        figures.append(Figure("企业平均评价", float(counts.average_rating), "分"))
    return ExtraPart(
        key="enterprise.requests",
        heading="企业诉求办理情况",
        figures=figures,
        paragraphs=[
            headline(counts),
            "解决率为已解决的诉求占办结诉求的比例；超期未办结按期末（或今日）计。",
        ],
        tables=[
            ExtraTable(
                caption="各益企工作站企业诉求办理情况",
                headers=["工作站", "受理", "办结", "已解决", "部分解决", "无法解决", "超期"],
                rows=[
                    [
                        r.label,
                        str(r.counts.received),
                        str(r.counts.closed),
                        str(r.counts.solved),
                        str(r.counts.partly),
                        str(r.counts.unsolvable),
                        str(r.counts.overdue),
                    ]
                    for r in stations
                ],
                widths=[40, 14, 14, 14, 14, 14, 14],
            )
        ],
    )
