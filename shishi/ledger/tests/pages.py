"""Helpers of the ledger's page tests: a fresh read, a tiny photo (``client_for`` is in
``shishi.conftest``)."""

from __future__ import annotations

import struct
import zlib

from shishi.ledger.models import Item


def fresh(item: Item) -> Item:
    """The item as the database has it now."""
    return Item.objects.get(pk=item.pk)


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xc0\x20\x1a"))
        + chunk(b"IEND", b"")
    )
