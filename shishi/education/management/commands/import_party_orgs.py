"""Import the party organisations from Excel (the same reader and writer as the web wizard):
``shishi import_party_orgs --district CODE FILE [--dry-run] [--as USER]``."""

from __future__ import annotations

from shishi.education import party_sheet
from shishi.education.management.sheet_command import Sheet, SheetCommand
from shishi.enterprise.models import SheetKind


class Command(SheetCommand):
    help = (
        "从Excel导入党组织（党委、党支部、党员数）。Import the party organisations: rows create"
        " the missing committees and branches and set their members. Exit 0 with a summary;"
        " exit 1 with one line per bad cell, writing nothing."
    )
    path_help = "the .xlsx workbook (or a UTF-8/GB18030 .csv)"

    imports = Sheet(
        SheetKind.PARTY_ORGS,
        "党组织",
        party_sheet.preview_party_sheet,
        party_sheet.apply_party_sheet,
    )
