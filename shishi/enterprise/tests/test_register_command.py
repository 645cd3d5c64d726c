"""``shishi import_enterprises FILE --jurisdiction CODE``: a summary and exit 0, or every bad
cell and exit 1 with nothing written."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shishi.enterprise import register_sheet
from shishi.enterprise.models import Enterprise
from shishi.enterprise.tests.register_helpers import BASIC, sheet, uscc

pytestmark = pytest.mark.django_db

A, B = uscc("A00000001"), uscc("B00000002")


@pytest.fixture(autouse=True)
def _no_matching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(register_sheet, "_enqueue_matching", lambda _j: None)


def write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "名录.xlsx"
    path.write_bytes(data)
    return str(path)


def test_command_prints_new_updated_unchanged(world: Any, tmp_path: Path) -> None:
    path = write(tmp_path, sheet(BASIC, ("甲", A, "I65", 1, 1, 1), ("乙", B, "F", 1, 1, 1)))
    out = io.StringIO()
    call_command("import_enterprises", path, "--jurisdiction", "230103", stdout=out)
    assert "新增 2，更新 0，未变 0" in out.getvalue()
    assert Enterprise.objects.filter(jurisdiction=world.nangang).count() == 2
    out = io.StringIO()
    call_command("import_enterprises", path, "--jurisdiction", "230103", stdout=out)
    assert "新增 0，更新 0，未变 2" in out.getvalue() and "没有任何改动" in out.getvalue()


def test_command_lists_bad_cells_and_writes_nothing(world: Any, tmp_path: Path) -> None:
    path = write(tmp_path, sheet(BASIC, ("甲", A, "I65", 1, 1, 1), ("乙", B, "6514", -1, 1, 1)))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2处错误"):
        call_command("import_enterprises", path, "--jurisdiction", "230103", stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("第3行，C列（行业代码）") and lines[1].startswith(
        "第3行，D列（从业人员）"
    )
    assert Enterprise.objects.count() == 0


def test_command_refuses_unknown_district_and_missing_file(world: Any, tmp_path: Path) -> None:
    path = write(tmp_path, sheet(BASIC, ("甲", A, "I65", 1, 1, 1)))
    with pytest.raises(CommandError, match="999999"):
        call_command("import_enterprises", path, "--jurisdiction", "999999")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_enterprises", str(tmp_path / "none.xlsx"), "--jurisdiction", "230103")
    with pytest.raises(CommandError, match="表头"):
        call_command(
            "import_enterprises", write(tmp_path, sheet(("x",), ("y",))), "--jurisdiction", "230103"
        )
    assert Enterprise.objects.count() == 0


def test_dry_run_writes_nothing(world: Any, tmp_path: Path) -> None:
    path = write(tmp_path, sheet(BASIC, ("甲", A, "I65", 1, 1, 1)))
    out = io.StringIO()
    call_command("import_enterprises", path, "--jurisdiction", "230103", "--dry-run", stdout=out)
    assert "将新增 1" in out.getvalue()
    assert Enterprise.objects.count() == 0


def test_command_exit_status_is_one_on_error(world: Any, tmp_path: Path) -> None:
    """``run_from_argv`` exits with a CommandError's ``returncode``: 1."""
    path = write(tmp_path, sheet(BASIC, ("甲", "X", "I65", 1, 1, 1)))
    with pytest.raises(CommandError) as raised:
        call_command("import_enterprises", path, "--jurisdiction", "230103", stderr=io.StringIO())
    assert raised.value.returncode == 1
