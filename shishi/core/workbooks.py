"""Opening a workbook someone uploaded without letting it take the process down.

calamine holds a sheet as a dense grid from its first cell to its last, so a stray cell far
away (XFD1048576) would ask for hundreds of gigabytes. ``check_extent`` measures an .xlsx
from its XML before calamine reads it; every importer (the ledger's, the calendar's) calls it.
"""

from __future__ import annotations

import io
import re
import zipfile

MAX_SHEET_CELLS = 5_000_000  # 100,000 rows of 50 columns
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024


class UnreadableWorkbook(Exception):
    """The file is not a workbook we can read; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
# A cell beyond column Z or row 99999: only then is the sheet measured exactly.
_FAR_CELL = re.compile(rb'<c r="(?:[A-Z]{2}|[A-Z][0-9]{6})')


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def check_extent(data: bytes) -> None:
    """Refuse an .xlsx whose cells span an absurd area, before calamine reads it.

    calamine holds a sheet as a dense grid from its first cell to its last: a single stray
    cell at XFD1048576 would ask for hundreds of gigabytes and abort the whole process. A
    sheet within A1:Z99999 (2.6 million cells) passes on one scan; others are measured.
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        infos = book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # calamine reports a damaged file
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise UnreadableWorkbook("只支持.xlsx和.xls格式的Excel文件；请用Excel“另存为”.xlsx后再导入")
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        raise UnreadableWorkbook("文件解压后过大，请删去无关的工作表和内容后再导入")
    for info in infos:
        name = info.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        try:
            xml = book.read(info)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
            raise UnreadableWorkbook("文件已损坏，无法读取其中的工作表") from None
        if not _FAR_CELL.search(xml):
            continue
        rows = cols = 0
        for col, row in _CELL_REF.findall(xml):
            rows, cols = max(rows, int(row)), max(cols, _column_number(col))
        if rows * cols > MAX_SHEET_CELLS:
            raise UnreadableWorkbook(
                f"工作表内容的范围过大（到第{rows}行、第{column_letter(cols - 1)}列）："
                "请删去表格以外的单元格后再导入"
            )


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
