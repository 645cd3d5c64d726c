"""Programme indicators (数据统计): values equal hand sums for both sources, per period and
cumulative (a past period as of its end, and live); the office's CRUD with its audit and
locking; the board's panel through ``board.panels``; the compiled report holds them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.board.panels import register_panel, unregister_panel
from shishi.board.services import refresh_statuses
from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger.models import Item, ProgressUpdate, Review, Target
from shishi.reports import compiling, services
from shishi.reports.demo import seed_indicators
from shishi.reports.indicators import (
    IndicatorInput,
    board_panel,
    create_indicator,
    delete_indicator,
    indicator_values,
    update_indicator,
    values_of,
)
from shishi.reports.models import Cycle, Indicator, Period, Submission, SubmissionFigure

D = dt.date
LATER = D(2022, 1, 10)  # "today" for the 2021 periods: all in the past


def _post(world: World, item: Item, day: dt.date, actuals: dict[Target, int], **kw: str) -> None:
    ProgressUpdate.objects.create(
        jurisdiction=world.nangang, item=item, programme=world.programme, reported_on=day,
        text="进展", target_actuals={str(t.pk): str(v) for t, v in actuals.items()},
        review=kw.get("review", Review.PUBLISHED),
    )  # fmt: skip


@pytest.fixture
def desks(world: World) -> tuple[Target, Target, Target]:
    """课桌椅 targets on items A and B, a 学校 target on B, and their progress history."""
    a = Target.objects.create(item=world.item_a, name="升降课桌椅", value=100, unit="套")
    b = Target.objects.create(item=world.item_b, name="课桌椅", value=200, unit="套")
    school = Target.objects.create(item=world.item_b, name="学校", value=45, unit="所")
    _post(world, world.item_a, D(2021, 6, 10), {a: 10})
    _post(world, world.item_b, D(2021, 6, 15), {b: 5, school: 3})
    _post(world, world.item_a, D(2021, 6, 22), {a: 30})
    _post(world, world.item_b, D(2021, 6, 23), {b: 20, school: 9})
    _post(world, world.item_b, D(2021, 6, 24), {b: 99}, review=Review.REJECTED)  # not counted
    _post(world, world.item_a, D(2021, 6, 30), {a: 45})
    _post(world, world.item_b, D(2021, 7, 2), {b: 50})
    Target.objects.filter(pk=a.pk).update(actual=45)
    Target.objects.filter(pk=b.pk).update(actual=50)
    return a, b, school


def _indicator(world: World, **kw: object) -> Indicator:
    given = IndicatorInput(**{"name": "课桌椅发放", "unit": "套", **kw})  # type: ignore[arg-type]
    return create_indicator(world.programme, given, actor=world.office)


Row = tuple[str, float | int, float | int, float | int | None]


def _values(world: World, start: dt.date, end: dt.date, today: dt.date = LATER) -> list[Row]:
    got = indicator_values(world.programme, period_start=start, period_end=end, today=today)
    return [(i.name, i.this_period, i.cumulative, i.target) for i in got]


def test_target_actuals_are_the_change_over_the_period_and_the_value_at_its_end(
    world: World, desks: tuple[Target, Target, Target]
) -> None:
    _indicator(world, target_pattern="课桌椅", target_value=Decimal(300))
    # W25 (21–27 June): as of the 27th 30 + 20; as of the 20th 10 + 5 (the rejected 99 and
    # the 学校 target left out).
    assert _values(world, D(2021, 6, 21), D(2021, 6, 27)) == [("课桌椅发放", 35, 50, 300)]
    # A past week read as of its own end, not as things stand now.
    assert _values(world, D(2021, 6, 14), D(2021, 6, 20)) == [("课桌椅发放", 5, 15, 300)]
    assert _values(world, D(2021, 6, 1), D(2021, 6, 30)) == [("课桌椅发放", 65, 65, 300)]
    assert _values(world, D(2021, 5, 1), D(2021, 5, 31)) == [("课桌椅发放", 0, 0, 300)]
    # A period reaching today reads the targets' actual values now (45 + 50).
    today = D(2021, 7, 5)
    assert _values(world, D(2021, 7, 5), D(2021, 7, 11), today) == [("课桌椅发放", 0, 95, 300)]
    assert _values(world, D(2021, 6, 28), D(2021, 7, 4), today) == [("课桌椅发放", 45, 95, 300)]


def test_chosen_items_narrow_the_targets(
    world: World, desks: tuple[Target, Target, Target]
) -> None:
    _indicator(world, name="教育局课桌椅", target_pattern="课桌椅", item_numbers="1-2")
    _indicator(world, name="教育局全部目标", item_numbers="1-2", order=2)
    assert _values(world, D(2021, 6, 21), D(2021, 6, 27)) == [
        ("教育局课桌椅", 15, 20, None),
        ("教育局全部目标", 15 + 6, 29, None),  # 20 + 9 less 5 + 3, in its order
    ]


def _submit(period: Period, values: dict[int, tuple[int, str]]) -> None:
    for unit_id, (value, status) in values.items():
        submission = Submission.objects.get(period=period, unit_id=unit_id)
        Submission.objects.filter(pk=submission.pk).update(status=status)
        SubmissionFigure.objects.filter(submission=submission).update(value=value)


def test_a_cycle_figure_sums_the_submitted_submissions(world: World, weekly: Cycle) -> None:
    w24 = services.open_period(weekly, "2021-W24").period
    w25 = services.open_period(weekly, "2021-W25").period
    w26 = services.open_period(weekly, "2021-W26").period
    a, b = world.unit_a.pk, world.unit_b.pk
    _submit(w24, {a: (3, "submitted"), b: (4, "submitted")})
    _submit(w25, {a: (5, "submitted"), b: (7, "draft")})  # a draft does not count
    _submit(w26, {a: (11, "returned"), b: (2, "submitted")})  # nor a returned one
    figure = weekly.figures.get()
    _indicator(world, name="健康证办理", unit="人", source="figure", figure_id=figure.pk)
    assert _values(world, w24.start, w24.end) == [("健康证办理", 7, 7, None)]
    assert _values(world, w25.start, w25.end) == [("健康证办理", 5, 12, None)]
    assert _values(world, w26.start, w26.end) == [("健康证办理", 2, 14, None)]
    # A month counts the weeks that end in it (W26 ends on 4 July).
    assert _values(world, D(2021, 6, 1), D(2021, 6, 30)) == [("健康证办理", 12, 12, None)]


def test_values_take_the_same_queries_whatever_the_data(
    world: World, desks: tuple[Target, Target, Target], weekly: Cycle
) -> None:
    _indicator(world, target_pattern="课桌椅")
    _indicator(world, name="健康证", source="figure", figure_id=weekly.figures.get().pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _values(world, D(2021, 6, 21), D(2021, 6, 27))
        return len(ctx.captured_queries)

    few = count()
    for n in range(30):
        item = Item.objects.create(
            jurisdiction=world.nangang, programme=world.programme, number=f"9-{n}",
            name=f"事项{n}", lead_unit=world.unit_a,
        )  # fmt: skip
        target = Target.objects.create(item=item, name="课桌椅", value=10)
        _post(world, item, D(2021, 6, 22), {target: n})
    assert count() == few <= 6
    assert _values(world, D(2021, 6, 21), D(2021, 6, 27))[0][1] == 35 + sum(range(30))


# --- the office's writes ---------------------------------------------------------------------


def test_office_creates_edits_and_deletes_with_audit_and_locking(world: World) -> None:
    made = _indicator(world, target_pattern="课桌椅")
    assert AuditEvent.objects.filter(action="reports.indicator_create").count() == 1
    given = IndicatorInput(name="课桌椅配送", unit="套", target_pattern="课桌椅")
    changed = update_indicator(made, given, actor=world.office, expected_version=made.version)
    assert changed.name == "课桌椅配送" and changed.version == made.version + 1
    event = AuditEvent.objects.get(action="reports.indicator_update")
    assert event.changes["name"] == ["课桌椅发放", "课桌椅配送"]
    with pytest.raises(StaleEdit):
        update_indicator(made, given, actor=world.office, expected_version=made.version)
    with pytest.raises(StaleEdit):
        delete_indicator(made, actor=world.office, expected_version=made.version)
    delete_indicator(made, actor=world.office, expected_version=changed.version)
    assert not Indicator.objects.exists()
    assert AuditEvent.objects.filter(action="reports.indicator_delete").count() == 1


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"name": " "}, "name", "请填写指标名称"),
        ({"target_pattern": ""}, "target_pattern", "请填写目标名称包含的文字"),
        ({"item_numbers": "1-1，7-7"}, "item_numbers", "没有编号为7-7的事项"),
        ({"source": "figure"}, "figure", "请选择本年度计划报送机制中的数据项"),
        ({"target_value": Decimal(-1)}, "target_value", "目标值应为不小于0的数"),
        ({"source": "nonsense"}, "source", "请选择数据来源"),
    ],
)
def test_bad_input_names_the_field(
    world: World, kw: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _indicator(world, **{"target_pattern": "课桌椅", **kw})
    assert message in caught.value.errors[field]
    assert not Indicator.objects.exists()


def test_only_the_districts_office_writes_and_names_are_unique(world: World) -> None:
    given = IndicatorInput("课桌椅发放", target_pattern="课桌椅")
    for user in (world.editor_a, world.leader, world.outsider, world.viewer_a):
        with pytest.raises(PermissionDenied):
            create_indicator(world.programme, given, actor=user)
    create_indicator(world.programme, given, actor=world.office)
    with pytest.raises(ValidationFailed, match="已有指标"):
        create_indicator(world.programme, given, actor=world.office)
    assert Indicator.objects.count() == 1


def test_the_pages_office_crud_and_units_denied(world: World) -> None:
    office = client_for(world.office)
    add = reverse("reports:indicator_add", args=[world.programme.pk])
    assert office.get(add).status_code == 200
    bad = office.post(add, {"name": "课桌椅发放", "source": "targets", "order": 0})
    assert bad.status_code == 422
    assert "请填写目标名称包含的文字" in bad.content.decode()
    ok = office.post(
        add, {"name": "课桌椅发放", "unit": "套", "source": "targets", "order": 1,
              "target_pattern": "课桌椅", "target_value": "7823"},
    )  # fmt: skip
    assert ok.status_code == 302
    made = Indicator.objects.get()
    listing = office.get(f"{reverse('reports:indicators')}?programme={world.programme.pk}")
    assert "课桌椅发放" in listing.content.decode()
    edit = reverse("reports:indicator_edit", args=[made.pk])
    form = {"name": "课桌椅配送", "source": "targets", "order": 1, "target_pattern": "课桌椅"}
    assert office.post(edit, {**form, "version": made.version}).status_code == 302
    stale = office.post(edit, {**form, "name": "又一个", "version": made.version})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    delete = reverse("reports:indicator_delete", args=[made.pk])
    assert office.post(delete, {"version": made.version + 1}).status_code == 302
    assert not Indicator.objects.exists()
    made = _indicator(world, target_pattern="课桌椅")
    for user in (world.editor_a, world.viewer_a, world.leader, world.outsider):
        client = client_for(user)
        assert client.get(add).status_code == 404
        assert client.post(add, form).status_code == 404
        assert client.get(reverse("reports:indicator_edit", args=[made.pk])).status_code == 404
        delete = reverse("reports:indicator_delete", args=[made.pk])
        assert client.post(delete, {"version": made.version}).status_code == 404
        listing = client.get(f"{reverse('reports:indicators')}?programme={world.programme.pk}")
        if user is world.outsider:  # Hulan's office sees Hulan's programme only
            assert listing.status_code == 200 and "课桌椅发放" not in listing.content.decode()
        else:
            assert listing.status_code == 403
    assert Indicator.objects.get().name == "课桌椅发放"


# --- the board's panel -----------------------------------------------------------------------


def _board_queries(user: object, url: str) -> tuple[int, str]:
    client = client_for(user)  # type: ignore[arg-type]
    client.get(url)  # the first view of the day reassesses the items
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_board_shows_the_panel_and_units_read_it(
    world: World, desks: tuple[Target, Target, Target]
) -> None:
    url = reverse("board:programme", args=[world.programme.pk])
    without, page = _board_queries(world.office, url)
    assert 'data-panel="indicators"' not in page  # no indicators: no panel
    _indicator(world, target_pattern="课桌椅", target_value=Decimal(300))
    with_panel, page = _board_queries(world.office, url)
    assert 'data-panel="indicators"' in page and "课桌椅发放" in page
    assert "设置指标" in page  # the office's link to its indicators
    own = _board_queries(world.editor_a, f"{url}?unit={world.unit_a.pk}")[1]
    assert 'data-panel="indicators"' in own and "设置指标" not in own  # a unit's own board
    assert with_panel == without  # one query for the names either way
    unregister_panel("reports.indicators")
    try:
        bare, page = _board_queries(world.office, url)
    finally:
        register_panel("reports.indicators", board_panel)
    assert 'data-panel="indicators"' not in page and bare == without - 1
    panel = reverse("reports:indicator_panel", args=[world.programme.pk])
    for user in (world.office, world.editor_a, world.viewer_a, world.leader):
        fragment = client_for(user).get(panel, headers={"HX-Request": "true"})
        text = fragment.content.decode()
        assert fragment.status_code == 200 and "<html" not in text
        assert "课桌椅发放" in text and "95" in text and "31.7%" in text  # 95 of 300
    whole = client_for(world.editor_a).get(f"{panel}?as_of=2021-06-27")
    assert whole.status_code == 200 and "<html" in whole.content.decode()
    assert ">50<" in whole.content.decode()  # as of that Sunday
    assert client_for(world.outsider).get(panel).status_code == 404
    for text in ("2021-13-45", "0001-01-01", "x" * 300):
        bad = client_for(world.office).get(f"{panel}?as_of={text}")
        assert bad.status_code == 400 and text[:20] in bad.content.decode()


# --- the compiled report ---------------------------------------------------------------------


def test_the_compiled_report_holds_the_indicators_after_the_cycles_figures(
    world: World, weekly: Cycle, desks: tuple[Target, Target, Target]
) -> None:
    refresh_statuses(world.programme.pk)
    seed_indicators(world.programme)
    today = dt.date.today().isocalendar()
    period = services.open_period(weekly, f"{today.year}-W{today.week:02d}").period
    data = compiling.gather_report(weekly, period)
    names = [i.name for i in data.indicators]
    assert names == ["本周办理健康证人数", "课桌椅发放", "健康证办理"]
    desk = data.indicators[1]
    assert (desk.cumulative, desk.target) == (95, 7823)
    version = services.compile_report(period, actor=world.office)
    assert [i["name"] for i in version.data["indicators"]] == names
    book = openpyxl.load_workbook(version.xlsx.open("rb"), read_only=True)
    cells = [c for row in book["数据统计"].iter_rows(values_only=True) for c in row]
    assert "课桌椅发放" in cells and 95 in cells


def test_values_of_reports_decimals(world: World, desks: tuple[Target, Target, Target]) -> None:
    made = _indicator(world, target_pattern="课桌椅", target_value=Decimal(200))
    (row,) = values_of(
        world.programme, [made], period_start=D(2021, 6, 21), period_end=D(2021, 6, 27),
        today=LATER,
    )  # fmt: skip
    assert (row.this_period, row.cumulative, row.share) == (Decimal(35), Decimal(50), Decimal(25))


def test_hostile_names_are_escaped_on_every_page(
    world: World, desks: tuple[Target, Target, Target]
) -> None:
    hostile = '<script>alert("x")</script>'
    made = _indicator(world, name=hostile, unit="<b>套", target_pattern="课桌椅")
    office = client_for(world.office)
    panel = reverse("reports:indicator_panel", args=[world.programme.pk])
    pages = [
        office.get(f"{reverse('reports:indicators')}?programme={world.programme.pk}"),
        office.get(reverse("reports:indicator_edit", args=[made.pk])),
        office.get(reverse("board:programme", args=[world.programme.pk])),
        office.get(panel, headers={"HX-Request": "true"}),
        office.get(panel),
    ]
    for response in pages:
        text = response.content.decode()
        assert response.status_code == 200
        assert hostile not in text and "&lt;script&gt;" in text and "<b>套" not in text
