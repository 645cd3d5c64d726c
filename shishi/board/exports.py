"""The board's data out of the page: chart data (JSON) and the tables as .xlsx.

``board_data`` is what ``board.js`` draws (the page embeds it with ``json_script``, the
wall screen fetches it again): plain numbers, labels in the reader's language and, for
every bar or slice, the link to the items behind it. ``board_workbook`` writes the board's
tables, one sheet each, with Chinese headers; text a spreadsheet would run as a formula
gets Excel's quote prefix, as in the ledger export.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from shishi.board.selectors import (
    Board,
    BoardItemRow,
    Circular,
    CityBoard,
    DistrictRow,
    Figure,
    GroupRow,
    LabelledCount,
    Totals,
    TrendPoint,
)
from shishi.board.templatetags.board_ui import board_url, item_url, items_url
from shishi.ledger.excel.layout import date_zh, is_formula_like

WAN = Decimal(10_000)


# --- chart data -------------------------------------------------------------------------


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _fig(f: Figure) -> dict[str, Any]:
    return {"value": f.value, "href": items_url(f.params)}


def _date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _totals(t: Totals) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: _fig(getattr(t, name))
        for name in (
            "items",
            "started",
            "done",
            "closed_out",
            "behind",
            "overdue",
            "red",
            "yellow",
            "will_miss",
            "update_late",
        )
    }
    out.update(
        completion_rate=_num(t.completion_rate),
        planned_rate=_num(t.planned_rate),
        planned_investment=_num(t.planned_investment),
        done_investment=_num(t.done_investment),
        investment_rate=_num(t.investment_rate),
    )
    return out


def _counts(counts: Sequence[LabelledCount]) -> list[dict[str, Any]]:
    return [
        {"key": c.key, "label": c.label, "value": c.value, "href": items_url(c.params)}
        for c in counts
    ]


def _group(row: GroupRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "rank": row.rank,
        "items": _fig(row.items),
        "done": _fig(row.done),
        "behind": _fig(row.behind),
        "red": _fig(row.red),
        "yellow": _fig(row.yellow),
        "update_late": _fig(row.update_late),
        "completion_rate": _num(row.completion_rate),
        "planned_rate": _num(row.planned_rate),
        "planned_investment": _num(row.planned_investment),
        "done_investment": _num(row.done_investment),
    }


def _trend(points: Sequence[TrendPoint]) -> dict[str, Any]:
    """Weekly points as columns (a year of weeks stays small): one list per measure."""
    return {
        "on": [p.on.isoformat() for p in points],
        "items": [p.items for p in points],
        "done": [p.done for p in points],
        "completion_rate": [_num(p.completion_rate) for p in points],
        "planned_rate": [_num(p.planned_rate) for p in points],
        "red": [p.red for p in points],
        "yellow": [p.yellow for p in points],
        "behind": [p.behind for p in points],
        "live": [p.is_live for p in points],
    }


def _alert(a: BoardItemRow) -> dict[str, Any]:
    return {
        "id": a.item_id,
        "number": a.number,
        "name": a.name,
        "unit": a.lead_unit_name,
        "light": a.light,
        "status": a.status_label,
        "reason": a.reason,
        "rate": _num(a.completion_rate),
        "planned": _num(a.planned_rate),
        "href": item_url(a.item_id),
    }


def chart_labels() -> dict[str, str]:
    """The words the charts show, in the reader's language."""
    return {
        "items": _("事项"),
        "done": _("已完成"),
        "behind": _("滞后"),
        "other": _("推进中"),
        "completion": _("完成率"),
        "planned": _("序时进度"),
        "red": _("红灯"),
        "yellow": _("黄灯"),
        "green": _("绿灯"),
        "today": _("今天"),
        "milestone": _("节点"),
        "milestone_done": _("节点已完成"),
        "milestone_late": _("节点逾期"),
        "ongoing": _("长期坚持"),
        "start": _("开始"),
        "due": _("完成时限"),
        "unit": _("牵头单位"),
        "rate": _("完成率"),
        "status": _("进度状态"),
        "no_data": _("暂无数据"),
        "live": _("实时"),
    }


def board_data(
    board: Board, *, gantt_rows: int | None = None, full: bool = False
) -> dict[str, Any]:
    """The board as JSON-ready data for its charts.

    A page embeds only what its charts draw (the tables are HTML); ``full`` adds the unit
    and leader rankings and the red and yellow items (``data.json``). ``gantt_rows`` keeps
    the first rows of the Gantt (red first), for the wall screen.
    """
    gantt = board.gantt
    rows = gantt.rows if gantt_rows is None else gantt.rows[:gantt_rows]
    data: dict[str, Any] = {
        "kind": "programme",
        "programme": {
            "id": board.programme_id,
            "name": board.programme_name,
            "year": board.year,
            "unit": board.unit_name,
            "leader": board.leader_name,
        },
        "as_of": board.as_of.isoformat(),
        "is_live": board.is_live,
        "snapshot_on": _date(board.snapshot_on),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "board_url": board_url(board.params),
        "totals": _totals(board.totals),
        "by_status": _counts(board.by_status),
        "by_light": _counts(board.by_light),
        "categories": [_group(r) for r in board.by_category],
        "trend": _trend(board.trend),
        "gantt": {
            "today": gantt.today.isoformat(),
            "start": gantt.start.isoformat(),
            "end": gantt.end.isoformat(),
            "total": gantt.total,
            "truncated": gantt.truncated,
            "year_end": dt.date(board.year, 12, 31).isoformat(),
            "rows": [
                {
                    "id": r.item_id,
                    "number": r.number,
                    "name": r.name,
                    "unit": r.lead_unit_name,
                    "start": r.start.isoformat(),
                    "due": _date(r.due),
                    "rate": _num(r.completion_rate),
                    "planned": _num(r.planned_rate),
                    "status": r.status,
                    "light": r.light,
                    "href": item_url(r.item_id),
                    "milestones": [
                        {
                            "title": m.title,
                            "due": m.due_date.isoformat(),
                            "done": _date(m.done_date),
                            "late": m.is_late,
                        }
                        for m in r.milestones
                    ],
                }
                for r in rows
            ],
        },
        "alerts_total": board.alerts_total,
        "labels": chart_labels(),
    }
    if full:
        data.update(
            units=[_group(r) for r in board.units],
            leaders=[_group(r) for r in board.leaders],
            alerts=[_alert(a) for a in board.alerts],
        )
    return data


def _district(d: DistrictRow) -> dict[str, Any]:
    out = _group(d.row)
    out.update(
        code=d.code,
        programme_id=d.programme_id,
        board_url=board_url(d.row.params) if d.programme_id else "",
    )
    return out


def city_data(city: CityBoard) -> dict[str, Any]:
    return {
        "kind": "city",
        "city": {"id": city.city_id, "name": city.city_name, "year": city.year},
        "as_of": city.as_of.isoformat(),
        "is_live": city.is_live,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "totals": _totals(city.totals),
        "districts": [_district(d) for d in city.districts],
        "trend": _trend(city.trend),
        "labels": chart_labels(),
    }


# --- the workbook -----------------------------------------------------------------------


class _Sheet:
    """One table on its own sheet: a title row, the as-of row, a header, the rows."""

    def __init__(self, book: xlsxwriter.Workbook, fmts: dict[str, Format], name: str) -> None:
        self.ws: Worksheet = book.add_worksheet(name)
        self.fmts = fmts
        self.row = 0

    def title(self, title: str, subtitle: str, width: int) -> None:
        self.ws.merge_range(0, 0, 0, max(1, width - 1), "", self.fmts["title"])
        self.text(0, 0, title, "title")
        self.ws.set_row(0, 26)
        self.text(1, 0, subtitle, "sub")
        self.row = 3

    def header(self, columns: Sequence[tuple[str, float]]) -> None:
        for col, (text, width) in enumerate(columns):
            self.ws.set_column(col, col, width)
            self.text(self.row, col, text, "head")
        self.ws.freeze_panes(self.row + 1, 0)
        self.row += 1

    def text(self, row: int, col: int, value: str, fmt: str = "text") -> None:
        if not value:
            self.ws.write_blank(row, col, None, self.fmts[fmt])
            return
        quoted = is_formula_like(value)
        self.ws.write_string(row, col, value, self.fmts[f"{fmt}_q" if quoted else fmt])

    def values(self, values: Sequence[Any]) -> None:
        for col, value in enumerate(values):
            if isinstance(value, tuple):  # (number, format name)
                number, fmt = value
                if number is None:
                    self.ws.write_blank(self.row, col, None, self.fmts[fmt])
                else:
                    self.ws.write_number(self.row, col, float(number), self.fmts[fmt])
            elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                self.ws.write_number(self.row, col, float(value), self.fmts["int"])
            else:
                self.text(self.row, col, "" if value is None else str(value))
        self.row += 1


def _formats(book: xlsxwriter.Workbook) -> dict[str, Format]:
    border: dict[str, Any] = {
        "border": 1,
        "valign": "vcenter",
        "font_name": "宋体",
        "font_size": 11,
    }
    fmts: dict[str, dict[str, Any]] = {
        "title": {"bold": True, "font_size": 16, "font_name": "宋体"},
        "sub": {"font_name": "宋体", "font_color": "#555555"},
        "head": {**border, "bold": True, "align": "center", "bg_color": "#F2F2F2"},
        "text": {**border, "text_wrap": True},
        "int": {**border, "align": "center", "num_format": "0"},
        "rate": {**border, "align": "center", "num_format": "0.0"},
        "money": {**border, "num_format": "#,##0.00##"},
        "date": {**border, "align": "center"},
    }
    out: dict[str, Format] = {}
    for name, spec in fmts.items():
        out[name] = book.add_format(spec)
        out[f"{name}_q"] = book.add_format({**spec, "quote_prefix": True})
    return out


GROUP_COLUMNS = (
    ("事项数", 8),
    ("已完成", 8),
    ("滞后", 8),
    ("红灯", 8),
    ("黄灯", 8),
    ("进展未按时更新", 14),
    ("预计逾期", 10),
    ("平均完成率（%）", 14),
    ("平均序时进度（%）", 15),
    ("计划投资（万元）", 14),
    ("完成投资（万元）", 14),
)


def _group_values(r: GroupRow) -> list[Any]:
    return [
        r.items.value,
        r.done.value,
        r.behind.value,
        r.red.value,
        r.yellow.value,
        r.update_late.value,
        r.will_miss.value,
        (r.completion_rate, "rate"),
        (r.planned_rate, "rate"),
        _wan(r.planned_investment),
        _wan(r.done_investment),
    ]


def _wan(amount: Decimal | None) -> tuple[Decimal | None, str]:
    return (None if amount is None else amount / WAN, "money")


def totals_rows(t: Totals) -> list[tuple[str, Any]]:
    """The totals table: (指标, value) with rates in % and money in 万元."""
    return [
        ("事项总数", t.items.value),
        ("已开工", t.started.value),
        ("已完成（含销号）", t.done.value),
        ("已销号", t.closed_out.value),
        ("滞后（含严重滞后、逾期）", t.behind.value),
        ("逾期未完成", t.overdue.value),
        ("红灯", t.red.value),
        ("黄灯", t.yellow.value),
        ("预计逾期", t.will_miss.value),
        ("进展未按时更新", t.update_late.value),
        ("平均完成率（%）", (t.completion_rate, "rate")),
        ("平均序时进度（%）", (t.planned_rate, "rate")),
        ("计划投资（万元）", _wan(t.planned_investment)),
        ("完成投资（万元）", _wan(t.done_investment)),
        ("投资完成率（%）", (t.investment_rate, "rate")),
    ]


def board_title(board: Board) -> str:
    scope = board.unit_name or board.leader_name
    return f"{board.programme_name}挂图作战" + (f"({scope})" if scope else "")


def as_of_text(board: Board) -> str:
    if board.is_live:
        return f"数据截至：{date_zh(board.as_of)}（实时）"
    return f"数据截至：{date_zh(board.as_of)}（周快照）"


def board_workbook(board: Board) -> bytes:
    """The board's tables as .xlsx: totals, statuses, lights, categories, units, leaders,
    red and yellow items — one sheet each."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    fmts = _formats(book)
    title = board_title(board)
    sub = as_of_text(board)

    sheet = _Sheet(book, fmts, "总体情况")
    sheet.title(title, sub, 2)
    sheet.header([("指标", 26), ("数值", 16)])
    for label, value in totals_rows(board.totals):
        sheet.values([label, value])

    for name, counts, head in (
        ("进度状态", board.by_status, "进度状态"),
        ("红黄绿灯", board.by_light, "预警"),
    ):
        sheet = _Sheet(book, fmts, name)
        sheet.title(f"{title}·{name}", sub, 2)
        sheet.header([(head, 18), ("事项数", 10)])
        for c in counts:
            sheet.values([c.label, c.value])
        sheet.values(["合计", sum(c.value for c in counts)])

    for name, rows, head, first in (
        ("类别", board.by_category, "类别", "序号"),
        ("责任单位排名", board.units, "责任单位", "排名"),
        ("包保领导", board.leaders, "区级包保领导", "排名"),
    ):
        sheet = _Sheet(book, fmts, name)
        sheet.title(f"{title}·{name}", sub, 2 + len(GROUP_COLUMNS))
        sheet.header([(first, 6), (head, 26), *GROUP_COLUMNS])
        for r in rows:
            sheet.values([r.rank, r.name, *_group_values(r)])

    sheet = _Sheet(book, fmts, "红黄灯事项")
    shown = len(board.alerts)
    note = (
        sub
        if shown >= board.alerts_total
        else f"{sub}  仅列出前{shown}项，共{board.alerts_total}项"
    )
    sheet.title(f"{title}·红黄灯事项", note, 11)
    sheet.header(
        [
            ("预警", 6),
            ("编号", 8),
            ("事项名称", 36),
            ("牵头单位", 18),
            ("完成率（%）", 10),
            ("序时进度（%）", 11),
            ("进度状态", 12),
            ("原因", 48),
            ("未更新天数", 10),
            ("完成时限", 13),
            ("预计完成", 13),
        ]
    )
    for a in board.alerts:
        sheet.values(
            [
                a.light_label,
                a.number,
                a.name,
                a.lead_unit_name,
                (a.completion_rate, "rate"),
                (a.planned_rate, "rate"),
                a.status_label,
                "；".join(a.reasons) or a.reason,
                a.days_since_update,
                a.due_date.isoformat() if a.due_date else "",
                a.forecast_date.isoformat() if a.forecast_date else "",
            ]
        )
    book.close()
    return buffer.getvalue()


# --- the circular (通报): overdue and lagging items ------------------------------------------

CIRCULAR_COLUMNS = (
    ("序号", 6),
    ("项目名称", 32),
    ("责任单位", 18),
    ("包保领导", 16),
    ("完成时限", 14),
    ("完成率（%）", 10),
    ("序时进度（%）", 11),
    ("滞后原因", 36),
    ("最近进展", 48),
)


def circular_title(circular: Circular) -> str:
    return f"{circular.programme.name}逾期和滞后事项"


def circular_workbook(circular: Circular) -> bytes:
    """The overdue and lagging items in the office layout of a 通报: a title, the as-of
    line with the counts, one section per kind (逾期未完成, then 进度滞后), numbered 1…n."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    fmts = _formats(book)
    sheet = _Sheet(book, fmts, "逾期和滞后事项")
    sub = (
        f"数据截至：{date_zh(circular.on)}　逾期未完成{circular.overdue}项，"
        f"进度滞后{circular.lagging}项"
    )
    sheet.title(circular_title(circular), sub, len(CIRCULAR_COLUMNS))
    sheet.header(CIRCULAR_COLUMNS)
    overdue = [r for r in circular.rows if r.status == "overdue"]
    lagging = [r for r in circular.rows if r.status != "overdue"]
    seq = 0
    for title, rows in (("逾期未完成", overdue), ("进度滞后", lagging)):
        if not rows:
            continue
        sheet.ws.merge_range(sheet.row, 0, sheet.row, len(CIRCULAR_COLUMNS) - 1, "", fmts["head"])
        sheet.text(sheet.row, 0, f"{title}（{len(rows)}项）", "head")
        sheet.row += 1
        for r in rows:
            seq += 1
            progress = r.progress_text
            if r.progress_date and progress:
                progress = f"{progress}（{date_zh(r.progress_date)}）"
            sheet.values(
                [
                    seq,
                    r.name,
                    r.lead_unit,
                    r.leaders,
                    r.deadline_text,
                    (r.completion_rate, "rate"),
                    (r.planned_rate, "rate"),
                    r.reason or r.status_label,
                    progress,
                ]
            )
    book.close()
    return buffer.getvalue()
