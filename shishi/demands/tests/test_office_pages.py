"""The office's pages: the 12345 import wizard and the outcomes' export, the Open311 keys,
the residents' texts — who may open them, what they show and what they refuse."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.demands import hotline_uploads, services
from shishi.demands.models import Channel, Demand, Open311Key, ResidentText
from shishi.demands.tests.conftest import Dm
from shishi.jobs.worker import run_ready_tasks
from shishi.notify.fakes import FakeGateway

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
GOOD_ROWS: list[list[Any]] = [
    [
        "HL2026110001",
        "2026-11-01 09:00",
        "求助",
        "道路",
        "一曼街路面塌陷无法通行",
        "一曼街",
        "张先生",
        13812345678,
    ],
    [
        "HL2026110002",
        "2026-11-01 10:00",
        "投诉",
        "噪声扰民",
        "夜间施工噪声扰民严重",
        "学府路",
        "李女士",
        "0451-87654321",
    ],
    [
        "HL2026110003",
        "2026-11-02 08:30",
        "咨询",
        "路灯",
        "果戈里大街路灯何时修好",
        "果戈里大街",
        "王女士",
        "13987654321",
    ],
]
PHONE = "13912345678"


def _sheet(rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "tickets.xlsx"
    return out


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _upload(client: Client, rows: list[list[Any]], header: list[str] = HEADER) -> Any:
    return client.post(reverse("demands:hotline_import"), {"file": _sheet(rows, header)})


# --- who may open what -------------------------------------------------------------------------

PAGES = ["demands:hotline_import", "demands:open311_keys", "demands:texts"]
EXPECTED = {
    # role: (import, keys, texts)
    "office": (200, 200, 200),
    "operator": (403, 403, 200),
    "editor_a": (403, 403, 403),
    "viewer_a": (403, 403, 403),
    "leader": (403, 403, 403),
    "inspector": (403, 403, 403),
    "resident": (403, 403, 403),
    "outsider": (200, 200, 200),  # Hulan's own pages, never Nangang's (below)
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_matrix(world: World, dm: Dm, role: str) -> None:
    client = client_for(getattr(world, role))
    for name, status in zip(PAGES, EXPECTED[role], strict=True):
        response = client.get(reverse(name), {"jurisdiction": "230103"})
        assert response.status_code == status, (role, name)
        if status == 200:
            district = world.hulan if role == "outsider" else world.nangang
            assert f"· {district.name}" in response.content.decode()


def test_anonymous_is_sent_to_log_in(world: World) -> None:
    client = Client()
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post(reverse("demands:hotline_import"), {"file": _sheet(GOOD_ROWS)})
    assert response.status_code == 302 and not Demand.objects.exists()


def test_the_queue_links_to_the_office_pages(world: World, dm: Dm) -> None:
    office = client_for(world.office).get(reverse("demands:index")).content.decode()
    for name in PAGES:
        assert reverse(name) in office
    operator = client_for(world.operator).get(reverse("demands:index")).content.decode()
    assert reverse("demands:texts") in operator
    assert reverse("demands:open311_keys") not in operator


# --- the 12345 import wizard -----------------------------------------------------------------


def test_import_wizard_previews_masks_and_imports_exactly_once(world: World, dm: Dm) -> None:
    client = client_for(world.office)
    response = _upload(client, GOOD_ROWS)
    assert response.status_code == 302
    preview_url = response["Location"]
    assert not Demand.objects.exists()  # nothing before the confirmation
    page = client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "138****5678" in html and "13812345678" not in html
    assert "139****4321" in html and "13987654321" not in html
    assert "87654321" not in html  # the landline masked too
    for number in ("HL2026110001", "HL2026110002", "HL2026110003"):
        assert number in html
    assert "一曼街路面塌陷无法通行" in html and "噪声扰民" in html
    assert "将导入 3 张工单" in html

    confirm_url = re.search(r'action="([^"]+/confirm/)"', html)
    assert confirm_url is not None
    response = client.post(confirm_url.group(1))
    assert response.status_code == 302
    assert sorted(Demand.objects.values_list("hotline_number", flat=True)) == [
        "HL2026110001",
        "HL2026110002",
        "HL2026110003",
    ]
    assert set(Demand.objects.values_list("channel", flat=True)) == {Channel.HOTLINE}
    message = client.get(response["Location"]).content.decode()
    assert "新增 3 张工单" in message
    event = AuditEvent.objects.get(action="demands.hotline_import")
    assert event.changes["created"] == [None, 3] and event.actor_id == world.office.pk

    # Confirmed twice: nothing doubles, and the page says so.
    again = client.post(confirm_url.group(1))
    assert again.status_code == 302
    assert "已经导入过了" in client.get(again["Location"]).content.decode()
    assert Demand.objects.count() == 3

    # The same sheet uploaded again: every ticket shown as taken in, none imported.
    response = _upload(client, GOOD_ROWS)
    html = client.get(response["Location"]).content.decode()
    assert "将导入 0 张工单" in html and html.count("已导入，跳过") == 3
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(reverse("demands:hotline_confirm", args=[token]))
    assert Demand.objects.count() == 3


def test_a_sheet_with_two_bad_rows_imports_nothing_and_names_both(world: World, dm: Dm) -> None:
    rows = [
        GOOD_ROWS[0],
        ["HL2026110009", "", "抱怨", "道路", "路面坑洼", "一曼街", "赵先生", "13812340000"],
        GOOD_ROWS[2],
        ["HL2026110010", "", "求助", "没有的分类", "井盖丢失", "红旗大街", "钱女士", "12345"],
    ]
    client = client_for(world.office)
    response = _upload(client, rows)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "第3行 诉求类型：" in html
    assert "第5行 诉求分类：" in html and "第5行 联系电话：" in html
    assert "不会导入任何工单" in html and "confirm-import" not in html
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    refused = client.post(reverse("demands:hotline_confirm", args=[token]))
    assert refused.status_code == 422 and "第3行" in refused.content.decode()
    assert not Demand.objects.exists()


def test_bad_uploads_are_answered_beside_the_field(world: World, dm: Dm, settings: Any) -> None:
    client = client_for(world.office)
    not_xlsx = io.BytesIO(b"number,kind\n1,2\n")
    not_xlsx.name = "tickets.csv"
    response = client.post(reverse("demands:hotline_import"), {"file": not_xlsx})
    assert response.status_code == 422 and ".xlsx" in response.content.decode()
    fake = io.BytesIO(b"this is no zip")
    fake.name = "tickets.xlsx"
    response = client.post(reverse("demands:hotline_import"), {"file": fake})
    assert response.status_code == 422 and "不是有效的 .xlsx 文件" in response.content.decode()
    response = client.post(reverse("demands:hotline_import"), {})
    assert response.status_code == 422 and "field-error" in response.content.decode()
    settings.SHISHI_MAX_UPLOAD_BYTES = 1024
    response = _upload(client, GOOD_ROWS)
    assert response.status_code == 422 and "文件过大" in response.content.decode()
    # A sheet without the required columns is listed as such on the preview.
    settings.SHISHI_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    response = _upload(client, [["x"]], header=["编号"])
    html = client.get(response["Location"]).content.decode()
    assert "缺少列" in html
    assert not Demand.objects.exists()


def test_the_preview_is_the_uploaders_only(world: World, dm: Dm) -> None:
    response = _upload(client_for(world.office), GOOD_ROWS)
    url = response["Location"]
    for user in (world.outsider, world.operator, world.editor_a):
        assert client_for(user).get(url).status_code == 404
        token = url.rstrip("/").rsplit("/", 1)[-1]
        confirm = client_for(user).post(reverse("demands:hotline_confirm", args=[token]))
        assert confirm.status_code == 404
    assert client_for(world.office).get("/demands/office/hotline/nosuchtoken/").status_code == 404
    assert not Demand.objects.exists()


def test_a_kept_sheet_is_removed_once_imported(world: World, dm: Dm, settings: Any) -> None:
    client = client_for(world.office)
    _upload(client, GOOD_ROWS[:1])
    kept = list((Path(settings.MEDIA_ROOT) / hotline_uploads.PREFIX).iterdir())
    assert len(kept) == 1
    entry = next(iter(client.session["demands.hotline_imports"].values()))
    assert hotline_uploads.read_kept(entry["path"]) is not None
    token = next(iter(client.session["demands.hotline_imports"]))
    client.post(reverse("demands:hotline_confirm", args=[token]))
    assert not list((Path(settings.MEDIA_ROOT) / hotline_uploads.PREFIX).iterdir())
    assert hotline_uploads.read_kept("../../etc/passwd") is None


def test_export_with_good_and_bad_dates(world: World, dm: Dm) -> None:
    client = client_for(world.office)
    token = _upload(client, GOOD_ROWS[:2])["Location"].rstrip("/").rsplit("/", 1)[-1]
    client.post(reverse("demands:hotline_confirm", args=[token]))
    first = Demand.objects.first()
    assert first is not None
    today = timezone.localdate(first.created_at)
    url = reverse("demands:hotline_export")
    response = client.get(url, {"start": today.isoformat(), "end": today.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单编号", "承办单位", "办理状态")
    assert sorted(r[0] for r in rows[1:]) == ["HL2026110001", "HL2026110002"]

    for params, field_message in (
        ({"start": "2026-13-01", "end": "2026-11-30"}, "日期应写成如2026-11-01的形式"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "结束日期不能早于开始日期"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "一次最多导出366天"),
        ({"start": "", "end": "2026-11-01"}, "请填写开始日期"),
        ({"start": "1-1-1", "end": "x" * 500}, "日期应写成如2026-11-30的形式"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "日期应在2000年至2100年之间"),
    ):
        response = client.get(url, params)
        html = response.content.decode()
        assert response.status_code == 422, params
        assert field_message in html and "field-error" in html
    assert client_for(world.operator).get(url, {"start": "2026-11-01"}).status_code == 403
    # Hulan's office exports Hulan's tickets only, whatever it asks for.
    response = client_for(world.outsider).get(
        url, {"start": today.isoformat(), "end": today.isoformat(), "jurisdiction": "230103"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None and sheet.max_row == 1


# --- Open311 keys ----------------------------------------------------------------------------

GOOD_POST = {
    "service_code": "streetlight",
    "address_string": "果戈里大街",
    "description": "果戈里大街路灯一整排都不亮",
    "phone": "13812345678",
}


def test_key_created_on_the_page_posts_then_deactivated_is_refused(
    world: World, dm: Dm, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(world.office)
    response = client.post(reverse("demands:open311_keys"), {"name": "城市管家App"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    found = re.search(r'id="new-key-value">(o311_[^<]+)<', html)
    assert found is not None
    key = found.group(1)
    assert "无法再次显示" in html
    row = Open311Key.objects.get()
    assert row.name == "城市管家App" and row.created_by == world.office and row.is_active
    assert key not in row.key_hash
    assert AuditEvent.objects.filter(action="demands.open311_key.create").count() == 1
    # Shown once: the list afterwards does not carry it.
    listing = client.get(reverse("demands:open311_keys")).content.decode()
    assert key not in listing and "城市管家App" in listing
    assert key not in caplog.text

    posted = Client().post("/open311/v2/requests.json", {"api_key": key, **GOOD_POST})
    assert posted.status_code == 200, posted.content
    assert Demand.objects.filter(channel=Channel.OPEN311).count() == 1
    row.refresh_from_db()
    assert row.last_used_at is not None
    used = timezone.localtime(row.last_used_at).strftime("%Y-%m-%d %H:%M")
    assert used in client.get(reverse("demands:open311_keys")).content.decode()

    # Another district's office cannot stop it; Nangang's office can.
    stop = reverse("demands:open311_key_deactivate", args=[row.pk])
    assert client_for(world.outsider).post(stop).status_code == 404
    assert client_for(world.operator).post(stop).status_code == 403
    assert client_for(world.office).get(stop).status_code == 405
    response = client.post(stop)
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.is_active
    event = AuditEvent.objects.get(action="demands.open311_key.deactivate")
    assert event.actor_id == world.office.pk
    assert client.post(stop).status_code == 302  # again: no second event
    assert AuditEvent.objects.filter(action="demands.open311_key.deactivate").count() == 1

    refused = Client().post("/open311/v2/requests.json", {"api_key": key, **GOOD_POST})
    assert refused.status_code in (401, 403)
    assert Demand.objects.filter(channel=Channel.OPEN311).count() == 1
    listing = client.get(reverse("demands:open311_keys")).content.decode()
    assert "已停用" in listing


def test_bad_key_names_are_answered_beside_the_field(world: World, dm: Dm) -> None:
    client = client_for(world.office)
    for name, message in (("", "请填写密钥名称"), ("   ", "请填写密钥名称"), ("长" * 101, "100")):
        response = client.post(reverse("demands:open311_keys"), {"name": name})
        html = response.content.decode()
        assert response.status_code == 422 and message in html and "field-error" in html
        assert "new-key-value" not in html
    assert (
        client_for(world.operator).post(reverse("demands:open311_keys"), {"name": "x"}).status_code
        == 403
    )
    assert not Open311Key.objects.exists()


# --- residents' texts ------------------------------------------------------------------------


def _take(world: World, dm: Dm, capture: Any, phone: str = PHONE) -> Demand:
    with capture(execute=True):
        return services.take_in(
            world.nangang.pk,
            services.IntakeInput(
                kind="help",
                category_id=dm.road.pk,
                description="红旗大街路面塌陷，车辆无法通行",
                channel="phone",
                phone=phone,
            ),
            actor=world.operator,
        )


def test_texts_page_masks_every_number_and_resends_a_failed_text(
    world: World,
    dm: Dm,
    gateway: FakeGateway,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from shishi.core.fields import PersonalNumber
    from shishi.demands import texts

    gateway.templates = {"SMS_DEMAND_CODE"}  # the taken-in template not approved yet
    demand = _take(world, dm, django_capture_on_commit_callbacks)
    run_ready_tasks()
    failed = ResidentText.objects.get(purpose="taken_in")
    assert failed.status == "failed"
    texts.send_code(PersonalNumber.of("phone", "13700001111"), "246810")  # no district
    texts.send_code(  # from Nangang's form
        PersonalNumber.of("phone", "13700002222"), "135790", jurisdiction_id=world.nangang.pk
    )
    texts.send_code(  # from Hulan's form
        PersonalNumber.of("phone", "13700003333"), "975310", jurisdiction_id=world.hulan.pk
    )

    for user in (world.office, world.operator):
        html = client_for(user).get(reverse("demands:texts")).content.decode()
        assert PHONE not in html and "139****5678" in html
        assert "13700001111" not in html and "246810" not in html
        assert demand.number in html and reverse("demands:demand", args=[demand.pk]) in html
        assert "发送失败" in html and "受理通知" in html
        assert reverse("demands:text_resend", args=[failed.pk]) in html
        # The district's own codes; one without a district only for those who read every
        # district's texts; never another district's.
        assert html.count("验证码（内容不保存）") == 1
        assert "137****2222" in html and "137****3333" not in html and "137****1111" not in html
        assert "135790" not in html
    assert (
        demand.number
        not in client_for(world.outsider)
        .get(reverse("demands:texts"), {"jurisdiction": "230103"})
        .content.decode()
    )

    # The resend: refused to others, then queued again and sent by the worker.
    resend = reverse("demands:text_resend", args=[failed.pk])
    assert client_for(world.outsider).post(resend).status_code == 404
    assert client_for(world.editor_a).post(resend).status_code == 403
    gateway.templates = {"SMS_DEMAND_CODE", "SMS_DEMAND_TAKEN_IN"}
    sent_before = len(gateway.sms)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.operator).post(resend, {"query": "status=failed"})
    assert response.status_code == 302 and response["Location"].endswith("?status=failed")
    failed.refresh_from_db()
    assert failed.status == "queued"
    assert run_ready_tasks() >= 1
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 2 and failed.provider_id
    assert len(gateway.sms) == sent_before + 1 and gateway.sms[-1].to == PHONE
    event = AuditEvent.objects.get(action="demands.resend_text")
    assert event.actor_id == world.operator.pk and PHONE not in str(event.changes)
    # A sent text is not sent again.
    client_for(world.operator).post(resend)
    failed.refresh_from_db()
    assert failed.status == "sent" and len(gateway.sms) == sent_before + 1


def test_codes_show_to_whoever_reads_every_district(
    world: World, dm: Dm, gateway: FakeGateway, admin_user: Any
) -> None:
    from shishi.core.fields import PersonalNumber
    from shishi.demands import texts

    row = texts.send_code(PersonalNumber.of("phone", "13700001111"), "246810")
    html = client_for(admin_user).get(reverse("demands:texts")).content.decode()
    assert "验证码（内容不保存）" in html and "137****1111" in html
    assert "13700001111" not in html and "246810" not in html
    assert reverse("demands:text_resend", args=[row.pk]) not in html
    assert (
        client_for(admin_user).post(reverse("demands:text_resend", args=[row.pk])).status_code
        == 404
    )


def test_texts_filters_and_bad_query_strings(
    world: World, dm: Dm, gateway: FakeGateway, django_capture_on_commit_callbacks: Any
) -> None:
    demand = _take(world, dm, django_capture_on_commit_callbacks)
    run_ready_tasks()
    client = client_for(world.office)
    url = reverse("demands:texts")
    sent = client.get(url, {"status": "sent"}).content.decode()
    assert demand.number in sent
    assert demand.number not in client.get(url, {"status": "failed"}).content.decode()
    assert demand.number not in client.get(url, {"purpose": "resolved"}).content.decode()
    assert demand.number in client.get(url, {"purpose": "taken_in"}).content.decode()
    for params in (
        {"status": "nonsense"},
        {"purpose": "<script>"},
        {"page": "-1"},
        {"page": "x" * 300},
        {"jurisdiction": "x" * 300},
        {"page": "99999999999999999999"},
    ):
        response = client.get(url, params)
        assert response.status_code == 200, params
        assert demand.number in response.content.decode()
    dropped = client.get(url, {"status": "nonsense"}).content.decode()
    assert "已忽略" in dropped and "状态" in dropped
    assert client.get(url, {"status": "sent\x01"}).status_code == 400


def test_texts_page_costs_the_same_queries_at_5_and_50_rows(world: World, dm: Dm) -> None:
    demand = services.take_in(
        world.nangang.pk,
        services.IntakeInput(
            kind="help",
            category_id=dm.road.pk,
            description="红旗大街路面塌陷",
            channel="phone",
            landline="0451-86661234",
        ),
        actor=world.operator,
    )
    client = client_for(world.office)
    url = reverse("demands:texts")

    def count(rows: int) -> int:
        ResidentText.objects.all().delete()
        ResidentText.objects.bulk_create(
            ResidentText(demand=demand, purpose="taken_in", phone=PHONE, status="failed")
            for _ in range(rows)
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count('id="text-') == min(rows, 50)
        return len(queries)

    assert count(5) == count(60)


def test_a_long_preview_is_paged_and_confirm_takes_every_row(world: World, dm: Dm) -> None:
    rows = [
        [
            f"HL20261120{n:03d}",
            "",
            "求助",
            "道路",
            f"一曼街第{n}处路面塌陷",
            "一曼街",
            "",
            13812345678,
        ]
        for n in range(150)
    ]
    client = client_for(world.office)
    url = _upload(client, rows)["Location"]
    first = client.get(url).content.decode()
    assert first.count("HL20261120") == 100 and "确认导入 150 张工单" in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert second.count("HL20261120") == 50
    assert client.get(url, {"page": "abc"}).status_code == 200
    token = url.rstrip("/").rsplit("/", 1)[-1]
    client.post(reverse("demands:hotline_confirm", args=[token]))
    assert Demand.objects.count() == 150
