"""The 12345 hotline: a sheet imported all or nothing, the signed webhook, the outcomes out."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, ValidationFailed
from shishi.demands import hotline, services
from shishi.demands.models import Channel, Demand, Satisfaction
from shishi.demands.tests.conftest import Dm

HEADER = [
    "工单编号",
    "受理时间",
    "诉求类型",
    "诉求分类",
    "诉求内容",
    "诉求地址",
    "联系人",
    "联系电话",
]
SECRET = "hotline-test-secret"


def _sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS: list[list[Any]] = [
    [
        "HL2021090001",
        "2021-09-01 09:00",
        "求助",
        "道路",
        "一曼街路面塌陷无法通行",
        "一曼街",
        "张先生",
        13812345678,
    ],
    [
        "HL2021090002",
        "2021-09-01 10:00",
        "投诉",
        "噪声扰民",
        "夜间施工噪声扰民严重",
        "学府路",
        "李女士",
        "0451-87654321",
    ],
]


def test_a_sheet_of_tickets_comes_in_once(world: World, dm: Dm) -> None:
    done = hotline.import_sheet(world.nangang.pk, _sheet(ROWS), "t.xlsx", actor=world.operator)
    assert [d.hotline_number for d in done.created] == ["HL2021090001", "HL2021090002"]
    first, second = done.created
    assert first.channel == Channel.HOTLINE and first.phone.reveal() == "13812345678"
    assert second.landline.reveal() == "045187654321" and not second.phone
    assert second.unit_id == world.unit_b.pk  # 噪声扰民 dispatches itself
    again = hotline.import_sheet(world.nangang.pk, _sheet(ROWS), "t.xlsx", actor=world.operator)
    assert again.created == [] and again.skipped == ["HL2021090001", "HL2021090002"]
    assert Demand.objects.count() == 2


def test_one_bad_row_imports_nothing_and_says_where(world: World, dm: Dm) -> None:
    rows = [*ROWS, ["HL3", "", "闲聊", "不存在的分类", "内容写得够长了", "", "", "123"]]
    with pytest.raises(ValidationFailed) as exc:
        hotline.import_sheet(world.nangang.pk, _sheet(rows), "t.xlsx", actor=world.operator)
    text = exc.value.message
    assert "第4行 诉求类型" in text and "第4行 诉求分类" in text and "第4行 联系电话" in text
    assert Demand.objects.count() == 0
    with pytest.raises(ValidationFailed) as exc:
        hotline.import_sheet(world.nangang.pk, b"not a workbook", "t.xlsx", actor=world.operator)
    assert Demand.objects.count() == 0
    with pytest.raises(PermissionDenied):
        hotline.import_sheet(world.nangang.pk, _sheet(ROWS), "t.xlsx", actor=world.editor_a)


def _post(client: Any, body: bytes, *, secret: str = SECRET, ts: int | None = None) -> Any:
    stamp = str(ts if ts is not None else int(time.time()))
    return client.post(
        reverse("demands:hotline_webhook", args=["230103"]),
        body,
        content_type="application/json",
        headers={
            "X-Hotline-Timestamp": stamp,
            "X-Hotline-Signature": hotline.sign(secret, stamp, body),
        },
    )


def test_the_webhook_takes_signed_tickets_once(world: World, dm: Dm, settings: Any) -> None:
    settings.SHISHI_HOTLINE_SECRETS = f"230103:{SECRET}"
    body = json.dumps(
        {
            "number": "HL9",
            "kind": "求助",
            "category": "road",
            "description": "路灯不亮，路面坑洼",
            "phone": "13912345678",
        },
        ensure_ascii=False,
    ).encode()
    client = client_for(None)
    first = _post(client, body)
    assert first.status_code == 201 and first.json()["number"] == "HL9"
    assert _post(client, body).status_code == 200  # sent twice: the same demand
    assert Demand.objects.filter(hotline_number="HL9").count() == 1
    assert _post(client, body, secret="wrong").status_code == 401
    assert _post(client, body, ts=int(time.time()) - 3600).status_code == 401
    bad = _post(client, json.dumps({"number": "HL10", "kind": "闲聊"}, ensure_ascii=False).encode())
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    assert _post(client, b"{not json").status_code == 422
    settings.SHISHI_HOTLINE_SECRETS = ""
    assert _post(client, body).status_code == 401


def test_outcomes_go_back_in_the_hotline_layout(world: World, dm: Dm, tmp_path: Path) -> None:
    done = hotline.import_sheet(world.nangang.pk, _sheet(ROWS[:1]), "t.xlsx", actor=world.operator)
    demand = services.dispatch(
        done.created[0], world.unit_a, actor=world.operator, expected_version=None
    )
    demand = services.accept(demand, actor=world.editor_a, expected_version=None)
    demand = services.resolve(
        demand, actor=world.editor_a, reply="已修复路面，恢复通行", expected_version=None
    )
    services.call_back(
        demand, actor=world.operator, satisfaction=Satisfaction.SATISFIED, expected_version=None
    )
    out = tmp_path / "outcomes.xlsx"
    today = dt.date.today()
    call_command(
        "export_hotline",
        "--jurisdiction=230103",
        f"--start={today - dt.timedelta(days=1)}",
        f"--end={today + dt.timedelta(days=1)}",
        f"--output={out}",
    )
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == hotline.OUTCOME_COLUMNS
    assert rows[1][:4] == ("HL2021090001", "区城管局", "已办结", "已修复路面，恢复通行")
    assert rows[1][5] == "满意" and rows[1][6] is not None
    with pytest.raises(CommandError):
        call_command(
            "export_hotline",
            "--jurisdiction=999999",
            "--start=2021-01-01",
            "--end=2021-01-02",
            f"--output={out}",
        )


def test_the_import_command(world: World, dm: Dm, tmp_path: Path) -> None:
    sheet = tmp_path / "tickets.xlsx"
    sheet.write_bytes(_sheet(ROWS))
    out = io.StringIO()
    call_command(
        "import_hotline", str(sheet), "--jurisdiction=230103", "--user=operator", stdout=out
    )
    assert "导入2张工单" in out.getvalue()
    with pytest.raises(CommandError, match="没有账号"):
        call_command("import_hotline", str(sheet), "--jurisdiction=230103", "--user=nobody")
