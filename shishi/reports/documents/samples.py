"""Made-up data of the right shape for the documents: the tests, the timing script and a quick
look at the layout (``python -m shishi.reports.documents.samples OUT_DIR``)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from shishi.reports.documents.data import (
    Article,
    BriefingData,
    BriefingImage,
    CategoryRow,
    Changes,
    CircularData,
    Figure,
    Indicator,
    ItemRow,
    LateUnit,
    ReportData,
    Section,
    UnitPunctuality,
    UnitText,
    rate_bands,
)

CATEGORIES = ["教育", "医疗卫生", "养老服务", "城市建设", "交通出行", "就业创业", "社会保障",
              "文化体育", "生态环境", "平安建设", "营商环境", "便民服务"]  # fmt: skip
LEADERS = ["王建国", "李红梅", "张志强", "刘晓东", "陈静"]


def units(n: int = 70) -> list[str]:
    return [f"南岗区第{i}责任单位" for i in range(1, n + 1)]


def item(i: int, *, rate: float = 40.0, planned: float | None = 60.0) -> ItemRow:
    unit_names = units()
    return ItemRow(
        number=f"{i:05d}",
        name=f"实施第{i}项民生实事（老旧小区改造、加装电梯等）",
        lead_unit=unit_names[i % len(unit_names)],
        sponsor_leaders=[LEADERS[i % len(LEADERS)], LEADERS[(i + 2) % len(LEADERS)]][: 1 + i % 2],
        rate=rate,
        planned_rate=planned,
        due=dt.date(2026, 12, 31),
        category=CATEGORIES[i % len(CATEGORIES)],
    )


def report(lagging: int = 8, *, items: int = 1200) -> ReportData:
    per = items // len(CATEGORIES)
    rows = [
        CategoryRow(c, per, per // 3 + k, per // 3, per - 2 * (per // 3) - k, k % 4, 40.0 + k * 2.5)
        for k, c in enumerate(CATEGORIES)
    ]
    return ReportData(
        title="南岗区为民办实事工作月小结",
        number="2026年第6期",
        issuer="南岗区为民办实事工作领导小组办公室",
        date=dt.date(2026, 6, 30),
        period_label="2026年6月1日至6月30日",
        headline=[
            Figure("实事事项", items, "项"),
            Figure("已完成", sum(r.done for r in rows), "项"),
            Figure("平均完成率", 61.5, "%"),
        ],
        by_category=rows,
        changes=Changes(
            newly_done=[item(i, rate=100.0, planned=80.0) for i in range(1, 6)],
            newly_started=[item(i, rate=5.0) for i in range(6, 9)],
            newly_behind=[item(i, rate=30.0, planned=55.5) for i in range(9, 13)],
        ),
        lagging=[item(100 + i, rate=20.0 + i % 40, planned=70.0) for i in range(lagging)],
        punctuality=[
            UnitPunctuality(u, on_time=4 - k % 3, late=k % 3 - k % 2, missing=k % 2, rank=k + 1)
            for k, u in enumerate(units())
        ],
        sections=[
            Section(
                heading="下半月工作安排",
                text="各责任单位要对照序时进度，倒排工期。\n滞后事项要说明原因。",
                units=[UnitText(u, f"{u}将于下半月完成既定任务。\n加强调度。") for u in units(3)],
            ),
            Section(
                heading="需协调解决的问题", text="", units=[UnitText(units()[5], "资金尚未到位。")]
            ),
        ],
        indicators=[
            Indicator("配送课桌椅", "套", 1200, 5600, 8000),
            Indicator("办理健康证", "人", 356, 2100.5, None),
        ],
        rate_distribution=rate_bands((i * 7) % 101 for i in range(items)),
    )


def circular() -> CircularData:
    return CircularData(
        title="关于2026年6月为民办实事推进情况的通报",
        number="南实办通〔2026〕6号",
        issuer="南岗区为民办实事工作领导小组办公室",
        date=dt.date(2026, 7, 2),
        period_label="2026年6月",
        text="各责任单位：\n现将6月份为民办实事推进情况通报如下。",
        lagging=[item(i, rate=30.0, planned=60.0) for i in range(1, 5)],
        overdue=[item(i, rate=80.0, planned=100.0) for i in range(5, 7)],
        late_units=[
            LateUnit(units()[0], dt.datetime(2026, 6, 26, 17), dt.datetime(2026, 6, 27, 9, 30)),
            LateUnit(units()[1], dt.datetime(2026, 6, 26, 17), None, "经催报仍未报送"),
        ],
    )


def briefing(image: str | None = None) -> BriefingData:
    images = [BriefingImage(image, "新建的社区养老服务站")] if image else []
    return BriefingData(
        series="为民办实事简报专刊",
        number=7,
        date=dt.date(2026, 7, 3),
        issuer="南岗区为民办实事工作领导小组办公室",
        articles=[
            Article(
                "社区养老服务站全部投入使用",
                ["今年计划新建的12个站点已全部运营。", "老人就近享受助餐服务。"],
                images,
            ),
            Article("老旧小区改造进入收尾阶段", ["完成率达到92%。"]),
        ],
        distribution="报送：区委、区政府领导。发送：各责任单位。",
    )


def main(out: str) -> None:
    from shishi.reports.documents import docx, xlsx

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    docx.write_report(report(), folder / "report.docx")
    xlsx.write_report_annex(report(), folder / "report.xlsx")
    docx.write_circular(circular(), folder / "circular.docx")
    xlsx.write_circular_annex(circular(), folder / "circular.xlsx")
    docx.write_briefing(briefing(), folder / "briefing.docx")
    print(f"written to {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
