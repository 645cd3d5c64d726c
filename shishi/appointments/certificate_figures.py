"""The health certificates' figures on other apps' pages, through their registries
(registered in ``AppointmentsConfig.ready()``; the lower apps never import appointments):

- the compiled reports (``reports.extras``): a 电子健康证办理情况 part — "已为N名从业人员办理
  健康证" (distinct people with a certificate issued in the district, by the period's end),
  the period's certificates issued and revoked, those valid at its end;
- the battle board (``board.panels``): the same headline on the programme's own board — one
  query.

Every figure is counted from the certificates themselves (``certificate_selectors``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from shishi.appointments.certificate_selectors import workers_certified
from shishi.appointments.models import HealthCertificate
from shishi.board.panels import BoardPage, Panel
from shishi.ledger.models import Programme
from shishi.orgs.permissions import scope_for
from shishi.reports.documents.data import ExtraPart, Figure
from shishi.reports.models import Cycle, Period


def headline(count: int) -> str:
    return f"已为{count}名从业人员办理健康证"


def period_counts(jurisdiction_id: int, start: dt.date, end: dt.date) -> dict[str, int]:
    """Certificates of the district: people ever certified by ``end``, issued and revoked
    within [start, end], valid on ``end`` — one query."""
    end_moment = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    start_moment = dt.datetime.combine(start, dt.time())
    from django.utils import timezone

    end_aware = timezone.make_aware(end_moment)
    start_aware = timezone.make_aware(start_moment)
    row = HealthCertificate.objects.filter(
        jurisdiction_id=jurisdiction_id, valid_from__lte=end
    ).aggregate(
        people=Count("resident_id", distinct=True),
        issued=Count("pk", filter=Q(valid_from__gte=start)),
        revoked=Count("pk", filter=Q(revoked_at__gte=start_aware, revoked_at__lt=end_aware)),
        valid=Count(
            "pk",
            filter=Q(valid_until__gte=end)
            & (Q(revoked_at__isnull=True) | Q(revoked_at__gte=end_aware)),
        ),
    )
    return {k: int(v or 0) for k, v in row.items()}


def report_part(cycle: Cycle, period: Period, today: dt.date) -> ExtraPart | None:
    last = min(period.end, today)
    counts = period_counts(cycle.jurisdiction_id, period.start, last)
    if not counts["people"]:
        return None
    return ExtraPart(
        key="appointments.certificates",
        heading="电子健康证办理情况",
        figures=[
            Figure("累计办理健康证人数", counts["people"], "人"),
            Figure("本期发证", counts["issued"], "张"),
            Figure("本期撤销", counts["revoked"], "张"),
            Figure("期末有效", counts["valid"], "张"),
        ],
        paragraphs=[
            headline(counts["people"])
            + f"（截至{last:%Y年%m月%d日}，按持证人去重），本期发证{counts['issued']}张。"
        ],
    )


def board_panel(
    user: Any, programme: Programme, as_of: dt.date | None, *, page: BoardPage
) -> Panel | None:
    if page.unit_id is not None or page.leader_id is not None:
        return None
    district = programme.jurisdiction_id
    if not scope_for(user).can_read_jurisdiction(district):
        return None
    count = workers_certified(district, until=as_of)
    if not count:
        return None
    return Panel(
        "appointments/certs/_board_panel.html", {"count": count, "headline": headline(count)}
    )
