"""The QR code of a certificate's verification link (``segno``), as data for an SVG the
template draws: the side in modules and one path of the dark modules (no markup here)."""

from __future__ import annotations

from dataclasses import dataclass

import segno

BORDER = 4  # the quiet zone the standard asks for, in modules


@dataclass(frozen=True)
class QrPath:
    size: int  # modules per side, the quiet zone included
    path: str  # SVG path data: one unit square per run of dark modules
    text: str  # what the code says


def qr_path(text: str) -> QrPath:
    """``text`` encoded at error correction level M."""
    code = segno.make_qr(text, error="m")
    commands: list[str] = []
    size = 0
    for y, row in enumerate(code.matrix_iter(scale=1, border=BORDER)):
        cells = list(row)
        size = len(cells)
        x = 0
        while x < size:
            if cells[x]:
                start = x
                while x < size and cells[x]:
                    x += 1
                commands.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return QrPath(size=size, path="".join(commands), text=text)
