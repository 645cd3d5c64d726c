"""The study activities' and the campaign's figures on other apps' pages, through their
registries (registered in ``EducationConfig.ready()``; the lower apps never import
education):

- the battle board (``board.panels``): 十百千万 — each line's count against the district's
  target for the programme's year, as progress bars (two queries);
- the compiled reports (``reports.extras``): 党史学习教育 — the period's approved activities
  by way and their participants, and the campaign's counts by the period's end against the
  year's targets.

Every figure is counted from approved activities (``campaign``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Sum

from shishi.board.panels import BoardPage, Panel
from shishi.education import campaign, permissions
from shishi.education.models import StudyActivity, StudyKind
from shishi.ledger.models import Programme
from shishi.orgs.permissions import scope_for
from shishi.reports.documents.data import ExtraPart, ExtraTable, Figure
from shishi.reports.models import Cycle, Period


def period_by_kind(jurisdiction_id: int, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """Approved activities held in [start, end] by way: how many and their participants —
    one query."""
    out = {k: {"activities": 0, "participants": 0} for k in StudyKind.values}
    rows = (
        StudyActivity.objects.filter(
            jurisdiction_id=jurisdiction_id,
            status=StudyActivity.Status.APPROVED,
            held_on__gte=start,
            held_on__lte=end,
        )
        .values("kind")
        .annotate(activities=Count("pk"), participants=Sum("participants"))
    )
    for row in rows:
        if row["kind"] in out:
            out[row["kind"]] = {
                "activities": int(row["activities"] or 0),
                "participants": int(row["participants"] or 0),
            }
    return out


def report_part(cycle: Cycle, period: Period, today: dt.date) -> ExtraPart | None:
    last = min(period.end, today)
    if last < period.start:
        return None
    district = cycle.jurisdiction_id
    kinds = period_by_kind(district, period.start, last)
    lines = campaign.district_figures(district, last.year, until=last)
    activities = sum(k["activities"] for k in kinds.values())
    participants = sum(k["participants"] for k in kinds.values())
    if not activities and not any(f.count for f in lines):
        return None
    campaign_text = "；".join(
        f"{f.label}{f.count}{f.unit}（目标{f.target}{f.unit}）" for f in lines
    )
    return ExtraPart(
        key="education.study",
        heading="党史学习教育情况",
        figures=[
            Figure("本期学习活动", activities, "场"),
            Figure("参加人次", participants, "人次"),
            *[Figure(f.label, f.count, f.unit) for f in lines],
        ],
        paragraphs=[
            f"本期开展学习活动{activities}场，参加{participants}人次。"
            f"截至{last:%Y年%m月%d日}，十百千万：{campaign_text}。"
        ],
        tables=[
            ExtraTable(
                caption="学习活动（按学习方式）",
                headers=["学习方式", "活动场次", "参加人次"],
                rows=[
                    [str(StudyKind(k).label), str(v["activities"]), str(v["participants"])]
                    for k, v in kinds.items()
                ],
            ),
            ExtraTable(
                caption=f"{last.year}年十百千万",
                headers=["项目", "计数", "目标", "完成率"],
                rows=[
                    [
                        f.label,
                        f"{f.count}{f.unit}",
                        f"{f.target}{f.unit}" if f.target is not None else "—",
                        f"{f.rate}%" if f.rate is not None else "—",
                    ]
                    for f in lines
                ],
            ),
        ],
    )


def board_panel(
    user: Any, programme: Programme, as_of: dt.date | None, *, page: BoardPage
) -> Panel | None:
    """The four lines on the programme's own board (not a unit's or a leader's)."""
    if page.unit_id is not None or page.leader_id is not None:
        return None
    district = programme.jurisdiction_id
    if not scope_for(user).can_read_jurisdiction(district):
        return None
    lines = campaign.district_figures(district, programme.year, until=as_of)
    if not any(f.count for f in lines):
        return None
    office = permissions.is_office(user, district)
    return Panel(
        "education/campaign/_board_panel.html",
        {
            "lines": lines,
            "year": programme.year,
            "office": office,
            "code": programme.jurisdiction.code if office else "",
        },
    )
