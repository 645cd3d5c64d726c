"""Publicity figures of a district for a period [start, end] (dates, both included): for the
figures page (``/education/publicity/``) and the compiled reports' data statistics
(``reports.extras``, the part ``education.publicity``, registered in
``EducationConfig.ready()``).

- channels: the district's active channels (as they are now), of which LED screens: the
  screens of its active LED channels;
- columns: the columns of those channels opened by the period's end (or with no date);
- posts and views: the posts published within the period on the district's channels, and
  their views as last entered or imported;
- media reports by level: published within the period.

Per channel and per column: the posts and views of the period. One aggregate query per
figure group (totals, per channel, per column, reports by level), whatever the size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from shishi.education.models import Channel, Column, MediaLevel, MediaReport, Post
from shishi.reports.documents.data import ExtraPart, ExtraTable, Figure
from shishi.reports.models import Cycle, Period

NO_COLUMN = "（未分栏目）"


@dataclass(frozen=True)
class Row:
    pk: int | None
    label: str
    channel: str
    posts: int
    views: int


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    channels: int = 0
    screens: int = 0
    columns: int = 0
    posts: int = 0
    views: int = 0
    reports: dict[str, int] = field(default_factory=dict)  # level → reports
    by_channel: list[Row] = field(default_factory=list)
    by_column: list[Row] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.channels or self.posts or sum(self.reports.values()))

    @property
    def report_rows(self) -> list[tuple[str, int]]:
        return [(str(level.label), self.reports.get(level.value, 0)) for level in MediaLevel]


def figures(jurisdiction_id: int, start: dt.date, end: dt.date) -> Figures:
    out = Figures(start, end)
    active = Channel.objects.filter(jurisdiction_id=jurisdiction_id, is_active=True)
    found = active.aggregate(
        channels=Count("pk"), screens=Sum("screens", filter=Q(kind=Channel.Kind.LED))
    )
    out.channels = found["channels"]
    out.screens = found["screens"] or 0
    out.columns = Column.objects.filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=end),
        channel__jurisdiction_id=jurisdiction_id,
        channel__is_active=True,
    ).count()
    posts = Post.objects.filter(
        channel__jurisdiction_id=jurisdiction_id, published_on__gte=start, published_on__lte=end
    )
    totals = posts.aggregate(posts=Count("pk"), views=Sum("views"))
    out.posts = totals["posts"]
    out.views = totals["views"] or 0
    out.reports = dict(
        MediaReport.objects.filter(
            jurisdiction_id=jurisdiction_id, published_on__gte=start, published_on__lte=end
        )
        .values_list("level")
        .annotate(n=Count("pk"))
        .values_list("level", "n")
    )
    out.by_channel = [
        Row(pk, name, name, n, v or 0)
        for pk, name, n, v in posts.values_list("channel_id", "channel__name")
        .annotate(n=Count("pk"), v=Sum("views"))
        .values_list("channel_id", "channel__name", "n", "v")
        .order_by("-n", "channel__name")
    ]
    out.by_column = [
        Row(pk, name or NO_COLUMN, channel, n, v or 0)
        for pk, name, channel, n, v in posts.values_list(
            "column_id", "column__name", "channel__name"
        )
        .annotate(n=Count("pk"), v=Sum("views"))
        .values_list("column_id", "column__name", "channel__name", "n", "v")
        .order_by("channel__name", "-n", "column__name")
    ]
    return out


def headline(f: Figures) -> str:
    """The line the report (and the briefing) gives."""
    return (
        f"宣传阵地{f.channels}个（其中LED屏{f.screens}块），开设栏目{f.columns}个，"
        f"发布稿件{f.posts}篇，阅读量{f.views}次；"
        f"中央级{f.reports.get(MediaLevel.CENTRAL, 0)}篇、"
        f"省级{f.reports.get(MediaLevel.PROVINCIAL, 0)}篇、"
        f"市级{f.reports.get(MediaLevel.CITY, 0)}篇媒体报道"
    )


def report_part(cycle: Cycle, period: Period, today: dt.date) -> ExtraPart | None:
    """宣传工作情况 in the report's period; None when the district has no publicity at all."""
    found = figures(cycle.jurisdiction_id, period.start, period.end)
    if found.empty:
        return None
    return ExtraPart(
        key="education.publicity",
        heading="宣传工作情况",
        figures=[
            Figure("宣传阵地", found.channels, "个"),
            Figure("LED屏", found.screens, "块"),
            Figure("开设栏目", found.columns, "个"),
            Figure("发布稿件", found.posts, "篇"),
            Figure("阅读量", found.views, "次"),
            *(Figure(f"{label}媒体报道", n, "篇") for label, n in found.report_rows),
        ],
        paragraphs=[headline(found) + "。"],
        tables=[
            ExtraTable(
                caption="各宣传阵地发布稿件情况",
                headers=["宣传阵地", "稿件（篇）", "阅读量（次）"],
                rows=[[r.label, str(r.posts), str(r.views)] for r in found.by_channel],
                widths=[60, 20, 20],
            )
        ]
        if found.by_channel
        else [],
    )
