"""Export and the import wizard, walked in the browser's place; and the language choice."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.ledger.models import Item

# --- export and import ---------------------------------------------------------------------


def test_export_downloads_xlsx_with_chinese_filename(world: World) -> None:
    response = client_for(world.office).get(
        reverse("ledger:export"), {"programme": world.programme.pk}
    )
    assert response.status_code == 200
    assert response.getvalue()[:2] == b"PK"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%8D%97%E5%B2%97%E5%8C%BA2021" in disposition  # 南岗区2021…


def _small_sheet(rows: list[tuple[Any, ...]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "实事清单"
    ws.append(["南岗区“我为群众办实事”民生实事清单"])
    ws.append(["填报单位:区专班", None, None, None, None, None, "截至时间:2021年6月20日"])
    ws.append(
        [
            "序号",
            "项目名称",
            "主要内容",
            "推进措施",
            "完成时限",
            "责任分工",
            None,
            None,
            "进展情况",
            "完成率",
            "备注",
        ]
    )
    ws.append(
        [None, None, None, None, None, "区级包保领导", "责任单位", "配合单位", None, None, None]
    )
    ws.merge_cells("F3:H3")
    for col in "ABCDEIJK":
        ws.merge_cells(f"{col}3:{col}4")
    ws.append(["一、城建城管执法类(2项)"])
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


GOOD_ROWS = [
    (
        1,
        "抢修红军街塌陷路段",
        "修复红军街路面",
        "分段施工",
        "6月30日前",
        "副区长(城建)",
        "区城管局",
        "区住建局",
        "正在推进",
        "60%",
        None,
    ),
    (
        2,
        "老旧小区改造",
        "改造10个小区",
        "统一规划",
        "年底前",
        "常务副区长",
        "区住建局",
        None,
        "已开工",
        0.3,
        None,
    ),
]


def test_import_wizard_upload_preview_confirm(world: World) -> None:
    client = client_for(world.office)
    page = client.get(reverse("ledger:import"))
    assert page.status_code == 200
    upload = SimpleUploadedFile("南岗台账.xlsx", _small_sheet(GOOD_ROWS))
    response = client.post(
        reverse("ledger:import"), {"year": "2022", "jurisdiction": world.nangang.pk, "file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    preview_url = response["Location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "抢修红军街塌陷路段" in body
    assert "确认导入" in body
    batch_id = int(preview_url.rstrip("/").split("/")[-1])
    assert client_for(world.editor_a).get(preview_url).status_code == 403
    assert client_for(world.outsider).get(preview_url).status_code == 404
    assert "我已核对年度，确认导入到2022年" in body  # the sheet's 截至时间 is in 2021
    response = client.post(reverse("ledger:import_confirm", args=[batch_id]), {"confirm_year": "1"})
    assert response.status_code == 302
    listing = client.get(response["Location"]).content.decode()
    assert "导入完成" in listing
    assert "老旧小区改造" in listing
    assert Item.objects.filter(programme__year=2022, jurisdiction=world.nangang).count() == 2
    assert AuditEvent.objects.filter(action="import_batch.applied").count() == 1


def test_import_with_errors_shows_table_and_no_confirm(world: World) -> None:
    bad = [(*GOOD_ROWS[0][:4], "明年某天", *GOOD_ROWS[0][5:])]
    client = client_for(world.office)
    upload = SimpleUploadedFile("bad.xlsx", _small_sheet(bad))
    response = client.post(
        reverse("ledger:import"), {"year": "2022", "jurisdiction": world.nangang.pk, "file": upload}
    )
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "明年某天" in body
    assert "确认导入" not in body
    batch_id = int(response["Location"].rstrip("/").split("/")[-1])
    response = client.post(reverse("ledger:import_confirm", args=[batch_id]))
    assert response.status_code == 422
    assert not Item.objects.filter(programme__year=2022).exists()


def test_import_refuses_non_xlsx_and_non_office(world: World) -> None:
    client = client_for(world.office)
    upload = SimpleUploadedFile("notes.txt", b"hello")
    response = client.post(
        reverse("ledger:import"), {"year": "2022", "jurisdiction": world.nangang.pk, "file": upload}
    )
    assert response.status_code == 422
    assert ".xlsx" in response.content.decode()
    for user in (world.editor_a, world.leader, world.resident):
        assert client_for(user).get(reverse("ledger:import")).status_code == 403
        upload = SimpleUploadedFile("a.xlsx", b"PK\x03\x04")
        response = client_for(user).post(reverse("ledger:import"), {"year": "2022", "file": upload})
        assert response.status_code == 403


def test_browser_language_does_not_override_chinese_default(world: World) -> None:
    client = Client()
    client.force_login(world.office)
    response = client.get(reverse("ledger:list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/ledger/"})
    response = client.get(reverse("ledger:list"))
    assert response.headers["Content-Language"] == "en"
