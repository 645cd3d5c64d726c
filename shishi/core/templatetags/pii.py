"""Template filters for personal data (``{% load pii %}``).

- ``{{ record.phone|pii }}``: the mask (138****5678) for a signed-in reader;
  ``{{ record.phone|pii:"public" }}`` (or any ``masking.Viewer``) as that viewer may see it.
  A filter never shows a full number: that is the view's audited ``masking.display(...,
  show=True)``.
- ``{{ text|mask_personal }}``: free text with its mobile and ID numbers masked (the portal).
- ``{{ text|personal_kinds }}``: the kinds of personal numbers in a text (手机号码、身份证号码),
  for a warning beside it ('' when none).
"""

from __future__ import annotations

from typing import Any

from django import template

from shishi.core import masking
from shishi.core.fields import PersonalNumber
from shishi.core.pii_text import mask_personal_numbers, personal_number_kinds

register = template.Library()


@register.filter(name="pii")
def pii_filter(value: Any, viewer: str = "staff") -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, PersonalNumber):
        text = str(value)  # a bare string: masked anyway
        return (
            masking.masked(text, "email")
            if "@" in text
            else mask_personal_numbers(text, strict=False)
        )
    return masking.display(value, viewer=viewer)


@register.filter
def mask_personal(value: Any) -> str:
    return "" if value is None else mask_personal_numbers(str(value))


@register.filter
def personal_kinds(value: Any) -> str:
    return "、".join(personal_number_kinds(str(value or "")))
