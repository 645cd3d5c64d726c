"""Landmarks from Excel: every kind of bad cell named ``第R行，C列（列名）：原因`` with nothing
written, the datum converted, re-import matched on name and idempotent, the wizard, the
template and export (a round trip), and ``shishi import_landmarks``."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core import geo
from shishi.core.audit import AuditEvent
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.education import landmark_sheet, sheets
from shishi.education.models import Landmark
from shishi.enterprise.models import SheetImport, SheetKind, SheetStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _book(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for col, value in enumerate(header or landmark_sheet.HEADERS):
        sheet.write(0, col, value)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is not None:
                sheet.write(r, col, value)
    book.close()
    return out.getvalue()


def _row(**cells: Any) -> list[Any]:
    """A row of ``HEADERS`` given by header."""
    values = {
        "名称": "东北抗联博物馆",
        "地址": "南岗区一曼街241号",
        "纬度": 45.7574,
        "经度": 126.6412,
        "坐标系": "WGS-84",
        "开放时间": "9:00-16:00",
        "简介": "东北抗日联军的历史",
        "排序": 1,
        "示例": "否",
        **cells,
    }
    return [values[h] for h in landmark_sheet.HEADERS]


def _apply(world: World, data: bytes) -> sheets.Applied:
    return landmark_sheet.apply_landmarks(world.nangang.pk, data, "地标.xlsx", actor=world.office)


def _errors(world: World, data: bytes) -> list[str]:
    parsed = landmark_sheet.parse_sheet(world.nangang.pk, data, "地标.xlsx")
    assert not parsed.rows
    return [str(e) for e in parsed.errors]


def test_a_good_sheet_is_imported(world: World) -> None:
    data = _book(
        [_row(), _row(名称="侵华日军第七三一部队罪证陈列馆旧址（示例）", 排序=None, 示例="是")]
    )
    applied = _apply(world, data)
    assert (applied.created, applied.updated, applied.unchanged) == (2, 0, 0)
    museum = Landmark.objects.get(name="东北抗联博物馆")
    assert (museum.lat, museum.lon) == (Decimal("45.757400"), Decimal("126.641200"))
    assert museum.opening_hours == "9:00-16:00" and museum.order == 1 and not museum.is_sample
    sample = Landmark.objects.get(is_sample=True)
    assert sample.order == 2  # no order given: after the last
    assert AuditEvent.objects.filter(action="education.landmark_create").count() == 2


@pytest.mark.parametrize("datum", ["GCJ-02", "BD-09", "百度", "gcj02"])
def test_coordinates_in_another_datum_are_converted(world: World, datum: str) -> None:
    key = "bd09" if datum in ("BD-09", "百度") else "gcj02"
    lat, lon = geo.wgs84_to(key, 45.7574, 126.6412)
    _apply(world, _book([_row(纬度=lat, 经度=lon, 坐标系=datum)]))
    museum = Landmark.objects.get()
    assert float(museum.lat or 0) == pytest.approx(45.7574, abs=3e-6)
    assert float(museum.lon or 0) == pytest.approx(126.6412, abs=3e-6)


def test_re_import_matches_on_name_and_is_idempotent(world: World) -> None:
    lat, lon = geo.wgs84_to("gcj02", 45.7574, 126.6412)
    data = _book([_row(纬度=lat, 经度=lon, 坐标系="GCJ-02"), _row(名称="乙", 排序=None)])
    assert _apply(world, data).created == 2
    second = _apply(world, data)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert not second.changed
    assert not AuditEvent.objects.filter(action="education.landmark_update").exists()
    third = _apply(world, _book([_row(地址="一曼街241号（新址）")]))
    assert (third.created, third.updated) == (0, 1)
    assert Landmark.objects.get(name="东北抗联博物馆").address == "一曼街241号（新址）"
    assert Landmark.objects.count() == 2


def test_export_reads_back_unchanged(world: World) -> None:
    _apply(world, _book([_row(), _row(名称="乙", 纬度=None, 经度=None, 示例="是", 排序=7)]))
    again = _apply(world, landmark_sheet.export_workbook(world.nangang.pk))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    template = landmark_sheet.parse_sheet(
        world.nangang.pk, landmark_sheet.template_workbook(), "t.xlsx"
    )
    assert not template.errors and len(template.rows) == 1


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"名称": ""}, "第2行，A列（名称）：请填写地标名称"),
        ({"地址": ""}, "第2行，B列（地址）：请填写地址"),
        ({"纬度": "北纬45度"}, "第2行，C列（纬度）：“北纬45度”不是数字"),
        ({"纬度": 95}, "第2行，C列（纬度）：纬度应在-90到90之间"),
        ({"经度": -200}, "第2行，D列（经度）：经度应在-180到180之间"),
        ({"经度": None}, "第2行，D列（经度）：请同时填写纬度和经度"),
        ({"纬度": 51.5, "经度": -0.12}, "第2行，C列（纬度）：坐标不在中国境内"),
        ({"坐标系": "火星"}, "第2行，E列（坐标系）：坐标系“火星”不对"),
        ({"开放时间": "全" * 201}, "第2行，F列（开放时间）：开放时间最多200个字"),
        ({"简介": "长" * 5001}, "第2行，G列（简介）：简介最多5000个字"),
        ({"排序": "第一"}, "第2行，H列（排序）：“第一”不是整数"),
        ({"示例": "也许"}, "第2行，I列（示例）：应填“是”或“否”"),
        ({"名称": "名" * 201}, "第2行，A列（名称）：地标名称最多200个字"),
    ],
)
def test_each_bad_cell_is_named_and_nothing_is_written(
    world: World, cells: dict[str, Any], expected: str
) -> None:
    data = _book([_row(名称="好的一行"), _row(**cells)])
    # the bad row is the sheet's row 3 (the header is row 1)
    errors = _errors(world, data)
    assert any(e.startswith(expected.replace("第2行", "第3行")) for e in errors), errors
    with pytest.raises(ValidationFailed):
        _apply(world, data)
    assert not Landmark.objects.exists()


def test_a_name_twice_and_sheet_level_problems(world: World) -> None:
    twice = _errors(world, _book([_row(), _row()]))
    assert twice == ["第3行，A列（名称）：与第2行的名称相同（每个地标一行）"]
    assert _errors(world, _book([_row()], header=["地名", "地址"])) == ["第1行的表头缺少列：名称"]
    assert "表格中没有地标" in _errors(world, _book([]))[0]
    assert "文件" in _errors(world, b"not a workbook at all")[0]
    no_lon = ["名称", "地址", "纬度"]
    assert "同时有" in _errors(world, _book([["甲", "乙", 45]], header=no_lon))[0]


def test_a_sheet_without_coordinate_columns_keeps_the_point(world: World) -> None:
    _apply(world, _book([_row()]))
    applied = _apply(world, _book([["东北抗联博物馆", "新地址"]], header=["名称", "地址"]))
    assert applied.updated == 1
    museum = Landmark.objects.get()
    assert museum.address == "新地址" and museum.lat == Decimal("45.757400")
    assert museum.opening_hours == "9:00-16:00"  # a column the sheet lacks is left alone


def test_import_is_office_only(world: World) -> None:
    with pytest.raises(PermissionDenied):
        landmark_sheet.apply_landmarks(
            world.nangang.pk, _book([_row()]), "x.xlsx", actor=world.editor_a
        )
    with pytest.raises(PermissionDenied):
        landmark_sheet.apply_landmarks(
            world.nangang.pk, _book([_row()]), "x.xlsx", actor=world.outsider
        )


# --- the wizard ---------------------------------------------------------------------------


def _upload(data: bytes, name: str = "地标.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_wizard_upload_preview_confirm(world: World) -> None:
    client = client_for(world.office)
    url = reverse("education:landmark_import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"jurisdiction": "230103", "file": _upload(_book([_row()]))})
    batch = SheetImport.objects.get()
    assert batch.kind == "landmarks" and batch.status == SheetStatus.PREVIEWED
    assert response["Location"] == reverse("education:landmark_import_preview", args=[batch.pk])
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and "东北抗联博物馆" in preview.content.decode()
    assert not Landmark.objects.exists()  # nothing before the confirmation
    confirm = reverse("education:landmark_import_confirm", args=[batch.pk])
    assert client.post(confirm).status_code == 302
    assert Landmark.objects.get().name == "东北抗联博物馆"
    batch.refresh_from_db()
    assert batch.status == SheetStatus.APPLIED and batch.summary["created"] == 1
    again = client.post(confirm)  # a batch is written once
    assert again.status_code == 422 and "已处理过" in again.content.decode()
    # The same sheet a second time: "没有任何改动".
    client.post(url, {"jurisdiction": "230103", "file": _upload(_book([_row()]))})
    second = SheetImport.objects.latest("pk")
    done = client.post(reverse("education:landmark_import_confirm", args=[second.pk]), follow=True)
    assert "没有任何改动" in done.content.decode()
    assert Landmark.objects.get().version == 1


def test_wizard_shows_every_error_and_writes_nothing(world: World) -> None:
    client = client_for(world.office)
    data = _book([_row(纬度=95), _row(名称="乙", 示例="也许")])
    client.post(
        reverse("education:landmark_import"), {"jurisdiction": "230103", "file": _upload(data)}
    )
    batch = SheetImport.objects.get()
    assert batch.status == SheetStatus.FAILED
    body = client.get(reverse("education:landmark_import_preview", args=[batch.pk]))
    text = body.content.decode()
    assert "第2行，C列（纬度）" in text and "第3行，I列（示例）" in text
    assert "确认导入" not in text
    confirm = client.post(reverse("education:landmark_import_confirm", args=[batch.pk]))
    assert confirm.status_code == 422 and not Landmark.objects.exists()


def test_wizard_refuses_a_file_that_is_no_workbook(world: World) -> None:
    client = client_for(world.office)
    response = client.post(
        reverse("education:landmark_import"),
        {"jurisdiction": "230103", "file": _upload(b"hello", "地标.csv")},
    )
    assert response.status_code == 422 and ".xlsx" in response.content.decode()
    assert not SheetImport.objects.exists()


def test_a_batch_of_another_district_is_not_found(world: World) -> None:
    batch = sheets.upload_batch(
        world.nangang,
        _upload(_book([_row()])),
        kind=SheetKind.LANDMARKS,
        preview=landmark_sheet.preview_landmarks,
        actor=world.office,
    )
    outsider = client_for(world.outsider)
    assert (
        outsider.get(reverse("education:landmark_import_preview", args=[batch.pk])).status_code
        == 404
    )
    assert (
        outsider.post(reverse("education:landmark_import_confirm", args=[batch.pk])).status_code
        == 404
    )
    assert not Landmark.objects.exists()


def test_template_and_export_downloads(world: World) -> None:
    _apply(world, _book([_row()]))
    client = client_for(world.office)
    template = client.get(reverse("education:landmark_template"))
    assert template.status_code == 200 and template.content.startswith(b"PK")
    export = client.get(reverse("education:landmark_export"))
    assert export.status_code == 200
    parsed = landmark_sheet.parse_sheet(world.nangang.pk, export.content, "e.xlsx")
    assert [r.data.name for r in parsed.rows] == ["东北抗联博物馆"]


# --- the command --------------------------------------------------------------------------


def test_command_imports_then_changes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "地标.xlsx"
    path.write_bytes(_book([_row(), _row(名称="乙")]))
    out = io.StringIO()
    call_command("import_landmarks", str(path), "--jurisdiction", "230103", "--dry-run", stdout=out)
    assert "试运行" in out.getvalue() and not Landmark.objects.exists()
    out = io.StringIO()
    call_command(
        "import_landmarks", str(path), "--district", "230103", "--as", "office", stdout=out
    )
    assert "新增 2" in out.getvalue() and Landmark.objects.count() == 2
    assert AuditEvent.objects.filter(action="education.landmark_create").count() == 2
    out = io.StringIO()
    call_command("import_landmarks", str(path), "--district", "230103", stdout=out)
    assert "没有任何改动" in out.getvalue()


def test_command_lists_bad_cells_and_writes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "地标.xlsx"
    path.write_bytes(_book([_row(坐标系="火星")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何地标"):
        call_command("import_landmarks", str(path), "--district", "230103", stderr=err)
    assert "第2行，E列（坐标系）" in err.getvalue()
    assert not Landmark.objects.exists()
    with pytest.raises(CommandError, match="230199"):
        call_command("import_landmarks", str(path), "--district", "230199")
    with pytest.raises(CommandError):
        call_command("import_landmarks", str(path), "--district", "230103", "--as", "nobody")
    path.write_bytes(_book([_row()]))
    with pytest.raises(CommandError, match="只有专班"):
        call_command("import_landmarks", str(path), "--district", "230103", "--as", "editor_a")
    assert not Landmark.objects.exists()
