"""Party organisations in Excel (columns 党委, 党支部, 党员数); the sheet machinery (reading,
cell errors, the wizard's batches) is ``sheets``.

- ``parse_party_sheet`` checks every row: 党委 required; 党支部 empty for the committee's own
  row; 党员数 a whole number ≥ 0. A branch name may repeat across committees; within one
  committee a repeated (党委, 党支部) is an error naming both rows. A committee's name may not
  be another kind of unit of the district.
- ``apply_party_sheet`` writes all rows or none in one transaction: creates the missing
  committees and branches (``orgs.services.ensure_unit``) and sets the member counts; a
  re-import of the same sheet changes nothing. One audit event for the import.
- The wizard's batch is an ``enterprise.models.SheetImport`` of kind ``party_orgs``
  (``sheets.upload_batch`` with ``preview_party_sheet``, ``sheets.confirm_batch`` with
  ``apply_party_sheet``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from shishi.core import audit
from shishi.core.errors import ValidationFailed
from shishi.education.sheets import (
    Applied,
    CellError,
    Grid,
    check_office,
    labelled,
    read_grid,
    read_to_write,
    text,
    whole_number,
    write_workbook,
)
from shishi.enterprise.models import SheetKind
from shishi.orgs.models import NAMED_IN_JURISDICTION, Jurisdiction, Unit
from shishi.orgs.services import ensure_unit

MAX_ROWS = 20_000
SAMPLE_ROWS = 200

COMMITTEE = "党委"
BRANCH = "党支部"
MEMBERS = "党员数"
PARTY_HEADERS = (COMMITTEE, BRANCH, MEMBERS)
PARTY_REQUIRED = (COMMITTEE, MEMBERS)


# --- party organisations --------------------------------------------------------------------


@dataclass
class PartyRow:
    row: int
    committee: str
    branch: str  # "" for the committee's own row
    members: int
    action: str = "create"  # create, update, unchanged


@dataclass
class PartyParsed:
    rows: list[PartyRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _name(value: Any, label: str, grid: Grid, n: int, errors: list[CellError]) -> str:
    name = text(value)
    if len(name) > 200:
        errors.append(grid.error(n, label, "名称过长（最多200字）"))
    elif "<" in name or ">" in name:
        errors.append(grid.error(n, label, "名称不能含尖括号"))
    return name


def parse_party_sheet(jurisdiction_id: int, data: bytes, filename: str) -> PartyParsed:
    """Every row as a committee's or branch's member count, or every bad cell (then no
    rows). Each row's ``action`` says what importing it would do."""
    parsed = PartyParsed()
    grid, errors = read_grid(data, filename, PARTY_HEADERS, PARTY_REQUIRED, MAX_ROWS)
    if grid is None:
        parsed.errors = errors
        return parsed
    others = set(
        Unit.objects.filter(NAMED_IN_JURISDICTION, jurisdiction_id=jurisdiction_id)
        .exclude(kind=Unit.Kind.PARTY_COMMITTEE)
        .values_list("name", flat=True)
    )
    committees = dict(
        Unit.objects.filter(
            jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_COMMITTEE
        ).values_list("name", "members")
    )
    branches = {
        (c, b): m
        for c, b, m in Unit.objects.filter(
            jurisdiction_id=jurisdiction_id,
            kind=Unit.Kind.PARTY_BRANCH,
            parent__kind=Unit.Kind.PARTY_COMMITTEE,
        ).values_list("parent__name", "name", "members")
    }
    seen: dict[tuple[str, str], int] = {}
    for n, cells in grid.rows:
        row_errors: list[CellError] = []
        committee = _name(grid.cell(cells, COMMITTEE), COMMITTEE, grid, n, row_errors)
        branch = _name(grid.cell(cells, BRANCH), BRANCH, grid, n, row_errors)
        if not committee:
            row_errors.append(grid.error(n, COMMITTEE, "请填写党委名称"))
        elif committee in others:
            row_errors.append(
                grid.error(n, COMMITTEE, f"本区已有名为“{committee[:30]}”的单位，但不是党委")
            )
        members = 0
        try:
            members = whole_number(grid.cell(cells, MEMBERS), MEMBERS)
        except ValueError as exc:
            row_errors.append(grid.error(n, MEMBERS, str(exc)))
        key = (committee, branch)
        if committee and key in seen:
            what = f"党支部“{branch[:30]}”" if branch else "党委本级"
            row_errors.append(
                grid.error(
                    n,
                    BRANCH if branch else COMMITTEE,
                    f"与第{seen[key]}行重复：同一党委下{what}只能有一行",
                )
            )
        elif committee:
            seen[key] = n
        if row_errors:
            parsed.errors.extend(row_errors)
            continue
        stored = branches if branch else committees
        skey: Any = key if branch else committee
        if skey not in stored:
            action = "create"
        else:
            action = "unchanged" if stored[skey] == members else "update"
        parsed.rows.append(PartyRow(n, committee, branch, members, action))
    if parsed.errors:
        parsed.rows = []
    return parsed


def preview_party_sheet(jurisdiction_id: int, data: bytes, filename: str) -> dict[str, Any]:
    parsed = parse_party_sheet(jurisdiction_id, data, filename)
    return {
        "errors": [str(e) for e in parsed.errors],
        "total": len(parsed.rows),
        "new": sum(1 for r in parsed.rows if r.action == "create"),
        "matched": sum(1 for r in parsed.rows if r.action != "create"),
        "rows": [
            {
                "row": r.row,
                "cells": labelled(
                    PARTY_HEADERS, [r.committee, r.branch or "（党委本级）", str(r.members)]
                ),
                "action": r.action,
            }
            for r in parsed.rows[:SAMPLE_ROWS]
        ],
    }


def apply_party_sheet(
    jurisdiction_id: int, data: bytes, filename: str, *, actor: Any = None
) -> Applied:
    """Write every row, all or nothing (``ValidationFailed`` listing the bad cells)."""
    parsed = read_to_write(
        SheetKind.PARTY_ORGS, parse_party_sheet, jurisdiction_id, data, filename, actor=actor
    )
    jurisdiction = Jurisdiction.objects.get(pk=jurisdiction_id)
    created = updated = unchanged = 0
    with transaction.atomic():
        committees = {
            u.name: u
            for u in Unit.objects.select_for_update().filter(
                jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_COMMITTEE
            )
        }
        branches = {
            (u.parent_id, u.name): u
            for u in Unit.objects.select_for_update().filter(
                jurisdiction_id=jurisdiction_id,
                kind=Unit.Kind.PARTY_BRANCH,
                parent_id__in=[c.pk for c in committees.values()],
            )
        }
        for row in sorted(parsed.rows, key=lambda r: r.branch != ""):  # committees first
            committee = committees.get(row.committee)
            new_committee = committee is None
            if committee is None:
                committee = ensure_unit(
                    jurisdiction, row.committee, kind=Unit.Kind.PARTY_COMMITTEE, actor=actor
                )
                if committee.kind != Unit.Kind.PARTY_COMMITTEE:  # raced with another unit
                    raise ValidationFailed(f"本区已有名为“{row.committee}”的单位，但不是党委")
                committees[row.committee] = committee
            target, is_new = committee, new_committee
            if row.branch:
                found = branches.get((committee.pk, row.branch))
                is_new = found is None
                target = found or ensure_unit(
                    jurisdiction,
                    row.branch,
                    kind=Unit.Kind.PARTY_BRANCH,
                    parent=committee,
                    actor=actor,
                )
            if is_new:
                created += 1
            elif target.members == row.members:
                unchanged += 1
                continue
            else:
                updated += 1
            if target.members != row.members:
                Unit.objects.filter(pk=target.pk).update(
                    members=row.members, updated_at=timezone.now()
                )
                target.members = row.members
        audit.record(
            actor=actor,
            action="education.party_orgs_import",
            target=jurisdiction,
            changes={
                "file": [None, filename[-100:]],
                "created": [None, created],
                "updated": [None, updated],
            },
            jurisdiction_id=jurisdiction_id,
        )
    return Applied(created, updated, unchanged)


def party_rows(jurisdiction_id: int) -> list[list[Any]]:
    """The district's organisations as the sheet has them: each committee's own row, then its
    branches."""
    out: list[list[Any]] = []
    committees = Unit.objects.filter(
        jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_COMMITTEE
    ).order_by("name")
    branches: dict[int, list[tuple[str, int | None]]] = {}
    for parent_id, name, members in (
        Unit.objects.filter(jurisdiction_id=jurisdiction_id, kind=Unit.Kind.PARTY_BRANCH)
        .order_by("name")
        .values_list("parent_id", "name", "members")
    ):
        branches.setdefault(parent_id, []).append((name, members))
    for committee in committees:
        out.append([committee.name, "", committee.members or 0])
        for name, members in branches.get(committee.pk, []):
            out.append([committee.name, name, members or 0])
    return out


def export_party_orgs(jurisdiction: Jurisdiction, *, actor: Any) -> bytes:
    """The district's organisations as an .xlsx that ``parse_party_sheet`` reads back."""
    check_office(actor, jurisdiction.pk)
    return write_workbook("党组织", PARTY_HEADERS, party_rows(jurisdiction.pk))
