"""Exports read the items in chunks and write the workbook row by row (issue 13): no query
carries more ids than a chunk (PostgreSQL refuses more than 65,535 parameters in one, which
a 65,536-item export used to need), and the chunked sheet is the same sheet."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger.excel.exporting import export_ledger, write_export
from shishi.ledger.excel.generate import write_generated_ledger
from shishi.ledger.excel.importing import apply_import, plan_import
from shishi.ledger.models import Programme

pytestmark = pytest.mark.django_db

_IN_LIST = re.compile(r"\bIN \(([^()]*)\)")


def _programme(world: World, tmp_path: Path, items: int) -> Programme:
    path = write_generated_ledger(tmp_path / "ledger.xlsx", items, year=2022)
    plan = plan_import(path, jurisdiction=world.nangang, year=2022, actor=world.office)
    apply_import(plan, actor=world.office)
    return Programme.objects.get(jurisdiction=world.nangang, year=2022)


def _cells(data: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["实事清单"]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_no_query_of_an_export_carries_more_ids_than_a_chunk(
    world: World, tmp_path: Path, settings: Any
) -> None:
    programme = _programme(world, tmp_path, 23)
    settings.SHISHI_EXPORT_CHUNK = 5
    with CaptureQueriesContext(connection) as queries:
        chunked = export_ledger(programme, actor=world.office)
    longest = max(
        (len(found.split(",")) for q in queries for found in _IN_LIST.findall(q["sql"])),
        default=0,
    )
    assert 1 < longest <= 5
    settings.SHISHI_EXPORT_CHUNK = 2_000
    whole = export_ledger(programme, actor=world.office)
    assert _cells(chunked) == _cells(whole)
    assert len([r for r in _cells(chunked) if isinstance(r[0], int)]) == 23


def test_the_chunked_export_imports_back_unchanged(
    world: World, tmp_path: Path, settings: Any
) -> None:
    programme = _programme(world, tmp_path, 60)
    settings.SHISHI_EXPORT_CHUNK = 7
    target = tmp_path / "out.xlsx"
    assert write_export(programme, target, actor=world.office) == 60
    plan = plan_import(target, jurisdiction=world.nangang, year=2022, actor=world.office)
    assert plan.ok, [str(e) for e in plan.errors]
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 0, 60)


def test_the_row_by_row_sheet_keeps_the_office_header_merges(world: World) -> None:
    data = export_ledger(world.programme, actor=world.office)
    sheet = openpyxl.load_workbook(io.BytesIO(data))["实事清单"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A3:A4", "B3:B4"} <= merged  # 序号 and 项目名称 over the two header rows
    group = next(c for c in sheet[3] if c.value == "责任分工")
    first = group.column_letter
    last = openpyxl.utils.get_column_letter(group.column + 2)
    assert f"{first}3:{last}3" in merged  # over 区级包保领导, 责任单位, 配合单位
    assert sheet[f"{first}4"].value == "区级包保领导"
    assert sheet["A3"].value == "序号"


def test_the_export_page_streams_a_file(world: World) -> None:
    response = client_for(world.office).get(
        reverse("ledger:export"), {"programme": world.programme.pk}
    )
    assert response.status_code == 200
    assert response.streaming
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert data[:2] == b"PK"
    assert any(world.item_a.name in str(row) for row in _cells(data))
