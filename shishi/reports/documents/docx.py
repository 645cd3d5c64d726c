"""Word (.docx) documents of the compiled reports: report, circular (通报), briefing (简报专刊).

Without a template the layout follows GB/T 9704-2012 (党政机关公文格式): A4, margins top 37 mm,
bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text block of 22 lines of 28 characters);
the title in 方正小标宋简体 二号 (22 pt) centred; the body in 仿宋_GB2312 三号 (16 pt) at a fixed
line pitch of 225 mm / 22 lines ≈ 28.95 pt; headings 一、 in 黑体, （一） in 楷体_GB2312, 1. in
仿宋 bold; page numbers "— 1 —" in 宋体 四号 (14 pt) 7 mm below the text block, odd pages to the
right and even pages to the left, one character in. Every run names its East-Asian font
(``w:eastAsia``), not only ``font.name`` (which sets the Latin slots only), and the font table
carries a fallback (``w:altName``: 宋体, 仿宋, 楷体) for machines without the GB2312 fonts.

With ``template=path`` (an office's own .docx or .dotx) the template is the document's base:
its page setup, headers and footers, styles and any content (a 红头, say) are kept, and the
document is appended after that content using the template's styles by name, with no direct
fonts, so the office's look wins. Styles the template lacks are added with the GB/T 9704
look. The style names used (Word's built-in names, as a Chinese Word saves them too):
``Normal`` (body), ``Title``, ``Subtitle`` (number, issuer and date lines), ``Heading 1``–
``Heading 3``, ``Caption`` (chart and photo captions), ``Table Heading`` and ``Table Text``
(table cells), and the table style ``Table Grid`` when present (else single-line borders).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.image.exceptions import UnrecognizedImageError
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Length, Mm, Pt, RGBColor, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from PIL import Image as PILImage
from PIL import ImageOps

from shishi.reports.documents import charts
from shishi.reports.documents.data import (
    BriefingData,
    CircularData,
    ExtraPart,
    ItemRow,
    ReportData,
    paragraphs,
)

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Word substitutes these where the GB2312-era fonts are not installed (font table altName).
FALLBACKS = {TITLE_FONT: SONG_FONT, BODY_FONT: "仿宋", KAI_FONT: "楷体"}

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH = Mm(156)
LINE_PITCH = Twips(579)  # 225 mm / 22 lines = 28.95 pt
FOOTER_DISTANCE = Mm(22)  # the page number's top 7 mm below the text block (35 − 7 − ~6)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四
CHAR = Pt(16)  # one character of the body: indents are counted in these
TWO_CHARS: Length = Pt(32)
CHART_WIDTH = Mm(150)
PHOTO_MAX = (Mm(150), Mm(110))
PHOTO_PIXELS = 1600  # 150 mm at ~270 dpi: sharp on paper, a few hundred KiB
RED = RGBColor(0xC0, 0x00, 0x00)

# What may follow w:pBdr in a w:pPr (the schema's order, which Word holds to).
AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
DASH = "—"  # an em dash, the 一字线 either side of a page number


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text without the control characters XML cannot hold (pasted from elsewhere)."""
    return _NOT_XML.sub("", text)


Target = str | Path | IO[bytes]  # a file's path, or a stream (a BytesIO for a FileField)


class DocumentError(ValueError):
    """The data cannot be written (an image that is no image, a template that is no .docx)."""


@dataclass(frozen=True)
class Look:
    """A paragraph style's GB/T 9704 look: font, size, weight, alignment, indent, spacing."""

    font: str
    size: Length
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY
    first_indent: Length | None = TWO_CHARS
    line: Length | None = LINE_PITCH
    colour: RGBColor | None = None


TABLE_HEADING = "Table Heading"
TABLE_TEXT = "Table Text"
LOOKS: dict[str, Look] = {
    "Normal": Look(BODY_FONT, BODY_SIZE),
    "Title": Look(TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, first_indent=None,
                  line=Twips(700)),
    "Subtitle": Look(KAI_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, first_indent=None),
    "Heading 1": Look(HEI_FONT, BODY_SIZE),
    "Heading 2": Look(KAI_FONT, BODY_SIZE),
    "Heading 3": Look(BODY_FONT, BODY_SIZE, bold=True),
    "Caption": Look(KAI_FONT, Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER, first_indent=None),
    TABLE_HEADING: Look(HEI_FONT, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
                        first_indent=None, line=None),
    TABLE_TEXT: Look(BODY_FONT, TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, first_indent=None,
                     line=None),
}  # fmt: skip


# -- formatting of values -----------------------------------------------------------------


def fmt_number(value: float | int | None) -> str:
    """3 → "3", 2.50 → "2.5", None → "—"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    if isinstance(value, float):
        shown = _half_up(value, "0.01")
        return str(shown.to_integral()) if shown == shown.to_integral() else str(shown).rstrip("0")
    return str(value)


def _half_up(value: float, step: str) -> Decimal:
    """Rounded half up (四舍五入) on the value as written: 45.25 → 45.3, not float's 45.2."""
    return Decimal(repr(value)).quantize(Decimal(step), rounding=ROUND_HALF_UP)


def fmt_rate(rate: float | None) -> str:
    """A percentage to one decimal: 45.0 → "45%", 45.25 → "45.3%", None → "—"."""
    if rate is None or not math.isfinite(rate):
        return DASH
    r = _half_up(float(rate), "0.1")
    return f"{r.to_integral()}%" if r == r.to_integral() else f"{r}%"


def fmt_date(day: dt.date | None) -> str:
    """2026-06-30 → "2026年6月30日" (GB/T 9704: Arabic numerals, no leading zeros)."""
    if day is None:
        return DASH
    return f"{day.year}年{day.month}月{day.day}日"


def fmt_datetime(moment: dt.datetime | None) -> str:
    if moment is None:
        return DASH
    return f"{fmt_date(moment.date())} {moment:%H:%M}"


def leaders(names: Sequence[str]) -> str:
    return "、".join(names) if names else DASH


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (heading numbers)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + ("" if ones == 0 else _DIGITS[ones])


# -- the writer -----------------------------------------------------------------------------


def _set_run_fonts(rpr: Any, font: str, *, latin: str = LATIN_FONT) -> None:
    """Name the font in every slot, East Asian included, and drop theme fonts (which win)."""
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), font)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:hint"), "eastAsia")


DOTX_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCX_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


MAX_TEMPLATE_BYTES = 64 * 1024 * 1024  # unpacked: a template is styles and a 红头, not a bomb


def _as_document(template: str | Path) -> str | io.BytesIO:
    """A Word template (.dotx) opened as a document: python-docx refuses the template's content
    type, which is the only difference that matters here. A .docx is passed through."""
    try:
        with zipfile.ZipFile(template) as source:
            if sum(info.file_size for info in source.infolist()) > MAX_TEMPLATE_BYTES:
                raise DocumentError("模板过大：解压后超过64 MB")
            types = source.read("[Content_Types].xml")
            if DOTX_TYPE not in types:
                return str(template)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                for info in source.infolist():
                    data = source.read(info.filename)
                    if info.filename == "[Content_Types].xml":
                        data = data.replace(DOTX_TYPE, DOCX_TYPE)
                    target.writestr(info, data)
    except (zipfile.BadZipFile, KeyError, OSError):
        return str(template)  # python-docx says what is wrong with it
    out.seek(0)
    return out


def check_template(template: str | Path) -> None:
    """Refuse (``DocumentError``, a message for the office) a file that cannot serve as the
    office's Word template: not a .docx/.dotx, unreadable, or too large unpacked."""
    _Writer(template)


def photo_for_print(path: str) -> tuple[bytes, tuple[int, int]]:
    """A photo as JPEG for the document: turned upright by its EXIF orientation (Word does not),
    at most ``PHOTO_PIXELS`` on its long side, without its metadata (a phone's GPS position has
    no place in a briefing). Raises DocumentError naming the file when it is no image."""
    name = Path(path).name
    try:
        with PILImage.open(path) as original:
            image = ImageOps.exif_transpose(original) or original
            image = image.convert("RGB")
    except (OSError, PILImage.DecompressionBombError, ValueError) as exc:
        raise DocumentError(f"图片无法读取：{name}") from exc
    image.thumbnail((PHOTO_PIXELS, PHOTO_PIXELS))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), image.size


class _Writer:
    def __init__(self, template: str | Path | None) -> None:
        self.plain = template is None
        try:
            self.doc: DocxDocument = Document(_as_document(template) if template else None)
        except DocumentError:
            raise
        except Exception as exc:  # python-docx raises several kinds for a file that is not one
            raise DocumentError("模板不是有效的Word文档（.docx或.dotx）") from exc
        self.figures = 0
        if self.plain:
            self._page_setup()
            self._restyle()
            self._font_fallbacks()
        self._ensure_styles()
        self._page_numbers()

    # set-up ------------------------------------------------------------------------------

    def _page_setup(self) -> None:
        for section in self.doc.sections:
            section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
            section.top_margin = MARGINS["top"]
            section.bottom_margin = MARGINS["bottom"]
            section.left_margin = MARGINS["left"]
            section.right_margin = MARGINS["right"]
            section.footer_distance = FOOTER_DISTANCE
            section.header_distance = Mm(15)
            sect = section._sectPr
            grid = sect.find(qn("w:docGrid"))
            if grid is None:
                grid = OxmlElement("w:docGrid")
                sect.append(grid)
            grid.attrib.clear()
            grid.set(qn("w:type"), "lines")
            grid.set(qn("w:linePitch"), str(int(LINE_PITCH.twips)))

    def _restyle(self) -> None:
        styles = self.doc.styles.element
        rpr_default = styles.find(
            qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr")
        )
        if rpr_default is not None:
            _set_run_fonts(rpr_default, BODY_FONT)
            lang = rpr_default.find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:val"), "en-US")
                lang.set(qn("w:eastAsia"), "zh-CN")
        ppr_default = styles.find(
            qn("w:docDefaults") + "/" + qn("w:pPrDefault") + "/" + qn("w:pPr")
        )
        if ppr_default is not None:
            for child in list(ppr_default):
                ppr_default.remove(child)
        for name, look in LOOKS.items():
            if name in (TABLE_HEADING, TABLE_TEXT):
                continue
            self._apply_look(self._style(name), look)

    def _style(self, name: str) -> ParagraphStyle:
        try:
            style = self.doc.styles[name]
        except KeyError:
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.quick_style = True
            self._apply_look(style, LOOKS[name])
        assert isinstance(style, ParagraphStyle)
        return style

    def _apply_look(self, style: ParagraphStyle, look: Look) -> None:
        element = style.element
        old = element.find(qn("w:rPr"))
        if old is not None:
            element.remove(old)
        ppr = element.find(qn("w:pPr"))
        if ppr is not None:  # keep keepNext and the outline level of headings
            for tag in ("w:pBdr", "w:spacing", "w:ind", "w:jc", "w:contextualSpacing"):
                for child in ppr.findall(qn(tag)):
                    ppr.remove(child)
        font = style.font
        font.name = LATIN_FONT
        _set_run_fonts(element.get_or_add_rPr(), look.font)
        font.size = look.size
        font.bold = look.bold
        font.italic = False
        font.color.rgb = look.colour or RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.alignment = look.align
        fmt.first_line_indent = look.first_indent or Pt(0)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        if look.line is not None:
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = look.line
        else:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.widow_control = True

    def _ensure_styles(self) -> None:
        for name in LOOKS:
            self._style(name)

    def _font_fallbacks(self) -> None:
        """Add the Chinese fonts to the font table, each with its altName and GB2312 charset."""
        part = next(
            (
                p
                for p in self.doc.part.package.iter_parts()
                if str(p.partname).endswith("/fontTable.xml")
            ),
            None,
        )
        if part is None:
            return
        root = parse_xml(part.blob)
        known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name in (TITLE_FONT, BODY_FONT, HEI_FONT, KAI_FONT, SONG_FONT):
            if name in known:
                continue
            font = OxmlElement("w:font")
            font.set(qn("w:name"), name)
            if name in FALLBACKS:
                alt = OxmlElement("w:altName")
                alt.set(qn("w:val"), FALLBACKS[name])
                font.append(alt)
            for tag, val in (("w:charset", "86"), ("w:family", "modern"), ("w:pitch", "fixed")):
                child = OxmlElement(tag)
                child.set(qn("w:val"), val)
                font.append(child)
            root.append(font)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _page_numbers(self) -> None:
        """ "— 1 —" at the foot: odd pages right, even pages left, one character in (GB/T 9704
        7.5). A template's own footers are kept when they hold anything."""
        if not self.plain and any(_has_content(s.footer) for s in self.doc.sections):
            return
        settings = self.doc.settings
        settings.odd_and_even_pages_header_footer = True
        for section in self.doc.sections:
            for footer, align in (
                (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
            ):
                footer.is_linked_to_previous = False
                p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
                for r in list(p.runs):
                    r._element.getparent().remove(r._element)
                fmt = p.paragraph_format
                fmt.alignment = align
                fmt.first_line_indent = Pt(0)
                fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
                if align == WD_ALIGN_PARAGRAPH.RIGHT:
                    fmt.right_indent = PAGE_NUMBER_SIZE
                else:
                    fmt.left_indent = PAGE_NUMBER_SIZE
                self._page_run(p, f"{DASH} ")
                self._page_field(p)
                self._page_run(p, f" {DASH}")

    def _page_run(self, p: Paragraph, text: str) -> Any:
        run = p.add_run(text)
        run.font.size = PAGE_NUMBER_SIZE
        _set_run_fonts(run._element.get_or_add_rPr(), SONG_FONT, latin=SONG_FONT)
        return run

    def _page_field(self, p: Paragraph) -> None:
        for kind, text in (
            ("begin", None),
            ("instr", " PAGE "),
            ("separate", None),
            ("text", "1"),
            ("end", None),
        ):
            run = self._page_run(p, "")
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._element.append(instr)
            elif kind == "text":
                run.text = text or ""
            else:
                fld = OxmlElement("w:fldChar")
                fld.set(qn("w:fldCharType"), kind)
                run._element.append(fld)

    # content -----------------------------------------------------------------------------

    def para(self, text: str, style: str = "Normal", **overrides: Any) -> Paragraph:
        p = self.doc.add_paragraph(style=self.doc.styles[style])
        self.run(p, text, style)
        fmt = p.paragraph_format
        for key, value in overrides.items():
            setattr(fmt, key, value)
        return p

    def run(self, p: Paragraph, text: str, style: str) -> None:
        run = p.add_run(clean(text))
        if self.plain:  # direct fonts too: WPS and older Words read the run's, not the style's
            look = LOOKS[style]
            _set_run_fonts(run._element.get_or_add_rPr(), look.font)
            run.font.size = look.size
            if look.bold:
                run.font.bold = True
            if look.colour is not None:
                run.font.color.rgb = look.colour

    def text(self, text: str) -> None:
        for line in paragraphs(text):
            self.para(line)

    def title(self, text: str) -> None:
        for line in paragraphs(text) or [text]:
            self.para(line, "Title")

    def heading(self, text: str, level: int = 1) -> None:
        p = self.para(text, f"Heading {level}")
        p.paragraph_format.keep_with_next = True

    def blank(self) -> None:
        self.doc.add_paragraph(style=self.doc.styles["Normal"])

    def picture(self, data: bytes | Path, *, width: Length, height: Length | None = None) -> None:
        p = self.doc.add_paragraph(style=self.doc.styles["Normal"])
        fmt = p.paragraph_format  # exact line spacing would clip the picture
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.first_line_indent = Pt(0)
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.keep_with_next = True
        source: Any = io.BytesIO(data) if isinstance(data, bytes) else str(data)
        try:
            p.add_run().add_picture(source, width=width, height=height)
        except (UnrecognizedImageError, OSError) as exc:
            name = "图表" if isinstance(data, bytes) else Path(data).name
            raise DocumentError(f"图片无法读取：{name}") from exc

    def chart(self, png: bytes | None, caption: str) -> None:
        """A chart (drawn without a title) and its numbered caption below, as 公文 figures are."""
        if png is None:
            return
        self.figures += 1
        self.picture(png, width=CHART_WIDTH)
        self.para(f"图{self.figures}　{caption}", "Caption")

    def photo(self, path: str, caption: str) -> None:
        jpeg, (px_w, px_h) = photo_for_print(path)
        max_w, max_h = PHOTO_MAX
        ratio = px_h / max(px_w, 1)
        width = max_w if max_w * ratio <= max_h else Emu(int(max_h / ratio))
        self.picture(jpeg, width=Emu(int(width)))
        if caption:
            self.para(caption, "Caption")

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        widths_mm: Sequence[float],
    ) -> Table:
        """A table whose header row repeats on every page. Rows are copied from one
        formatted prototype row (python-docx's add_row per row is too slow for 10,000)."""
        n = len(headers)
        table = self.doc.add_table(rows=1, cols=n)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        self._cell_margins(table)
        if "Table Grid" in [s.name for s in self.doc.styles]:
            table.style = self.doc.styles["Table Grid"]
        else:
            self._borders(table)
        total = sum(widths_mm)
        widths = [Emu(int(TEXT_WIDTH * w / total)) for w in widths_mm]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        header = table.rows[0]
        trpr = header._tr.get_or_add_trPr()
        for tag in ("w:tblHeader", "w:cantSplit"):
            el = OxmlElement(tag)
            el.set(qn("w:val"), "true")
            trpr.append(el)
        for cell, text, width in zip(header.cells, headers, widths, strict=True):
            cell.width = width
            p = cell.paragraphs[0]
            p.style = self.doc.styles[TABLE_HEADING]
            self.run(p, text, TABLE_HEADING)
        proto = table.add_row()
        cant = OxmlElement("w:cantSplit")
        cant.set(qn("w:val"), "true")
        proto._tr.get_or_add_trPr().append(cant)
        for cell, width, head in zip(proto.cells, widths, headers, strict=True):
            cell.width = width
            p = cell.paragraphs[0]
            p.style = self.doc.styles[TABLE_TEXT]
            if head in CENTRED:
                p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self.run(p, "-", TABLE_TEXT)  # a w:t to fill in each copy
        # Each row a deepcopy of the prototype with its cells' text put in: for 10,000 rows
        # ~1.7 s on the loaded 2-core machine against ~3.5 s parsing the rows' XML at once and
        # ~50 s for python-docx's add_row per row.
        proto_tr = proto._tr
        tbl = table._tbl
        tbl.remove(proto_tr)
        t_tag, space = qn("w:t"), qn("xml:space")
        for values in rows:
            if len(values) != n:
                raise ValueError(f"a table row has {len(values)} cells, not {n}")
            tr = copy.deepcopy(proto_tr)
            for t, value in zip(tr.iter(t_tag), values, strict=True):
                t.text = clean(str(value)).replace("\n", " ")
                t.set(space, "preserve")
            tbl.append(tr)
        return table

    def _cell_margins(self, table: Table) -> None:
        """1 mm either side of a cell's text (Word's 1.9 mm leaves too little for the figures)."""
        margins = parse_xml(
            f"<w:tblCellMar {nsdecls('w')}>"
            '<w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        )
        table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption")

    def _borders(self, table: Table) -> None:
        tblpr = table._tbl.tblPr
        borders = parse_xml(
            f"<w:tblBorders {nsdecls('w')}>"
            + "".join(
                f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            + "</w:tblBorders>"
        )
        tblpr.insert_element_before(
            borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
        )

    def nothing(self, what: str) -> None:
        self.para(f"本期无{what}。")

    def save(self, path: Target) -> None:
        self.doc.save(str(path) if isinstance(path, str | Path) else path)


# Columns of figures, dates and short words: centred in their cells; text stays to the left.
CENTRED = frozenset(
    [
        "编号",
        "事项数",
        "已完成",
        "符合序时进度",
        "滞后",
        "其中逾期",
        "平均完成率",
        "完成率",
        "序时进度",
        "完成时限",
        "排名",
        "按时报送",
        "迟报",
        "未报",
        "计量单位",
        "本期",
        "累计",
        "目标",
        "累计完成目标",
        "情况",
        "报送截止时间",
        "报送时间",
    ]
)
ITEM_HEADERS = ["编号", "事项名称", "牵头单位", "包保领导", "完成率"]
ITEM_WIDTHS = [15, 65, 36, 24, 16]  # mm of the 156 mm text block


def item_cells(item: ItemRow) -> list[str]:
    return [
        item.number,
        item.name,
        item.lead_unit,
        leaders(item.sponsor_leaders),
        fmt_rate(item.rate),
    ]


LAGGING_HEADERS = [*ITEM_HEADERS, "序时进度", "完成时限"]
LAGGING_WIDTHS = [15, 41, 27, 21, 15, 15, 22]


# A table of the Word report lists at most this many items (a district's 7,000 lagging items
# are no reading); the rest are named in the Excel annex, which lists them all.
TABLE_ROWS = 100


def _rest(w: Any, rows: Sequence[Any], sheet: str) -> None:
    if len(rows) > TABLE_ROWS:
        w.para(f"以上为前{TABLE_ROWS}项，其余{len(rows) - TABLE_ROWS}项见附表“{sheet}”。")


def lagging_cells(item: ItemRow) -> list[str]:
    return [*item_cells(item), fmt_rate(item.planned_rate), fmt_date(item.due)]


CATEGORY_HEADERS = ["类别", "事项数", "已完成", "符合序时进度", "滞后", "其中逾期", "平均完成率"]
CATEGORY_WIDTHS = [36, 16, 16, 24, 16, 22, 26]
PUNCTUALITY_HEADERS = ["排名", "单位", "按时报送", "迟报", "未报"]
PUNCTUALITY_WIDTHS = [14, 74, 24, 22, 22]
INDICATOR_HEADERS = ["指标", "计量单位", "本期", "累计", "目标", "累计完成目标"]
INDICATOR_WIDTHS = [46, 20, 20, 22, 22, 26]
LATE_HEADERS = ["单位", "情况", "报送截止时间", "报送时间", "备注"]
LATE_WIDTHS = [44, 16, 34, 34, 28]


def indicator_share(cumulative: float | int, target: float | int | None) -> float | None:
    if not target:
        return None
    return float(cumulative) / float(target) * 100


def headline_sentence(data: ReportData) -> str:
    figures = "；".join(f"{f.label}{fmt_number(f.value)}{f.unit}" for f in data.headline)
    return f"本期（{data.period_label}），{figures}。"


class _Parts:
    """Numbers the parts 一、二、… as they are written, so a part left out leaves no gap."""

    def __init__(self, w: _Writer) -> None:
        self.w = w
        self.n = 0

    def __call__(self, heading: str) -> None:
        self.n += 1
        self.w.heading(f"{cn_number(self.n)}、{heading}", 1)


def write_report(data: ReportData, path: Target, *, template: str | Path | None = None) -> None:
    """Write a compiled report (.docx) to ``path``: title and number, headline figures, the
    table and chart by category, the changes, the lagging items with their lead units and
    sponsor leaders, the units' punctuality, the indicators, other apps' parts
    (``data.extra``, ``reports.extras``), then the cycle's sections with each unit's text.
    Parts whose data is empty are left out."""
    w = _Writer(template)
    w.title(data.title)
    if data.number:
        w.para(data.number, "Subtitle")
    w.para(f"{data.issuer}　　{fmt_date(data.date)}", "Subtitle")
    w.blank()
    for line in paragraphs(data.intro):  # the office's introduction, before the parts
        w.para(line)
    part = _Parts(w)
    if data.headline:
        part("总体情况")
        w.para(headline_sentence(data))
    if data.by_category or data.rate_distribution:
        part("分类推进情况")
        if data.by_category:
            w.table(
                CATEGORY_HEADERS,
                (
                    [
                        r.category,
                        fmt_number(r.items),
                        fmt_number(r.done),
                        fmt_number(r.on_schedule),
                        fmt_number(r.behind),
                        fmt_number(r.overdue),
                        fmt_rate(r.average_rate),
                    ]
                    for r in data.by_category
                ),
                CATEGORY_WIDTHS,
            )
            w.chart(charts.category_chart(data.by_category, title=""), "各类别事项推进情况")
        if data.rate_distribution:
            w.chart(charts.rate_chart(data.rate_distribution, title=""), "事项完成率分布")
    ch = data.changes
    if ch.newly_done or ch.newly_started or ch.newly_behind:
        part("本期变化情况")
        for n, (label, rows) in enumerate(
            (
                ("新完成事项", ch.newly_done),
                ("新开工事项", ch.newly_started),
                ("新滞后事项", ch.newly_behind),
            ),
            start=1,
        ):
            w.heading(f"（{cn_number(n)}）{label}（{len(rows)}项）", 2)
            if not rows:
                w.nothing(label)
            elif label == "新滞后事项":
                w.table(LAGGING_HEADERS, map(lagging_cells, rows[:TABLE_ROWS]), LAGGING_WIDTHS)
                _rest(w, rows, label.removesuffix("事项"))
            else:
                w.table(ITEM_HEADERS, map(item_cells, rows[:TABLE_ROWS]), ITEM_WIDTHS)
                _rest(w, rows, label.removesuffix("事项"))
    if data.lagging:
        part(f"滞后事项（{len(data.lagging)}项）")
        w.para("以下事项完成率低于序时进度，列明牵头单位和包保领导。")
        shown = data.lagging[:TABLE_ROWS]
        w.table(LAGGING_HEADERS, map(lagging_cells, shown), LAGGING_WIDTHS)
        _rest(w, data.lagging, "滞后事项")
    if data.punctuality:
        part("各单位报送情况")
        w.table(
            PUNCTUALITY_HEADERS,
            (
                [str(u.rank), u.unit, str(u.on_time), str(u.late), str(u.missing)]
                for u in data.punctuality
            ),
            PUNCTUALITY_WIDTHS,
        )
        w.chart(charts.punctuality_chart(data.punctuality, title=""), "迟报、未报较多的单位")
    if data.indicators:
        part("数据统计")
        w.table(
            INDICATOR_HEADERS,
            (
                [
                    i.name,
                    i.unit,
                    fmt_number(i.this_period),
                    fmt_number(i.cumulative),
                    fmt_number(i.target),
                    fmt_rate(indicator_share(i.cumulative, i.target)),
                ]
                for i in data.indicators
            ),
            INDICATOR_WIDTHS,
        )
    for extra in data.extra:
        part(extra.heading)
        _extra_part(w, extra)
    for section in data.sections:
        part(section.heading)
        w.text(section.text)
        for n, unit in enumerate(section.units, start=1):
            w.heading(f"（{cn_number(n)}）{unit.unit}", 2)
            w.text(unit.text)
    w.save(path)


def figures_sentence(extra: ExtraPart) -> str:
    """A part's headline figures as one sentence: "派单12件；回访10件。"."""
    return "；".join(f"{f.label}{fmt_number(f.value)}{f.unit}" for f in extra.figures) + "。"


def _extra_part(w: _Writer, extra: ExtraPart) -> None:
    """Another app's part of the report (``reports.extras``): its figures as a sentence, its
    paragraphs, its tables with their captions as sub-headings."""
    if extra.figures:
        w.para(figures_sentence(extra))
    for line in extra.paragraphs:
        w.para(line)
    for n, table in enumerate(extra.tables, start=1):
        w.heading(f"（{cn_number(n)}）{table.caption}（{len(table.rows)}项）", 2)
        if not table.rows:
            w.nothing(table.caption)
            continue
        widths = table.widths or [1.0] * len(table.headers)
        w.table(table.headers, table.rows[:TABLE_ROWS], widths)
        if len(table.rows) > TABLE_ROWS:
            w.para(f"以上为前{TABLE_ROWS}项，其余{len(table.rows) - TABLE_ROWS}项略。")


def write_circular(data: CircularData, path: Target, *, template: str | Path | None = None) -> None:
    """Write a circular (通报, .docx): the office's text, the lagging and the overdue items
    with their lead units and sponsor leaders, the late and missing units, then the issuer
    and date."""
    w = _Writer(template)
    w.title(data.title)
    if data.number:
        w.para(data.number, "Subtitle")
    w.blank()
    w.text(data.text)
    part = _Parts(w)
    part(f"滞后事项（{len(data.lagging)}项）")
    if data.lagging:
        w.table(LAGGING_HEADERS, map(lagging_cells, data.lagging), LAGGING_WIDTHS)
    else:
        w.nothing("滞后事项")
    part(f"逾期未完成事项（{len(data.overdue)}项）")
    if data.overdue:
        w.table(LAGGING_HEADERS, map(lagging_cells, data.overdue), LAGGING_WIDTHS)
    else:
        w.nothing("逾期未完成事项")
    part(f"迟报、未报单位（{len(data.late_units)}个）")
    if data.late_units:
        w.table(LATE_HEADERS, map(late_cells, data.late_units), LATE_WIDTHS)
    else:
        w.nothing("迟报、未报单位")
    w.blank()
    w.blank()
    w.para(data.issuer, alignment=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=CHAR * 4,
           first_line_indent=Pt(0))  # fmt: skip
    w.para(fmt_date(data.date), alignment=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=CHAR * 4,
           first_line_indent=Pt(0))  # fmt: skip
    w.save(path)


def late_cells(unit: Any) -> list[str]:
    return [
        unit.unit,
        "未报" if unit.missing else "迟报",
        fmt_datetime(unit.due),
        fmt_datetime(unit.submitted),
        unit.note or DASH,
    ]


def write_briefing(data: BriefingData, path: Target, *, template: str | Path | None = None) -> None:
    """Write an issue of a briefing series (简报专刊, .docx): the masthead (series name in red,
    第N期, issuer and date over a red rule), the articles with their photos, and the
    distribution line at the end."""
    w = _Writer(template)
    w.para(data.series, "Title")
    if w.plain:
        masthead = w.doc.paragraphs[-1]
        for run in masthead.runs:
            run.font.size = Pt(36)
            run.font.color.rgb = RED
        masthead.paragraph_format.line_spacing = Pt(60)
    w.para(f"第{data.number}期", "Subtitle")
    line = w.para(data.issuer, first_line_indent=Pt(0), alignment=WD_ALIGN_PARAGRAPH.LEFT)
    line.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    w.run(line, f"\t{fmt_date(data.date)}", "Normal")
    _rule(line, "bottom", "C00000", 18)
    w.blank()
    for article in data.articles:
        w.para(article.heading, "Title")
        w.blank()
        for text in article.paragraphs:
            for para_text in paragraphs(text):
                w.para(para_text)
        for image in article.images:
            w.photo(image.path, image.caption)
        w.blank()
    if data.distribution:
        p = w.para(data.distribution, first_line_indent=Pt(0))
        _rule(p, "top", "000000", 8)
    w.save(path)


def _rule(p: Paragraph, side: str, colour: str, size: int) -> None:
    ppr = p._p.get_or_add_pPr()
    border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:{side} w:val="single" w:sz="{size}" w:space="1"'
        f' w:color="{colour}"/></w:pBdr>'
    )
    ppr.insert_element_before(border, *AFTER_PBDR)


def _has_content(footer: Any) -> bool:
    """A footer with text or a field in it (a template's own page numbers, say)."""
    element = footer._element
    return bool(element.xpath(".//w:t[normalize-space(.)]|.//w:instrText|.//w:fldSimple"))
