"""The import's year warning: a sheet of another year is named before confirming, and
confirming it needs an explicit tick (the wizard) or flag (the console)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger.excel.importing import plan_import
from shishi.ledger.models import Item
from shishi.ledger.tests.sheets import item, office_sheet, write_office, write_workbook
from shishi.ledger.tests.test_import import SAMPLE, counts


def _sheet_2026(path: Path, *, progress: str = "", deadline: str = "2026年12月底前") -> Path:
    spec = office_sheet(
        [("民生服务类", [item(1, "修路", deadline=deadline, progress=progress)])],
        title="南岗区2026年“我为群众办实事”实事清单",
        as_of="截至时间:2026年6月20日",
    )
    return write_workbook(path, spec)


def test_the_2021_sample_as_2026_names_title_file_name_and_deadlines(world: World) -> None:
    plan = plan_import(
        SAMPLE, jurisdiction=world.nangang, year=2026, actor=world.office, file_name=SAMPLE.name
    )
    assert plan.ok and plan.year_mismatch
    messages = [str(w) for w in plan.year_warnings]
    assert any("截至时间:2021年6月20日" in m and "不是2026年" in m for m in messages)
    assert any("nangang-ledger-2021.xlsx" in m for m in messages)
    deadline = next(w for w in plan.year_warnings if w.row == 7)
    assert deadline.column == "完成时限"
    assert "2021年9月" in deadline.message
    assert plan.summary()["year_warnings"] == messages


def test_the_2021_sample_as_2021_has_no_year_warning(world: World) -> None:
    plan = plan_import(
        SAMPLE, jurisdiction=world.nangang, year=2021, actor=world.office, file_name=SAMPLE.name
    )
    assert plan.year_warnings == []
    assert not plan.year_mismatch


def test_a_sheet_of_its_own_year_has_no_warning(world: World, tmp_path: Path) -> None:
    path = _sheet_2026(tmp_path / "南岗2026.xlsx", progress="2026年5月8日已开工")
    plan = plan_import(
        path, jurisdiction=world.nangang, year=2026, actor=world.office, file_name=path.name
    )
    assert plan.ok
    assert plan.year_warnings == []


def test_progress_dates_outside_the_year_are_flagged_per_row(world: World, tmp_path: Path) -> None:
    rows = [
        item(1, "修路", deadline="2026年12月底前", progress="2026年3月开工"),
        item(2, "建园", deadline="2026年12月底前", progress="2025.11.3完成设计,2026年4月开工"),
    ]
    spec = office_sheet(
        [("城建类", rows)], title="南岗区2026年实事清单", as_of="截至时间:2026年6月20日"
    )
    path = write_workbook(tmp_path / "台账.xlsx", spec)
    plan = plan_import(path, jurisdiction=world.nangang, year=2026, actor=world.office)
    assert [(w.row, w.column) for w in plan.year_warnings] == [(7, "进展情况")]
    assert "2025.11.3" in plan.year_warnings[0].message
    assert "第7行" in str(plan.year_warnings[0])


def test_a_title_year_alone_is_a_mismatch(world: World, tmp_path: Path) -> None:
    spec = office_sheet(
        [("城建类", [item(1, "修路", deadline="年底前")])],
        title="南岗区2025年民生实事清单",
        as_of="",
    )
    path = write_workbook(tmp_path / "台账.xlsx", spec)
    plan = plan_import(path, jurisdiction=world.nangang, year=2026, actor=world.office)
    assert [w.message for w in plan.year_warnings] == [
        "表头上方“南岗区2025年民生实事清单”写的是2025年，不是2026年"
    ]


# --- the wizard -----------------------------------------------------------------------------


def _upload(world: World, year: int) -> tuple[str, int]:
    client = client_for(world.office)
    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())
    response = client.post(
        reverse("ledger:import"),
        {"year": str(year), "jurisdiction": world.nangang.pk, "file": upload},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    url = response["Location"]
    return url, int(url.rstrip("/").split("/")[-1])


def test_preview_warns_and_confirm_without_the_tick_is_refused(world: World) -> None:
    client = client_for(world.office)
    url, batch_id = _upload(world, 2026)
    body = client.get(url).content.decode()
    assert "表格内容与所选年度（2026年）不符" in body
    assert "nangang-ledger-2021.xlsx" in body
    assert "完成时限“2021年9月”在2021年，不在2026年" in body
    assert 'name="confirm_year"' in body
    assert "我已核对年度，确认导入到2026年" in body

    before = counts()
    refused = client.post(reverse("ledger:import_confirm", args=[batch_id]))
    assert refused.status_code == 422
    assert "请核对年度后勾选“我已核对年度，确认导入到2026年”再导入" in refused.content.decode()
    assert counts() == before
    assert not Item.objects.filter(programme__year=2026).exists()


def test_confirm_with_the_tick_imports(world: World) -> None:
    client = client_for(world.office)
    _url, batch_id = _upload(world, 2026)
    response = client.post(reverse("ledger:import_confirm", args=[batch_id]), {"confirm_year": "1"})
    assert response.status_code == 302
    assert Item.objects.filter(programme__year=2026, jurisdiction=world.nangang).count() == 116


def test_a_fitting_sheet_needs_no_tick(world: World, tmp_path: Path) -> None:
    client = client_for(world.office)
    path = _sheet_2026(tmp_path / "x.xlsx")
    upload = SimpleUploadedFile("南岗2026.xlsx", path.read_bytes())
    response = client.post(
        reverse("ledger:import"), {"year": "2026", "jurisdiction": world.nangang.pk, "file": upload}
    )
    batch_id = int(response["Location"].rstrip("/").split("/")[-1])
    body = client.get(response["Location"]).content.decode()
    assert 'name="confirm_year"' not in body
    response = client.post(reverse("ledger:import_confirm", args=[batch_id]))
    assert response.status_code == 302
    assert Item.objects.filter(programme__year=2026, jurisdiction=world.nangang).count() == 1


# --- the console ----------------------------------------------------------------------------


def test_console_refuses_a_mismatch_without_the_flag(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match="--accept-year-mismatch") as caught:
        call_command(
            "import_ledger",
            *(str(SAMPLE), "--jurisdiction", "230103", "--year", "2026"),
            stdout=out,
            stderr=err,
        )
    assert "表格内容与所选年度2026年不符" in str(caught.value)
    assert "row 7, column 完成时限" in err.getvalue()
    assert counts() == before


def test_console_imports_a_mismatch_with_the_flag(world: World) -> None:
    out = io.StringIO()
    call_command(
        "import_ledger",
        *(str(SAMPLE), "--jurisdiction", "230103", "--year", "2026", "--accept-year-mismatch"),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "created=116" in out.getvalue()
    assert "年度不符" in out.getvalue()


def test_console_imports_a_fitting_sheet_without_the_flag(world: World, tmp_path: Path) -> None:
    path = write_office(tmp_path / "ledger.xlsx", [("城建类", [item(1, "修路")])])
    out = io.StringIO()
    call_command(
        "import_ledger",
        *(str(path), "--jurisdiction", "230103", "--year", "2021"),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "created=1" in out.getvalue() or "updated=1" in out.getvalue()
