"""The password policy's own rule (the others are Django's validators, settings.py)."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of lower-case, upper-case, digits and other characters the password has."""
    return sum(
        (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),
        )
    )


class CharacterClassesValidator:
    """At least ``classes`` of the four kinds of characters (等保: 口令复杂度)."""

    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类。") % {"n": self.classes}
