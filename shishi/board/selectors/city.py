"""The city board: the city's districts compared, for the city office."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from shishi.board import permissions
from shishi.board.aggregates import (
    Summary,
)
from shishi.board.models import (
    ProgrammeSnapshot,
)
from shishi.board.selectors.common import (
    GroupRow,
    Totals,
    TrendPoint,
    current_totals,
    group_row,
    today_or,
    totals_of,
    trend_point,
)
from shishi.core.errors import NotFound
from shishi.ledger.models import Programme
from shishi.ledger.selectors import visible_jurisdictions, visible_programmes
from shishi.orgs.models import Jurisdiction


@dataclass(frozen=True)
class DistrictRow:
    jurisdiction_id: int
    code: str
    name: str
    programme_id: int | None  # None: no programme that year
    row: GroupRow
    snapshot_on: dt.date | None


@dataclass(frozen=True)
class CityBoard:
    city_id: int
    city_name: str
    year: int
    as_of: dt.date
    requested_as_of: dt.date
    is_live: bool
    totals: Totals
    districts: list[DistrictRow]  # in division-code order; ``row.rank`` ranks worst first
    trend: list[TrendPoint]


def city_board(
    user: Any,
    city: Jurisdiction,
    *,
    year: int | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> CityBoard:
    """The city's districts compared, for the city office, in a constant number of queries.

    Today: each district programme's current totals (``current_totals``, one row a
    district; the view asks ``services.reassess_if_stale`` first). ``as_of`` in the past:
    each district's weekly snapshot on or before it. A district without a programme that
    year has a row of zeros and no links. The city totals' ``params`` are empty: they span
    programmes, so they link nowhere.
    """
    permissions.access_city(user, city)
    today = today_or(today)
    live = as_of is None or as_of >= today
    on = as_of if as_of is not None and not live else today
    year = year or on.year
    districts = list(
        Jurisdiction.objects.filter(parent=city).order_by("code").values_list("pk", "code", "name")
    )
    programmes = dict(
        Programme.objects.filter(jurisdiction__parent=city, year=year).values_list(
            "jurisdiction_id", "pk"
        )
    )
    ids = sorted(programmes.values())
    snaps = list(
        ProgrammeSnapshot.objects.filter(programme_id__in=ids, group="", taken_on__lte=on).order_by(
            "taken_on"
        )
    )
    by_programme: dict[int, Summary] = {}
    snapshot_of: dict[int, dt.date] = {}
    if live:
        by_programme = current_totals(ids, today)
    else:
        for snap in snaps:  # ascending: the last one on or before ``on`` wins
            by_programme[snap.programme_id] = Summary.from_programme_snapshot(snap)
            snapshot_of[snap.programme_id] = snap.taken_on
    weekly: dict[dt.date, Summary] = {}
    for snap in snaps:
        weekly.setdefault(snap.taken_on, Summary()).add(Summary.from_programme_snapshot(snap))
    trend = [trend_point(d, s) for d, s in sorted(weekly.items())]
    total = Summary()
    rows: list[tuple[int, str, str, int | None, Summary]] = []
    for jid, code, name in districts:
        pid = programmes.get(jid)
        s = by_programme.get(pid, Summary()) if pid is not None else Summary()
        total.add(s)
        rows.append((jid, code, name, pid, s))
    if live and (not trend or trend[-1].on < on):
        trend.append(trend_point(on, total, live=True))
    order = sorted(rows, key=lambda r: (-r[4].behind, -r[4].update_late, -r[4].items, r[1]))
    rank = {r[0]: i for i, r in enumerate(order, start=1)}
    suffix = {} if live else {"as_of": on.isoformat()}
    out = []
    for jid, code, name, pid, s in rows:
        p = {"programme": str(pid), **suffix} if pid is not None else {}
        out.append(
            DistrictRow(
                jid,
                code,
                name,
                pid,
                group_row(jid, name, rank[jid], s, p),
                snapshot_of.get(pid or 0),
            )
        )
    return CityBoard(
        city_id=city.pk,
        city_name=city.name,
        year=year,
        as_of=on,
        requested_as_of=as_of or today,
        is_live=live,
        totals=totals_of(total, {}),
        districts=out,
        trend=trend,
    )


def city_programme_ids(user: Any, city: Jurisdiction, *, year: int | None = None) -> list[int]:
    """The programmes ``city_board`` shows for ``year`` (default this year): what a view
    reassesses before it reads the live city board."""
    permissions.access_city(user, city)
    year = year or timezone.localdate().year
    return sorted(
        Programme.objects.filter(jurisdiction__parent=city, year=year).values_list("pk", flat=True)
    )


def access_city(user: Any, code: str) -> Jurisdiction:
    """The city of this division code, if the user may see it; NotFound else."""
    found = (
        visible_jurisdictions(user).filter(code=code[:12], level=Jurisdiction.Level.CITY).first()
    )
    if found is None:
        raise NotFound("辖区不存在或无权查看")
    return found


def city_years(user: Any, city: Jurisdiction, shown: int) -> list[int]:
    """The years of the city's districts' programmes, newest first, with the one shown."""
    years = (
        visible_programmes(user).filter(jurisdiction__parent=city).values_list("year", flat=True)
    )
    return sorted(set(years) | {shown}, reverse=True)
