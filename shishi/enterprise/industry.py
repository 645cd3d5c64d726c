"""The industry code table of GB/T 4754-2017 (国民经济行业分类): 20 sections (门类, a
letter), 97 divisions (大类, 2 digits), 473 groups (中类, 3 digits) and 1,381 classes (小类,
4 digits), read once from ``data/gbt4754_2017.csv`` (where it comes from: docs/enterprise.md).

The canonical form of a code is its section letter followed by its digits: ``I``, ``I65``,
``I651``, ``I6513``. Offices write the digits alone (``6513``, ``65``), in lower case, with
spaces or in full-width characters; :func:`normalize` takes all of these. Division numbers
never repeat across sections, so the digits alone name the code.

A code covers itself and every code under it, and because the codes are fixed-width the
canonical codes under ``I65`` are exactly those that start with ``I65``: store an
enterprise's industry in canonical form and a policy condition on ``I65`` is the query
``industry_code__startswith=sql_prefix("65")`` (SQL ``LIKE 'I65%'``), which a b-tree index
with ``varchar_pattern_ops`` (or the C collation) serves."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, cast

Level = Literal["section", "division", "group", "class"]

DATA_FILE = Path(__file__).resolve().parent / "data" / "gbt4754_2017.csv"
LEVELS: tuple[Level, ...] = ("section", "division", "group", "class")
LEVEL_LABELS: dict[Level, str] = {
    "section": "门类",
    "division": "大类",
    "group": "中类",
    "class": "小类",
}
_LEVEL_BY_DIGITS: dict[int, Level] = {0: "section", 2: "division", 3: "group", 4: "class"}
_SHAPE = re.compile(r"([A-Z]?)([0-9]{2,4})?")


@dataclass(frozen=True, slots=True)
class Industry:
    """One code of the table; ``chain`` runs from the section down to this code."""

    code: str
    level: Level
    name: str
    parent: str | None
    chain: tuple[str, ...]

    @property
    def digits(self) -> str:
        """The code without its section letter (``6513``; empty for a section)."""
        return self.code[1:]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, Industry]
    section_of_division: dict[str, str]
    children: dict[str, tuple[str, ...]]
    exact_names: dict[str, tuple[str, ...]]
    loose_names: dict[str, tuple[str, ...]]


def _name_key(name: str) -> str:
    """The name as compared exactly: NFKC (so full- and half-width parentheses agree), no
    spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _loose_key(name: str) -> str:
    """The short form offices write: without the connectives 和、及、与, the enumeration comma
    and a trailing 业 (批发零售 for 批发和零售业, 房地产 for 房地产业)."""
    key = re.sub(r"[和及与、\x2c，]", "", _name_key(name))
    return key[:-1] if key.endswith("业") and len(key) > 1 else key


@cache
def _table() -> _Table:
    rows: list[dict[str, str]]
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_code: dict[str, Industry] = {}
    for row in rows:  # the file lists every parent before its children
        code, parent = row["code"], row["parent"] or None
        chain = (*by_code[parent].chain, code) if parent else (code,)
        level = row["level"]
        if level not in LEVELS or _LEVEL_BY_DIGITS[len(code) - 1] != level:
            raise ValueError(f"{DATA_FILE.name}: bad level for {code}")
        by_code[code] = Industry(code, cast(Level, level), row["name"], parent, chain)
    children: dict[str, list[str]] = {code: [] for code in by_code}
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for ind in by_code.values():
        if ind.parent:
            children[ind.parent].append(ind.code)
        exact.setdefault(_name_key(ind.name), []).append(ind.code)
        loose.setdefault(_loose_key(ind.name), []).append(ind.code)
    return _Table(
        by_code=by_code,
        section_of_division={
            i.digits: i.code[0] for i in by_code.values() if i.level == "division"
        },
        children={code: tuple(kids) for code, kids in children.items()},
        exact_names={k: tuple(v) for k, v in exact.items()},
        loose_names={k: tuple(v) for k, v in loose.items()},
    )


def normalize(code: str) -> str:
    """The canonical code (``I6513``) of a code written with or without its section letter,
    in any case, with spaces or full-width characters. ``ValueError`` with a message for the
    person who wrote it when the code is malformed or not in the table."""
    raw = str(code if code is not None else "")
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()
    if not text:
        raise ValueError("行业代码为空")
    shown = text if len(text) <= 20 else text[:20] + "…"
    match = _SHAPE.fullmatch(text)
    if not match or (not match.group(1) and not match.group(2)):
        raise ValueError(
            f"行业代码“{shown}”的写法不对：应为门类字母加2至4位数字（如I6513、I65），"
            "或只写数字（如6513、65），或只写门类字母（如I）"
        )
    letter, digits = match.group(1), match.group(2) or ""
    table = _table()
    if not digits:
        if letter not in table.by_code:
            raise ValueError(f"行业门类{letter}不存在（门类为A至T）")
        return letter
    section = table.section_of_division.get(digits[:2])
    if section is None or section + digits not in table.by_code:
        raise ValueError(f"行业代码{digits}不存在")
    if letter and letter != section:
        raise ValueError(f"行业代码{letter}{digits}的门类字母不对：{digits}属于门类{section}")
    return section + digits


def is_valid(code: str) -> bool:
    try:
        normalize(code)
    except ValueError:
        return False
    return True


def lookup(code: str) -> Industry:
    """The table's entry for a code in any accepted form (``ValueError`` as ``normalize``)."""
    return _table().by_code[normalize(code)]


def ancestors(code: str) -> list[Industry]:
    """The entries from the section down to the code itself."""
    table = _table()
    return [table.by_code[c] for c in lookup(code).chain]


def children(code: str) -> list[Industry]:
    """The entries one level below a code (none for a class)."""
    table = _table()
    return [table.by_code[c] for c in table.children[normalize(code)]]


def all_codes(level: Level | None = None) -> list[Industry]:
    """Every entry in the standard's order, or those of one level."""
    entries = _table().by_code.values()
    return [i for i in entries if level is None or i.level == level]


def covers(condition_code: str, enterprise_code: str) -> bool:
    """Whether a condition's code takes in an enterprise's: a code covers itself and every
    code under it (``I65`` covers ``I6513``; ``I`` covers all of I's divisions). Both codes in
    any accepted form; ``ValueError`` for one not in the table."""
    return normalize(enterprise_code).startswith(normalize(condition_code))


def sql_prefix(condition_code: str) -> str:
    """The prefix an SQL matcher compares canonical enterprise codes with (``startswith``):
    the canonical condition code itself."""
    return normalize(condition_code)


def _collapse(codes: tuple[str, ...]) -> list[str]:
    """Codes without those that are ancestors of another of them: one name repeated down a
    chain (房地产业 is K and K70) is one industry, named most precisely by the deepest."""
    return [c for c in codes if not any(o != c and o.startswith(c) for o in codes)]


def by_name(name: str) -> str:
    """The canonical code of an industry given by its name, as the office's sheets give
    所属行业: the exact name (spaces and full/half-width ignored) or, when unambiguous, the
    common short form (批发零售 for 批发和零售业, 房地产 for 房地产业). A name repeated down one
    chain gives the deepest code (房地产业 → K70). Anything else is a ``ValueError``: when
    the text is part of some names (信息技术服务), the message names those candidates so the
    person can write the code; nothing is guessed."""
    text = str(name or "").strip()
    if not text:
        raise ValueError("行业名称为空")
    table = _table()
    for index, key in ((table.exact_names, _name_key(text)), (table.loose_names, _loose_key(text))):
        codes = _collapse(index.get(key, ()))
        if len(codes) == 1:
            return codes[0]
        if codes:
            raise ValueError(f"行业名称“{text}”对应多个行业：{_listing(codes)}，请写行业代码")
    loose = _loose_key(text)
    if len(loose) >= 2:
        near = [code for key, codes in table.loose_names.items() if loose in key for code in codes]
        if near:
            raise ValueError(
                f"行业名称“{text}”不是标准名称，可能是：{_listing(sorted(near))}，"
                "请写行业代码或标准名称"
            )
    raise ValueError(f"行业名称“{text}”不在国民经济行业分类（GB/T 4754-2017）中")


def _listing(codes: list[str], limit: int = 8) -> str:
    table = _table()
    shown = "、".join(str(table.by_code[c]) for c in codes[:limit])
    return shown if len(codes) <= limit else f"{shown}等{len(codes)}个"
