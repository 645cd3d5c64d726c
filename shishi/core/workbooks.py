"""Opening a workbook someone uploaded without letting it take the process down.

Every reader of uploaded workbooks (the ledger's import, the working-day calendar's) calls
``check_extent`` before calamine opens the file. It guards against three things:

- **Zip bombs.** An .xlsx is a zip. Its directory states each member's size, and a forged
  directory can understate it: Python's ``zipfile`` stops reading at the stated size, but
  calamine inflates the whole stream — 2 GiB from a 1 MB upload. So each member's own
  stream is inflated here in chunks, counting the bytes that actually come out and throwing
  them away, and refused as soon as it passes ``MAX_MEMBER_RATIO`` times the compressed
  bytes consumed (after its first ``RATIO_FREE_BYTES``), or all members together pass
  ``MAX_UNZIPPED_BYTES``. Memory stays at one chunk; a 2 GiB bomb is refused after 4 MB,
  in milliseconds.
- **Absurd extents.** calamine holds a sheet as a dense grid from its first cell to its
  last, so one stray cell at XFD1048576 would ask for hundreds of gigabytes. Cells beyond
  column Z or row 99,999 make the scan measure the sheet exactly (``MAX_SHEET_CELLS``).
- **Too many rows.** With ``max_rows`` (the ledger's import limit) a sheet with more rows
  is refused, naming the sheet, its rows and the limit, before calamine reads anything.
"""

from __future__ import annotations

import csv
import html
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook, PasswordError

MAX_SHEET_CELLS = 5_000_000  # 100,000 rows of 50 columns
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # all members together, as inflated
# Inflated bytes per compressed byte a member may reach. Sheets written by Excel, WPS,
# openpyxl and xlsxwriter stay far below it (a generated 20,000-row ledger: about 8);
# deflate's ceiling is about 1,030, which is where zip bombs sit.
MAX_MEMBER_RATIO = 100
# Below this many inflated bytes a member is never refused for its ratio (tiny parts such
# as a styles.xml of repeated borders compress very well and harm nobody).
RATIO_FREE_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 256 * 1024


class UnreadableWorkbook(Exception):
    """The file is not a workbook we can read; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SheetExtent:
    """A worksheet as measured from its XML: its name, its rows (the last row number, as
    calamine will size it) and its columns (exact only beyond column Z, else at most 26)."""

    name: str
    part: str
    rows: int
    columns: int


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_CELL_REF = re.compile(rb"<" + _PREFIX + rb'c r="([A-Z]{1,3})([0-9]{1,7})"')
# A cell beyond column Z or row 99999: only then is the sheet measured cell by cell.
_FAR_CELL = re.compile(rb"<" + _PREFIX + rb'c r="(?:[A-Z]{2}|[A-Z][0-9]{6})')
_ROW_OPEN = re.compile(rb"<" + _PREFIX + rb"row[\s>/]")
_ROW_NUMBER = re.compile(rb"<" + _PREFIX + rb'row\s[^>]*?\br="([0-9]{1,9})"')
_SHEET_TAG = re.compile(rb"<" + _PREFIX + rb"sheet\s([^>]*)>")
_RELATIONSHIP = re.compile(rb"<" + _PREFIX + rb"Relationship\s([^>]*)>")
_DIGITS = re.compile(rb"[0-9]{1,9}")
_ATTRIBUTE = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
WORKBOOK_PARTS = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class _Budget:
    """The inflated bytes all members may still produce."""

    def __init__(self, total: int) -> None:
        self.left = total


def _inflate(data: bytes, info: zipfile.ZipInfo, budget: _Budget) -> Iterator[bytes]:
    """The member's bytes as inflated, chunk by chunk, counted against its limits.

    Read from the member's own stream, not through ``zipfile``, which stops at the size the
    directory states (a forged one hides the rest, which calamine would inflate). The ratio
    is checked against the compressed bytes consumed so far, so a bomb is refused within
    its first megabytes whatever its size.
    """
    if info.flag_bits & 0x1:
        raise UnreadableWorkbook("文件设置了打开密码，请取消密码后再导入")
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise UnreadableWorkbook("文件已损坏，无法读取其中的内容")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    body = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[tuple[bytes, int]] = (
            (bytes(body[at : at + CHUNK_BYTES]), min(at + CHUNK_BYTES, len(body)))
            for at in range(0, len(body), CHUNK_BYTES)
        )
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        pieces = _deflate_stream(body)
    else:
        raise UnreadableWorkbook("文件使用了不支持的压缩方式，请用Excel“另存为”.xlsx后再导入")
    produced = 0
    crc = 0
    try:
        for chunk, consumed in pieces:
            produced += len(chunk)
            if produced > RATIO_FREE_BYTES and produced > MAX_MEMBER_RATIO * consumed:
                raise UnreadableWorkbook(
                    f"文件中的“{info.filename[:60]}”解压后异常膨胀（超过压缩大小的"
                    f"{MAX_MEMBER_RATIO}倍），可能是恶意构造的文件，已拒绝导入"
                )
            if produced > budget.left:
                raise UnreadableWorkbook(
                    f"文件解压后过大（超过{MAX_UNZIPPED_BYTES // 1024 // 1024}MB），"
                    "请删去无关的工作表和内容后再导入"
                )
            crc = zlib.crc32(chunk, crc)
            yield chunk
    finally:
        budget.left -= produced
    if crc != info.CRC:
        raise UnreadableWorkbook("文件已损坏，无法读取其中的内容")


def _deflate_stream(body: memoryview) -> Iterator[tuple[bytes, int]]:
    """Inflated chunks of at most ``CHUNK_BYTES``, each with the input consumed so far."""
    stream = zlib.decompressobj(-15)
    fed = 0
    pending = b""
    try:
        while not stream.eof:
            if not pending:
                if fed >= len(body):
                    break
                pending = bytes(body[fed : fed + CHUNK_BYTES])
                fed += len(pending)
            chunk = stream.decompress(pending, CHUNK_BYTES)
            pending = stream.unconsumed_tail
            if chunk:
                yield chunk, fed - len(pending)
    except zlib.error:
        raise UnreadableWorkbook("文件已损坏，无法读取其中的内容") from None
    if not stream.eof:
        raise UnreadableWorkbook("文件已损坏，无法读取其中的内容")


def _attributes(text: bytes) -> dict[str, str]:
    return {
        key.decode("ascii", "replace").rpartition(":")[2]: html.unescape(
            value.decode("utf-8", "replace")
        )
        for key, value in _ATTRIBUTE.findall(text)
    }


def _sheet_names(workbook_xml: bytes, rels_xml: bytes) -> dict[str, str]:
    """Worksheet part → the sheet's name as the workbook shows it."""
    targets: dict[str, str] = {}
    for attrs in map(_attributes, _RELATIONSHIP.findall(rels_xml)):
        target = attrs.get("Target", "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get("Id", "")] = re.sub(r"[^/]+/\.\./", "", part)
    names: dict[str, str] = {}
    for attrs in map(_attributes, _SHEET_TAG.findall(workbook_xml)):
        sheet_part = targets.get(attrs.get("id", ""))
        if sheet_part and "name" in attrs:
            names[sheet_part] = attrs["name"]
    return names


class _SheetScan:
    """Rows and far cells of a worksheet's XML, fed in chunks.

    Each chunk is cut at its last ``<``: a tag never contains one, so every tag is scanned
    whole and once.
    """

    def __init__(self) -> None:
        self.pending = b""
        self.row_tags = 0
        self.last_row = 0
        self.columns = 0
        self.rows_only = False

    @property
    def rows(self) -> int:
        return max(self.row_tags, self.last_row)

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        data = self.pending + chunk
        cut = len(data) if final else data.rfind(b"<")
        if cut <= 0:
            self.pending = data
            return
        region, self.pending = data[:cut], data[cut:]
        if self.rows_only:  # refused already: only the last row number is still wanted
            at = region.rfind(b'row r="')
            if at >= 0 and (number := _DIGITS.match(region, at + 7)):
                self.last_row = max(self.last_row, int(number.group()))
                return
        self.row_tags += len(_ROW_OPEN.findall(region))
        numbers = _ROW_NUMBER.findall(region)
        if numbers:
            self.last_row = max(self.last_row, max(map(int, numbers)))
        if _FAR_CELL.search(region):
            for col, row in _CELL_REF.findall(region):
                self.last_row = max(self.last_row, int(row))
                self.columns = max(self.columns, _column_number(col))


def check_extent(data: bytes, *, max_rows: int | None = None) -> list[SheetExtent]:
    """Refuse an .xlsx that would take the process down when calamine reads it.

    Inflates every member in chunks (see the module's note on zip bombs), measures each
    worksheet, and raises ``UnreadableWorkbook`` with a message for the office if the file
    is a bomb, a sheet spans an absurd area, or (with ``max_rows``) a sheet has more rows
    than one import may have. Returns the worksheets measured, in the zip's order. A file
    that is not a zip at all passes (calamine reports it).
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in book.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return []  # calamine reports a damaged file
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise UnreadableWorkbook("只支持.xlsx和.xls格式的Excel文件；请用Excel“另存为”.xlsx后再导入")
    budget = _Budget(MAX_UNZIPPED_BYTES)
    sheets = [i for i in infos if re.fullmatch(r"xl/worksheets/[^/]+\.xml", i.filename)]
    sheet_parts = {info.filename for info in sheets}
    parts: dict[str, bytes] = {}
    for info in infos:  # the parts that are not sheets first: the sheets' names are in them
        if info.filename in sheet_parts:
            continue
        kept: list[bytes] | None = [] if info.filename in WORKBOOK_PARTS else None
        for chunk in _inflate(data, info, budget):
            if kept is not None:
                kept.append(chunk)
        if kept is not None:
            parts[info.filename] = b"".join(kept)
    sheet_names = _sheet_names(*(parts.get(name, b"") for name in WORKBOOK_PARTS))
    measured = []
    for info in sheets:
        name = sheet_names.get(info.filename) or info.filename.rsplit("/", 1)[-1][:-4]
        measured.append(_measure_sheet(data, info, budget, name, max_rows))
    return measured


def _measure_sheet(
    data: bytes,
    info: zipfile.ZipInfo,
    budget: _Budget,
    name: str,
    max_rows: int | None,
) -> SheetExtent:
    scan = _SheetScan()
    chunks = _inflate(data, info, budget)
    over = False
    try:
        for chunk in chunks:
            scan.feed(chunk)
            if max_rows is not None and scan.rows > max_rows:
                # Refused: go on (cheaply) only to say how many rows the sheet has.
                over = scan.rows_only = True
        scan.feed(b"", final=True)
    except UnreadableWorkbook:
        if not over:
            raise
        raise UnreadableWorkbook(too_many_rows(name, scan.rows, max_rows, more=True)) from None
    columns = max(scan.columns, 1)
    if scan.rows * columns > MAX_SHEET_CELLS:  # a stray far cell: the more helpful message
        raise UnreadableWorkbook(
            f"工作表“{name}”内容的范围过大"
            f"（到第{scan.rows}行、第{column_letter(columns - 1)}列）："
            "请删去表格以外的单元格后再导入"
        )
    if over:
        raise UnreadableWorkbook(too_many_rows(name, scan.rows, max_rows))
    return SheetExtent(name, info.filename, scan.rows, scan.columns)


def too_many_rows(name: str, rows: int, limit: int | None, *, more: bool = False) -> str:
    """The refusal of a sheet with more rows than one import may have."""
    counted = f"超过{rows:,}行" if more else f"有{rows:,}行"
    return (
        f"工作表“{name}”{counted}，超过一次导入的上限{limit or 0:,}行："
        "请删去表格以外的行，或把台账拆成几个文件分批导入"
    )


def first_sheet(data: bytes, filename: str, *, max_rows: int) -> list[list[Any]]:
    """The first sheet's cells, up to ``max_rows`` rows, of an uploaded .xlsx/.xls/.ods or
    .csv (UTF-8, or GB18030 as Excel on Chinese Windows saves it), checked by
    ``check_extent`` first; ``ValueError`` with the reason for the user."""
    if filename.lower().endswith((".csv", ".txt")) or not data.startswith((b"PK", b"\xd0\xcf")):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("无法识别文件的编码，请另存为UTF-8的CSV或.xlsx")
        return [list(r) for r in csv.reader(io.StringIO(text))][:max_rows]
    if data.startswith(b"PK"):
        try:
            check_extent(data)  # a stray far cell would make calamine ask for gigabytes
        except UnreadableWorkbook as exc:
            raise ValueError(exc.message) from None
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        if sheet.height * sheet.width > MAX_SHEET_CELLS:
            raise ValueError("工作表内容的范围过大，请删去表格以外的单元格后再导入")
        return [list(r) for r in sheet.to_python(skip_empty_area=False, nrows=max_rows)]
    except ValueError:
        raise
    except PasswordError:
        raise ValueError("文件设置了打开密码，请取消密码后再导入") from None
    except Exception:  # calamine raises several types for damaged files
        raise ValueError("文件已损坏或不是有效的Excel工作簿（.xlsx/.xls）") from None


def upload_problem(upload: Any) -> str:
    """Why an uploaded sheet cannot be taken, or "": an .xlsx by its name and its first
    bytes (a zip), within ``SHISHI_MAX_UPLOAD_BYTES``. The ledger's import and the 12345
    import ask it before anything reads the file."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    name = (getattr(upload, "name", "") or "").lower()
    limit = int(getattr(settings, "SHISHI_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    size = getattr(upload, "size", None)
    if not name.endswith(".xlsx"):
        return _("请上传 .xlsx 格式的Excel文件（旧版 .xls 请先另存为 .xlsx）")
    if size is not None and size > limit:
        return _("文件过大（%(size)s MB），上限为 %(limit)s MB") % {
            "size": round(size / 1024 / 1024, 1),
            "limit": limit // 1024 // 1024,
        }
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        return _("文件不是有效的 .xlsx 文件")
    return ""
