"""Chinese text takes full-width punctuation (，：；！？（）), issue 11.

Scans the Python string literals (via ``tokenize``) and the template text of the package for
a half-width ``,:;!?()`` that sits in Chinese text: touching a Chinese character or a
full-width mark, or parentheses around Chinese. Code, format placeholders (``%(name)s``,
``{name}``, f-string fields), template tags and markup, URLs, numbers and times (3.2, 12:30,
7,823) and English text that names a Chinese term ("the ledger (台账), then") are left alone.
Docstrings are English prose for developers and are not scanned; tests are not scanned either
(their sheets feed the importer the half-width forms it must accept).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the shishi package
TEMPLATES = ROOT / "templates"

PLACEHOLDER = "\ue000"  # stands for a masked field or tag: neither Chinese nor English
MARKS = ",:;!?"

# Literals that must stay half-width: (file, how the literal starts, why). Keep it short.
NFKC = "the importer matches cell text after NFKC normalisation (full-width → half-width)"
ALLOWED: tuple[tuple[str, str, str], ...] = (
    ("ledger/parsing.py", "^(", f"date patterns: {NFKC}"),
    ("ledger/parsing.py", "[、", f"leader list separators: {NFKC}"),
    ("ledger/excel/reading.py", "注:", NFKC),
    ("ledger/excel/reading.py", "说明:", NFKC),
    ("ledger/excel/reading.py", "备注:", NFKC),
    ("ledger/excel/reading.py", ":、.,", f"characters stripped from category names: {NFKC}"),
    ("ledger/excel/reading.py", "^(?:第[", f"category row pattern: {NFKC}"),
    ("ledger/excel/reading.py", "[(\\[]\\s*(?:共|计)", f"category count pattern: {NFKC}"),
    ("ledger/excel/reading.py", "(?:类|方面|领域", f"category suffix pattern: {NFKC}"),
    ("ledger/excel/reading.py", "\\(元\\)|单位:元", f"money unit pattern: {NFKC}"),
    ("ledger/excel/planning.py", "(?:截至|截止|统计)", f"as-of date pattern: {NFKC}"),
    ("ledger/excel/year_check.py", "(?<!\\d)(20\\d\\d)", "date pattern over sheet text"),
    ("ledger/excel/generate.py", "", "a synthetic sheet for the importer, written as offices do"),
    # Leaders' titles are data: the importer stores a sheet's "副区长(民生)" half-width, and the
    # demo's people must match the names their items and logins refer to.
    ("orgs/demo.py", "副区长(", "a person's name as stored"),
    ("orgs/demo.py", "呼兰区副区长(", "a login named after that person"),
    ("ledger/demo/hulan.py", "副区长(", "a person's name as stored"),
    ("ledger/demo/others.py", "副区长(", "a person's name as stored"),
    ("ledger/services/changes.py", "调整内容应为 {字段: 新值}", "a JSON object's shape"),
    ("ledger/management/commands/import_ledger.py", "从Excel导入实事台账(import", "bilingual help"),
    # Outside the translated word, so both languages read them: "2026-06-30 (Live)".
    ("templates/board/programme.html", ' ({% translate "实时" %})', "around a translation"),
)


def is_chinese(ch: str) -> bool:
    """A CJK character, a CJK or full-width mark, or a curly quote / ellipsis used with them."""
    if not ch:
        return False
    code = ord(ch)
    return (
        0x3400 <= code <= 0x9FFF  # CJK ideographs (with extension A)
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x3000 <= code <= 0x303F  # CJK marks: 、。「」
        or 0xFF00 <= code <= 0xFFEF  # full-width forms: ，：（）
        or ch in "“”‘’…—"
    )


def _is_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _next_visible(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def half_width_in_chinese(text: str) -> list[int]:
    """Positions of half-width ``,:;!?()`` in Chinese text (``text`` already masked)."""
    found = []
    for i, ch in enumerate(text):
        if ch not in MARKS:
            continue
        left = text[i - 1] if i else ""
        right = text[i + 1] if i + 1 < len(text) else ""
        if is_chinese(left):
            if ch == ":" and right == "/":  # 网址:https://… keeps the URL whole
                continue
            after = _next_visible(text, i, 1)
            if right in (" ", "\t") and not (is_chinese(after) or after == PLACEHOLDER):
                continue  # "the 台账, then …": the sentence goes on in English
            found.append(i)
        elif is_chinese(right):
            found.append(i)
    for m in re.finditer(r"\(([^()\n]*)\)", text):
        start, inner = m.start(), m.group(1)
        left = text[start - 1] if start else ""
        chinese = sum(map(is_chinese, inner))
        latin = sum(map(_is_letter, inner))
        if (
            is_chinese(left)
            or (chinese and left == PLACEHOLDER)
            or (chinese and chinese >= latin and not _is_letter(_next_visible(text, start, -1)))
        ):
            found += [start, m.end() - 1]
    return sorted(found)


def _mask(text: str, pattern: str, flags: int = 0) -> str:
    return re.sub(pattern, lambda m: PLACEHOLDER * len(m.group(0)), text, flags=flags)


FORMAT_FIELDS = r"%\(\w+\)[sdf]|\{\w*\}"


def python_literals(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, literal body, masked body) of each string literal that is not a docstring."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.NL)
    ]
    statement_edges = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    for k, tok in enumerate(tokens):
        if tok.type != tokenize.STRING:
            continue
        before = tokens[k - 1].type if k else tokenize.NEWLINE
        after = tokens[k + 1].type if k + 1 < len(tokens) else tokenize.ENDMARKER
        if before in statement_edges and after in (tokenize.NEWLINE, tokenize.ENDMARKER):
            continue  # a docstring
        m = re.match(r"(?i)([rbuf]*)('''|\"\"\"|'|\")", tok.string)
        assert m is not None
        prefix, quote = m.group(1).lower(), m.group(2)
        if "b" in prefix:
            continue
        body = tok.string[len(m.group(0)) : len(tok.string) - len(quote)]
        masked = body
        if "f" in prefix:
            masked = masked.replace("{{", PLACEHOLDER * 2).replace("}}", PLACEHOLDER * 2)
            masked = _mask(masked, r"\{[^{}]*\}")
        yield tok.start[0], body, _mask(masked, FORMAT_FIELDS)


def template_text(source: str) -> str:
    """The template with tags, comments, scripts, styles and markup masked, except the
    strings of ``{% translate %}`` and the text of attributes people read."""
    keep = [False] * len(source)
    readable = (
        r"\{%-?\s*(?:translate|trans)\s+\"([^\"]*)\"",
        r"\{%-?\s*(?:translate|trans)\s+'([^']*)'",
        r"(?:title|placeholder|aria-label|alt|data-confirm)=\"([^\"{]*)\"",
    )
    for pattern in readable:
        for m in re.finditer(pattern, source):
            keep[m.start(1) : m.end(1)] = [True] * (m.end(1) - m.start(1))
    masked = _mask(
        source,
        r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|<!--.*?-->"
        r"|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<script.*?</script>|<style.*?</style>|<[^>]*>",
        re.S,
    )
    return "".join(c if k else mc for c, mc, k in zip(source, masked, keep, strict=True))


USED: set[tuple[str, str, str]] = set()


def _allowed(rel: str, literal: str) -> bool:
    for entry in ALLOWED:
        if rel == entry[0] and literal.startswith(entry[1]):
            USED.add(entry)
            return True
    return False


def _allowed_in_template(rel: str, source: str, i: int) -> bool:
    for entry in ALLOWED:
        if entry[0] == rel:
            for m in re.finditer(re.escape(entry[1]), source):
                if m.start() <= i < m.end():
                    USED.add(entry)
                    return True
    return False


def offenders() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{rel}" or rel.endswith("conftest.py"):
            continue
        for line, body, masked in python_literals(path.read_text(encoding="utf-8")):
            if half_width_in_chinese(masked) and not _allowed(rel, body):
                found.append(f"{rel}:{line}: {body[:80]}")
    for path in sorted(TEMPLATES.rglob("*.html")):
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        for i in half_width_in_chinese(template_text(source)):
            if _allowed_in_template(rel, source, i):
                continue
            line = source.count("\n", 0, i) + 1
            found.append(f"{rel}:{line}: {source.splitlines()[line - 1].strip()[:80]}")
    return found


def test_chinese_text_has_full_width_punctuation() -> None:
    found = offenders()
    assert not found, "Half-width punctuation in Chinese text (use ，：；！？（）):\n" + "\n".join(
        found
    )
    # The allow-list only shrinks: an entry that no longer matches anything goes.
    unused = [f"{entry[0]}: {entry[1]}" for entry in ALLOWED if entry not in USED]
    assert not unused, "Allowed half-width literals that no longer exist:\n" + "\n".join(unused)


def test_detector_flags_chinese_and_spares_code_numbers_and_english() -> None:
    def flagged(text: str) -> str:
        return "".join(text[i] for i in half_width_in_chinese(_mask(text, FORMAT_FIELDS)))

    assert flagged("进展已填报,谢谢!") == ",!"
    assert flagged("该事项已被他人修改(当前版本 3,您编辑的是版本 2)") == "(,)"
    assert flagged("完成率(%)") == "()"
    assert flagged("配合单位:可以添加备注") == ":"
    assert flagged("未知状态: %(status)s") == ":"
    for fine in (
        "12:30",
        "3.2",
        "7,823 套",
        "完成率 %(rate)s%%",
        "the ledger (台账), then the board",
        "台账, then the board",
        "链接 https://example.org/?q=台账",
        "进展已填报，谢谢！",
    ):
        assert flagged(fine) == "", fine
    comment = template_text("{% comment %}完成率(0–100){% endcomment %}<!-- 备注(内部) -->")
    assert half_width_in_chinese(comment) == []
    page = template_text('<p title="a,b">{% translate "请先导入(Excel)" %}{{ x }},完成</p>')
    assert [page[i] for i in half_width_in_chinese(page)] == ["(", ")", ","]
