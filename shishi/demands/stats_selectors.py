"""The statistics page of demands (``demands:stats``) and its xlsx export: the month's three
rates per unit (ranked), per category and per street, the district's 12-month trend, and the
month's hot categories and places. Who reads it: the district's office (and the city office
over it) and its sponsor leaders."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.db.models import Count
from django.utils import timezone

from shishi.core.errors import NotFound, PermissionDenied
from shishi.demands import rates
from shishi.demands.models import Category, Demand
from shishi.orgs.models import Jurisdiction, Unit
from shishi.orgs.permissions import scope_for

HOT_ROWS = 10


def stats_jurisdiction_ids(user: Any) -> set[int]:
    """The districts whose statistics the user reads: office (city office over them
    included) and sponsor leaders."""
    scope = scope_for(user)
    if scope.is_superuser:
        return set(
            Jurisdiction.objects.filter(level=Jurisdiction.Level.DISTRICT).values_list(
                "pk", flat=True
            )
        )
    return scope.office_covered_ids() | scope.leader_jurisdiction_ids


def reads_stats(user: Any, jurisdiction_id: int) -> bool:
    return jurisdiction_id in stats_jurisdiction_ids(user)


@dataclass(frozen=True)
class Row:
    """One line of a table: a unit, category or street with its counts; ``rank`` for units."""

    name: str
    counts: rates.Counts
    rank: int = 0


@dataclass(frozen=True)
class Hot:
    name: str
    n: int


@dataclass
class StatsPage:
    jurisdiction: Jurisdiction
    districts: list[Jurisdiction]
    month: rates.Month
    months: list[rates.Month]  # to choose from, newest first
    start: dt.datetime
    end: dt.datetime  # exclusive
    district: rates.Counts
    units: list[Row]
    categories: list[Row]
    streets: list[Row]
    trend: list[tuple[rates.Month, rates.Counts]]
    hot_categories: list[Hot]
    hot_places: list[Hot]
    basically_weight: float
    weights: tuple[float, float, float]

    @property
    def last_day(self) -> dt.datetime:
        return self.end - dt.timedelta(days=1)


def _choose(user: Any, district: int | None) -> tuple[Jurisdiction, list[Jurisdiction]]:
    ids = stats_jurisdiction_ids(user)
    if not ids:
        raise PermissionDenied("只有专班和包保领导可以查看诉求统计")
    districts = list(
        Jurisdiction.objects.filter(pk__in=ids)
        .exclude(level=Jurisdiction.Level.CITY)
        .order_by("code")
    )
    if not districts:
        raise PermissionDenied("只有专班和包保领导可以查看诉求统计")
    if district is None:
        return districts[0], districts
    chosen = next((j for j in districts if j.pk == district), None)
    if chosen is None:
        raise NotFound("没有找到这个区的诉求统计")
    return chosen, districts


def rank(counts: list[rates.Counts], names: dict[int, str]) -> list[Row]:
    ordered = sorted(
        counts,
        key=lambda c: (-(c.composite if c.composite is not None else -1.0), -c.counted, c.key or 0),
    )
    return [
        Row(names.get(c.key or 0, "（未指定）"), c, rank=i) for i, c in enumerate(ordered, start=1)
    ]


def _named(counts: list[rates.Counts], names: dict[int, str]) -> list[Row]:
    rows = [Row(names.get(c.key or 0, "（未指定）"), c) for c in counts]
    return sorted(rows, key=lambda r: (-r.counts.counted, r.name))


def stats_page(
    user: Any,
    *,
    district: int | None = None,
    month: rates.Month | None = None,
    now: dt.datetime | None = None,
) -> StatsPage:
    now = now or timezone.now()
    jurisdiction, districts = _choose(user, district)
    current = rates.Month.of(now)
    month = month or current
    start, end = month.bounds()
    j = jurisdiction.pk
    by_unit = rates.counts_by(j, "unit", start, end, now=now)
    by_category = rates.counts_by(j, "category", start, end, now=now)
    by_street = rates.counts_by(j, "street", start, end, now=now)
    unit_ids = {c.key for c in by_unit + by_street if c.key}
    unit_names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    category_names = dict(Category.objects.filter(jurisdiction_id=j).values_list("pk", "name"))
    received = Demand.objects.filter(
        jurisdiction_id=j, created_at__gte=start, created_at__lt=end
    ).order_by()
    hot_categories = [
        Hot(category_names.get(r["category_id"], ""), r["n"])
        for r in received.values("category_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "category_id")[:HOT_ROWS]
    ]
    hot_places = [
        Hot(r["address"], r["n"])
        for r in received.exclude(address="")
        .values("address")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("-n", "address")[:HOT_ROWS]
    ]
    months = [current]
    for _i in range(23):
        months.append(months[-1].previous())
    return StatsPage(
        jurisdiction=jurisdiction,
        districts=districts,
        month=month,
        months=months,
        start=start,
        end=end,
        district=rates.district_counts(j, start, end, now=now),
        units=rank(by_unit, unit_names),
        categories=_named(by_category, category_names),
        streets=_named(by_street, unit_names),
        trend=rates.trend(j, month, now=now),
        hot_categories=hot_categories,
        hot_places=hot_places,
        basically_weight=rates.basically_weight(),
        weights=rates.composite_weights(),
    )


# --- the export --------------------------------------------------------------------------

HEADERS = (
    "排名",
    "名称",
    "派单量",
    "按时签收",
    "响应率",
    "回访量",
    "满意",
    "基本满意",
    "不满意",
    "解决率",
    "满意率",
    "综合得分",
)


def _line(row: Row, rank: bool) -> list[Any]:
    c = row.counts

    def rate(value: float | None) -> Any:
        return "" if value is None else round(value, 4)

    return [
        row.rank if rank else "",
        row.name,
        c.dispatched,
        c.on_time,
        rate(c.response_rate),
        c.called_back,
        c.satisfied,
        c.basically,
        c.dissatisfied,
        rate(c.resolution_rate),
        rate(c.satisfaction_rate),
        rate(c.composite),
    ]


def stats_workbook(page: StatsPage) -> bytes:
    """The month's tables (units ranked, categories, streets) as an .xlsx: rates as numbers
    formatted as percentages, the definitions under the title."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1})
    pct = book.add_format({"border": 1, "num_format": "0.0%"})
    note = book.add_format({"font_color": "#555555"})
    w = page.weights
    definitions = (
        "响应率＝按时签收的诉求÷当月派给该单位的诉求；"
        "解决率＝回访为满意或基本满意的诉求÷当月回访的诉求；"
        f"满意率＝（满意＋基本满意×{page.basically_weight:g}）÷当月回访的诉求；"
        f"综合得分＝响应率×{w[0]:g}＋解决率×{w[1]:g}＋满意率×{w[2]:g}；"
        "申诉成立的诉求不纳入考核。"
    )
    period = f"{page.start:%Y-%m-%d}至{page.last_day:%Y-%m-%d}"
    for sheet_name, rows, ranked in (
        ("承办单位排名", page.units, True),
        ("按分类", page.categories, False),
        ("按街道", page.streets, False),
    ):
        sheet = book.add_worksheet(sheet_name)
        sheet.write(
            0, 0, f"{page.jurisdiction.name}{page.month.label}诉求办理三率（{period}）", title
        )
        sheet.write(1, 0, definitions, note)
        sheet.write_row(3, 0, HEADERS, head)
        for r, row in enumerate(rows, start=4):
            for col, value in enumerate(_line(row, ranked)):
                fmt = pct if col in (4, 9, 10, 11) and value != "" else cell
                sheet.write(r, col, value, fmt)
        total = Row("全区合计", page.district)
        for col, value in enumerate(_line(total, False)):
            fmt = pct if col in (4, 9, 10, 11) and value != "" else head
            sheet.write(4 + len(rows), col, value, fmt)
        sheet.set_column(0, 0, 6)
        sheet.set_column(1, 1, 28)
        sheet.set_column(2, len(HEADERS) - 1, 10)
        sheet.freeze_panes(4, 2)
    book.close()
    return buffer.getvalue()


# --- the API (``GET /api/v1/demands/stats``, ``…/stats/trend``) -------------------------------


def definitions() -> dict[str, str]:
    """The rates' definitions as the page writes them, with this installation's weights."""
    a, b, c = rates.composite_weights()
    return {
        "response_rate": "响应率＝在签收时限内签收的诉求÷当月派给该单位的诉求"
        "（签收时限未到且未签收的、退单后待重新派单的暂不计入）",
        "resolution_rate": "解决率＝当月回访中群众认为已解决（满意或基本满意）的诉求÷当月回访的诉求"
        "（每件诉求按最近一次回访计一次；联系不上的不计入）",
        "satisfaction_rate": f"满意率＝（满意＋基本满意×{rates.basically_weight():g}）"
        "÷当月回访的诉求",
        "composite": f"综合得分＝响应率×{a:g}＋解决率×{b:g}＋满意率×{c:g}；"
        "某项无可统计的诉求时，其权重按比例分给其余各项",
        "assessed": "申诉成立的诉求不纳入考核",
    }


@dataclass
class MonthStats:
    """The month's rates of a district and its units ranked: the numbers of the page's
    first two parts (``stats_page``'s ``district`` and ``units``)."""

    jurisdiction: Jurisdiction
    month: rates.Month
    start: dt.datetime
    end: dt.datetime  # exclusive
    district: rates.Counts
    units: list[Row]


def pick_district(user: Any, code: str | None) -> Jurisdiction:
    """The district of ``code`` whose statistics the user reads (403 for one who reads
    none, 404 for an unknown code or a district not theirs); the first one when None."""
    if code is None:
        return _choose(user, None)[0]
    found = Jurisdiction.objects.filter(code=code, level=Jurisdiction.Level.DISTRICT).first()
    if found is None:
        ids = stats_jurisdiction_ids(user)  # who reads nothing is told so first
        if not ids:
            raise PermissionDenied("只有专班和包保领导可以查看诉求统计")
        raise NotFound("没有找到这个区县")
    return _choose(user, found.pk)[0]


def month_stats(
    user: Any, code: str | None, month: rates.Month | None = None, *, now: dt.datetime | None = None
) -> MonthStats:
    now = now or timezone.now()
    jurisdiction = pick_district(user, code)
    month = month or rates.Month.of(now)
    start, end = month.bounds()
    j = jurisdiction.pk
    by_unit = rates.counts_by(j, "unit", start, end, now=now)
    unit_names = dict(
        Unit.objects.filter(pk__in={c.key for c in by_unit if c.key}).values_list("pk", "name")
    )
    return MonthStats(
        jurisdiction=jurisdiction,
        month=month,
        start=start,
        end=end,
        district=rates.district_counts(j, start, end, now=now),
        units=rank(by_unit, unit_names),
    )


TREND_MONTHS = 24


def trend_stats(
    user: Any,
    code: str | None,
    months: int = 12,
    last: rates.Month | None = None,
    *,
    now: dt.datetime | None = None,
) -> tuple[Jurisdiction, list[tuple[rates.Month, rates.Counts]]]:
    """The district's counts for ``months`` months up to ``last`` (the page's trend)."""
    now = now or timezone.now()
    jurisdiction = pick_district(user, code)
    return jurisdiction, rates.trend(jurisdiction.pk, last or rates.Month.of(now), months, now=now)
