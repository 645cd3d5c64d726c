"""What demands show on other apps' pages, through their registries (registered in
``DemandsConfig.ready()``; the lower apps never import demands):

- the battle board (``board.panels``): on the programme's own board, for the district's
  office and sponsor leaders, the district's three rates of the month so far (of the month
  of ``as_of`` on a past board) — one query;
- the compiled reports (``reports.extras``): a 群众诉求办理 part — the period's three rates
  for the district and per unit, ranked by the composite score.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from shishi.board.panels import BoardPage, Panel
from shishi.demands import rates, stats_selectors
from shishi.ledger.models import Programme
from shishi.orgs.models import Unit
from shishi.reports.documents.data import ExtraPart, ExtraTable, Figure
from shishi.reports.models import Cycle, Period


def board_panel(
    user: Any,
    programme: Programme,
    as_of: dt.date | None,
    *,
    page: BoardPage,
    now: dt.datetime | None = None,
) -> Panel | None:
    if page.unit_id is not None or page.leader_id is not None:
        return None
    district = programme.jurisdiction_id
    if not stats_selectors.reads_stats(user, district):
        return None
    now = now or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    moment = now if as_of is None else dt.datetime.combine(as_of, dt.time(12), tzinfo=zone)
    month = rates.Month.of(moment)
    counts = rates.month_counts(district, month, now=min(now, month.bounds()[1]))
    return Panel(
        "demands/_board_panel.html",
        {"month": month, "counts": counts, "district": district},
    )


def _figure(label: str, rate: float | None) -> list[Figure]:
    return [] if rate is None else [Figure(label, round(rate * 100, 1), "%")]


def report_part(cycle: Cycle, period: Period, today: dt.date) -> ExtraPart | None:
    """群众诉求办理情况 in the period (its first day to its last, or today): the district's
    three rates and the units ranked; None when nothing counted."""
    district = cycle.jurisdiction_id
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=zone)
    last = min(period.end, today)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    total = rates.district_counts(district, start, end, now=end)
    if not total.counted:
        return None
    by_unit = rates.counts_by(district, "unit", start, end, now=end)
    names = dict(
        Unit.objects.filter(pk__in=[c.key for c in by_unit if c.key]).values_list("pk", "name")
    )
    ranked = stats_selectors.rank(by_unit, names)
    return ExtraPart(
        key="demands",
        heading="群众诉求办理情况",
        figures=[
            Figure("派单", total.dispatched, "件"),
            Figure("回访", total.called_back, "件"),
            *_figure("响应率", total.response_rate),
            *_figure("解决率", total.resolution_rate),
            *_figure("满意率", total.satisfaction_rate),
        ],
        paragraphs=[
            "响应率为按时签收的诉求占派单的比例，解决率为回访中群众认为已解决（满意或基本满意）"
            f"的比例，满意率为（满意＋基本满意×{rates.basically_weight():g}）占回访的比例；"
            "申诉成立的诉求不纳入考核。"
        ],
        tables=[
            ExtraTable(
                caption="承办单位诉求办理三率排名",
                headers=[
                    "排名",
                    "承办单位",
                    "派单",
                    "响应率",
                    "回访",
                    "解决率",
                    "满意率",
                    "综合得分",
                ],
                rows=[
                    [
                        str(r.rank),
                        r.name,
                        str(r.counts.dispatched),
                        r.counts.response_pct,
                        str(r.counts.called_back),
                        r.counts.resolution_pct,
                        r.counts.satisfaction_pct,
                        r.counts.composite_pct,
                    ]
                    for r in ranked
                ],
                widths=[12, 40, 14, 18, 14, 18, 18, 18],
            )
        ],
    )
