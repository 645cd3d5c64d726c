"""The ``import_ledger`` console command: summaries, exit codes and error lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from shishi.conftest import World
from shishi.ledger.models import Item
from shishi.ledger.tests.sheets import item, write_office
from shishi.ledger.tests.test_import import SAMPLE, counts


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ledger", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_a_summary_and_writes(world: World) -> None:
    out, err = run(
        str(SAMPLE), "--jurisdiction", "230103", "--year", "2022", "--accept-year-mismatch"
    )
    assert "created=116 updated=0 unchanged=0" in out
    assert "新增 116 项" in out
    assert "城建城管执法类: 28项" in out
    assert "区直各部门" in out  # a new unit is listed
    assert "区委常委、组织部长" in out  # a new leader is listed
    assert err == ""
    assert Item.objects.filter(programme__year=2022).count() == 116

    out, _err = run(
        str(SAMPLE), "--jurisdiction", "230103", "--year", "2022", "--accept-year-mismatch"
    )
    assert "created=0 updated=0 unchanged=116" in out


def test_dry_run_writes_nothing(world: World) -> None:
    before = counts()
    out, _err = run(str(SAMPLE), "--jurisdiction", "230103", "--year", "2022", "--dry-run")
    assert "新增 116 项" in out and "试运行" in out
    assert counts() == before


def test_errors_go_to_stderr_one_line_each_and_exit_1(world: World, tmp_path: Path) -> None:
    rows = [item(1, "修路", deadline="尽快"), item(2, "", rate="150%")]
    path = write_office(tmp_path / "bad.xlsx", [("城建类", rows)])
    out, err = io.StringIO(), io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match="3处错误") as caught:
        call_command(
            "import_ledger",
            str(path),
            "--jurisdiction",
            "230103",
            "--year",
            "2022",
            stdout=out,
            stderr=err,
        )
    assert caught.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("row 6, column 完成时限: 无法识别完成时限“尽快”")
    assert lines[1] == "row 7, column 项目名称: 项目名称为空"
    assert lines[2].startswith("row 7, column 完成率: 完成率超过100%")
    assert counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--jurisdiction", "999999", "--year", "2022"), "999999"),
        (("--jurisdiction", "230103", "--year", "1900"), "年度 1900 不合理"),
        (("--jurisdiction", "230103", "--year", "2022", "--as", "nobody"), "nobody"),
        (("--jurisdiction", "230103", "--year", "2022", "--as", "editor_a"), "专班"),
        (("--jurisdiction", "230103", "--year", "2022", "--as", "outsider"), "专班"),
    ],
)
def test_refusals_exit_1_with_a_clear_message(
    world: World, args: tuple[str, ...], message: str
) -> None:
    before = counts()
    with pytest.raises(CommandError, match=message):
        run(str(SAMPLE), *args)
    assert counts() == before


def test_unreadable_and_missing_files_exit_1(world: World, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("序号,项目名称\n1,修路\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不是Excel工作簿"):
        run(str(fake), "--jurisdiction", "230103", "--year", "2022")
    with pytest.raises(CommandError, match="找不到文件"):
        run(str(tmp_path / "missing.xlsx"), "--jurisdiction", "230103", "--year", "2022")


def test_as_the_office_records_the_office_as_actor(world: World) -> None:
    from shishi.core.models import AuditEvent

    run(
        str(SAMPLE),
        *("--jurisdiction", "230103", "--year", "2022", "--as", "office"),
        "--accept-year-mismatch",
    )
    event = AuditEvent.objects.filter(action="item.create").latest("seq")
    assert event.actor_id == world.office.pk
