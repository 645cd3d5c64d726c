"""Public photos leave without their metadata.

A phone photo carries EXIF: GPS position, time, camera owner, sometimes a thumbnail of the
uncropped picture. Those are personal data and stay inside. The portal serves only JPEG, PNG
and WebP files whose bytes match their type, with metadata segments removed (standard
library only: JPEG APPn/COM segments, PNG text chunks, WebP EXIF/XMP chunks). The EXIF
orientation of a JPEG is kept (as a one-tag EXIF block) so a photo stays upright.
"""

from __future__ import annotations

import struct

PUBLIC_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")

# JPEG segments kept: APP0 (JFIF), APP2 only for an ICC profile, APP14 (Adobe colour
# transform, needed to decode CMYK). Every other APPn and COM goes.
_APP0, _APP1, _APP2, _APP14, _APP15 = 0xE0, 0xE1, 0xE2, 0xEE, 0xEF
_COM, _SOS, _EOI = 0xFE, 0xDA, 0xD9
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0–7: no length
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def sniff_type(data: bytes) -> str | None:
    """The image type the bytes really are (of those the portal serves), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(_PNG_SIGNATURE):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def strip_metadata(data: bytes) -> tuple[bytes, str] | None:
    """The image without metadata and its type; None if it is not a well-formed image."""
    kind = sniff_type(data)
    try:
        if kind == "image/jpeg":
            return _strip_jpeg(data), kind
        if kind == "image/png":
            return _strip_png(data), kind
        if kind == "image/webp":
            return _strip_webp(data), kind
    except (ValueError, struct.error, IndexError):
        return None
    return None


def _exif_orientation(payload: bytes) -> int | None:
    """The Orientation tag (0x0112) of IFD0 in an APP1 Exif payload."""
    if not payload.startswith(b"Exif\x00\x00"):
        return None
    tiff = payload[6:]
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None:
        return None
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for n in range(count):
        tag, kind, _count = struct.unpack_from(order + "HHI", tiff, ifd + 2 + 12 * n)
        if tag == 0x0112 and kind == 3:
            (value,) = struct.unpack_from(order + "H", tiff, ifd + 2 + 12 * n + 8)
            return value if 1 <= value <= 8 else None
    return None


def _orientation_segment(orientation: int) -> bytes:
    """An APP1 Exif segment holding nothing but the orientation."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIH2x", 0x0112, 3, 1, orientation)
    tiff += struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return b"\xff" + bytes([_APP1]) + struct.pack(">H", len(payload) + 2) + payload


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    pos = 2
    orientation: int | None = None
    while True:
        if data[pos] != 0xFF:
            raise ValueError("expected a JPEG marker")
        while data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos + 1]
        if marker in _STANDALONE:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if marker == _EOI:
            out += data[pos : pos + 2]
            return bytes(out)
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2 or pos + 2 + length > len(data):
            raise ValueError("JPEG segment runs past the end")
        segment = data[pos : pos + 2 + length]
        payload = segment[4:]
        if marker == _SOS:
            if orientation is not None and orientation != 1:
                # EXIF belongs right after SOI/APP0; put it before the first frame segment.
                insert_at = 2
                if out[2:4] == b"\xff\xe0":
                    insert_at = 4 + struct.unpack_from(">H", out, 4)[0]
                out[insert_at:insert_at] = _orientation_segment(orientation)
            out += data[pos:]  # the scan and everything after it, as is
            return bytes(out)
        keep = (
            marker in (_APP0, _APP14)
            or (marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"))
            or not (_APP0 <= marker <= _APP15 or marker == _COM)
        )
        if marker == _APP1 and orientation is None:
            orientation = _exif_orientation(payload)
        if keep:
            out += segment
        pos += 2 + length


def _strip_png(data: bytes) -> bytes:
    out = bytearray(_PNG_SIGNATURE)
    pos = len(_PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("PNG chunk runs past the end")
        if kind not in _PNG_DROPPED:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("PNG without IEND")


def _strip_webp(data: bytes) -> bytes:
    body = bytearray()
    pos = 12
    while pos + 8 <= len(data):
        fourcc = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > len(data):
            raise ValueError("WebP chunk runs past the end")
        chunk = bytearray(data[pos:end])
        if fourcc == b"VP8X":
            chunk[8] &= ~0x0C & 0xFF  # clear the EXIF and XMP flags
        if fourcc not in (b"EXIF", b"XMP "):
            body += chunk
        pos = end
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + bytes(body)
