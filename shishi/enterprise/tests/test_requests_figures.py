"""Figures of the service requests equal the records counted by hand: per district, station,
unit and month (received, closed by outcome, on time, overdue at the period's end, the
average rating), and the compiled reports' part."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from shishi.conftest import World
from shishi.enterprise import request_figures
from shishi.enterprise import requests as svc
from shishi.enterprise.models import RequestStatus, ServiceRequest
from shishi.enterprise.tests.requests_world import (
    Ent,
    build_ent,
    make_uscc,
    public_input,
    taken,
)
from shishi.reports.models import Cycle, Period

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def ent(world: World) -> Ent:
    return build_ent(world)


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


def _records(world: World, ent: Ent) -> list[ServiceRequest]:
    """40 requests over January to May 2026 in every state, dates set by hand."""
    rng = random.Random(18)
    units = [world.unit_a, world.unit_b, world.unit_c]
    made = []
    for n in range(40):
        if n % 3 == 0:
            r = svc.take_in_public(
                world.nangang.pk, public_input(make_uscc(100 + n), enterprise_name=f"企业{n}")
            )
        else:
            r = taken(world, ent)
        created = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 135))
        changes: dict = {"created_at": _moment(created)}
        state = n % 5
        if state:  # assigned
            changes.update(
                owner_unit=units[n % 3],
                status=RequestStatus.HANDLING,
                due_on=created + dt.timedelta(days=rng.randrange(3, 20)),
            )
        if state >= 3:  # closed, some late, some rated
            closed = created + dt.timedelta(days=rng.randrange(1, 25))
            changes.update(
                status=RequestStatus.CLOSED,
                outcome=["solved", "partly", "unsolvable"][n % 3],
                closed_at=_moment(closed, 16),
                rating=(n % 5) + 1 if n % 2 else None,
            )
        ServiceRequest.objects.filter(pk=r.pk).update(**changes)
        made.append(ServiceRequest.objects.get(pk=r.pk))
    return made


def _by_hand(rows: list[ServiceRequest], start: dt.date, end: dt.date) -> dict:
    as_of = min(end, TODAY)

    def day(moment: dt.datetime | None) -> dt.date | None:
        return moment.astimezone(ZONE).date() if moment else None

    received = [r for r in rows if start <= day(r.created_at) <= end]  # type: ignore[operator]
    closed = [r for r in rows if r.closed_at and start <= day(r.closed_at) <= end]  # type: ignore[operator]
    rated = [r.rating for r in closed if r.rating is not None]
    return {
        "received": len(received),
        "closed": len(closed),
        "solved": sum(1 for r in closed if r.outcome == "solved"),
        "partly": sum(1 for r in closed if r.outcome == "partly"),
        "unsolvable": sum(1 for r in closed if r.outcome == "unsolvable"),
        "on_time": len(
            [r for r in closed if r.due_on and day(r.closed_at) <= r.due_on]  # type: ignore[operator]
        ),
        "overdue": len(
            [
                r
                for r in rows
                if day(r.created_at) <= as_of  # type: ignore[operator]
                and r.due_on is not None
                and r.due_on < as_of
                and (r.closed_at is None or day(r.closed_at) > as_of)  # type: ignore[operator]
            ]
        ),
        "rated": len(rated),
        "average_rating": (
            (Decimal(sum(rated)) / len(rated)).quantize(Decimal("0.01")) if rated else None
        ),
    }


def _as_dict(c: request_figures.Counts) -> dict:
    return {
        "received": c.received,
        "closed": c.closed,
        "solved": c.solved,
        "partly": c.partly,
        "unsolvable": c.unsolvable,
        "on_time": c.on_time,
        "overdue": c.overdue,
        "rated": c.rated,
        "average_rating": c.average_rating,
    }


def test_district_station_unit_and_month_figures_equal_the_records(world: World, ent: Ent) -> None:
    rows = _records(world, ent)
    where = Q(jurisdiction_id=world.nangang.pk)
    for start, end in [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 10), dt.date(2026, 4, 20)),
    ]:
        total = request_figures.total(where, start, end, today=TODAY)
        assert _as_dict(total) == _by_hand(rows, start, end)
        for row in request_figures.by("station", where, start, end, today=TODAY):
            mine = [r for r in rows if r.station_id == row.key]
            assert _as_dict(row.counts) == _by_hand(mine, start, end), row.label
        by_unit = request_figures.by("unit", where, start, end, today=TODAY)
        for row in by_unit:
            mine = [r for r in rows if r.owner_unit_id == row.key]
            assert _as_dict(row.counts) == _by_hand(mine, start, end), row.label
        assert sum(r.counts.received for r in by_unit) == total.received
    months = request_figures.months(where, 2026, today=TODAY)
    assert [m.label for m in months] == ["1月", "2月", "3月", "4月", "5月"]
    for m in months:
        first = dt.date(2026, m.key or 1, 1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        assert _as_dict(m.counts) == _by_hand(rows, first, last)
    assert sum(m.counts.received for m in months) == len(rows)


def test_the_resolution_rate_and_headline() -> None:
    counts = request_figures.Counts(received=9, closed=3, solved=2)
    assert counts.resolution_rate == Decimal("66.7")
    assert request_figures.headline(counts) == (
        "益企工作站和专班受理企业诉求9件，办结3件，解决率66.7%。"
    )
    assert request_figures.Counts(received=1).resolution_rate is None


def test_the_report_part(world: World, ent: Ent) -> None:
    rows = _records(world, ent)
    cycle = Cycle(jurisdiction_id=world.nangang.pk)
    period = Period(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    part = request_figures.report_part(cycle, period, TODAY)
    assert part is not None and part.key == "enterprise.requests"
    expected = _by_hand(rows, period.start, period.end)
    figures = {f.label: f.value for f in part.figures}
    assert figures["受理"] == expected["received"] and figures["办结"] == expected["closed"]
    assert figures["已解决"] == expected["solved"]
    assert part.paragraphs[0].startswith(f"益企工作站和专班受理企业诉求{expected['received']}件")
    station_row = next(r for r in part.tables[0].rows if r[0] == ent.station.name)
    mine = _by_hand([r for r in rows if r.station_id == ent.station.pk], period.start, period.end)
    assert station_row[1] == str(mine["received"])
    quiet = Period(start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31))
    assert request_figures.report_part(cycle, quiet, TODAY) is None
    hulan = Cycle(jurisdiction_id=world.hulan.pk)
    assert request_figures.report_part(hulan, period, TODAY) is None
