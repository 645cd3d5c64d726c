"""The CJK font the charts draw Chinese with.

First choice: Noto Sans SC from the pinned PyPI package ``pylopdf-fonts-zh-cn`` (SIL Open Font
License 1.1), so a fresh machine with only Python and make draws Chinese labels. Else a system
Noto Sans CJK / Source Han Sans / WenQuanYi (Debian's ``fonts-noto-cjk``), else none: the
charts then come out with boxes, and ``cjk_font()`` says so by returning ``None``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SYSTEM_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@dataclass(frozen=True)
class FontChoice:
    name: str  # the family name matplotlib knows it by
    path: Path


def _packaged() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


def _candidates() -> list[Path]:
    found = [p for p in [_packaged()] if p is not None]
    return found + [Path(p) for p in SYSTEM_FONTS if Path(p).is_file()]


@functools.cache
def cjk_font() -> FontChoice | None:
    """Register the first CJK font found with matplotlib (once per process) and name it."""
    from matplotlib import font_manager

    for path in _candidates():
        try:
            font_manager.fontManager.addfont(str(path))
            name = font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError):
            logger.warning("cannot load the CJK font %s", path)
            continue
        return FontChoice(name=name, path=path)
    logger.warning("no CJK font found: Chinese chart labels will not render")
    return None
