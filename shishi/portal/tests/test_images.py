"""Public photos lose their metadata; anything that is not a whole JPEG, PNG or WebP image of a
sane size is refused with a message the office can act on."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from PIL import Image

from shishi.core.errors import ValidationFailed
from shishi.portal import images
from shishi.portal.images import MAX_PIXELS, clean_photo
from shishi.portal.tests.conftest import png_bytes, png_chunk

SECRET = "SECRET"
ICC = b"\x00\x00\x00\x10fake-icc-profile"


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = f"{SECRET} description"
    exif[0x8825] = {2: (45.0, 45.0, 0.0)}  # GPSInfo: latitude
    return exif


def _encoded(fmt: str, size: tuple[int, int] = (16, 8), **params: object) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", size, "red")
    picture.paste((0, 0, 255), (0, 0, 4, 4))  # the top-left corner, to see the orientation
    picture.save(out, fmt, **params)
    return out.getvalue()


def _opened(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def _refused(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        clean_photo(data)
    return caught.value.message


def test_jpeg_loses_exif_gps_xmp_and_comment_keeps_icc_and_is_turned_upright() -> None:
    data = _encoded(
        "JPEG",
        exif=_exif(orientation=6),  # "rotate 90° clockwise to display"
        comment=f"{SECRET} comment".encode(),
        xmp=f"<x:xmpmeta>{SECRET}</x:xmpmeta>".encode(),
        icc_profile=ICC,
        quality=95,
    )
    assert data.count(SECRET.encode()) == 3
    body, kind = clean_photo(data)
    assert kind == "image/jpeg"
    assert SECRET.encode() not in body
    assert b"Exif" not in body
    assert b"xmpmeta" not in body
    cleaned = _opened(body)
    assert cleaned.format == "JPEG"
    assert len(cleaned.getexif()) == 0
    assert "comment" not in cleaned.info
    assert cleaned.info["icc_profile"] == ICC
    # The pixels are turned, not tagged: 16×8 becomes 8×16, the blue corner top right.
    assert cleaned.size == (8, 16)
    r, _g, b = cleaned.getpixel((6, 1))  # type: ignore[misc]
    assert b > 200 and r < 60


def test_jpeg_keeps_its_quality() -> None:
    data = _encoded("JPEG", size=(64, 64), quality=95)
    body, _kind = clean_photo(data)
    source_tables = _opened(data).quantization  # type: ignore[attr-defined]
    assert _opened(body).quantization == source_tables  # type: ignore[attr-defined]


def test_png_loses_text_and_exif_chunks() -> None:
    data = png_bytes(f"GPS {SECRET}")
    assert SECRET.encode() in data
    body, kind = clean_photo(data)
    assert kind == "image/png"
    assert SECRET.encode() not in body
    assert _opened(body).size == (1, 1)
    with_exif = _encoded("PNG", exif=_exif())
    assert SECRET.encode() in with_exif
    body, _kind = clean_photo(with_exif)
    assert SECRET.encode() not in body
    assert len(_opened(body).getexif()) == 0


def test_png_keeps_palette_transparency() -> None:
    picture = Image.new("P", (2, 2), 0)
    picture.putpalette([255, 0, 0, 0, 255, 0])
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=0)
    body, _kind = clean_photo(out.getvalue())
    assert _opened(body).info["transparency"] == 0


def test_webp_loses_exif_and_xmp() -> None:
    data = _encoded("WEBP", exif=_exif(), xmp=f"<x>{SECRET}</x>".encode())
    assert SECRET.encode() in data
    body, kind = clean_photo(data)
    assert kind == "image/webp"
    assert SECRET.encode() not in body
    assert b"EXIF" not in body
    assert b"XMP " not in body
    assert _opened(body).format == "WEBP"


def test_what_is_not_a_served_image_is_refused() -> None:
    for data in (
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        _encoded("GIF"),
        _encoded("BMP"),
        _encoded("TIFF"),
        b"%PDF-1.4",
        b"<html><script>alert(1)</script></html>",
    ):
        assert _refused(data) == images.NOT_AN_IMAGE, data[:20]


@pytest.mark.parametrize(
    "cut",
    [
        lambda d: d[: len(d) // 2],  # half a JPEG
        lambda d: d[:-2],  # no EOI
        lambda d: b"\xff\xd8\xff\xe1\xff\xff",  # a header and nothing
    ],
)
def test_truncated_jpeg_is_refused(cut: Callable[[bytes], bytes]) -> None:
    assert _refused(cut(_encoded("JPEG", size=(64, 64)))) in (
        images.NOT_AN_IMAGE,
        images.EXTRA_DATA,
    )


def test_truncated_png_and_webp_are_refused() -> None:
    assert _refused(png_bytes()[:-12]) in (images.NOT_AN_IMAGE, images.EXTRA_DATA)  # no IEND
    webp = _encoded("WEBP", size=(64, 64))
    assert _refused(webp[: len(webp) // 2]) == images.NOT_AN_IMAGE


ZIP = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"evil.html" + b"PK\x05\x06" + b"\x00" * 18
HTML = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize("payload", [ZIP, HTML], ids=["zip", "html"])
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_polyglot_with_something_appended_is_refused(fmt: str, payload: bytes) -> None:
    data = _encoded(fmt) + payload
    assert _opened(data).format == fmt  # Pillow alone would decode it
    assert _refused(data) == images.EXTRA_DATA


def test_jpeg_padded_with_nul_bytes_is_accepted() -> None:
    assert clean_photo(_encoded("JPEG") + b"\x00" * 16)[1] == "image/jpeg"


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header declares ``width`` × ``height`` pixels (1 bit
    each): the shape of a decompression bomb. Its data stream is one row, never reached."""

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" * (1 + (width + 7) // 8))
    signature = b"\x89PNG\r\n\x1a\n"
    return (
        signature + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", row) + png_chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    bomb = _png_declaring(30_000, 30_000)  # 900 megapixels
    assert len(bomb) < 5_000
    assert _refused(bomb) == images.TOO_LARGE


def test_pillow_warning_zone_is_an_error_too() -> None:
    # Over MAX_PIXELS but under twice it, Pillow would only warn.
    side = int((1.5 * MAX_PIXELS) ** 0.5)
    assert MAX_PIXELS < side * side < 2 * MAX_PIXELS
    assert _refused(_png_declaring(side, side)) == images.TOO_LARGE


def test_pillow_is_configured_at_start_up() -> None:
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS
