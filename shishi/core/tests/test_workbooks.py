"""Uploaded workbooks are measured before calamine reads them (issue 13): zip bombs with a
forged directory, sheets over the row limit, and ordinary sheets that must still pass."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter

from shishi.core.workbooks import (
    MAX_MEMBER_RATIO,
    UnreadableWorkbook,
    check_extent,
)

GIB = 1024**3


def _parts(sheets: dict[str, str]) -> dict[str, bytes]:
    """[Content_Types], the workbook and its relationships naming ``sheets`` (name → part)."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/{part}"/>'
        for i, part in enumerate(sheets.values(), start=1)
    )
    return {
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": f'<workbook xmlns:r="r"><sheets>{entries}</sheets></workbook>'.encode(),
        "xl/_rels/workbook.xml.rels": f"<Relationships>{rels}</Relationships>".encode(),
        **{
            f"xl/worksheets/{part}": b'<worksheet><sheetData><row r="1"><c r="A1"/></row>'
            b"</sheetData></worksheet>"
            for part in sheets.values()
        },
    }


def _deflated_zeros(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes (about size / 1030 bytes long)."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(16 * 1024 * 1024)
    parts = []
    left = size
    while left:
        n = min(left, len(block))
        parts.append(squeeze.compress(block[:n]))
        left -= n
    parts.append(squeeze.flush())
    return b"".join(parts)


def zip_bomb(
    real_size: int, *, stated_size: int = 1000, member: str = "xl/sharedStrings.xml"
) -> bytes:
    """A workbook whose ``member`` inflates to ``real_size`` zero bytes while its local
    header and the central directory say ``stated_size``, with the CRC of that many zeros:
    a reader that trusts the directory finds nothing wrong."""
    members = {
        name: (_deflate(raw), zlib.crc32(raw), len(raw))
        for name, raw in _parts({"台账": "sheet1.xml"}).items()
    }
    members[member] = (_deflated_zeros(real_size), zlib.crc32(bytes(stated_size)), stated_size)
    return _archive(members)


def _deflate(raw: bytes) -> bytes:
    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    return squeeze.compress(raw) + squeeze.flush()


def _archive(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A zip written by hand: name → (deflated body, CRC, stated uncompressed size)."""
    out = io.BytesIO()
    central = []
    for filename, (body, crc, stated) in members.items():
        name = filename.encode("utf-8")
        offset = out.tell()
        out.write(
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                0x800,
                8,
                0,
                0,
                crc,
                len(body),
                stated,
                len(name),
                0,
            )
            + name
            + body
        )
        central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                0x800,
                8,
                0,
                0,
                crc,
                len(body),
                stated,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    start = out.tell()
    out.write(b"".join(central))
    size = out.tell() - start
    out.write(
        struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central), size, start, 0)
    )
    return out.getvalue()


def _inflated_size(data: bytes, info: zipfile.ZipInfo) -> int:
    header = data[info.header_offset : info.header_offset + 30]
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    stream = zlib.decompressobj(-15)
    size = 0
    body = data[start : start + info.compress_size]
    for at in range(0, len(body), 65536):
        size += len(stream.decompress(body[at : at + 65536]))
    return size + len(stream.flush())


def test_a_forged_directory_hides_the_real_size_from_zipfile() -> None:
    bomb = zip_bomb(64 * 1024 * 1024)
    archive = zipfile.ZipFile(io.BytesIO(bomb))
    info = archive.getinfo("xl/sharedStrings.xml")
    assert info.file_size == 1000  # what the directory says
    assert len(archive.read(info)) == 1000  # zipfile stops there, and the CRC agrees
    assert _inflated_size(bomb, info) == 64 * 1024 * 1024  # what calamine would inflate


def test_a_zip_bomb_is_refused_by_what_it_really_inflates_to() -> None:
    bomb = zip_bomb(256 * 1024 * 1024)
    assert len(bomb) < 400 * 1024
    with pytest.raises(UnreadableWorkbook, match="异常膨胀") as refused:
        check_extent(bomb)
    assert "sharedStrings.xml" in refused.value.message
    assert f"{MAX_MEMBER_RATIO}倍" in refused.value.message


def test_a_bomb_in_a_sheet_is_refused_too() -> None:
    bomb = zip_bomb(64 * 1024 * 1024, member="xl/worksheets/sheet2.xml")
    with pytest.raises(UnreadableWorkbook, match="异常膨胀"):
        check_extent(bomb, max_rows=20_000)


MEASURE = """
import json, sys, time
sys.path.insert(0, {root!r})
from shishi.core.workbooks import UnreadableWorkbook, check_extent

def peak_kb():  # this process's own peak (ru_maxrss would count the forked pytest's pages)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

data = open({path!r}, "rb").read()
before = peak_kb()
start = time.perf_counter()
try:
    check_extent(data, max_rows={max_rows})
    outcome = "accepted"
except UnreadableWorkbook as exc:
    outcome = exc.message
seconds = time.perf_counter() - start
figures = {{"outcome": outcome, "seconds": seconds, "peak_kb": peak_kb(), "before_kb": before}}
print(json.dumps(figures))
"""


def measure_refusal(path: Path, max_rows: int = 20_000) -> dict[str, object]:
    """Check the file in a fresh process; the outcome, seconds and peak resident memory."""
    root = str(Path(__file__).resolve().parents[3])
    script = MEASURE.format(root=root, path=str(path), max_rows=max_rows)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_one_megabyte_bomb_is_refused_in_under_a_second_and_100_mb(tmp_path: Path) -> None:
    # About 1 MB on disk, 1 GiB inflated (deflate's ceiling is about 1,030 to 1).
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(GIB))
    assert 0.9e6 < path.stat().st_size < 1.3e6
    figures = measure_refusal(path)
    assert "异常膨胀" in str(figures["outcome"])
    assert float(figures["seconds"]) < 1.0, figures  # type: ignore[arg-type]
    assert int(figures["peak_kb"]) < 100 * 1024, figures  # type: ignore[call-overload]


def _sheet_with_rows(path: Path, rows: int, *, name: str = "台账", cover: bool = True) -> Path:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    if cover:
        book.add_worksheet("封面").write_string(0, 0, "南岗区实事清单")
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, ["序号", "项目名称", "责任单位", "完成时限"])
    for r in range(1, rows):
        sheet.write_row(r, 0, [r, f"事项{r}", "区城管局", "年底前"])
    book.close()
    return path


def test_rows_are_counted_and_a_sheet_over_the_limit_is_named(tmp_path: Path) -> None:
    path = _sheet_with_rows(tmp_path / "rows.xlsx", 2_500)
    sheets = check_extent(path.read_bytes(), max_rows=2_500)
    assert [(s.name, s.rows) for s in sheets] == [("封面", 1), ("台账", 2_500)]
    with pytest.raises(UnreadableWorkbook) as refused:
        check_extent(path.read_bytes(), max_rows=2_000)
    assert refused.value.message == (
        "工作表“台账”有2,500行，超过一次导入的上限2,000行："
        "请删去表格以外的行，或把台账拆成几个文件分批导入"
    )


def test_ordinary_workbooks_pass_the_ratio_and_size_limits(tmp_path: Path) -> None:
    path = _sheet_with_rows(tmp_path / "plain.xlsx", 20_000)
    data = path.read_bytes()
    assert [s.rows for s in check_extent(data, max_rows=20_000)] == [1, 20_000]
    archive = zipfile.ZipFile(io.BytesIO(data))
    worst = max(i.file_size / max(i.compress_size, 1) for i in archive.infolist())
    assert worst < MAX_MEMBER_RATIO / 3


def test_damaged_and_foreign_zips() -> None:
    assert check_extent(b"not a zip at all") == []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(UnreadableWorkbook, match="只支持"):
        check_extent(buffer.getvalue())
