"""The rectification notice (整改通知书) and the round summary as .docx, in the GB/T 9704
layout of the reports' writer (``reports.documents.docx``: A4, 仿宋_GB2312 三号 body,
方正小标宋简体 title, headings 一、 in 黑体, page numbers "— 1 —")."""

from __future__ import annotations

from collections.abc import Sequence

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from shishi.reports.documents.docx import (
    CHAR,
    DASH,
    TABLE_ROWS,
    Target,
    fmt_date,
)
from shishi.reports.documents.docx import _Parts as Parts
from shishi.reports.documents.docx import _Writer as Writer
from shishi.supervision.documents.data import NoticeData, SummaryData
from shishi.supervision.exports import FindingRow
from shishi.supervision.figures import Figures

NOTICE_HEADERS = ["序号", "问题", "整改措施", "整改时限", "责任人", "状态"]
NOTICE_WIDTHS = [12, 44, 40, 28, 16, 16]
SUGGESTION_HEADERS = ["序号", "意见建议"]
SUGGESTION_WIDTHS = [12, 144]
GROUP_HEADERS = ["指导组", "已走访", "当场整改", "限期整改", "已销号", "整改中", "意见建议"]
GROUP_WIDTHS = [40, 18, 20, 20, 18, 20, 20]
OPEN_HEADERS = ["序号", "责任单位", "问题", "整改时限", "责任人", "状态"]
OPEN_WIDTHS = [12, 28, 52, 28, 16, 20]
UNIT_SUGGESTION_HEADERS = ["序号", "单位", "意见建议"]
UNIT_SUGGESTION_WIDTHS = [12, 36, 108]


def _status(row: FindingRow) -> str:
    return f"{row.status}（{row.card}）" if row.card else row.status


def notice_cells(n: int, row: FindingRow) -> list[str]:
    return [
        str(n),
        row.problem,
        row.measure or DASH,
        fmt_date(row.deadline),
        row.responsible_person or DASH,
        _status(row),
    ]


def open_cells(n: int, row: FindingRow) -> list[str]:
    return [
        str(n),
        row.responsible_unit,
        row.problem,
        fmt_date(row.deadline),
        row.responsible_person or DASH,
        _status(row),
    ]


def group_cells(name: str, f: Figures) -> list[str]:
    return [
        name,
        str(f.visited),
        str(f.on_the_spot),
        str(f.to_rectify),
        str(f.closed),
        str(f.open),
        str(f.suggestions),
    ]


def _signature(w: Writer, issuer: str, date: str) -> None:
    w.blank()
    for line in (issuer, date):
        w.para(line, alignment=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=CHAR * 4,
               first_line_indent=Pt(0))  # fmt: skip


def _rest(w: Writer, rows: Sequence[FindingRow], what: str) -> None:
    if len(rows) > TABLE_ROWS:
        w.para(f"以上为前{TABLE_ROWS}项，其余{len(rows) - TABLE_ROWS}项见问题清单（{what}）。")


def notice_sentence(data: NoticeData) -> str:
    groups = "、".join(data.groups) or "巡回指导组"
    left = len(data.to_rectify)
    return (
        f"在{data.round_name}（{data.round_code}）中，{groups}在走访指导中发现"
        f"涉及你单位、需要限期整改的问题{left + data.closed}个"
        + (f"（已整改销号{data.closed}个，尚未销号{left}个）" if data.closed else "")
        + (f"，当场整改问题{data.on_the_spot}个" if data.on_the_spot else "")
        + (f"，提出意见建议{len(data.suggestions)}条" if data.suggestions else "")
        + "。现将有关问题通知如下。"
    )


def answer_sentence(data: NoticeData) -> str:
    """What the unit must do by when (the 答复要求)."""
    by = f"，最迟于{fmt_date(data.answer_by)}前全部整改到位" if data.answer_by else ""
    return (
        "请你单位对照问题清单，按照定整改措施、定整改时限、定责任单位、定责任人的“四定”要求"
        f"逐项抓好整改，每项问题于其整改时限前在系统中报送整改情况和佐证材料{by}，"
        "经巡回指导组核验后销号。逾期未整改到位的，按工作日亮黄牌、红牌并予以通报。"
    )


def write_notice(data: NoticeData, path: Target) -> None:
    """Write a unit's rectification notice: the addressee, what was found, the findings to
    rectify with the 四定 (measure, deadline, responsible unit, responsible person), the
    suggestions, the answer-by instruction, the issuer and date."""
    w = Writer(None)
    w.title(data.title)
    w.para(data.round_name, "Subtitle")
    w.blank()
    w.para(f"{data.unit}：", first_line_indent=Pt(0))
    w.para(notice_sentence(data))
    part = Parts(w)
    part(f"限期整改的问题（{len(data.to_rectify)}个）")
    if data.to_rectify:
        w.para(f"责任单位：{data.unit}。")
        w.table(
            NOTICE_HEADERS,
            (notice_cells(n, r) for n, r in enumerate(data.to_rectify, start=1)),
            NOTICE_WIDTHS,
        )
    else:
        w.para(f"截至{fmt_date(data.date)}，你单位本轮没有尚未整改销号的问题。")
    if data.suggestions:
        part(f"意见建议（{len(data.suggestions)}条）")
        w.table(
            SUGGESTION_HEADERS,
            ([str(n), r.problem] for n, r in enumerate(data.suggestions, start=1)),
            SUGGESTION_WIDTHS,
        )
        w.para("请结合实际认真研究采纳，并在整改情况中一并说明。")
    part("整改要求")
    w.para(answer_sentence(data))
    _signature(w, data.issuer, fmt_date(data.date))
    w.save(path)


def summary_sentence(data: SummaryData) -> str:
    """The round's figures as a sentence: "走访64个单位，当场整改问题26个，提出建议20条"."""
    t = data.figures.total
    groups = len(data.figures.by_group)
    parts = [
        f"{fmt_date(data.starts_on)}至{fmt_date(data.ends_on)}，"
        + (f"{groups}个巡回指导组" if groups else "巡回指导组")
        + f"走访{t.visited}个单位"
        + (f"（计划{t.planned}个）" if t.planned and t.planned != t.visited else ""),
        f"发现问题{t.problems}个",
        f"当场整改问题{t.on_the_spot}个",
        f"限期整改问题{t.to_rectify}个（已销号{t.closed}个，整改中{t.open}个）",
        f"提出建议{t.suggestions}条",
    ]
    text = "，".join(parts) + "。"
    if t.yellow or t.red:
        text += f"逾期未整改的问题中，亮黄牌{t.yellow}个、红牌{t.red}个。"
    return text


def write_summary(data: SummaryData, path: Target) -> None:
    """Write a round's summary: its figures, the table per group, the open rectifications
    (the first ``TABLE_ROWS``; the problem list has them all) and the suggestions."""
    w = Writer(None)
    w.title(data.title)
    w.para(f"{data.issuer}　　{fmt_date(data.date)}", "Subtitle")
    w.blank()
    part = Parts(w)
    part("总体情况")
    w.para(summary_sentence(data))
    w.text(data.scope)
    if data.figures.by_group:
        part("各指导组情况")
        w.table(
            GROUP_HEADERS,
            [
                *(group_cells(g.name, f) for g, f in data.figures.by_group),
                group_cells("合计", data.figures.total),
            ],
            GROUP_WIDTHS,
        )
    part(f"尚未整改销号的问题（{len(data.open_rows)}个）")
    if data.open_rows:
        shown = data.open_rows[:TABLE_ROWS]
        w.table(
            OPEN_HEADERS,
            (open_cells(n, r) for n, r in enumerate(shown, start=1)),
            OPEN_WIDTHS,
        )
        _rest(w, data.open_rows, "状态为整改中、待核验、退回重改的问题")
    else:
        w.para("本轮限期整改的问题已全部整改销号。")
    if data.suggestions:
        part(f"意见建议（{len(data.suggestions)}条）")
        shown = data.suggestions[:TABLE_ROWS]
        w.table(
            UNIT_SUGGESTION_HEADERS,
            ([str(n), r.unit, r.problem] for n, r in enumerate(shown, start=1)),
            UNIT_SUGGESTION_WIDTHS,
        )
        _rest(w, data.suggestions, "类型为意见建议的行")
    _signature(w, data.issuer, fmt_date(data.date))
    w.save(path)
