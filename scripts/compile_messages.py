#!/usr/bin/env python3
"""Compile gettext catalogues (.po → .mo) with the standard library only.

GNU gettext's msgfmt is not always installed where shishi is built, and Django's
``compilemessages`` needs it. This writes the same binary layout msgfmt does (little-endian
magic 0x950412de, revision 0, the sorted original and translated string tables, no hash
table), skipping fuzzy and untranslated entries.

    python scripts/compile_messages.py              # every .po under shishi/locale
    python scripts/compile_messages.py a.po b.po    # just these
    python scripts/compile_messages.py --check      # exit 1 if a .mo is out of date
"""

from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCALE_DIR = ROOT / "shishi" / "locale"
MAGIC = 0x950412DE
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


class PoError(ValueError):
    pass


@dataclass
class Entry:
    context: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    def key(self) -> bytes:
        text = self.msgid or ""
        if self.msgid_plural is not None:
            text += "\0" + self.msgid_plural
        if self.context is not None:
            text = self.context + "\x04" + text
        return text.encode("utf-8")

    def value(self) -> bytes:
        forms = [self.msgstr[i] for i in sorted(self.msgstr)]
        return "\0".join(forms).encode("utf-8")

    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def unquote(text: str, where: str) -> str:
    """The content of one C-style quoted string: "a\\"b\\n" → a"b + newline."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise PoError(f"{where}: expected a quoted string, got {text!r}")
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            raise PoError(f"{where}: unknown escape \\{nxt}")
        out.append(char)
        i += 1
    return "".join(out)


def parse_po(text: str, name: str = "<po>") -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    section: tuple[str, int] | None = None  # which string continuation lines extend
    pending_fuzzy = False

    def finish() -> None:
        nonlocal entry
        if entry.msgid is not None:
            entries.append(entry)
        entry = Entry()

    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            section = None  # obsolete entry
            continue
        if line.startswith("#"):
            if entry.msgid is not None and section is not None and section[0] == "msgstr":
                finish()
                section = None
            if line.startswith("#,") and "fuzzy" in {f.strip() for f in line[2:].split(",")}:
                pending_fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if section is None:
                raise PoError(f"{where}: a string outside any entry")
            kind, index = section
            value = unquote(line, where)
            if kind == "msgctxt":
                entry.context = (entry.context or "") + value
            elif kind == "msgid":
                entry.msgid = (entry.msgid or "") + value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgstr[index] = entry.msgstr.get(index, "") + value
            continue
        if keyword in ("msgctxt", "msgid") and entry.msgid is not None and entry.msgstr:
            finish()
        if keyword == "msgctxt":
            entry.context = unquote(rest, where)
            entry.fuzzy = pending_fuzzy
            pending_fuzzy = False
            section = ("msgctxt", 0)
        elif keyword == "msgid":
            entry.msgid = unquote(rest, where)
            if entry.context is None:
                entry.fuzzy = pending_fuzzy
                pending_fuzzy = False
            section = ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.msgid_plural = unquote(rest, where)
            section = ("msgid_plural", 0)
        elif keyword == "msgstr":
            entry.msgstr[0] = unquote(rest, where)
            section = ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            try:
                index = int(keyword[7:-1])
            except ValueError:
                raise PoError(f"{where}: bad plural index in {keyword}") from None
            entry.msgstr[index] = unquote(rest, where)
            section = ("msgstr", index)
        else:
            raise PoError(f"{where}: unexpected line {raw!r}")
    finish()
    return entries


def build_mo(entries: list[Entry]) -> bytes:
    """The .mo bytes for the translated, non-fuzzy entries (the header always kept)."""
    table: dict[bytes, bytes] = {}
    for entry in entries:
        is_header = entry.msgid == "" and entry.context is None
        if is_header:
            if entry.msgstr.get(0):
                table[b""] = entry.value()
            continue
        if entry.fuzzy or not entry.is_translated():
            continue
        table[entry.key()] = entry.value()
    keys = sorted(table)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    strings_at = translations_at + count * 8
    ids = b""
    strs = b""
    id_offsets: list[tuple[int, int]] = []
    str_offsets: list[tuple[int, int]] = []
    for key in keys:
        id_offsets.append((len(key), len(ids)))
        ids += key + b"\0"
    strs_base = strings_at + len(ids)
    for key in keys:
        value = table[key]
        str_offsets.append((len(value), strs_base + len(strs)))
        strs += value + b"\0"
    out = struct.pack("<7I", MAGIC, 0, count, originals_at, translations_at, 0, strings_at)
    for length, offset in id_offsets:
        out += struct.pack("<2I", length, strings_at + offset)
    for length, offset in str_offsets:
        out += struct.pack("<2I", length, offset)
    return out + ids + strs


def compile_file(po_path: Path, *, check: bool = False) -> bool:
    """Write the .mo beside the .po; with ``check``, only report whether it is current."""
    entries = parse_po(po_path.read_text(encoding="utf-8"), str(po_path))
    data = build_mo(entries)
    mo_path = po_path.with_suffix(".mo")
    current = mo_path.exists() and mo_path.read_bytes() == data
    if check:
        return current
    if not current:
        mo_path.write_bytes(data)
    translated = sum(1 for e in entries if e.msgid and not e.fuzzy and e.is_translated())
    print(
        f"{mo_path.relative_to(ROOT) if mo_path.is_relative_to(ROOT) else mo_path}: "
        f"{translated} of {sum(1 for e in entries if e.msgid)} messages translated"
    )
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="*", type=Path, help=".po files (default: all in shishi/locale)"
    )
    parser.add_argument("--check", action="store_true", help="fail if a .mo is missing or stale")
    args = parser.parse_args(argv)
    files = args.files or sorted(DEFAULT_LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    if not files:
        print("no .po files found", file=sys.stderr)
        return 1
    stale = []
    for po_path in files:
        try:
            ok = compile_file(po_path, check=args.check)
        except PoError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not ok:
            stale.append(po_path)
    if stale:
        for path in stale:
            print(f"out of date: {path.with_suffix('.mo')} (run scripts/compile_messages.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
