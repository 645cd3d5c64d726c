"""Supervision's documents read back (openpyxl, python-docx) against the records, and who may
download them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import quote

import docx as python_docx
import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from docx.oxml.ns import qn

from shishi.conftest import World
from shishi.orgs import services as org_services
from shishi.orgs.models import User
from shishi.reports.documents.docx import TABLE_ROWS, fmt_date
from shishi.supervision import figures
from shishi.supervision.documents import data, docx, files, xlsx
from shishi.supervision.models import Finding
from shishi.supervision.tests.conftest import Sv
from shishi.supervision.tests.documents_data import (
    DAY,
    K,
    Problems,
    add,
    build,
    expected_row,
    ordered,
)

TODAY = dt.date(2021, 6, 28)


@pytest.fixture
def problems(world: World, sv: Sv) -> Problems:
    return build(world, sv)


def book_of(content: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(min_row=4, values_only=True)]


def figure_values(code: str, group: str, unit: str, f: figures.Figures) -> list[Any]:
    return [
        code, group, unit, f.planned, f.visited, f.visits, f.problems, f.on_the_spot,
        f.to_rectify, f.closed, f.open, f.yellow, f.red, f.suggestions,
    ]  # fmt: skip


def docx_of(content: bytes) -> Any:
    return python_docx.Document(io.BytesIO(content))


def texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def cells(table: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


# -- the problem list ----------------------------------------------------------------------


def test_problem_list_rows_equal_the_findings(world: World, problems: Problems) -> None:
    download = files.problem_list_file(problems.round)
    wb = book_of(download.content)
    assert wb.sheetnames == [xlsx.PROBLEM_SHEET, xlsx.FIGURES_SHEET]
    ws = wb[xlsx.PROBLEM_SHEET]
    assert ws["A1"].value == "第一轮巡回指导问题清单"
    assert "南岗区" in ws["A2"].value and "2021-1" in ws["A2"].value
    assert [c.value for c in ws[3]] == [c.header for c in xlsx.PROBLEM_COLUMNS]
    assert ws.freeze_panes == "A4"  # the header stays in view
    found = ordered(list(Finding.objects.filter(round=problems.round)))
    assert len(found) == 9
    assert sheet_rows(ws) == [expected_row(n, f) for n, f in enumerate(found, start=1)]
    # Dates are dates, shown as dates; a formula-like text stays text.
    deadline = next(row[9] for row in ws.iter_rows(min_row=4) if row[4].value == "实施方案不完善")
    assert deadline.is_date and deadline.number_format == "yyyy-mm-dd"
    formula = next(row[4] for row in ws.iter_rows(min_row=4) if "SUM" in str(row[4].value))
    assert formula.data_type == "s" and formula.quotePrefix
    # Wide enough for the Chinese text.
    assert ws.column_dimensions["E"].width > ws.column_dimensions["A"].width


def test_problem_list_shows_card_status_and_items(world: World, problems: Problems) -> None:
    ws = book_of(files.problem_list_file(problems.round).content)[xlsx.PROBLEM_SHEET]
    by_problem = {row[4]: row for row in sheet_rows(ws)}
    assert by_problem["实施方案不完善"][13] == "黄牌"
    assert by_problem["资金拨付不及时"][13] == "红牌"
    assert by_problem["资金拨付不及时"][15] == "1-1、1-2"
    assert by_problem["台账不规范"][12] == "已销号"
    assert by_problem["台账不规范"][14] == dt.datetime(2021, 6, 8)
    assert by_problem["进度滞后"][12] == "退回重改"
    assert by_problem["配合单位职责不清"][10] == "区教育局"
    assert by_problem["公示牌缺失"][7] == "当场整改"
    assert by_problem["建议建立周调度机制"][7] == "意见建议"


def test_figures_sheet_equals_round_figures(world: World, problems: Problems) -> None:
    ws = book_of(files.problem_list_file(problems.round).content)[xlsx.FIGURES_SHEET]
    assert [c.value for c in ws[3]] == [c.header for c in xlsx.FIGURE_COLUMNS]
    got = figures.round_figures(problems.round)
    expected = [figure_values("2021-1", "合计", "", got.total)]
    for group, f in got.by_group:
        expected.append(figure_values("2021-1", group.name, "小计", f))
        expected += [
            figure_values("2021-1", group.name, unit.name, uf)
            for unit, g, uf in got.by_unit
            if g.pk == group.pk
        ]
    rows = [[None if v is None else v for v in row] for row in sheet_rows(ws)]
    assert rows == [[v if v != "" else None for v in row] for row in expected]
    total = rows[0]
    # The figures are the records': 2 of 3 planned units visited, 1 on the spot, 5 to
    # rectify (1 closed, 4 open), 1 yellow and 1 red card, 3 suggestions.
    assert total[3:] == [3, 2, 2, 6, 1, 5, 1, 4, 1, 1, 3]


def test_problem_list_narrowed_to_a_group_or_a_unit(
    world: World, sv: Sv, problems: Problems
) -> None:
    wb = book_of(files.problem_list_file(problems.round, group=sv.other_group).content)
    assert {row[2] for row in sheet_rows(wb[xlsx.PROBLEM_SHEET])} == {"第二巡回指导组"}
    assert [r[4] for r in sheet_rows(wb[xlsx.PROBLEM_SHEET])] == ["资金拨付不及时", "建议加强宣传"]
    assert [r[1:3] for r in sheet_rows(wb[xlsx.FIGURES_SHEET])] == [
        ["第二巡回指导组", "小计"],
        ["第二巡回指导组", "区住建局"],
    ]
    # A unit's part: found at the unit, or addressed to it.
    wb = book_of(files.problem_list_file(problems.round, unit=world.unit_b).content)
    assert [r[4] for r in sheet_rows(wb[xlsx.PROBLEM_SHEET])] == ["配合单位职责不清"]
    assert [r[1:3] for r in sheet_rows(wb[xlsx.FIGURES_SHEET])] == [["第一巡回指导组", "区教育局"]]


def test_an_empty_round_gives_the_headers(world: World, sv: Sv) -> None:
    wb = book_of(files.problem_list_file(sv.round).content)
    assert sheet_rows(wb[xlsx.PROBLEM_SHEET]) == []
    assert [c.value for c in wb[xlsx.PROBLEM_SHEET][3]][:3] == ["序号", "轮次", "指导组"]


# -- the rectification notice --------------------------------------------------------------


def test_notice_names_the_unit_and_each_deadline(world: World, problems: Problems) -> None:
    document = docx_of(files.notice_file(problems.round, world.unit_a, today=TODAY).content)
    paragraphs = texts(document)
    assert paragraphs[0] == "整改通知书"
    assert "区城管局：" in paragraphs
    body = "\n".join(paragraphs)
    assert "第一巡回指导组在走访指导中发现" in body
    # Unit A's findings to rectify: three, one closed out already; one on the spot; two ideas.
    assert "需要限期整改的问题3个（已整改销号1个，尚未销号2个）" in body
    assert "当场整改问题1个" in body and "提出意见建议2条" in body
    table = cells(document.tables[0])
    assert table[0] == docx.NOTICE_HEADERS
    assert table[1:] == [
        ["1", "实施方案不完善", "补充完善", fmt_date(dt.date(2021, 6, 18)), "张科长",
         "整改中（黄牌）"],
        ["2", "进度滞后", "补充完善", fmt_date(dt.date(2021, 6, 22)), "张科长", "退回重改"],
    ]  # fmt: skip
    assert "台账不规范" not in body + str(table)  # closed out: not to rectify any more
    assert "配合单位职责不清" not in str(table)  # addressed to unit B
    assert cells(document.tables[1])[1:] == [
        ["1", "建议建立周调度机制"],
        ["2", "=SUM(A1:A3) 式的统计表应改为数值"],
    ]
    # The answer-by instruction with the latest deadline, the issuer and the date.
    assert "最迟于2021年6月22日前全部整改到位" in body
    assert "四定" in body
    assert paragraphs[-2:] == ["南岗区为民办实事工作领导小组办公室", "2021年6月28日"]
    # The reports' GB/T 9704 layout: A4, the title's font named for East Asian text.
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.top_margin.mm) == 37
    title_run = document.paragraphs[0].runs[0]
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert round(section.left_margin.mm) == 28


def test_notice_of_the_unit_addressed_by_another_units_visit(
    world: World, problems: Problems
) -> None:
    document = docx_of(files.notice_file(problems.round, world.unit_b, today=TODAY).content)
    assert "区教育局：" in texts(document)
    assert cells(document.tables[0])[1:] == [
        ["1", "配合单位职责不清", "补充完善", "2021年6月25日", "张科长", "整改中"]
    ]
    assert "最迟于2021年6月25日前" in "\n".join(texts(document))


def test_notice_of_a_unit_with_nothing_to_rectify(world: World, problems: Problems) -> None:
    unit = org_services.ensure_unit(world.nangang, "区民政局", kind="bureau")
    document = docx_of(files.notice_file(problems.round, unit, today=TODAY).content)
    body = "\n".join(texts(document))
    assert "区民政局：" in body
    assert "截至2021年6月28日，你单位本轮没有尚未整改销号的问题。" in body
    assert document.tables == []
    assert "最迟于" not in body


# -- the round summary -----------------------------------------------------------------------


def test_summary_gives_the_round_figures(world: World, problems: Problems) -> None:
    document = docx_of(files.summary_file(problems.round, today=TODAY).content)
    body = "\n".join(texts(document))
    got = figures.round_figures(problems.round)
    t = got.total
    assert texts(document)[0] == "关于第一轮巡回指导情况的报告"
    assert (
        f"2个巡回指导组走访{t.visited}个单位（计划{t.planned}个），发现问题{t.problems}个，"
        f"当场整改问题{t.on_the_spot}个，限期整改问题{t.to_rectify}个（已销号{t.closed}个，"
        f"整改中{t.open}个），提出建议{t.suggestions}条。" in body
    )
    assert "走访2个单位（计划3个），发现问题6个，当场整改问题1个" in body
    assert "亮黄牌1个、红牌1个" in body
    groups = cells(document.tables[0])
    assert groups[0] == docx.GROUP_HEADERS
    assert groups[1:] == [
        [g.name, str(f.visited), str(f.on_the_spot), str(f.to_rectify), str(f.closed),
         str(f.open), str(f.suggestions)]
        for g, f in got.by_group
    ] + [["合计", "2", "1", "5", "1", "4", "3"]]  # fmt: skip
    open_rows = cells(document.tables[1])[1:]
    open_ids = Finding.objects.filter(
        round=problems.round, kind=K.TO_RECTIFY, status__in=["open", "submitted", "returned"]
    )
    assert len(open_rows) == open_ids.count() == 4
    assert [r[2] for r in open_rows] == [
        "实施方案不完善",
        "资金拨付不及时",
        "进度滞后",
        "配合单位职责不清",
    ]  # by deadline
    assert open_rows[1] == ["2", "区住建局", "资金拨付不及时", "2021年6月20日", "张科长",
                            "整改中（红牌）"]  # fmt: skip
    ideas = cells(document.tables[2])[1:]
    assert sorted(r[2] for r in ideas) == sorted(
        Finding.objects.filter(round=problems.round, kind=K.SUGGESTION).values_list(
            "problem", flat=True
        )
    )


def test_summary_lists_the_first_hundred_open_and_points_to_the_list(world: World, sv: Sv) -> None:
    first = add(world, sv, K.TO_RECTIFY, "问题0")
    Finding.objects.bulk_create(
        [
            Finding(
                jurisdiction=world.nangang, round=sv.round, group=sv.group, unit=world.unit_a,
                kind=K.TO_RECTIFY, problem=f"问题{n}", status=Finding.Status.OPEN,
                measure="整改", deadline=DAY, responsible_unit=world.unit_a,
                responsible_person="张科长",
            )
            for n in range(1, TABLE_ROWS + 5)
        ]
    )  # fmt: skip
    document = docx_of(files.summary_file(sv.round, today=TODAY).content)
    table = next(t for t in document.tables if cells(t)[0] == docx.OPEN_HEADERS)
    assert len(table.rows) == TABLE_ROWS + 1
    assert f"其余{5}项见问题清单" in "\n".join(texts(document))
    assert first.pk  # and the problem list has them all
    ws = book_of(files.problem_list_file(sv.round).content)[xlsx.PROBLEM_SHEET]
    assert len(sheet_rows(ws)) == TABLE_ROWS + 5


def test_data_is_chinese_whatever_the_page_language(world: World, problems: Problems) -> None:
    from django.utils import translation

    with translation.override("en"):
        content = data.problem_list(problems.round)
    assert {r.kind for r in content.rows} == {"限期整改", "当场整改", "意见建议"}


# -- downloads --------------------------------------------------------------------------------


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def urls(problems: Problems, unit_pk: int) -> dict[str, str]:
    pk = problems.round.pk
    return {
        "problem_list": reverse("supervision:problem_list", args=[pk]),
        "notice": reverse("supervision:notice", args=[pk, unit_pk]),
        "summary": reverse("supervision:summary", args=[pk]),
    }


def test_the_office_downloads_each_document(world: World, problems: Problems) -> None:
    client = client_for(world.office)
    u = urls(problems, world.unit_a.pk)
    assert u["problem_list"] == f"/supervision/rounds/{problems.round.pk}/problems.xlsx"
    response = client.get(u["problem_list"])
    assert response.status_code == 200
    assert response["Content-Type"] == files.XLSX_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="problems-230103-2021-1.xlsx"')
    assert quote("第一轮巡回指导问题清单.xlsx") in disposition
    assert len(sheet_rows(book_of(response.content)[xlsx.PROBLEM_SHEET])) == 9
    response = client.get(u["notice"])
    assert response.status_code == 200 and response["Content-Type"] == files.DOCX_TYPE
    assert quote("整改通知书（区城管局）") in response["Content-Disposition"]
    assert "区城管局：" in texts(docx_of(response.content))
    response = client.get(u["summary"])
    assert response.status_code == 200
    assert texts(docx_of(response.content))[0] == "关于第一轮巡回指导情况的报告"


def test_the_problem_list_download_narrows_and_refuses_bad_values(
    world: World, sv: Sv, problems: Problems
) -> None:
    client = client_for(world.inspector)
    url = reverse("supervision:problem_list", args=[problems.round.pk])
    response = client.get(url, {"group": sv.other_group.pk})
    assert response.status_code == 200
    assert "-g" in response["Content-Disposition"]
    assert len(sheet_rows(book_of(response.content)[xlsx.PROBLEM_SHEET])) == 2
    response = client.get(url, {"unit": world.unit_b.pk})
    assert len(sheet_rows(book_of(response.content)[xlsx.PROBLEM_SHEET])) == 1
    bad = client.get(url, {"group": "abc"})
    assert bad.status_code == 400 and "group" in bad.content.decode()
    assert client.get(url, {"unit": "１２"}).status_code == 400  # full-width digits
    assert client.get(url, {"unit": "9" * 40}).status_code == 400
    # Another district's unit is not found.
    assert client.get(url, {"unit": world.hulan_unit.pk}).status_code == 404


@pytest.mark.parametrize("who", ["office", "city_office", "inspector", "leader"])
def test_those_who_read_the_round_download_everything(
    world: World, problems: Problems, who: str
) -> None:
    client = client_for(getattr(world, who))
    for url in urls(problems, world.unit_b.pk).values():
        assert client.get(url).status_code == 200, url


def test_a_unit_downloads_its_own_notice_only(world: World, problems: Problems) -> None:
    for user in (world.editor_a, world.viewer_a):
        client = client_for(user)
        own = urls(problems, world.unit_a.pk)
        response = client.get(own["notice"])
        assert response.status_code == 200
        assert "区城管局：" in texts(docx_of(response.content))
        # Another unit's notice: refused.
        other = client.get(urls(problems, world.unit_b.pk)["notice"])
        assert other.status_code == 403
        assert "只能下载本单位的整改通知书" in other.content.decode()
        # The problem list and the summary are for those who read the round.
        assert client.get(own["problem_list"]).status_code == 404
        assert client.get(own["summary"]).status_code == 404


def test_an_outsider_finds_nothing(world: World, problems: Problems) -> None:
    for user in (world.outsider, world.resident, world.operator):
        client = client_for(user)
        for url in urls(problems, world.unit_a.pk).values():
            assert client.get(url).status_code == 404, (user.username, url)
    # Nor does the office find another district's unit in its round.
    office = client_for(world.office)
    assert office.get(urls(problems, world.hulan_unit.pk)["notice"]).status_code == 404
    assert office.get(reverse("supervision:summary", args=[999999])).status_code == 404


def test_downloads_need_a_login_and_a_get(world: World, problems: Problems) -> None:
    url = urls(problems, world.unit_a.pk)["summary"]
    response = Client().get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client_for(world.office).post(url).status_code == 405


def test_the_round_page_links_the_downloads(world: World, problems: Problems) -> None:
    client = client_for(world.office)
    pk = problems.round.pk
    page = client.get(reverse("supervision:round", args=[pk])).content.decode()
    assert f'href="/supervision/rounds/{pk}/problems.xlsx"' in page
    assert f'href="/supervision/rounds/{pk}/summary.docx"' in page
    assert "notice/" not in page
    # Narrowed to a unit: the list as narrowed, and that unit's notice.
    unit = world.unit_b.pk
    page = client.get(reverse("supervision:round", args=[pk]), {"unit": unit}).content.decode()
    assert f'href="/supervision/rounds/{pk}/problems.xlsx?unit={unit}"' in page
    assert f'href="/supervision/rounds/{pk}/notice/{unit}.docx"' in page
    notice = client.get(f"/supervision/rounds/{pk}/notice/{unit}.docx")
    assert "区教育局：" in texts(docx_of(notice.content))
