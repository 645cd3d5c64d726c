"""``shishi export_findings``: the file's rows equal the records; bad input stops it with one
clear line and writes nothing."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from shishi.conftest import World
from shishi.supervision.documents import xlsx
from shishi.supervision.models import Finding
from shishi.supervision.tests.conftest import Sv
from shishi.supervision.tests.documents_data import Problems, build, expected_row, ordered


@pytest.fixture
def problems(world: World, sv: Sv) -> Problems:
    return build(world, sv)


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_findings", *args, stdout=out)
    return out.getvalue()


def read(path: Path) -> tuple[list[list[Any]], list[list[Any]], str]:
    wb = openpyxl.load_workbook(path)
    rows = [list(r) for r in wb[xlsx.PROBLEM_SHEET].iter_rows(min_row=4, values_only=True)]
    figures = [list(r) for r in wb[xlsx.FIGURES_SHEET].iter_rows(min_row=4, values_only=True)]
    return rows, figures, str(wb[xlsx.PROBLEM_SHEET]["A1"].value)


def test_all_rounds_of_the_district(world: World, problems: Problems, tmp_path: Path) -> None:
    path = tmp_path / "findings.xlsx"
    said = export("--jurisdiction", "230103", "--output", str(path))
    rows, figures, title = read(path)
    found = ordered(list(Finding.objects.filter(jurisdiction=world.nangang)))
    assert len(found) == 10
    assert rows == [expected_row(n, f) for n, f in enumerate(found, start=1)]
    assert rows[0][1] == "2021-2"  # the latest round first
    assert title == "南岗区巡回指导问题清单"
    # The figures of both rounds, each with its total.
    assert [r[:2] for r in figures if r[1] == "合计"] == [["2021-2", "合计"], ["2021-1", "合计"]]
    assert "10 个问题和建议" in said and str(path) in said


def test_one_round(world: World, problems: Problems, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    export("--jurisdiction", "230103", "--round", "2021-1", "--output", str(path))
    rows, figures, title = read(path)
    found = ordered(list(Finding.objects.filter(round=problems.round)))
    assert rows == [expected_row(n, f) for n, f in enumerate(found, start=1)]
    assert {r[1] for r in rows} == {"2021-1"}
    assert title == "第一轮巡回指导问题清单"
    assert {r[0] for r in figures} == {"2021-1"}


def test_a_district_without_rounds_gets_the_headers(world: World, tmp_path: Path) -> None:
    path = tmp_path / "hulan.xlsx"
    said = export("--jurisdiction", "230111", "--output", str(path))
    rows, figures, _title = read(path)
    assert rows == [] and figures == []
    assert "0 个问题和建议" in said


def failure(*args: str) -> CommandError:
    with pytest.raises(CommandError) as exc:
        export(*args)
    assert exc.value.returncode == 1  # ``shishi`` exits with status 1
    assert "\n" not in str(exc.value)  # one line
    return exc.value


def test_an_unknown_district_or_round_is_named(
    world: World, problems: Problems, tmp_path: Path
) -> None:
    path = tmp_path / "x.xlsx"
    assert "999999" in str(failure("--jurisdiction", "999999", "--output", str(path)))
    message = str(failure("--jurisdiction", "230103", "--round", "2030-9", "--output", str(path)))
    assert "2030-9" in message and "南岗区" in message
    assert "2021-1" in message and "2021-2" in message  # what there is
    message = str(failure("--jurisdiction", "230111", "--round", "2021-1", "--output", str(path)))
    assert "还没有任何轮次" in message
    message = str(failure("--jurisdiction", "230100", "--output", str(path)))
    assert "哈尔滨市" in message and "不是区县" in message
    assert not path.exists()


def test_an_unwritable_path_is_refused(world: World, problems: Problems, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "x.xlsx"
    message = str(failure("--jurisdiction", "230103", "--output", str(missing)))
    assert str(missing) in message and "无法写入" in message
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert "无法写入" in str(failure("--jurisdiction", "230103", "--output", str(folder)))
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        failure("--jurisdiction", "230103", "--output", str(locked / "x.xlsx"))
        assert not (locked / "x.xlsx").exists()
    assert "应是 .xlsx" in str(failure("--jurisdiction", "230103", "--output", "x.csv"))
    assert not missing.exists()
