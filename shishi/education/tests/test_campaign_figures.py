"""The 十百千万 board panel and the study part of the compiled reports (part C), from the
records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shishi.board.panels import BoardPage, board_panels
from shishi.conftest import World, client_for
from shishi.education import campaign, study_figures
from shishi.education.models import StudyActivity
from shishi.education.tests.study_fixtures import Party, party
from shishi.reports.extras import report_parts
from shishi.reports.models import Cycle, Period

__all__ = ["party"]
pytestmark = pytest.mark.django_db


def _activity(world: World, party: Party, **kw: object) -> StudyActivity:
    values: dict[str, object] = {
        "jurisdiction": world.nangang,
        "unit": party.branch,
        "kind": "group",
        "title": "活动",
        "held_on": dt.date(2021, 5, 10),
        "participants": 10,
        "status": "approved",
    }
    values.update(kw)
    return StudyActivity.objects.create(**values)


def _period(cycle: Cycle, start: dt.date, end: dt.date) -> Period:
    return Period(cycle=cycle, key=f"{start:%Y-%m}", label=f"{start.month}月", start=start,
                  end=end, due_at=timezone.now())  # fmt: skip


def test_report_part_gives_the_periods_figures(world: World, party: Party) -> None:
    _activity(
        world, party, kind="group", line="secretary_lecture", speaker="李书记", participants=30
    )
    _activity(
        world, party, kind="group", line="secretary_lecture", speaker="李书记", participants=20
    )
    _activity(world, party, kind="visit", line="base_visit", participants=120)
    _activity(world, party, kind="online", participants=5, held_on=dt.date(2021, 4, 2))
    _activity(world, party, kind="self", participants=99, status="returned")
    _activity(world, party, kind="self", participants=99, status="submitted")
    cycle = Cycle(jurisdiction=world.nangang, name="月报")
    may = _period(cycle, dt.date(2021, 5, 1), dt.date(2021, 5, 31))
    part = study_figures.report_part(cycle, may, dt.date(2021, 6, 20))
    assert part is not None and part.key == "education.study"
    figures = {f.label: f.value for f in part.figures}
    assert figures["本期学习活动"] == 3 and figures["参加人次"] == 170
    assert figures["百名书记讲党课"] == 1  # one speaker, twice
    assert figures["万名党员群众走进红色教育基地"] == 120
    kinds = {row[0]: row[1:] for row in part.tables[0].rows}
    assert kinds["集中研学"] == ["2", "50"] and kinds["参观见学"] == ["1", "120"]
    assert kinds["潜心自学"] == ["0", "0"]
    lines = {row[0]: row for row in part.tables[1].rows}
    assert lines["万名党员群众走进红色教育基地"][2] == "10000人次"
    assert "本期开展学习活动3场" in part.paragraphs[0]
    assert "education.study" in [p.key for p in report_parts(cycle, may, dt.date(2021, 6, 20))]
    # April: only April's activity; the campaign by April's end: nothing yet
    april = study_figures.report_part(
        cycle, _period(cycle, dt.date(2021, 4, 1), dt.date(2021, 4, 30)), dt.date(2021, 6, 20)
    )
    assert april is not None and {f.label: f.value for f in april.figures}["本期学习活动"] == 1
    assert {f.label: f.value for f in april.figures}["百名书记讲党课"] == 0
    hulan = Cycle(jurisdiction=world.hulan, name="月报")
    assert study_figures.report_part(hulan, may, dt.date(2021, 6, 20)) is None


def test_board_panel_shows_the_four_lines(world: World, party: Party) -> None:
    _activity(world, party, line="expert_tour", speaker="王教授")
    _activity(world, party, line="base_visit", participants=2500)
    campaign.set_target(world.nangang.pk, 2021, "base_visit", 5000, version=0, actor=world.office)
    panels = [
        p
        for p in board_panels(world.office, world.programme, None, BoardPage())
        if p.template.startswith("education/")
    ]
    assert len(panels) == 1
    lines = {f.line: (f.count, f.target, f.rate) for f in panels[0].context["lines"]}
    assert lines["expert_tour"] == (1, 10, 10.0)
    assert lines["base_visit"] == (2500, 5000, 50.0)
    assert not [
        p
        for p in board_panels(world.outsider, world.programme, None, BoardPage())
        if p.template.startswith("education/")
    ]
    assert not [
        p
        for p in board_panels(
            world.office, world.programme, None, BoardPage(unit_id=party.branch.pk)
        )
        if p.template.startswith("education/")
    ]
    page = client_for(world.office).get(f"/board/programme/{world.programme.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-panel="education-campaign"' in body
    assert "十名专家巡回宣讲" in body and "pw-50" in body
    # no activity in the year: no panel
    assert not [
        p
        for p in board_panels(world.outsider, world.hulan_programme, None, BoardPage())
        if p.template.startswith("education/")
    ]
