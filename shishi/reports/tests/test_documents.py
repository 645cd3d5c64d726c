"""The compiled documents read back: .docx with python-docx, .xlsx with openpyxl, charts' fonts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import warnings
import zipfile
from pathlib import Path
from typing import Any

import docx as python_docx
import openpyxl
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from matplotlib import font_manager
from PIL import Image

from shishi.reports.documents import charts, files, samples, xlsx
from shishi.reports.documents import docx as writer
from shishi.reports.documents.data import (
    BriefingData,
    CircularData,
    ItemRow,
    ReportData,
    Section,
    UnitText,
    rate_bands,
)
from shishi.reports.documents.docx import DocumentError, fmt_date, fmt_rate, leaders
from shishi.reports.documents.fonts import cjk_font

# -- helpers --------------------------------------------------------------------------------


def east_asian(run: Any) -> str | None:
    rpr = run._element.rPr
    if rpr is None or rpr.rFonts is None:
        return None
    return rpr.rFonts.get(qn("w:eastAsia"))


def style_of(paragraph: Any) -> str:
    return str(paragraph.style.name)


def cells(table: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def mm(length: Any) -> float:
    return round(length.mm, 1)


def item_row(i: ItemRow) -> list[str]:
    return [i.number, i.name, i.lead_unit, leaders(i.sponsor_leaders), fmt_rate(i.rate)]


def lagging_row(i: ItemRow) -> list[str]:
    return [*item_row(i), fmt_rate(i.planned_rate), fmt_date(i.due)]


@pytest.fixture
def report() -> ReportData:
    return samples.report()


@pytest.fixture
def report_docx(tmp_path: Path, report: ReportData) -> Any:
    path = tmp_path / "report.docx"
    writer.write_report(report, path)
    return python_docx.Document(str(path))


# -- data -----------------------------------------------------------------------------------


def test_every_document_data_round_trips_through_json(tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    Image.new("RGB", (40, 30), "red").save(photo)
    for data in (samples.report(), samples.circular(), samples.briefing(str(photo))):
        text = data.to_json()
        again = type(data).from_json(text)
        assert again == data
        assert again.to_json() == text
    # A rate stored as a whole number comes back a float; dates come back dates.
    loaded = ReportData.from_json(samples.report().to_json())
    assert isinstance(loaded.lagging[0].rate, float)
    assert loaded.lagging[0].due == dt.date(2026, 12, 31)
    circular = CircularData.from_json(samples.circular().to_json())
    assert circular.late_units[1].missing and not circular.late_units[0].missing
    assert BriefingData.from_json(samples.briefing().to_json()).number == 7


def test_from_json_names_an_unknown_field() -> None:
    data = samples.circular().to_dict()
    data["lagging"][0]["colour"] = "red"
    with pytest.raises(ValueError, match="colour"):
        CircularData.from_dict(data)


def test_rate_bands_count_each_rate_once_and_100_as_done() -> None:
    bands = rate_bands([0, 19.9, 20, 55, None, 99.9, 100, 100, -3])
    assert [(b.label, b.count) for b in bands] == [
        ("0–20%", 4),
        ("20%–40%", 1),
        ("40%–60%", 1),
        ("60%–80%", 0),
        ("80%–100%", 1),
        ("已完成", 2),
    ]


# -- the report as Word ---------------------------------------------------------------------


def test_report_docx_has_title_number_issuer_and_headline_figures(
    report_docx: Any, report: ReportData
) -> None:
    paras = report_docx.paragraphs
    assert paras[0].text == "南岗区为民办实事工作月小结"
    assert style_of(paras[0]) == "Title"
    assert paras[1].text == "2026年第6期"
    assert paras[2].text == "南岗区为民办实事工作领导小组办公室　　2026年6月30日"
    texts = [p.text for p in paras]
    assert "一、总体情况" in texts
    headline = next(t for t in texts if t.startswith("本期（"))
    assert headline == (
        "本期（2026年6月1日至6月30日），实事事项1200项；已完成"
        f"{sum(r.done for r in report.by_category)}项；平均完成率61.5%。"
    )
    headings = [p.text for p in paras if style_of(p) == "Heading 1"]
    assert headings == [
        "一、总体情况",
        "二、分类推进情况",
        "三、本期变化情况",
        "四、滞后事项（8项）",
        "五、各单位报送情况",
        "六、数据统计",
        "七、下半月工作安排",
        "八、需协调解决的问题",
    ]


def test_report_docx_tables_equal_the_data(report_docx: Any, report: ReportData) -> None:
    tables = report_docx.tables
    assert len(tables) == 7
    category, done, started, behind, lagging, punctuality, indicators = map(cells, tables)
    assert category[0] == [
        "类别",
        "事项数",
        "已完成",
        "符合序时进度",
        "滞后",
        "其中逾期",
        "平均完成率",
    ]
    assert category[1:] == [
        [
            r.category,
            str(r.items),
            str(r.done),
            str(r.on_schedule),
            str(r.behind),
            str(r.overdue),
            fmt_rate(r.average_rate),
        ]
        for r in report.by_category
    ]
    assert category[1] == ["教育", "100", "33", "33", "34", "0", "40%"]
    assert category[2][-1] == "42.5%"
    assert done[0] == ["编号", "事项名称", "牵头单位", "包保领导", "完成率"]
    assert done[1:] == [item_row(i) for i in report.changes.newly_done]
    assert started[1:] == [item_row(i) for i in report.changes.newly_started]
    assert behind[1:] == [lagging_row(i) for i in report.changes.newly_behind]
    assert lagging[0] == [*done[0], "序时进度", "完成时限"]
    assert lagging[1:] == [lagging_row(i) for i in report.lagging]
    first = report.lagging[0]
    assert lagging[1][2:] == [first.lead_unit, "、".join(first.sponsor_leaders), "20%", "70%",
                              "2026年12月31日"]  # fmt: skip
    assert punctuality[1:] == [
        [str(u.rank), u.unit, str(u.on_time), str(u.late), str(u.missing)]
        for u in report.punctuality
    ]
    assert indicators[1:] == [
        ["配送课桌椅", "套", "1200", "5600", "8000", "70%"],
        ["办理健康证", "人", "356", "2100.5", "—", "—"],
    ]
    row = tables[4].rows[1].cells
    assert row[1].paragraphs[0].alignment is None  # text: the style's, to the left
    assert row[4].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER  # a figure: centred
    for table in tables:  # the header row repeats on every page
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        assert table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None


def test_report_docx_units_sections_follow_their_heading(report_docx: Any) -> None:
    texts = [(style_of(p), p.text) for p in report_docx.paragraphs]
    start = texts.index(("Heading 1", "七、下半月工作安排"))
    assert texts[start + 1 : start + 6] == [
        ("Normal", "各责任单位要对照序时进度，倒排工期。"),
        ("Normal", "滞后事项要说明原因。"),
        ("Heading 2", "（一）南岗区第1责任单位"),
        ("Normal", "南岗区第1责任单位将于下半月完成既定任务。"),
        ("Normal", "加强调度。"),
    ]
    assert ("Heading 2", "（一）南岗区第6责任单位") in texts[start:]


def test_report_docx_sets_the_east_asian_font_on_every_run(report_docx: Any) -> None:
    expected = {
        "Normal": "仿宋_GB2312",
        "Title": "方正小标宋简体",
        "Subtitle": "楷体_GB2312",
        "Heading 1": "黑体",
        "Heading 2": "楷体_GB2312",
        "Caption": "楷体_GB2312",
    }
    seen = set()
    for p in report_docx.paragraphs:
        for run in p.runs:
            if run.text:
                assert east_asian(run) == expected[style_of(p)], (style_of(p), run.text)
                seen.add(style_of(p))
    assert seen == set(expected)
    body = next(p for p in report_docx.paragraphs if p.text.startswith("本期（"))
    assert body.runs[0].font.size == Pt(16)
    assert body.runs[0].font.name == "Times New Roman"  # digits and Latin text
    title = report_docx.paragraphs[0]
    assert title.runs[0].font.size == Pt(22)
    for table in report_docx.tables:
        for run in table.rows[1].cells[1].paragraphs[0].runs:
            assert east_asian(run) == "仿宋_GB2312"
        assert east_asian(table.rows[0].cells[0].paragraphs[0].runs[0]) == "黑体"
    # The styles name it too, and no theme font overrides it.
    normal = report_docx.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.get(qn("w:eastAsiaTheme")) is None
    line = report_docx.styles["Normal"].paragraph_format
    assert line.line_spacing == Pt(28.95)


def test_report_docx_page_is_a4_with_gb_t_9704_margins(report_docx: Any) -> None:
    section = report_docx.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert [mm(section.top_margin), mm(section.bottom_margin)] == [37, 35]
    assert [mm(section.left_margin), mm(section.right_margin)] == [28, 26]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert round(text_width / Mm(1)) == 156


def test_report_docx_numbers_pages_in_the_footer(report_docx: Any) -> None:
    section = report_docx.sections[0]
    assert report_docx.settings.odd_and_even_pages_header_footer
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        (p,) = footer.paragraphs
        assert p.text == "— 1 —"
        instr = p._p.xpath(".//w:instrText")
        assert [i.text.strip() for i in instr] == ["PAGE"]
        assert p.alignment is not None and p.alignment.name.lower() == side
        assert east_asian(p.runs[0]) == "宋体" and p.runs[0].font.size == Pt(14)


def test_report_docx_holds_the_three_charts_as_png(report_docx: Any) -> None:
    shapes = report_docx.inline_shapes
    assert len(shapes) == 3
    blobs = [
        report_docx.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
        for s in shapes
    ]
    assert all(b.startswith(b"\x89PNG") for b in blobs)
    captions = [p.text for p in report_docx.paragraphs if style_of(p) == "Caption"]
    assert captions == [
        "图1　各类别事项推进情况",
        "图2　事项完成率分布",
        "图3　迟报、未报较多的单位",
    ]
    assert all(round(s.width / Mm(1)) == 150 for s in shapes)


def test_report_leaves_out_empty_parts_and_numbers_the_rest(tmp_path: Path) -> None:
    data = dataclasses.replace(
        samples.report(),
        headline=[],
        lagging=[],
        punctuality=[],
        indicators=[],
        sections=[Section("需协调解决的问题", "无。")],
    )
    writer.write_report(data, tmp_path / "r.docx")
    doc = python_docx.Document(str(tmp_path / "r.docx"))
    assert [p.text for p in doc.paragraphs if style_of(p) == "Heading 1"] == [
        "一、分类推进情况",
        "二、本期变化情况",
        "三、需协调解决的问题",
    ]
    assert len(doc.inline_shapes) == 2  # no punctuality chart


def test_hostile_text_is_written_as_text(tmp_path: Path) -> None:
    nasty = ItemRow('<w:p>&"x"</w:p>\x0b', '=HYPERLINK("http://x")', "单位&<>", ["A&B"], 10.0)
    data = dataclasses.replace(
        samples.report(),
        title="标题<b>&amp;",
        lagging=[nasty],
        sections=[Section("问题&<>", "文本\x01<br>", [UnitText("<单位>", "x]]>y")])],
    )
    writer.write_report(data, tmp_path / "r.docx")
    doc = python_docx.Document(str(tmp_path / "r.docx"))
    assert doc.paragraphs[0].text == "标题<b>&amp;"
    lagging = cells(doc.tables[4])
    assert lagging[1][:4] == ['<w:p>&"x"</w:p>', '=HYPERLINK("http://x")', "单位&<>", "A&B"]
    texts = [p.text for p in doc.paragraphs]
    assert "文本<br>" in texts and "（一）<单位>" in texts and "x]]>y" in texts
    xlsx.write_report_annex(data, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["滞后事项"]
    assert ws["B4"].value == '=HYPERLINK("http://x")'
    assert ws["B4"].data_type == "s" and ws["B4"].quotePrefix


def test_a_large_report_lists_the_first_rows_and_the_annex_all(tmp_path: Path) -> None:
    data = samples.report(lagging=2000, items=2000)
    writer.write_report(data, tmp_path / "big.docx")
    doc = python_docx.Document(str(tmp_path / "big.docx"))
    lagging = doc.tables[4]
    assert len(lagging.rows) == writer.TABLE_ROWS + 1
    assert cells(lagging)[-1] == lagging_row(data.lagging[writer.TABLE_ROWS - 1])
    rest = f"以上为前{writer.TABLE_ROWS}项，其余{2000 - writer.TABLE_ROWS}项见附表“滞后事项”。"
    assert rest in [p.text for p in doc.paragraphs]
    xlsx.write_report_annex(data, tmp_path / "big.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True)["滞后事项"]
    assert sum(1 for row in ws.iter_rows(values_only=True) if row and row[1]) >= 2000


# -- circular and briefing ------------------------------------------------------------------


def test_circular_docx_lists_items_and_late_units_then_issuer(tmp_path: Path) -> None:
    data = samples.circular()
    writer.write_circular(data, tmp_path / "c.docx")
    doc = python_docx.Document(str(tmp_path / "c.docx"))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:4] == [
        data.title,
        data.number,
        "各责任单位：",
        "现将6月份为民办实事推进情况通报如下。",
    ]
    assert texts[-2:] == ["南岗区为民办实事工作领导小组办公室", "2026年7月2日"]
    lagging, overdue, late = map(cells, doc.tables)
    assert lagging[1:] == [lagging_row(i) for i in data.lagging]
    assert overdue[1:] == [lagging_row(i) for i in data.overdue]
    assert late == [
        ["单位", "情况", "报送截止时间", "报送时间", "备注"],
        ["南岗区第1责任单位", "迟报", "2026年6月26日 17:00", "2026年6月27日 09:30", "—"],
        ["南岗区第2责任单位", "未报", "2026年6月26日 17:00", "—", "经催报仍未报送"],
    ]
    assert [p.text for p in doc.paragraphs if style_of(p) == "Heading 1"] == [
        "一、滞后事项（4项）",
        "二、逾期未完成事项（2项）",
        "三、迟报、未报单位（2个）",
    ]


def test_briefing_docx_has_masthead_articles_and_photos(tmp_path: Path) -> None:
    photo = tmp_path / "site.jpg"
    Image.new("RGB", (800, 1200), "green").save(photo)  # a tall one: fitted by its height
    data = samples.briefing(str(photo))
    writer.write_briefing(data, tmp_path / "b.docx")
    doc = python_docx.Document(str(tmp_path / "b.docx"))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[:3] == [
        "为民办实事简报专刊",
        "第7期",
        "南岗区为民办实事工作领导小组办公室\t2026年7月3日",
    ]
    masthead = doc.paragraphs[0].runs[0]
    assert str(masthead.font.color.rgb) == "C00000" and masthead.font.size == Pt(36)
    assert "社区养老服务站全部投入使用" in texts and "老人就近享受助餐服务。" in texts
    assert "新建的社区养老服务站" in texts
    assert texts[-1] == "报送：区委、区政府领导。发送：各责任单位。"
    (shape,) = doc.inline_shapes
    assert round(shape.height / Mm(1)) == 110 and shape.width < Mm(150)


def test_briefing_photos_are_upright_and_carry_no_metadata(tmp_path: Path) -> None:
    photo = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone on its side: to be turned 90° clockwise
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (3000, 2000), "blue").save(photo, exif=exif)
    writer.write_briefing(samples.briefing(str(photo)), tmp_path / "b.docx")
    doc = python_docx.Document(str(tmp_path / "b.docx"))
    (shape,) = doc.inline_shapes
    blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
    image = Image.open(io.BytesIO(blob))
    assert image.format == "JPEG" and image.size == (1067, 1600)  # upright, at most 1600 px
    assert not image.getexif() and b"PhoneMaker" not in blob
    assert shape.height > shape.width


def test_documents_can_be_written_to_a_stream(tmp_path: Path) -> None:
    docx_out, xlsx_out = io.BytesIO(), io.BytesIO()
    writer.write_report(samples.report(), docx_out)
    xlsx.write_report_annex(samples.report(), xlsx_out)
    docx_out.seek(0)
    xlsx_out.seek(0)
    assert python_docx.Document(docx_out).paragraphs[0].text == "南岗区为民办实事工作月小结"
    assert openpyxl.load_workbook(xlsx_out)["汇总"]["B4"].value == "南岗区为民办实事工作月小结"


def test_briefing_with_a_file_that_is_no_image_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    with pytest.raises(DocumentError, match=r"notes\.png"):
        writer.write_briefing(samples.briefing(str(bad)), tmp_path / "b.docx")
    with pytest.raises(DocumentError, match=r"gone\.png"):
        writer.write_briefing(samples.briefing(str(tmp_path / "gone.png")), tmp_path / "b.docx")


# -- an office's template -------------------------------------------------------------------


def test_a_template_keeps_its_styles_page_setup_content_and_footer(tmp_path: Path) -> None:
    template = python_docx.Document()
    normal = template.styles["Normal"]
    normal.font.size = Pt(15)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "华文仿宋")
    template.styles["Heading 1"].font.size = Pt(17)
    section = template.sections[0]
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin = section.right_margin = Mm(20)
    section.footer.paragraphs[0].text = "内部资料　注意保存"
    template.add_paragraph("南岗区为民办实事工作领导小组办公室文件")
    path = tmp_path / "office.docx"
    template.save(str(path))

    writer.write_report(samples.report(), tmp_path / "r.docx", template=path)
    doc = python_docx.Document(str(tmp_path / "r.docx"))
    assert doc.paragraphs[0].text == "南岗区为民办实事工作领导小组办公室文件"
    assert doc.paragraphs[1].text == "南岗区为民办实事工作月小结"
    assert doc.styles["Normal"].font.size == Pt(15)
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "华文仿宋"
    assert doc.styles["Heading 1"].font.size == Pt(17)
    assert [mm(doc.sections[0].top_margin), mm(doc.sections[0].left_margin)] == [20, 20]
    assert doc.sections[0].footer.paragraphs[0].text == "内部资料　注意保存"
    assert not doc.settings.odd_and_even_pages_header_footer
    body = next(p for p in doc.paragraphs if p.text.startswith("本期（"))
    assert style_of(body) == "Normal"
    assert east_asian(body.runs[0]) is None and body.runs[0].font.size is None  # the style's
    # Styles the template lacked are added with the GB/T 9704 look; the tables are all there.
    assert doc.styles["Table Text"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert len(doc.tables) == 7 and len(doc.inline_shapes) == 3


def test_a_template_without_footer_gets_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "plain.docx"
    python_docx.Document().save(str(path))
    writer.write_circular(samples.circular(), tmp_path / "c.docx", template=path)
    doc = python_docx.Document(str(tmp_path / "c.docx"))
    assert doc.sections[0].footer.paragraphs[0].text == "— 1 —"


def test_a_word_template_dotx_is_accepted(tmp_path: Path) -> None:
    template = python_docx.Document()
    template.styles["Normal"].font.size = Pt(13)
    template.add_paragraph("红头")
    template.save(str(tmp_path / "t.docx"))
    with (
        zipfile.ZipFile(tmp_path / "t.docx") as src,
        zipfile.ZipFile(tmp_path / "t.dotx", "w") as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(info, data)
    with pytest.raises(ValueError):  # as python-docx itself would have it
        python_docx.Document(str(tmp_path / "t.dotx"))
    writer.write_circular(samples.circular(), tmp_path / "c.docx", template=tmp_path / "t.dotx")
    doc = python_docx.Document(str(tmp_path / "c.docx"))
    assert doc.paragraphs[0].text == "红头" and doc.styles["Normal"].font.size == Pt(13)
    assert doc.paragraphs[1].text == samples.circular().title


def test_a_template_that_is_no_docx_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "office.docx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DocumentError, match=r"模板不是有效的Word文档（\.docx或\.dotx）"):
        writer.write_report(samples.report(), tmp_path / "r.docx", template=path)
    with pytest.raises(DocumentError, match="模板不是有效的Word文档"):
        writer.write_report(samples.report(), tmp_path / "r.docx", template=tmp_path / "gone")
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "x")
        z.writestr("word/big.bin", b"\0" * (65 * 1024 * 1024))
    with pytest.raises(DocumentError, match="模板过大"):
        writer.write_report(samples.report(), tmp_path / "r.docx", template=bomb)


# -- the Excel annexes ----------------------------------------------------------------------


def sheet_values(ws: Any) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def plain(value: Any) -> Any:
    """How openpyxl reads a value back: dates as datetimes at midnight, "" as None."""
    if value == "":
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def test_report_xlsx_every_cell_equals_the_data(tmp_path: Path, report: ReportData) -> None:
    xlsx.write_report_annex(report, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["汇总", "分类统计", "新完成", "新开工", "新滞后", "滞后事项",
                               "报送情况", "数据统计"]  # fmt: skip
    expected = xlsx.report_sheets(report)
    for ws, (name, columns, rows) in zip(book.worksheets, expected, strict=True):
        values = sheet_values(ws)
        width = len(columns)
        assert values[0][0] == report.title and values[1][0] == "2026年第6期　2026年6月1日至6月30日"
        assert values[2][:width] == [c.header for c in columns], name
        assert [v[:width] for v in values[3:]] == [[plain(x) for x in r] for r in rows], name
        assert ws.freeze_panes == "A4"
    # Spot checks against the data itself, so the comparison above is not circular.
    summary = sheet_values(book["汇总"])
    assert summary[3:8] == [
        ["标题", "南岗区为民办实事工作月小结", None],
        ["期号", "2026年第6期", None],
        ["发布单位", "南岗区为民办实事工作领导小组办公室", None],
        ["日期", dt.datetime(2026, 6, 30), None],
        ["统计时段", "2026年6月1日至6月30日", None],
    ]
    assert summary[8] == ["实事事项", 1200, "项"] and summary[10] == ["平均完成率", 61.5, "%"]
    category = book["分类统计"]
    assert [c.value for c in category[4]] == ["教育", 100, 33, 33, 34, 0, 40]
    assert category["B4"].data_type == "n" and category["G5"].number_format == "0.0"
    lagging = book["滞后事项"]
    first = report.lagging[0]
    assert [c.value for c in lagging[4]] == [
        first.number, first.name, first.category, first.lead_unit,
        "、".join(first.sponsor_leaders), 20, 70, dt.datetime(2026, 12, 31), None,
    ]  # fmt: skip
    assert lagging.max_row == 3 + len(report.lagging)
    indicators = sheet_values(book["数据统计"])
    assert indicators[3] == ["配送课桌椅", "套", 1200, 5600, 8000, 70]
    assert indicators[4] == ["办理健康证", "人", 356, 2100.5, None, None]
    # Columns wide enough for their Chinese text (a CJK character counts two).
    assert lagging.column_dimensions["B"].width >= xlsx.display_width(first.name)
    assert lagging.column_dimensions["B"].width <= xlsx.MAX_WIDTH


def test_circular_xlsx_every_cell_equals_the_data(tmp_path: Path) -> None:
    data = samples.circular()
    xlsx.write_circular_annex(data, tmp_path / "c.xlsx")
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == ["滞后事项", "逾期未完成事项", "迟报未报单位"]
    for ws, (_name, columns, rows) in zip(book.worksheets, xlsx.circular_sheets(data), strict=True):
        values = sheet_values(ws)
        assert values[2] == [c.header for c in columns]
        assert values[3:] == [[plain(x) for x in r] for r in rows]
    late = sheet_values(book["迟报未报单位"])
    due = dt.datetime(2026, 6, 26, 17)
    assert late[3:] == [
        ["南岗区第1责任单位", "迟报", due, dt.datetime(2026, 6, 27, 9, 30), None],
        ["南岗区第2责任单位", "未报", due, None, "经催报仍未报送"],
    ]


# -- charts ---------------------------------------------------------------------------------


def draw_all(report: ReportData) -> list[bytes | None]:
    return [
        charts.category_chart(report.by_category),
        charts.rate_chart(report.rate_distribution),
        charts.punctuality_chart(report.punctuality),
    ]


def test_charts_draw_chinese_with_the_cjk_font_and_no_missing_glyph(
    report: ReportData, caplog: pytest.LogCaptureFixture
) -> None:
    font = cjk_font()
    assert font is not None and font.path.is_file()
    assert font.name in (
        "Noto Sans SC",
        "Noto Sans CJK JP",
        "Noto Sans CJK SC",
        "Source Han Sans SC",
    )
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        pngs = draw_all(report)
    problems = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in problems if "missing" in m.lower()], problems
    for png in pngs:
        assert png is not None
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.width > 600
    # The family the charts ask for resolves to the CJK font's file, not to DejaVu.
    with charts.matplotlib.rc_context(charts._rc()):  # type: ignore[arg-type]
        found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(found) == font.path


def test_the_missing_glyph_check_would_catch_a_latin_only_font() -> None:
    """The control for the test above: without the CJK font matplotlib does warn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with charts.matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure()
        FigureCanvasAgg(fig)
        fig.add_subplot().set_title("滞后事项")
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(io.BytesIO(), format="png")


def test_punctuality_chart_is_left_out_when_everyone_reported_on_time(report: ReportData) -> None:
    on_time = [dataclasses.replace(u, late=0, missing=0) for u in report.punctuality]
    assert charts.punctuality_chart(on_time) is None


def test_charts_aggregate_so_ten_thousand_items_draw_six_bars() -> None:
    bands = rate_bands(i % 101 for i in range(10_000))
    assert len(bands) == 6 and sum(b.count for b in bands) == 10_000
    png = charts.rate_chart(bands)
    assert png.startswith(b"\x89PNG")


# -- files and formatting -------------------------------------------------------------------


def test_report_files_put_the_annex_beside_the_docx(tmp_path: Path) -> None:
    docx_path, annex = files.write_report_files(samples.report(), tmp_path / "2026-06.docx")
    assert annex == tmp_path / "2026-06.xlsx"
    assert python_docx.Document(str(docx_path)).paragraphs[0].text == "南岗区为民办实事工作月小结"
    assert openpyxl.load_workbook(annex).sheetnames[0] == "汇总"
    docx_path, annex = files.write_circular_files(samples.circular(), tmp_path / "c.docx")
    assert openpyxl.load_workbook(annex).sheetnames == [
        "滞后事项",
        "逾期未完成事项",
        "迟报未报单位",
    ]


def test_a_rate_that_is_no_number_shows_a_dash_not_nan(tmp_path: Path) -> None:
    odd = dataclasses.replace(samples.item(1), rate=float("nan"), planned_rate=float("inf"))
    data = dataclasses.replace(samples.report(), lagging=[odd])
    files.write_report_files(data, tmp_path / "r.docx")
    row = cells(python_docx.Document(str(tmp_path / "r.docx")).tables[4])[1]
    assert row[4:6] == ["—", "—"]
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["滞后事项"]
    assert ws["F4"].value is None and ws["G4"].value is None  # blank, as the "—" of the .docx


def test_numbers_rates_dates_and_heading_numbers_are_written_the_chinese_way() -> None:
    assert [writer.cn_number(n) for n in (1, 9, 10, 11, 20, 35, 99)] == [
        "一", "九", "十", "十一", "二十", "三十五", "九十九",
    ]  # fmt: skip
    assert [fmt_rate(r) for r in (0, 45.0, 45.25, 99.96, None)] == [
        "0%",
        "45%",
        "45.3%",
        "100%",
        "—",
    ]
    assert [writer.fmt_number(v) for v in (3, 2.5, 2.0, 1234567, 0.125, None)] == [
        "3", "2.5", "2", "1234567", "0.13", "—",
    ]  # fmt: skip
    assert fmt_date(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert leaders([]) == "—" and leaders(["王建国", "陈静"]) == "王建国、陈静"
