"""The three rates against hand-counted records; the month's boundary in Asia/Shanghai; the
statistics page per role; the export read back; the board panel and the report part."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.demands import panels, rates, services, stats_selectors
from shishi.demands.models import Channel, Demand, Kind, Satisfaction
from shishi.demands.tests.conftest import Dm

CN = ZoneInfo("Asia/Shanghai")
MAY = rates.Month(2026, 5)
JUNE = rates.Month(2026, 6)
NOW = dt.datetime(2026, 6, 20, 12, 0, tzinfo=CN)  # every time to sign for has run out
TUE = dt.datetime(2026, 5, 12, 10, 0, tzinfo=CN)  # a Tuesday


def _in(world: World, dm: Dm, category: Any, at: dt.datetime, **over: Any) -> Demand:
    data = services.IntakeInput(
        kind=Kind.HELP,
        category_id=category.pk,
        description="一曼街路面塌陷，车辆无法通行",
        channel=Channel.PHONE,
        address="一曼街与西大直街交口",
        phone="138 1234 5678",
    )
    for name, value in over.items():
        setattr(data, name, value)
    return services.take_in(world.nangang.pk, data, actor=world.operator, now=at)


def _handled(
    world: World,
    dm: Dm,
    *,
    accept_after: dt.timedelta | None,
    answer: str | None = None,
    answered_at: dt.datetime | None = None,
) -> Demand:
    """A road demand dispatched to unit A on TUE, signed for ``accept_after`` later,
    replied to and called back with ``answer`` at ``answered_at``."""
    d = _in(world, dm, dm.road, TUE)
    d = services.dispatch(d, world.unit_a, actor=world.operator, expected_version=None, now=TUE)
    if accept_after is None:
        return d
    d = services.accept(d, actor=world.editor_a, expected_version=None, now=TUE + accept_after)
    if answer is None:
        return d
    at = answered_at or TUE + accept_after + dt.timedelta(hours=2)
    d = services.resolve(
        d, actor=world.editor_a, reply="已组织抢修，路面恢复通行", expected_version=None, now=at
    )
    return services.call_back(
        d, actor=world.operator, satisfaction=answer, expected_version=None, now=at
    )


@pytest.fixture
def may(world: World, dm: Dm) -> dict[str, Demand]:
    """Unit A in May, by hand:

    - d1 signed for in an hour, called back satisfied;
    - d2 signed for 13 days late, called back basically satisfied;
    - d3 signed for in an hour, called back dissatisfied (reopened);
    - d4 signed for in an hour, called back dissatisfied, then an upheld appeal: left out;
    - d5 never signed for (its time ran out).

    dispatched 4 (d1, d2, d3, d5), on time 2 (d1, d3); called back 3: 1 satisfied,
    1 basically, 1 dissatisfied.
    """
    hour, late = dt.timedelta(hours=1), dt.timedelta(days=13)
    found = {
        "d1": _handled(world, dm, accept_after=hour, answer=Satisfaction.SATISFIED),
        "d2": _handled(world, dm, accept_after=late, answer=Satisfaction.BASICALLY),
        "d3": _handled(world, dm, accept_after=hour, answer=Satisfaction.DISSATISFIED),
        "d4": _handled(world, dm, accept_after=hour, answer=Satisfaction.DISSATISFIED),
        "d5": _handled(world, dm, accept_after=None),
    }
    d4 = services.file_appeal(
        found["d4"], actor=world.editor_a, reason="不属于本单位职责", expected_version=None
    )
    services.rule_on_appeal(
        d4, actor=world.office, upheld=True, reason="属供热公司职责", expected_version=None
    )
    return found


def test_rates_equal_the_hand_count(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    start, end = MAY.bounds()
    by_unit = {c.key: c for c in rates.counts_by(world.nangang.pk, "unit", start, end, now=NOW)}
    a = by_unit[world.unit_a.pk]
    assert (a.dispatched, a.on_time) == (4, 2)
    assert (a.called_back, a.satisfied, a.basically, a.dissatisfied) == (3, 1, 1, 1)
    assert a.response_rate == pytest.approx(0.5)
    assert a.resolution_rate == pytest.approx(2 / 3)
    assert a.satisfaction_rate == pytest.approx((1 + 0.8) / 3)
    assert a.composite == pytest.approx(0.1 * 0.5 + 0.45 * 2 / 3 + 0.45 * 1.8 / 3)
    # The same counts per category (all road) and for the district.
    (road,) = rates.counts_by(world.nangang.pk, "category", start, end, now=NOW)
    assert road.key == dm.road.pk and road == rates.Counts(dm.road.pk, 4, 2, 3, 1, 1, 1)
    district = rates.month_counts(world.nangang.pk, MAY, now=NOW)
    assert (district.dispatched, district.on_time, district.called_back) == (4, 2, 3)
    # Nothing in June; nothing in another district.
    assert rates.month_counts(world.nangang.pk, JUNE, now=NOW).counted == 0
    assert rates.month_counts(world.hulan.pk, MAY, now=NOW).counted == 0


def test_the_weight_of_basically_satisfied_is_a_setting(
    world: World, dm: Dm, may: dict[str, Demand], settings: Any
) -> None:
    settings.SHISHI_DEMAND_RATE_BASICALLY_WEIGHT = 0.5
    assert rates.month_counts(world.nangang.pk, MAY, now=NOW).satisfaction_rate == (
        pytest.approx(1.5 / 3)
    )


def test_not_yet_due_and_sent_back_are_left_out_of_the_response_rate(world: World, dm: Dm) -> None:
    d = _handled(world, dm, accept_after=None)
    # The day it was dispatched, its time to sign has not run out: not counted yet.
    assert rates.month_counts(world.nangang.pk, MAY, now=TUE).dispatched == 0
    assert rates.month_counts(world.nangang.pk, MAY, now=NOW).dispatched == 1
    services.send_back(d, actor=world.editor_a, reason="不属于本单位", expected_version=None)
    assert rates.month_counts(world.nangang.pk, MAY, now=NOW).dispatched == 0


def test_a_reopened_demand_counts_with_its_latest_answer_in_its_month(world: World, dm: Dm) -> None:
    d = _handled(world, dm, accept_after=dt.timedelta(hours=1), answer=Satisfaction.DISSATISFIED)
    may = rates.month_counts(world.nangang.pk, MAY, now=NOW)
    assert (may.called_back, may.dissatisfied) == (1, 1)
    june_day = dt.datetime(2026, 6, 2, 10, 0, tzinfo=CN)
    d = services.resolve(
        d, actor=world.editor_a, reply="再次维修，已经修好", expected_version=None, now=june_day
    )
    services.call_back(
        d, actor=world.operator, satisfaction=Satisfaction.SATISFIED, expected_version=None,
        now=june_day,
    )  # fmt: skip
    assert rates.month_counts(world.nangang.pk, MAY, now=NOW).called_back == 0
    june = rates.month_counts(world.nangang.pk, JUNE, now=NOW)
    assert (june.called_back, june.satisfied) == (1, 1)


def test_the_month_boundary_is_midnight_in_shanghai(world: World, dm: Dm) -> None:
    # 23:30 on 31 May in Harbin is 15:30 UTC; 00:10 on 1 June is 16:10 UTC on 31 May.
    last = _in(world, dm, dm.noise, dt.datetime(2026, 5, 31, 23, 30, tzinfo=CN))
    first = _in(world, dm, dm.noise, dt.datetime(2026, 6, 1, 0, 10, tzinfo=CN))
    assert last.unit_id == first.unit_id == world.unit_b.pk  # dispatched by themselves
    assert rates.month_counts(world.nangang.pk, MAY, now=NOW).dispatched == 1
    assert rates.month_counts(world.nangang.pk, JUNE, now=NOW).dispatched == 1
    assert rates.Month.of(dt.datetime(2026, 5, 31, 16, 10, tzinfo=dt.UTC)) == JUNE
    assert rates.Month.of(dt.datetime(2026, 5, 31, 15, 59, tzinfo=dt.UTC)) == MAY


def test_a_month_may_start_on_another_day(world: World, dm: Dm, settings: Any) -> None:
    settings.SHISHI_DEMAND_RATE_MONTH_START_DAY = 21
    start, end = JUNE.bounds()
    assert start == dt.datetime(2026, 5, 21, tzinfo=CN)
    assert end == dt.datetime(2026, 6, 21, tzinfo=CN)
    _in(world, dm, dm.noise, dt.datetime(2026, 5, 25, 10, 0, tzinfo=CN))
    assert rates.month_counts(world.nangang.pk, JUNE, now=NOW).dispatched == 1
    assert rates.month_counts(world.nangang.pk, MAY, now=NOW).dispatched == 0
    assert rates.Month.of(dt.datetime(2026, 5, 22, tzinfo=CN)) == JUNE


def test_the_trend_counts_each_month_in_one_query(
    world: World, dm: Dm, may: dict[str, Demand]
) -> None:
    with CaptureQueriesContext(connection) as captured:
        series = rates.trend(world.nangang.pk, JUNE, now=NOW)
    table = Demand._meta.db_table
    reads = [q for q in captured.captured_queries if table in q["sql"]]
    assert len(reads) == 1  # (on PostgreSQL a savepoint and SET LOCAL jit around it)
    assert [m for m, _c in series][-2:] == [MAY, JUNE] and len(series) == 12
    by_month = dict(series)
    assert by_month[MAY] == rates.month_counts(world.nangang.pk, MAY, now=NOW)
    assert by_month[JUNE].counted == 0


# --- the page ---------------------------------------------------------------------------


def _page(client: Client, **params: str) -> Any:
    return client.get(reverse("demands:stats"), params)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("office", 200),
        ("city_office", 200),
        ("leader", 200),
        ("operator", 403),
        ("editor_a", 403),
        ("viewer_a", 403),
        ("inspector", 403),
        ("resident", 403),
    ],
)
def test_the_page_per_role(
    world: World, dm: Dm, may: dict[str, Demand], who: str, status: int
) -> None:
    response = _page(
        client_for(getattr(world, who)), month="2026-05", district=str(world.nangang.pk)
    )
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "区城管局" in text and "50.0%" in text  # unit A's response rate
        assert "满意率＝（满意＋基本满意×0.8）" in text


def test_the_page_refuses_another_district_and_bad_input(
    world: World, dm: Dm, may: dict[str, Demand]
) -> None:
    office = client_for(world.office)
    assert _page(office, district=str(world.hulan.pk)).status_code == 404
    bad = _page(office, month="2026-13")
    assert bad.status_code == 400 and "月份" in bad.content.decode()
    assert _page(office, district="x").status_code == 400
    assert client_for(world.outsider).get(reverse("demands:stats")).status_code == 200  # Hulan's


def test_the_ranking_and_the_export_read_back(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    # Unit B: one noise demand in May, signed for at once and called back satisfied.
    at = dt.datetime(2026, 5, 13, 10, 0, tzinfo=CN)
    d = _in(world, dm, dm.noise, at)
    d = services.accept(d, actor=world.editor_b, expected_version=None, now=at)
    d = services.resolve(
        d, actor=world.editor_b, reply="已经劝阻施工", expected_version=None, now=at
    )
    services.call_back(
        d, actor=world.operator, satisfaction=Satisfaction.SATISFIED, expected_version=None, now=at
    )
    page = stats_selectors.stats_page(world.office, month=MAY, now=NOW)
    assert [(r.rank, r.name) for r in page.units] == [(1, "区教育局"), (2, "区城管局")]
    response = client_for(world.office).get(reverse("demands:stats_export"), {"month": "2026-05"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["承办单位排名"]
    header = [c.value for c in sheet[4]]
    assert header[:5] == ["排名", "名称", "派单量", "按时签收", "响应率"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert rows[0][:5] == [1, "区教育局", 1, 1, 1]
    assert rows[1][:5] == [2, "区城管局", 4, 2, 0.5]
    assert rows[1][9] == pytest.approx(0.6667) and rows[1][10] == pytest.approx(0.6)
    assert rows[2][1] == "全区合计" and rows[2][2] == 5
    assert "申诉成立的诉求不纳入考核" in str(sheet["A2"].value)
    assert {"按分类", "按街道"} <= set(book.sheetnames)


# --- the feeds ----------------------------------------------------------------------------


def test_the_board_panel_and_the_report_part(world: World, dm: Dm, may: dict[str, Demand]) -> None:
    from shishi.board.panels import BoardPage
    from shishi.reports.models import Cycle, Period

    panel = panels.board_panel(world.office, world.programme, None, page=BoardPage(), now=NOW)
    assert panel is not None and panel.context["counts"].called_back == 0  # June so far
    may_panel = panels.board_panel(
        world.office, world.programme, dt.date(2026, 5, 31), page=BoardPage(), now=NOW
    )
    assert may_panel is not None and may_panel.context["counts"].dispatched == 4
    assert panels.board_panel(world.editor_a, world.programme, None, page=BoardPage()) is None
    cycle = Cycle(jurisdiction=world.nangang, name="月报")
    period = Period(cycle=cycle, key="2026-05", label="5月", start=dt.date(2026, 5, 1),
                    end=dt.date(2026, 5, 31), due_at=NOW)  # fmt: skip
    part = panels.report_part(cycle, period, dt.date(2026, 6, 20))
    assert part is not None
    figures = {f.label: f.value for f in part.figures}
    assert figures["响应率"] == 50.0 and figures["满意率"] == 60.0
    assert part.tables[0].rows[0][1] == "区城管局"
