"""The policy library in Excel: export → import gives the same library; an import is all or
nothing with every bad cell named; a re-import updates by (文号, 政策名称) and changes nothing
the second time; the wizard (upload → preview → confirm) and the two commands."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.enterprise import policy_services as ps
from shishi.enterprise import policy_sheet
from shishi.enterprise.models import (
    ConditionKind,
    Policy,
    PolicyCondition,
    PolicyStatus,
    SheetImport,
    SheetStatus,
)
from shishi.enterprise.policy_services import ConditionRow, PolicyInput
from shishi.orgs import services as org_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _book(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    for col, value in enumerate(header or policy_sheet.HEADERS):
        sheet.write(0, col, value)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is not None:
                sheet.write(r, col, value)
    book.close()
    return out.getvalue()


def _row(**cells: Any) -> list[Any]:
    """A row of ``HEADERS`` given by header."""
    base = {"政策名称": "政策", "层级": "区级", "支持方式": "资金补贴"}
    base.update(cells)
    return [base.get(h) for h in policy_sheet.HEADERS]


def test_every_condition_kind_has_a_column() -> None:
    assert {k for k, _h in policy_sheet.CONDITION_COLUMNS} == set(ConditionKind.values)


def _library(world: World) -> None:
    org_services.ensure_unit(world.nangang, "花园街道", kind="street")
    org_services.ensure_unit(world.nangang, "王岗镇", kind="township")
    full = ps.create_policy(
        world.nangang.pk,
        PolicyInput(
            title="高新技术企业认定奖励",
            level="city",
            benefit="award",
            doc_number="哈政规〔2023〕5号",
            issuer="哈尔滨市科技局",
            valid_from=__import__("datetime").date(2023, 1, 1),
            valid_until=__import__("datetime").date(2025, 12, 31),
            amount_text="首次认定奖励30万元\n再次认定10万元",
            guide="登录“哈尔滨科技”平台申报",
            materials="1. 申请表\n2. 证书复印件",
            contact="市科技局 0451-86000000",
            source_url="https://example.gov.cn/p/1",
            no_apply=True,
            conditions=[
                ConditionRow(k, v)
                for k, v in [
                    ("industry_any", "I65、C"),
                    ("industry_none", "C13"),
                    ("size_in", "小型、微型"),
                    ("street_in", "花园街道、王岗镇"),
                    ("qualification_all", "高新技术企业"),
                    ("qualification_any", "专精特新中小企业、科技型中小企业"),
                    ("years_min", "1"),
                    ("years_max", "10"),
                    ("employees_min", "5"),
                    ("employees_max", "300"),
                    ("revenue_min", "100.5"),
                    ("revenue_max", "20000"),
                    ("tax_min", "0"),
                ]
            ],
        ),
        actor=world.office,
    )
    ps.publish_policy(full, actor=world.office)
    ps.create_policy(
        world.nangang.pk,
        PolicyInput(
            title="人才公寓补贴",
            level="district",
            benefit="service",
            conditions=[ConditionRow("text", "引进的博士"), ConditionRow("text", "签约满三年")],
        ),
        actor=world.office,
    )


def _snapshot(jurisdiction_id: int) -> list[tuple[Any, ...]]:
    out = []
    for p in Policy.objects.filter(jurisdiction_id=jurisdiction_id).order_by("title"):
        out.append(
            (
                p.title,
                p.doc_number,
                p.issuer,
                p.level,
                p.valid_from,
                p.valid_until,
                p.benefit,
                p.amount_text,
                p.guide,
                p.materials,
                p.contact,
                p.source_url,
                p.no_apply,
                p.status,
                [(c.kind, c.params) for c in p.conditions.order_by("order", "id")],
            )
        )
    return out


def test_export_then_import_gives_the_same_library(world: World) -> None:
    _library(world)
    before = _snapshot(world.nangang.pk)
    data = policy_sheet.export_workbook(world.nangang.pk)
    # into the same district: every row matches its policy, nothing changes
    applied = policy_sheet.apply_sheet(world.nangang.pk, data, "p.xlsx", actor=world.office)
    assert (applied.created, applied.updated, applied.unchanged) == (0, 0, 2)
    assert _snapshot(world.nangang.pk) == before
    # into an empty library: the same policies again (streets by name)
    Policy.objects.all().delete()
    applied = policy_sheet.apply_sheet(world.nangang.pk, data, "p.xlsx", actor=world.office)
    assert applied.created == 2
    assert _snapshot(world.nangang.pk) == before
    assert Policy.objects.get(title="高新技术企业认定奖励").published_at is not None


def test_bad_cells_are_all_named_and_nothing_is_written(world: World) -> None:
    data = _book(
        [
            _row(政策名称="好的政策"),
            _row(层级="县级", 有效期自="2024-02-30"),
            _row(**{"政策名称": "第三行", "行业（属于）": "6514", "从业人员不少于": "-3"}),
            _row(**{"政策名称": "第四行", "有效期至": "明年", "免申即享": "也许"}),
        ]
    )
    parsed = policy_sheet.parse_sheet(world.nangang.pk, data, "p.xlsx")
    lines = [e.as_line() for e in parsed.errors]
    assert "row 3, column 层级: 层级“县级”不对，应为国家级、省级、市级、区级" in lines
    assert "row 3, column 有效期自: 日期“2024-02-30”不存在" in lines
    assert "row 4, column 行业（属于）: 行业代码6514不存在" in lines
    assert "row 4, column 从业人员不少于: 不能为负数" in lines
    assert any(line.startswith("row 5, column 有效期至: ") for line in lines)
    assert "row 5, column 免申即享: 应填“是”或“否”" in lines
    assert parsed.rows == []
    with pytest.raises(ValidationFailed):
        policy_sheet.apply_sheet(world.nangang.pk, data, "p.xlsx", actor=world.office)
    assert not Policy.objects.exists() and not PolicyCondition.objects.exists()


def test_no_apply_with_a_text_condition_is_named(world: World) -> None:
    data = _book([_row(**{"其他条件": "需现场核查", "免申即享": "是"})])
    parsed = policy_sheet.parse_sheet(world.nangang.pk, data, "p.xlsx")
    assert [e.column for e in parsed.errors] == ["免申即享"]


def test_missing_headers_and_duplicates(world: World) -> None:
    parsed = policy_sheet.parse_sheet(world.nangang.pk, _book([["x"]], ["政策名称"]), "p.xlsx")
    assert "表头缺少列：层级、支持方式" in str(parsed.errors[0])
    data = _book([_row(文号="1号"), _row(文号="1号")])
    parsed = policy_sheet.parse_sheet(world.nangang.pk, data, "p.xlsx")
    assert "与第2行的文号和政策名称相同" in str(parsed.errors[0])
    parsed = policy_sheet.parse_sheet(world.nangang.pk, b"not a workbook", "p.xlsx")
    assert parsed.errors and not parsed.rows


def test_reimport_updates_by_doc_number_and_title_and_is_idempotent(world: World) -> None:
    first = _book(
        [
            _row(政策名称="甲", 文号="1号", 支持标准="10万元", 状态="已发布"),
            _row(政策名称="乙", 文号="2号"),
        ]
    )
    assert (
        policy_sheet.apply_sheet(world.nangang.pk, first, "p.xlsx", actor=world.office).created == 2
    )
    jia = Policy.objects.get(title="甲")
    assert jia.status == PolicyStatus.PUBLISHED
    second = _book(
        [
            _row(政策名称="甲", 文号="1号", 支持标准="20万元", 状态="已发布"),
            _row(政策名称="乙", 文号="2号"),
            _row(政策名称="丙", 文号="2号"),  # same 文号, another title: a new policy
        ]
    )
    applied = policy_sheet.apply_sheet(world.nangang.pk, second, "p.xlsx", actor=world.office)
    assert (applied.created, applied.updated, applied.unchanged) == (1, 1, 1)
    jia.refresh_from_db()
    assert jia.amount_text == "20万元" and jia.version == 3
    events = AuditEvent.objects.count()
    applied = policy_sheet.apply_sheet(world.nangang.pk, second, "p.xlsx", actor=world.office)
    assert (applied.created, applied.updated, applied.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == events  # nothing written the second time
    assert Policy.objects.count() == 3


def test_import_is_office_only(world: World) -> None:
    data = _book([_row()])
    with pytest.raises(PermissionDenied):
        policy_sheet.apply_sheet(world.nangang.pk, data, "p.xlsx", actor=world.editor_a)
    with pytest.raises(PermissionDenied):
        policy_sheet.apply_sheet(world.nangang.pk, data, "p.xlsx", actor=world.outsider)


# --- the wizard ---------------------------------------------------------------------------


def _upload(data: bytes, name: str = "政策库.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_wizard_upload_preview_confirm(world: World) -> None:
    client = client_for(world.office)
    url = reverse("enterprise:policy_import")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"jurisdiction": world.nangang.code, "file": _upload(_book([_row(政策名称="甲")]))}
    )
    batch = SheetImport.objects.get()
    assert batch.kind == "policies" and batch.status == SheetStatus.PREVIEWED
    assert response["Location"] == reverse("enterprise:policy_import_preview", args=[batch.pk])
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and "甲" in preview.content.decode()
    assert not Policy.objects.exists()  # nothing before the confirmation
    confirm = reverse("enterprise:policy_import_confirm", args=[batch.pk])
    assert client.post(confirm).status_code == 302
    assert Policy.objects.get().title == "甲"
    batch.refresh_from_db()
    assert batch.status == SheetStatus.APPLIED and batch.summary["created"] == 1
    again = client.post(confirm)  # confirmed twice: refused, nothing doubled
    assert again.status_code == 422 and Policy.objects.count() == 1


def test_wizard_shows_errors_and_refuses_to_confirm(world: World) -> None:
    client = client_for(world.office)
    client.post(
        reverse("enterprise:policy_import"),
        {"jurisdiction": world.nangang.code, "file": _upload(_book([_row(层级="县")]))},
    )
    batch = SheetImport.objects.get()
    assert batch.status == SheetStatus.FAILED
    page = client.get(reverse("enterprise:policy_import_preview", args=[batch.pk]))
    assert "第2行，「层级」列" in page.content.decode()
    response = client.post(reverse("enterprise:policy_import_confirm", args=[batch.pk]))
    assert response.status_code == 422 and not Policy.objects.exists()
    bad = client.post(
        reverse("enterprise:policy_import"),
        {"jurisdiction": world.nangang.code, "file": _upload(b"hello", "x.txt")},
    )
    assert bad.status_code == 422 and ".xlsx" in bad.content.decode()


def test_wizard_cancel(world: World) -> None:
    client = client_for(world.office)
    client.post(
        reverse("enterprise:policy_import"),
        {"jurisdiction": world.nangang.code, "file": _upload(_book([_row()]))},
    )
    batch = SheetImport.objects.get()
    assert (
        client.post(reverse("enterprise:policy_import_cancel", args=[batch.pk])).status_code == 302
    )
    batch.refresh_from_db()
    assert batch.status == SheetStatus.CANCELLED
    assert AuditEvent.objects.filter(action="enterprise.policy_sheet_cancel").exists()
    confirm = client.post(reverse("enterprise:policy_import_confirm", args=[batch.pk]))
    assert confirm.status_code == 422 and not Policy.objects.exists()


def test_wizard_and_export_refuse_others(world: World) -> None:
    client_for(world.office).post(
        reverse("enterprise:policy_import"),
        {"jurisdiction": world.nangang.code, "file": _upload(_book([_row()]))},
    )
    batch = SheetImport.objects.get()
    outsider = client_for(world.outsider)
    assert (
        outsider.get(reverse("enterprise:policy_import_preview", args=[batch.pk])).status_code
        == 404
    )
    assert (
        outsider.post(reverse("enterprise:policy_import_confirm", args=[batch.pk])).status_code
        == 404
    )
    editor = client_for(world.editor_a)
    assert editor.get(reverse("enterprise:policy_export")).status_code == 403
    assert editor.get(reverse("enterprise:policy_import")).status_code == 403
    assert not Policy.objects.exists()


def test_export_view_downloads_the_workbook(world: World) -> None:
    _library(world)
    response = client_for(world.office).get(
        reverse("enterprise:policy_export"), {"jurisdiction": world.nangang.code}
    )
    assert response.status_code == 200 and response.content.startswith(b"PK")
    parsed = policy_sheet.parse_sheet(world.nangang.pk, response.content, "p.xlsx")
    assert len(parsed.rows) == 2 and not parsed.errors


# --- the commands -------------------------------------------------------------------------


def test_import_command_exit_1_with_errors_and_nothing_written(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(_book([_row(), _row(**{"营业收入不低于（万元）": "-1"})]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_policies", str(path), jurisdiction=world.nangang.code, stderr=err)
    assert "row 3, column 营业收入不低于（万元）: 不能为负数" in err.getvalue()
    assert not Policy.objects.exists()


def test_import_and_export_commands_round_trip(world: World, tmp_path: Path) -> None:
    _library(world)
    before = _snapshot(world.nangang.pk)
    out = tmp_path / "library.xlsx"
    call_command("export_policies", str(out), jurisdiction=world.nangang.code, stdout=io.StringIO())
    Policy.objects.all().delete()
    stdout = io.StringIO()
    call_command("import_policies", str(out), jurisdiction=world.nangang.code, stdout=stdout)
    assert "新增 2 项" in stdout.getvalue()
    assert _snapshot(world.nangang.pk) == before
    with pytest.raises(CommandError):
        call_command("import_policies", str(out), jurisdiction="999999")


def test_line_breaks_from_a_browser_round_trip_unchanged(world: World) -> None:
    ps.create_policy(
        world.nangang.pk,
        PolicyInput(
            title="政策", level="district", benefit="award", guide="第一步\r\n第二步\r第三步"
        ),
        actor=world.office,
    )
    assert Policy.objects.get().guide == "第一步\n第二步\n第三步"
    data = policy_sheet.export_workbook(world.nangang.pk)
    applied = policy_sheet.apply_sheet(world.nangang.pk, data, "p.xlsx", actor=world.office)
    assert applied.unchanged == 1


def test_an_empty_level_asks_for_it(world: World) -> None:
    parsed = policy_sheet.parse_sheet(world.nangang.pk, _book([_row(层级="")]), "p.xlsx")
    assert str(parsed.errors[0]) == "第2行，「层级」列：请填写层级：国家级、省级、市级、区级"
