"""The rules of the board, on their own: planned rate, status, light, reasons, forecast."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shishi.board.aggregates import CELLS, cell_of
from shishi.board.schedule import (
    DEFAULT_THRESHOLDS,
    ItemFacts,
    Light,
    ScheduleStatus,
    Thresholds,
    assess,
    forecast,
    planned_rate,
    reduce_history,
)

D = dt.date
YEAR_START = D(2021, 1, 1)

dates = st.dates(min_value=D(2020, 6, 1), max_value=D(2022, 6, 30))
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
milestone_lists = st.lists(st.tuples(dates, st.one_of(st.none(), rates)), max_size=4)
lifecycles = st.sampled_from(["not_started", "in_progress", "done", "closed_out"])


@st.composite
def facts(draw: st.DrawFn, lifecycle: str | None = None) -> ItemFacts:
    start = draw(st.one_of(st.none(), dates))
    due = draw(st.one_of(st.none(), dates))
    ongoing = due is None and draw(st.booleans())
    history = tuple(sorted(draw(st.lists(st.tuples(dates, rates), max_size=5))))
    return ItemFacts(
        lifecycle=lifecycle or draw(lifecycles),
        completion_rate=history[-1][1] if history else draw(rates),
        start_date=start,
        due_date=due,
        is_ongoing=ongoing,
        progress_date=history[-1][0] if history else None,
        year_start=YEAR_START,
        milestones=tuple(sorted((d, r) for d, r in draw(milestone_lists) if r is not None)),
        history=history,
        listed_on=draw(st.one_of(st.none(), dates)),
    )


thresholds = st.builds(
    lambda behind, extra, ahead, stale, stale_extra, ns, ns_extra, window: Thresholds(
        behind_points=behind,
        seriously_behind_points=behind + extra,
        ahead_points=ahead,
        stale_yellow_days=stale,
        stale_red_days=stale + stale_extra,
        not_started_yellow_months=ns,
        not_started_red_months=ns + ns_extra,
        forecast_window_days=window,
    ),
    st.integers(1, 50),
    st.integers(0, 50),
    st.integers(1, 50),
    st.integers(1, 60),
    st.integers(0, 60),
    st.integers(0, 6),
    st.integers(0, 6),
    st.integers(14, 120),
)


# --- planned rate -----------------------------------------------------------------------


@given(dates, dates, milestone_lists, dates, dates)
def test_planned_rate_never_goes_down_as_days_pass(start, due, milestones, a, b) -> None:
    early, late = min(a, b), max(a, b)
    before = planned_rate(start, due, milestones, early)
    after = planned_rate(start, due, milestones, late)
    if before is None:
        assert after is None
    else:
        assert after is not None and after >= before


@given(st.one_of(st.none(), dates), st.one_of(st.none(), dates), milestone_lists, dates)
def test_planned_rate_is_a_rate_or_none_when_unplanned(start, due, milestones, on) -> None:
    rate = planned_rate(start, due, milestones, on)
    planned = due is not None or any(r is not None for _, r in milestones)
    if not planned:
        assert rate is None
    else:
        assert rate is not None and Decimal(0) <= rate <= Decimal(100)


@given(dates, dates, dates)
def test_time_proportional_line_without_milestones(start, due, on) -> None:
    assume(start < due)
    rate = planned_rate(start, due, [], on)
    # A milestone without a rate adds nothing to the curve (and takes the general path).
    assert rate == planned_rate(start, due, [(on, None)], on)
    if on <= start:
        assert rate == 0
    elif on >= due:
        assert rate == 100
    else:
        exact = Decimal(100) * (on - start).days / (due - start).days
        assert abs(rate - exact) <= Decimal("0.05")


def test_planned_rate_follows_the_milestone_curve() -> None:
    start, due = D(2021, 1, 1), D(2021, 12, 31)
    milestones = [(D(2021, 3, 31), Decimal(10)), (D(2021, 6, 30), Decimal(70))]
    assert planned_rate(start, due, milestones, D(2021, 3, 31)) == Decimal(10)
    assert planned_rate(start, due, milestones, D(2021, 6, 30)) == Decimal(70)
    # 45 of the 91 days between the two milestones: 10 + 60 × 45/91.
    assert planned_rate(start, due, milestones, D(2021, 5, 15)) == Decimal("39.7")
    # Without milestones the same day would be 37 % of the year.
    assert planned_rate(start, due, [], D(2021, 5, 15)) == Decimal("36.8")


def test_ongoing_item_without_milestones_has_no_planned_rate() -> None:
    assert planned_rate(D(2021, 1, 1), None, [], D(2021, 6, 1)) is None
    assert planned_rate(D(2021, 1, 1), None, [(D(2021, 7, 1), Decimal(50))], D(2021, 7, 2)) == 50


def test_a_milestone_lower_than_the_one_before_cannot_pull_the_plan_down() -> None:
    milestones = [(D(2021, 3, 1), Decimal(60)), (D(2021, 6, 1), Decimal(20))]
    first = planned_rate(D(2021, 1, 1), D(2021, 12, 31), milestones, D(2021, 3, 1))
    later = planned_rate(D(2021, 1, 1), D(2021, 12, 31), milestones, D(2021, 6, 1))
    assert first == later == Decimal(60)


# --- status and light -------------------------------------------------------------------


@given(facts(lifecycle="done"), thresholds, dates)
def test_a_done_item_is_never_red_or_yellow(f: ItemFacts, th: Thresholds, today) -> None:
    a = assess(f, th, today)
    assert a.light == Light.GREEN
    assert a.status in (ScheduleStatus.DONE, ScheduleStatus.DONE_EARLY)
    assert not a.forecast.will_miss


@given(facts(lifecycle="closed_out"), thresholds, dates)
def test_a_closed_out_item_is_green_and_says_so(f: ItemFacts, th: Thresholds, today) -> None:
    a = assess(f, th, today)
    assert a.light == Light.GREEN
    assert a.reason.code == "closed_out"


@given(facts(), thresholds, dates)
def test_the_light_is_the_worst_of_the_rules(f: ItemFacts, th: Thresholds, today) -> None:
    a = assess(f, th, today)
    if a.status in (ScheduleStatus.SERIOUSLY_BEHIND, ScheduleStatus.OVERDUE):
        assert a.light == Light.RED
    if a.status == ScheduleStatus.BEHIND:
        assert a.light in (Light.YELLOW, Light.RED)
    if a.days_since_update is not None and not f.is_done:
        if a.days_since_update >= th.stale_red_days:
            assert a.light == Light.RED
        elif a.days_since_update >= th.stale_yellow_days:
            assert a.light != Light.GREEN
    # The headline reason carries the light, and every light reason is at most as bad.
    assert a.reasons[0].light == a.light
    order = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}
    assert all(order[Light(r.light)] <= order[Light(a.light)] for r in a.reasons)


@given(facts(), thresholds, dates, st.integers(1, 400))
def test_moving_today_forward_never_lowers_the_planned_rate(
    f: ItemFacts, th: Thresholds, today, days: int
) -> None:
    now = assess(f, th, today).planned_rate
    later = assess(f, th, today + dt.timedelta(days=days)).planned_rate
    if now is not None:
        assert later is not None and later >= now


@given(facts(), thresholds, dates)
def test_worse_lights_sort_first(f: ItemFacts, th: Thresholds, today) -> None:
    a = assess(f, th, today)
    green = assess(replace(f, lifecycle="done"), th, today)
    if a.light != Light.GREEN:
        assert a.urgency > green.urgency


def _facts(**changes: object) -> ItemFacts:
    base = ItemFacts(
        lifecycle="in_progress",
        completion_rate=Decimal(42),
        start_date=D(2021, 1, 1),
        due_date=D(2021, 12, 31),
        is_ongoing=False,
        progress_date=D(2021, 9, 28),
        year_start=YEAR_START,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


TODAY = D(2021, 10, 1)  # 273 days into 2021: planned 75 %


def test_behind_by_more_than_30_points_is_red_with_a_readable_reason() -> None:
    with translation.override("zh-hans"):
        a = assess(_facts(), DEFAULT_THRESHOLDS, TODAY)
        assert a.planned_rate == Decimal("75.0")
        assert a.status == ScheduleStatus.SERIOUSLY_BEHIND
        assert a.light == Light.RED
        assert a.reason.text == "完成率42%，序时进度75%，落后33个百分点"


def test_behind_by_10_to_30_points_is_yellow() -> None:
    a = assess(_facts(completion_rate=Decimal(60)), DEFAULT_THRESHOLDS, TODAY)
    assert (a.status, a.light) == (ScheduleStatus.BEHIND, Light.YELLOW)
    assert assess(_facts(completion_rate=Decimal(66)), DEFAULT_THRESHOLDS, TODAY).status == (
        ScheduleStatus.ON_SCHEDULE
    )
    assert assess(_facts(completion_rate=Decimal(85)), DEFAULT_THRESHOLDS, TODAY).status == (
        ScheduleStatus.AHEAD
    )


def test_thresholds_are_the_programmes_own() -> None:
    strict = Thresholds(behind_points=5, seriously_behind_points=10)
    a = assess(_facts(completion_rate=Decimal(60)), strict, TODAY)
    assert (a.status, a.light) == (ScheduleStatus.SERIOUSLY_BEHIND, Light.RED)
    lenient = Thresholds(behind_points=40, seriously_behind_points=60)
    assert assess(_facts(), lenient, TODAY).light == Light.GREEN


def test_no_update_for_23_days_is_yellow_and_30_red() -> None:
    with translation.override("zh-hans"):
        on_plan = _facts(completion_rate=Decimal(75), progress_date=D(2021, 9, 8))
        a = assess(on_plan, DEFAULT_THRESHOLDS, TODAY)
        assert a.light == Light.YELLOW
        assert a.reason.text == "已23天未更新进展"
        assert a.update_late
        stale = replace(on_plan, progress_date=D(2021, 9, 1))
        assert assess(stale, DEFAULT_THRESHOLDS, TODAY).light == Light.RED


def test_not_started_in_its_planned_month_is_yellow_three_months_red() -> None:
    with translation.override("zh-hans"):
        item = _facts(
            lifecycle="not_started",
            completion_rate=Decimal(0),
            start_date=D(2021, 5, 10),
            due_date=None,
            is_ongoing=True,
            progress_date=None,
            listed_on=D(2021, 6, 1),
        )
        lenient = replace(DEFAULT_THRESHOLDS, stale_yellow_days=365, stale_red_days=365)
        assert assess(item, lenient, D(2021, 5, 20)).light == Light.GREEN
        june = assess(item, lenient, D(2021, 6, 2))
        assert june.light == Light.YELLOW
        assert june.reason.text == "计划5月开工，尚未开工"
        assert assess(item, lenient, D(2021, 8, 1)).light == Light.RED


def test_overdue_item_is_red_and_counts_the_days() -> None:
    with translation.override("zh-hans"):
        a = assess(_facts(completion_rate=Decimal(90)), DEFAULT_THRESHOLDS, D(2022, 1, 10))
        assert (a.status, a.light) == (ScheduleStatus.OVERDUE, Light.RED)
        assert a.reason.text == "已逾期10天，完成率90%"


def test_done_before_the_deadline_is_done_early_after_it_done() -> None:
    early = assess(
        _facts(lifecycle="done", completion_rate=Decimal(100), progress_date=D(2021, 11, 1)),
        DEFAULT_THRESHOLDS,
        D(2022, 3, 1),
    )
    assert early.status == ScheduleStatus.DONE_EARLY
    late = assess(
        _facts(lifecycle="done", completion_rate=Decimal(100), progress_date=D(2022, 1, 12)),
        DEFAULT_THRESHOLDS,
        D(2022, 3, 1),
    )
    assert (late.status, late.light, late.reason.code) == (
        ScheduleStatus.DONE,
        Light.GREEN,
        "done_late",
    )


def test_reasons_render_in_english_too() -> None:
    with translation.override("en"):
        text = assess(_facts(), DEFAULT_THRESHOLDS, TODAY).reason.text
        assert str(Light.RED.label) == "Red"
    assert text == "42% done against a planned 75%: 33 points behind"


# --- forecast ---------------------------------------------------------------------------


def test_steady_pace_projects_the_finish_and_flags_a_miss_before_it_is_late() -> None:
    today = D(2021, 10, 1)
    # 30 points in the last 60 days: half a point a day, 50 points to go: 100 days.
    history = [(D(2021, 7, 1), Decimal(10)), (D(2021, 8, 2), Decimal(20)), (today, Decimal(50))]
    fc = forecast(history, start=D(2021, 1, 1), due=D(2021, 12, 31), today=today)
    assert fc.projected_date == today + dt.timedelta(days=100)
    assert fc.will_miss
    assert not forecast(history, start=None, due=D(2022, 3, 1), today=today).will_miss


def test_no_progress_in_the_window_will_miss_a_deadline_ahead() -> None:
    today = D(2021, 10, 1)
    fc = forecast([(D(2021, 5, 1), Decimal(40))], start=None, due=D(2021, 12, 31), today=today)
    assert fc.projected_date is None and fc.will_miss


def test_no_forecast_without_dated_progress_or_for_done_items() -> None:
    today = D(2021, 10, 1)
    assert forecast([], start=D(2021, 1, 1), due=D(2021, 12, 31), today=today).pace is None
    done = forecast([(today, Decimal(100))], start=None, due=D(2021, 12, 31), today=today)
    assert not done.will_miss and done.projected_date is None


@settings(max_examples=200)
@given(
    st.lists(st.tuples(dates, rates), min_size=1, max_size=8),
    st.one_of(st.none(), dates),
    st.one_of(st.none(), dates),
    dates,
    st.integers(14, 120),
)
def test_forecast_reads_only_two_points_of_the_history(history, start, due, today, window):
    """The services pass the rate at the window start and the current rate, not the log."""
    history = sorted(h for h in history if h[0] <= today)
    assume(history)
    full = forecast(history, start=start, due=due, today=today, window_days=window)
    short = reduce_history(history, today=today, window_days=window)
    assert forecast(short, start=start, due=due, today=today, window_days=window) == full
    if full.projected_date is not None:
        assert full.projected_date >= today
    if full.will_miss:
        assert due is not None and due >= today


# --- cells ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ScheduleStatus.values)
@pytest.mark.parametrize("light", Light.values)
def test_cells_round_trip(status: str, light: str) -> None:
    for lifecycle in ("not_started", "in_progress", "done", "closed_out"):
        for miss in (False, True):
            for late in (False, True):
                c = CELLS[cell_of(status, light, lifecycle, miss, late)]
                assert (c.status, c.light, c.lifecycle, c.will_miss, c.update_late) == (
                    status,
                    light,
                    lifecycle,
                    miss,
                    late,
                )
