"""Import a district's red landmarks from the office's sheet (the same reader and services
as the web wizard): ``shishi import_landmarks --district CODE FILE [--as USER] [--dry-run]``.
"""

from __future__ import annotations

from shishi.education import landmark_sheet
from shishi.education.management.sheet_command import Sheet, SheetCommand
from shishi.enterprise.models import SheetKind


class Command(SheetCommand):
    help = (
        "从Excel导入红色地标 (import a district's red landmarks). Exit 0 with a summary (new,"
        " updated, unchanged); exit 1 with one line per bad cell on stderr"
        " (row R, column C: reason), writing nothing."
    )

    imports = Sheet(
        SheetKind.LANDMARKS,
        "地标",
        landmark_sheet.preview_landmarks,
        landmark_sheet.apply_landmarks,
    )
