"""Supervision where people already look: the item page, the battle board (the programme's,
a unit's, a sponsor leader's) and the compiled reports — each showing only what the viewer
may read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shishi.board import panels as board_panels
from shishi.board.services import refresh_statuses
from shishi.conftest import World, client_for
from shishi.ledger.item_panels import item_panels
from shishi.reports import compiling
from shishi.reports import services as report_services
from shishi.reports.documents.data import ReportData
from shishi.reports.models import Cycle
from shishi.reports.tests.conftest import weekly  # noqa: F401 - the reports' weekly cycle
from shishi.supervision import panels
from shishi.supervision.models import Card, Finding, Instruction
from shishi.supervision.services import findings, instructions
from shishi.supervision.tests.conftest import Sv

TODAY = timezone.localdate()
EARLIER = TODAY - dt.timedelta(days=60)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _finding(
    world: World, sv: Sv, problem: str, *, unit: Any = None, items: Any = None, **over: Any
) -> Finding:
    data = findings.FindingInput(
        kind=Finding.Kind.TO_RECTIFY,
        problem=problem,
        measure="限期整改",
        deadline=over.pop("deadline", TODAY + dt.timedelta(days=10)),
        responsible_person="张科长",
        item_ids=[world.item_a.pk] if items is None else items,
    )
    return findings.add_finding(
        data,
        round=sv.round,
        group=sv.group,
        unit=unit or world.unit_a,
        actor=world.inspector,
        today=over.pop("today", TODAY),
    )


def _instruction(world: World, text: str, **over: Any) -> Instruction:
    return instructions.write_instruction(
        world.nangang.pk,
        instructions.InstructionInput(
            text=text,
            answer_by=over.pop("answer_by", TODAY + dt.timedelta(days=5)),
            item_id=over.pop("item_id", world.item_a.pk),
            unit_id=over.pop("unit_id", None),
        ),
        actor=over.pop("actor", world.leader),
    )


def _set_card(record: Finding | Instruction, card: str) -> None:
    type(record).objects.filter(pk=record.pk).update(card=card)


# --- the item page ---------------------------------------------------------------------------


def test_the_item_page_shows_its_open_findings_and_instructions(world: World, sv: Sv) -> None:
    yellow = _finding(world, sv, "路面修复进度滞后，未按方案推进")
    _set_card(yellow, Card.YELLOW)
    closed = _finding(world, sv, "已经整改好的问题")
    closed = findings.submit_rectification(
        closed, actor=world.editor_a, measures="已整改", expected_version=closed.version
    ).finding
    findings.verify_rectification(
        closed, actor=world.inspector, accept=True, expected_version=closed.version
    )
    _instruction(world, "请区城管局月底前完成抢修")
    url = reverse("ledger:item", args=[world.item_a.pk])

    for viewer in (world.office, world.editor_a, world.inspector, world.leader):
        html = client_for(viewer).get(url).content.decode()
        assert 'id="supervision"' in html, viewer
        assert "路面修复进度滞后" in html and "黄牌" in html
        assert reverse("supervision:finding", args=[yellow.pk]) in html
        assert "请区城管局月底前完成抢修" in html and world.leader.display_name in html
        assert "已经整改好的问题" not in html  # closed out: not open any more
    # Unit B reads the item (the district's ledger) but not unit A's findings.
    html = client_for(world.editor_b).get(url).content.decode()
    assert html.count("路面修复进度滞后") == 0 and 'id="supervision"' not in html
    # An item with nothing open: a unit sees no panel; a leader or the office sees the
    # button that writes an instruction on it.
    other = reverse("ledger:item", args=[world.item_b.pk])
    assert b'id="supervision"' not in client_for(world.editor_b).get(other).content
    for instructor in (world.office, world.leader):
        html = client_for(instructor).get(other).content.decode()
        assert 'id="instruct-item"' in html
        assert f"{reverse('supervision:instruction_new')}?item={world.item_b.pk}" in html


def test_the_item_panel_costs_the_same_queries_for_many_findings(world: World, sv: Sv) -> None:
    _finding(world, sv, "问题一")
    _instruction(world, "批示一")
    client = client_for(world.office)
    url = reverse("ledger:item", args=[world.item_a.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(5):
        _finding(world, sv, f"问题{n}", unit=world.unit_b)
        _instruction(world, f"批示{n}")
    assert count() == before


def test_hostile_text_is_escaped_on_the_item_panel(world: World, sv: Sv) -> None:
    _finding(world, sv, '<img src=x onerror="alert(1)">')
    html = client_for(world.office).get(reverse("ledger:item", args=[world.item_a.pk]))
    text = html.content.decode()
    assert '<img src=x onerror="alert(1)">' not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text


# --- the battle board ------------------------------------------------------------------------


def _board(user: Any, world: World, **params: Any) -> str:
    url = reverse("board:programme", args=[world.programme.pk])
    refresh_statuses(world.programme.pk)
    response = client_for(user).get(f"{url}?{urlencode(params)}" if params else url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_programme_board_counts_open_rectifications_and_instructions(
    world: World, sv: Sv
) -> None:
    _set_card(_finding(world, sv, "问题甲"), Card.YELLOW)
    _set_card(_finding(world, sv, "问题乙", unit=world.unit_b, items=[]), Card.RED)
    _finding(world, sv, "问题丙")
    _set_card(_instruction(world, "批示甲"), Card.RED)
    html = _board(world.office, world)
    assert 'data-panel="supervision"' in html
    assert "整改中的问题</span> <b>3</b>" in html
    assert "黄牌 1" in html and "红牌 1" in html
    assert "未办结的领导批示</span> <b>1</b>" in html
    # The values behind it, from the provider: one query.
    with CaptureQueriesContext(connection) as ctx:
        panel = panels.board_panel(
            world.office, world.programme, None, page=board_panels.BoardPage()
        )
    assert panel is not None and len(ctx.captured_queries) <= 2
    assert (panel.context["findings"], panel.context["yellow"], panel.context["red"]) == (3, 1, 1)
    assert panel.context["instructions_red"] == 1
    # A past week's board shows the board as it was: no panel of today's state.
    past = panels.board_panel(
        world.office, world.programme, TODAY - dt.timedelta(days=7), page=board_panels.BoardPage()
    )
    assert past is None


def test_a_units_board_lists_its_own_findings_and_instructions(world: World, sv: Sv) -> None:
    _finding(world, sv, "城管局的问题")
    _finding(world, sv, "教育局的问题", unit=world.unit_b, items=[])
    _instruction(world, "给城管局的批示")
    _instruction(world, "给教育局的批示", item_id=None, unit_id=world.unit_b.pk)
    html = _board(world.editor_a, world, unit=world.unit_a.pk)
    assert "本单位的整改问题" in html and "城管局的问题" in html
    assert "给城管局的批示" in html
    assert "教育局的问题" not in html and "给教育局的批示" not in html
    html = _board(world.editor_b, world, unit=world.unit_b.pk)
    assert "教育局的问题" in html and "给教育局的批示" in html and "城管局的问题" not in html


def test_a_leaders_board_lists_his_instructions_and_his_items_findings(
    world: World, sv: Sv
) -> None:
    _finding(world, sv, "包保事项的问题")  # item_a, sponsored by the world's leader
    _finding(world, sv, "别的事项的问题", unit=world.unit_b, items=[world.item_b.pk])
    _instruction(world, "领导自己的批示")
    _instruction(world, "专班的批示", actor=world.office)
    html = _board(world.leader, world, leader=world.leader_person.pk)
    assert "我的批示（未办结）" in html and "领导自己的批示" in html
    assert "包保事项的问题" in html
    assert "专班的批示" not in html and "别的事项的问题" not in html


def test_providers_without_the_page_keep_working(world: World) -> None:
    calls: list[tuple[Any, ...]] = []

    def old_style(user: Any, programme: Any, as_of: Any) -> board_panels.Panel:
        calls.append((user, programme, as_of))
        return board_panels.Panel("x.html", {"n": 1})

    board_panels.register_panel("test.old", old_style)
    try:
        found = board_panels.board_panels(
            world.office, world.programme, None, board_panels.BoardPage(unit_id=world.unit_a.pk)
        )
    finally:
        board_panels.unregister_panel("test.old")
    assert calls == [(world.office, world.programme, None)]
    assert board_panels.Panel("x.html", {"n": 1}) in found
    assert "test.old" not in board_panels._providers


def test_nothing_is_registered_twice_and_the_item_registry_answers(world: World) -> None:
    assert "supervision.board" in board_panels._providers
    assert item_panels(world.editor_b, world.item_b) == []  # nothing open, no button
    (panel,) = item_panels(world.office, world.item_b)
    assert panel.context["can_instruct"] and not panel.context["findings"]


# --- the compiled reports --------------------------------------------------------------------


def _this_week(cycle: Cycle) -> Any:
    week = TODAY.isocalendar()
    return report_services.open_period(cycle, f"{week.year}-W{week.week:02d}").period


def test_a_compiled_report_carries_the_supervision_part(
    world: World,
    sv: Sv,
    weekly: Cycle,  # noqa: F811
) -> None:
    refresh_statuses(world.programme.pk)
    period = _this_week(weekly)
    overdue = _finding(world, sv, "逾期未整改的问题", today=EARLIER, deadline=EARLIER)
    _set_card(overdue, Card.RED)
    _finding(world, sv, "本周发现的问题")
    done = _finding(world, sv, "本周销号的问题")
    done = findings.submit_rectification(
        done, actor=world.editor_a, measures="已整改", expected_version=done.version
    ).finding
    findings.verify_rectification(
        done, actor=world.inspector, accept=True, expected_version=done.version, today=TODAY
    )
    _instruction(world, "请加快推进一曼街抢修")

    data = compiling.gather_report(weekly, period, today=TODAY)
    (part,) = data.extra
    figures = {f.label: f.value for f in part.figures}
    assert figures["新发现限期整改问题"] == 3  # written today, whatever their own dates
    assert figures["整改销号"] == 1 and figures["期末未销号"] == 2
    assert figures["其中逾期"] == 1 and figures["期末未办结批示"] == 1
    overdue_rows, open_instructions = part.tables
    assert [row[2] for row in overdue_rows.rows] == ["逾期未整改的问题"]
    assert overdue_rows.rows[0][4] == "红牌"
    assert open_instructions.rows[0][2] == "请加快推进一曼街抢修"
    # JSON round trip: a compiled version keeps it.
    assert ReportData.from_json(data.to_json()) == data

    version = report_services.compile_report(period, actor=world.office)
    document = docx.Document(version.docx.open("rb"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "督办整改情况" in text and "其中逾期1个" in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "逾期未整改的问题" in cells and "请加快推进一曼街抢修" in cells


def test_a_district_without_supervision_has_no_such_part(
    world: World,
    weekly: Cycle,  # noqa: F811
) -> None:
    refresh_statuses(world.programme.pk)
    data = compiling.gather_report(weekly, _this_week(weekly), today=TODAY)
    assert data.extra == []
