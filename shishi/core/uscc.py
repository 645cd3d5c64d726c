"""Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from the
31 the standard uses (digits and capital letters without I, O, Z, S, V), the registration
authority and organisation category, the registering authority's division code (GB/T 2260,
six digits), the organisation's identifier, and a check character (weighted sum modulo 31).
Public registration data, fine in addresses; the enterprise register (issue 18) and the
on-site business opening (issue 17) keep an enterprise by it."""

from __future__ import annotations

import re

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_INVALID = "统一社会信用代码应为18位（数字和大写字母，不含I、O、Z、S、V），校验位须正确"
_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def check_character(first17: str) -> str:
    """The check character of the first 17 characters (31 − sum mod 31; 31 is 0)."""
    total = sum(CHARS.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARS[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """The code upper-cased without spaces; ``ValueError`` (for the user) unless it is one."""
    text = re.sub(r"\s", "", str(value or "")).upper()
    if not _SHAPE.fullmatch(text) or text[17] != check_character(text[:17]):
        raise ValueError(USCC_INVALID)
    return text


def is_valid_uscc(value: str) -> bool:
    try:
        normalize_uscc(value)
    except ValueError:
        return False
    return True
