"""The compiled reports' charts, drawn on the server as PNG (matplotlib, Agg backend).

Every chart takes aggregated rows (categories, rate bands, units), never one bar per item, so
a programme of 10,000 items draws as fast as one of 100. Chinese labels are drawn with the CJK
font of ``fonts.cjk_font()``; DejaVu Sans stays behind it for Latin text and digits.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg  # drawn off-screen, no pyplot
from matplotlib.figure import Figure

from shishi.reports.documents.data import CategoryRow, RateBand, UnitPunctuality
from shishi.reports.documents.fonts import cjk_font

WIDTH_IN = 6.2  # 156 mm, the GB/T 9704 text block's width
DPI = 150
MAX_UNITS = 30  # the punctuality chart shows the units with the most late or missing reports

COLOURS = {
    "done": "#2e7d32",
    "on_schedule": "#1565c0",
    "behind": "#f9a825",
    "overdue": "#c62828",
    "on_time": "#2e7d32",
    "late": "#f9a825",
    "missing": "#c62828",
    "band": "#1565c0",
}


def _rc() -> dict[str, Any]:
    font = cjk_font()
    families = ([font.name] if font else []) + ["DejaVu Sans"]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "axes.unicode_minus": False,  # the CJK font has no U+2212: a plain hyphen instead
        "font.size": 9,
    }


def _figure(height_in: float) -> Figure:
    # Constrained layout fits labels and legend in one pass (bbox_inches="tight" draws twice).
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


# ``rc_context`` changes matplotlib's process-wide settings while a chart is drawn: the web
# server's threads (gunicorn gthread) draw one chart at a time.
_DRAWING = threading.Lock()


def _draw(height_in: float, draw: object) -> bytes:
    with _DRAWING, matplotlib.rc_context(_rc()):  # type: ignore[arg-type]
        fig = _figure(height_in)
        draw(fig)  # type: ignore[operator]
        return _png(fig)


def category_chart(rows: Sequence[CategoryRow], *, title: str = "各类别事项推进情况") -> bytes:
    """Stacked horizontal bars per category: done, on schedule, behind (not overdue), overdue."""
    rows = list(rows)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = [r.category for r in rows][::-1]
        series = [
            ("已完成", "done", [r.done for r in rows]),
            ("符合序时进度", "on_schedule", [r.on_schedule for r in rows]),
            ("滞后", "behind", [max(r.behind - r.overdue, 0) for r in rows]),
            ("逾期未完成", "overdue", [r.overdue for r in rows]),
        ]
        left = [0] * len(rows)
        for label, key, values in series:
            vals = values[::-1]
            ax.barh(names, vals, left=left[::-1], label=label, color=COLOURS[key], height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel("事项数（项）")
        if title:
            ax.set_title(title, pad=22)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
        ax.margins(y=0.01)
        ax.spines[["top", "right"]].set_visible(False)

    return _draw(max(2.0, 0.8 + 0.35 * len(rows)), draw)


def rate_chart(bands: Sequence[RateBand], *, title: str = "事项完成率分布") -> bytes:
    """Vertical bars: how many items fall in each completion-rate band."""
    bands = list(bands)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        bars = ax.bar([b.label for b in bands], [b.count for b in bands], color=COLOURS["band"])
        ax.bar_label(bars, fontsize=8)
        ax.set_ylabel("事项数（项）")
        if title:
            ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)

    return _draw(3.0, draw)


def punctuality_chart(
    units: Sequence[UnitPunctuality], *, title: str = "各单位报送情况（迟报、未报较多的单位）"
) -> bytes | None:
    """Stacked bars of on time / late / missing for the units with most late or missing
    reports (at most ``MAX_UNITS``); ``None`` when every unit reported on time."""
    worst = sorted(
        (u for u in units if u.late or u.missing),
        key=lambda u: (-(u.missing * 2 + u.late), u.rank, u.unit),
    )[:MAX_UNITS]
    if not worst:
        return None

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        names = [u.unit for u in worst][::-1]
        left = [0] * len(worst)
        for label, key in (("按时", "on_time"), ("迟报", "late"), ("未报", "missing")):
            values = [getattr(u, key) for u in worst][::-1]
            ax.barh(names, values, left=left, label=label, color=COLOURS[key], height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel("报送次数")
        if title:
            ax.set_title(title, pad=22)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
        ax.margins(y=0.01)
        ax.spines[["top", "right"]].set_visible(False)

    return _draw(max(2.0, 0.8 + 0.3 * len(worst)), draw)
