"""Personal numbers in free text: find them, mask them, keep them out of logs and error reports.

A unit's progress text headed for the public portal may hold a resident's mobile or ID number.
``find_personal_numbers`` finds them with few false alarms on item numbers, dates and amounts:

- a **mobile number** is ``1[3-9]`` and nine more digits (groups of 3-4-4 may be split by a
  space or dash; a +86 / 0086 prefix is taken with it) that is not part of a longer run of
  digits or letters and not a decimal (``0.13812345678``, ``13812345678.5``);
- an **ID number** is 18 characters (17 digits and a digit or X) with a known region, a real
  birth date and the right MOD 11-2 check character, or a 15-digit number of before 1999
  with a known region and a real birth date, not part of a longer run;
- full-width digits (１３８…) count as digits.

Landlines (0451-8666xxxx) are not flagged: in these texts they are offices' public numbers.

``mask_personal_numbers`` replaces each with its mask (138****5678, 2301**********123X); the
portal applies it to every public text. ``RedactingFilter`` does the same, more eagerly (any
18-character ID shape, check digit or not), to every log record, and
``RedactingExceptionReporterFilter`` to the request data of error reports.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from shishi.core import pii

PHONE, ID_NUMBER = "phone", "id_number"
LABELS = {PHONE: gettext_lazy("手机号码"), ID_NUMBER: gettext_lazy("身份证号码")}

_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋", "0123456789Xx+")
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?<!\d\.)(?:(?:\+|00)?86[-\s]?)?"
    r"(1[3-9]\d)([-\s]?)(\d{4})\2(\d{4})(?![0-9A-Za-z])(?!\.\d)"
)
_ID18 = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)(\d{17}[0-9Xx])(?![0-9A-Za-z])(?!\.\d)")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)(\d{15})(?![0-9A-Za-z])(?!\.\d)")
# Every mobile and ID number holds 3 digits, perhaps a separator, then 4 digits: a text
# without them (most) is passed over in one scan.
_CANDIDATE = re.compile(r"[0-9０-９]{3}[-\s]?[0-9０-９]{4}")
# Logs: any ID shape, valid or not.
_ID_LOOSE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Found:
    kind: str  # PHONE or ID_NUMBER
    start: int
    end: int
    masked: str

    @property
    def label(self) -> str:
        return str(LABELS[self.kind])


def _valid_id15(text: str) -> bool:
    return text[:2] in pii.PROVINCES and pii.is_id_number_shape(pii.upgrade_id15(text))


def find_personal_numbers(text: str, *, strict: bool = True) -> list[Found]:
    """The mobile and ID numbers in ``text``, in order (see the module's docstring).
    ``strict=False`` takes every ID-shaped run, valid or not (for logs)."""
    if not text or not _CANDIDATE.search(text):
        return []
    plain = text.translate(_FULL_WIDTH)  # same length: positions stay those of ``text``
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, masked: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Found(kind, start, end, masked))

    if strict:
        for m in _ID18.finditer(plain):
            if pii.is_id_number_shape(m.group(1).upper()):
                add(ID_NUMBER, m.start(1), m.end(1), pii.mask_id_number(m.group(1).upper()))
        for m in _ID15.finditer(plain):
            if _valid_id15(m.group(1)):
                add(ID_NUMBER, m.start(1), m.end(1), pii.mask_id_number(m.group(1)))
    else:
        for m in _ID_LOOSE.finditer(plain):
            add(ID_NUMBER, m.start(1), m.end(1), pii.mask_id_number(m.group(1).upper()))
    for m in _MOBILE.finditer(plain):
        number = m.group(1) + m.group(3) + m.group(4)
        add(PHONE, m.start(), m.end(), pii.mask_phone(number))
    found.sort(key=lambda f: f.start)
    return found


def mask_personal_numbers(text: str, *, strict: bool = True) -> str:
    """``text`` with each personal number replaced by its mask."""
    found = find_personal_numbers(text, strict=strict)
    if not found:
        return text
    out: list[str] = []
    at = 0
    for f in found:
        out.append(text[at : f.start])
        out.append(f.masked)
        at = f.end
    out.append(text[at:])
    return "".join(out)


def personal_number_kinds(*texts: str) -> list[str]:
    """The labels of the kinds found in any of ``texts`` (手机号码, 身份证号码), once each."""
    kinds = {f.kind for text in texts for f in find_personal_numbers(text or "")}
    return [str(LABELS[k]) for k in (PHONE, ID_NUMBER) if k in kinds]


def _kinds_and_masks(texts: tuple[str, ...]) -> dict[str, str] | None:
    found = [f for text in texts for f in find_personal_numbers(text or "")]
    if not found:
        return None
    separator = pgettext("list separator", "、")
    return {
        "kinds": separator.join(dict.fromkeys(f.label for f in found)),
        "masks": separator.join(dict.fromkeys(f.masked for f in found)),
    }


def personal_number_note(*texts: str) -> str:
    """A sheet cell's warning when ``texts`` hold personal numbers, else '' (an import warns
    and goes on: the numbers are masked wherever the text is shown to the public)."""
    found = _kinds_and_masks(texts)
    if found is None:
        return ""
    return gettext("含有%(kinds)s（%(masks)s），公开时会被遮盖；如非必要请在表中删除") % found


def personal_number_warning(*texts: str) -> str:
    """The writer's warning when ``texts`` hold personal numbers, else ''."""
    found = _kinds_and_masks(texts)
    if found is None:
        return ""
    message = gettext(
        "文字中有%(kinds)s（%(masks)s），公开时会被遮盖。"
        "如非必要请删除；确需保留，请勾选确认后再提交。"
    )
    return message % found


# --- logs and error reports ----------------------------------------------------------------------


class RedactingFilter(logging.Filter):
    """Masks phone and ID numbers in every record (message, arguments, traceback) before any
    handler writes it. Installed on the handlers in settings' LOGGING."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        masked = mask_personal_numbers(message, strict=False)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_numbers(record.exc_text, strict=False)
        if record.stack_info:
            record.stack_info = mask_personal_numbers(record.stack_info, strict=False)
        return True


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's error reports (DEBUG pages, mails to ADMINS) with personal numbers masked in
    the request's POST and GET values; settings named like keys are hidden as Django does."""

    def get_post_parameters(self, request: Any) -> Any:
        params: Any = super().get_post_parameters(request)
        if not params or not hasattr(params, "setlist"):
            return params
        cleaned = params.copy()
        for key in cleaned:
            cleaned.setlist(
                key, [mask_personal_numbers(str(v), strict=False) for v in cleaned.getlist(key)]
            )
        return cleaned


class RedactingExceptionReporter(ExceptionReporter):
    """Django's error report (the DEBUG page, the text mailed to ADMINS) with every phone and
    ID number masked wherever it appears: query strings, local variables, messages."""

    # Django's own rendered report stays what it was (safe): masking only replaces runs of
    # digits with digits and asterisks, which can neither open nor close markup.

    def get_traceback_html(self) -> SafeString:
        return SafeString(mask_personal_numbers(super().get_traceback_html(), strict=False))

    def get_traceback_text(self) -> SafeString:
        return SafeString(mask_personal_numbers(super().get_traceback_text(), strict=False))
