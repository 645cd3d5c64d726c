"""Public photos lose their metadata; anything that is not a well-formed image is refused."""

from __future__ import annotations

import struct

from shishi.portal.images import sniff_type, strip_metadata
from shishi.portal.tests.conftest import png_bytes


def _segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def _exif(orientation: int, secret: bytes) -> bytes:
    """An APP1 Exif payload: IFD0 with Orientation and an ImageDescription holding ``secret``."""
    entries = 2
    ifd_size = 2 + 12 * entries + 4
    text_offset = 8 + ifd_size
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", entries)
    tiff += struct.pack("<HHIH2x", 0x0112, 3, 1, orientation)
    tiff += struct.pack("<HHII", 0x010E, 2, len(secret) + 1, text_offset)
    tiff += struct.pack("<I", 0) + secret + b"\x00"
    return b"Exif\x00\x00" + tiff


def _jpeg(*segments: bytes) -> bytes:
    scan = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\x34\xff\x00\x56"
    return b"\xff\xd8" + b"".join(segments) + _segment(0xDB, b"\x00" * 65) + scan + b"\xff\xd9"


def test_jpeg_loses_exif_comments_and_xmp_but_keeps_orientation() -> None:
    jfif = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    data = _jpeg(
        jfif,
        _segment(0xE1, _exif(6, b"GPS 45.75N 126.63E SECRET")),
        _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x>SECRET</x>"),
        _segment(0xFE, b"SECRET comment"),
        _segment(0xED, b"Photoshop 3.0\x00SECRET"),
        _segment(0xE2, b"ICC_PROFILE\x00\x01\x01profile"),
    )
    cleaned = strip_metadata(data)
    assert cleaned is not None
    body, kind = cleaned
    assert kind == "image/jpeg"
    assert b"SECRET" not in body
    assert body.startswith(b"\xff\xd8" + jfif)
    assert b"ICC_PROFILE" in body
    assert body.endswith(b"\x12\x34\xff\x00\x56\xff\xd9")
    # The orientation survives, in a one-tag Exif block right after JFIF.
    exif_at = 2 + len(jfif)
    assert body[exif_at : exif_at + 2] == b"\xff\xe1"
    (length,) = struct.unpack_from(">H", body, exif_at + 2)
    payload = body[exif_at + 4 : exif_at + 2 + length]
    assert payload.startswith(b"Exif\x00\x00MM")
    assert struct.unpack_from(">HHIH", payload, 6 + 10) == (0x0112, 3, 1, 6)


def test_jpeg_without_orientation_gets_no_exif_block() -> None:
    cleaned = strip_metadata(_jpeg(_segment(0xE1, _exif(1, b"SECRET"))))
    assert cleaned is not None
    assert b"Exif" not in cleaned[0]
    assert b"SECRET" not in cleaned[0]


def test_png_loses_text_chunks() -> None:
    data = png_bytes("GPS SECRET")
    assert b"SECRET" in data
    cleaned = strip_metadata(data)
    assert cleaned is not None
    assert cleaned == (png_bytes(), "image/png")


def test_webp_loses_exif_and_xmp_and_their_flags() -> None:
    def chunk(fourcc: bytes, payload: bytes) -> bytes:
        pad = b"\x00" if len(payload) % 2 else b""
        return fourcc + struct.pack("<I", len(payload)) + payload + pad

    vp8x = chunk(b"VP8X", bytes([0x0C | 0x10, 0, 0, 0]) + b"\x00" * 6)
    image = chunk(b"VP8L", b"\x2f\x00\x00\x00\x00")
    body = vp8x + image + chunk(b"EXIF", b"SECRET gps") + chunk(b"XMP ", b"<x>SECRET</x>")
    data = b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body
    cleaned = strip_metadata(data)
    assert cleaned is not None
    out, kind = cleaned
    assert kind == "image/webp"
    assert b"SECRET" not in out
    assert out[20] == 0x10  # alpha flag kept, EXIF and XMP flags cleared
    assert struct.unpack_from("<I", out, 4)[0] == len(out) - 8
    assert out.endswith(image)


def test_what_is_not_a_served_image_is_refused() -> None:
    assert strip_metadata(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert strip_metadata(b"GIF89a....") is None
    assert strip_metadata(b"%PDF-1.4") is None
    assert strip_metadata(b"\xff\xd8\xff\xe1\xff\xff") is None  # truncated JPEG
    assert strip_metadata(png_bytes()[:-12]) is None  # PNG without IEND
    assert sniff_type(b"") is None
