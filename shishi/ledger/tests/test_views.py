"""The ledger's pages, walked by each persona."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import Item, Lifecycle, ProgressUpdate
from shishi.ledger.selectors import HISTORY_LIMIT
from shishi.ledger.tests.factories import CategoryFactory, ItemFactory
from shishi.orgs.models import User


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def tiny_png() -> bytes:
    """A valid 1×1 PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xc0\x20\x1a"))
        + chunk(b"IEND", b"")
    )


def _item_urls(item: Item) -> list[str]:
    return [
        reverse("ledger:item", args=[item.pk]),
        reverse("ledger:progress", args=[item.pk]),
        reverse("ledger:edit", args=[item.pk]),
    ]


# --- who may open what ------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_every_page(world: World) -> None:
    client = _client()
    urls = [
        reverse("home"),
        reverse("ledger:list"),
        reverse("ledger:mine"),
        reverse("ledger:import"),
        reverse("ledger:export") + f"?programme={world.programme.pk}",
        *_item_urls(world.item_a),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    for name in ("ledger:close_out", "ledger:reopen"):
        response = client.post(reverse(name, args=[world.item_a.pk]))
        assert response.status_code == 302


def test_login_page_renders(client: Client, world: World) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "用户名" in response.content.decode()
    response = client.post(reverse("login"), {"username": "office", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize("persona", ["outsider", "resident"])
def test_other_districts_and_residents_get_404_for_nangang_items(
    world: World, persona: str
) -> None:
    client = _client(getattr(world, persona))
    for url in _item_urls(world.item_a):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "抢修一曼街" not in response.content.decode()
    response = client.post(reverse("ledger:progress", args=[world.item_a.pk]), {"text": "x"})
    assert response.status_code == 404
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    response = client.post(reverse("ledger:close_out", args=[world.item_a.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "resident"])
def test_lists_show_nothing_of_nangang_to_others(world: World, persona: str) -> None:
    client = _client(getattr(world, persona))
    for url in (reverse("ledger:list"), reverse("ledger:mine")):
        body = client.get(url).content.decode()
        assert "抢修一曼街" not in body
        assert "南岗区" not in body
    response = client.get(reverse("ledger:list"), {"programme": world.programme.pk})
    assert response.status_code == 404
    response = client.get(reverse("ledger:list"), {"jurisdiction": world.nangang.code})
    assert "抢修一曼街" not in response.content.decode()
    response = client.get(reverse("ledger:export"), {"programme": world.programme.pk})
    assert response.status_code == 404


def test_outsider_sees_own_district_ledger(world: World) -> None:
    body = _client(world.outsider).get(reverse("ledger:list")).content.decode()
    assert "职业技能培训" in body


def test_resident_sees_friendly_no_role_page(world: World) -> None:
    response = _client(world.resident).get(reverse("home"))
    assert response.status_code == 200
    assert "您还没有被分配角色" in response.content.decode()


def test_home_takes_a_member_to_the_ledger(world: World) -> None:
    response = _client(world.office).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ledger:list"))


def test_unit_editor_cannot_open_or_post_other_units_progress_form(world: World) -> None:
    client = _client(world.editor_b)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert "403" in response.content.decode()
    response = client.post(url, {"text": "越权填报", "rate": "50", "version": "1"})
    assert response.status_code == 403
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    assert (
        _client(world.editor_b).get(reverse("ledger:edit", args=[world.item_a.pk])).status_code
        == 403
    )


def test_viewer_and_leader_see_the_item_without_action_buttons(world: World) -> None:
    for user in (world.viewer_a, world.leader, world.inspector):
        response = _client(user).get(reverse("ledger:item", args=[world.item_a.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "抢修一曼街塌陷及翻浆路段" in body
        assert reverse("ledger:progress", args=[world.item_a.pk]) not in body
        assert reverse("ledger:edit", args=[world.item_a.pk]) not in body


# --- progress -------------------------------------------------------------------------------


def test_lead_unit_editor_posts_progress_with_photo_and_sees_it(world: World) -> None:
    client = _client(world.editor_a)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="rate"' in form.content.decode()
    target = world.item_a.targets.get()
    photo = SimpleUploadedFile("现场.png", tiny_png(), content_type="image/png")
    response = client.post(
        url,
        {
            "reported_on": "2021-06-01",
            "rate": "45",
            "text": "完成一曼街东段路面修复",
            f"target_{target.pk}": "9",
            "done_investment": "120.5",
            "attachments": [photo],
            "version": str(world.item_a.version),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("ledger:item", args=[world.item_a.pk])
    item = _fresh(world.item_a)
    assert item.completion_rate == Decimal(45)
    assert item.done_investment == Decimal("1205000.00")
    assert item.targets.get().actual == Decimal(9)
    update = ProgressUpdate.objects.get(item=item)
    attachment = update.attachments.get()
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "进展已填报" in body
    assert "完成一曼街东段路面修复" in body
    image_url = reverse("ledger:attachment", args=[item.pk, attachment.pk])
    assert f'<img src="{image_url}"' in body
    assert "2021年6月1日" in body
    image = client.get(image_url)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert _client(world.outsider).get(image_url).status_code == 404


def test_progress_form_shows_field_errors(world: World) -> None:
    client = _client(world.editor_a)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    response = client.post(
        url, {"reported_on": "2021-06-01", "rate": "120", "text": "", "version": "1"}
    )
    assert response.status_code == 422
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = client.post(url, {"reported_on": future, "text": "提前填报", "version": "1"})
    assert response.status_code == 422
    assert "不能晚于今天" in response.content.decode()


def test_unsupported_attachment_is_refused_with_message(world: World) -> None:
    client = _client(world.editor_a)
    script = SimpleUploadedFile("a.html", b"<script>", content_type="text/html")
    response = client.post(
        reverse("ledger:progress", args=[world.item_a.pk]),
        {"reported_on": "2021-06-01", "text": "附件", "attachments": [script], "version": "1"},
    )
    assert response.status_code == 422
    assert "类型不支持" in response.content.decode()
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()


def test_partner_unit_posts_a_note_only(world: World) -> None:
    client = _client(world.partner_editor)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    form = client.get(url).content.decode()
    assert 'name="rate"' not in form
    assert "配合单位" in form
    response = client.post(
        url,
        {"reported_on": "2021-06-02", "text": "配合完成管线迁移", "rate": "90", "version": "1"},
    )
    assert response.status_code == 302
    item = _fresh(world.item_a)
    assert item.completion_rate == Decimal(0)
    note = ProgressUpdate.objects.get(item=item)
    assert note.is_note and note.rate is None and note.unit_id == world.unit_c.pk
    body = _client(world.partner_editor).get(reverse("ledger:item", args=[item.pk])).content
    assert "配合单位备注" in body.decode()
    assert "配合完成管线迁移" in body.decode()


def test_stale_progress_is_refused_with_409_and_nothing_written(world: World) -> None:
    client = _client(world.editor_a)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    old_version = world.item_a.version
    services.record_progress(world.item_a, actor=world.office, text="专班代填", rate=Decimal(30))
    response = client.post(
        url,
        {"reported_on": "2021-06-01", "rate": "80", "text": "我的旧表单", "version": old_version},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "该事项已被他人修改" in body
    assert "30%" in body  # the current value is shown
    assert "我的旧表单" in body  # and the user's input kept
    item = _fresh(world.item_a)
    assert item.completion_rate == Decimal(30)
    assert ProgressUpdate.objects.filter(item=item).count() == 1
    assert f'value="{item.version}"' in body  # resubmitting now goes through


# --- editing, close out, reopen -----------------------------------------------------------


def test_lead_editor_edits_item_and_history_shows_it(world: World) -> None:
    client = _client(world.editor_a)
    url = reverse("ledger:edit", args=[world.item_a.pk])
    form = client.get(url).content.decode()
    assert 'name="lead_unit"' not in form  # only the office changes the lead unit
    response = client.post(
        url,
        {
            "name": world.item_a.name,
            "category": world.item_a.category_id,
            "content": "修复一曼街全线",
            "measures": "夜间施工",
            "deadline_text": "9月30日前",
            "planned_investment": "320",
            "sponsor_leaders": [world.leader_person.pk],
            "partner_units": [world.unit_c.pk, world.unit_b.pk],
            "remarks": "",
            "version": world.item_a.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = _fresh(world.item_a)
    assert item.planned_investment == Decimal("3200000.00")
    assert item.due_date == dt.date(2021, 9, 30)
    assert set(item.partner_units.values_list("pk", flat=True)) == {
        world.unit_b.pk,
        world.unit_c.pk,
    }
    body = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert "修改事项" in body
    assert "完成时限" in body and "9月30日前" in body
    assert "320万元" in body


def test_office_may_change_lead_unit(world: World) -> None:
    client = _client(world.office)
    url = reverse("ledger:edit", args=[world.item_b.pk])
    assert 'name="lead_unit"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": "新建幼儿园(调整)",
            "lead_unit": world.unit_a.pk,
            "deadline_text": "年底前",
            "version": world.item_b.version,
        },
    )
    assert response.status_code == 302
    item = _fresh(world.item_b)
    assert item.lead_unit_id == world.unit_a.pk
    assert item.name == "新建幼儿园(调整)"


def test_stale_edit_is_refused_with_409_and_nothing_overwritten(world: World) -> None:
    old_version = world.item_a.version
    services.update_item(
        world.item_a, actor=world.office, expected_version=old_version, content="专班修改"
    )
    response = _client(world.editor_a).post(
        reverse("ledger:edit", args=[world.item_a.pk]),
        {"name": "我的改名", "content": "我的内容", "deadline_text": "", "version": old_version},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "该事项已被他人修改" in body
    assert "专班修改" in body
    item = _fresh(world.item_a)
    assert item.content == "专班修改"
    assert item.name == "抢修一曼街塌陷及翻浆路段"


def test_bad_deadline_is_shown_next_to_the_field(world: World) -> None:
    response = _client(world.editor_a).post(
        reverse("ledger:edit", args=[world.item_a.pk]),
        {"name": "x", "deadline_text": "明年再说", "version": world.item_a.version},
    )
    assert response.status_code == 422
    assert "无法识别完成时限" in response.content.decode()
    assert _fresh(world.item_a).deadline_text == "2021年12月底前"


def test_office_closes_out_done_item_and_reopens_with_reason(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    item = _fresh(world.item_a)
    client = _client(world.office)
    page = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert reverse("ledger:close_out", args=[item.pk]) in page
    response = client.post(
        reverse("ledger:close_out", args=[item.pk]), {"note": "验收合格", "version": item.version}
    )
    assert response.status_code == 302
    item = _fresh(item)
    assert item.lifecycle == Lifecycle.CLOSED_OUT
    page = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert reverse("ledger:reopen", args=[item.pk]) in page
    assert "销号" in page
    response = client.post(reverse("ledger:reopen", args=[item.pk]), {"reason": ""})
    assert response.status_code == 422
    assert "请填写重新打开的原因" in response.content.decode()
    assert _fresh(item).lifecycle == Lifecycle.CLOSED_OUT
    response = client.post(
        reverse("ledger:reopen", args=[item.pk]), {"reason": "群众反映路面再次塌陷"}
    )
    assert response.status_code == 302
    assert _fresh(item).lifecycle == Lifecycle.IN_PROGRESS
    event = AuditEvent.objects.filter(action="item.reopen", target_id=str(item.pk)).get()
    assert event.changes["reason"] == [None, "群众反映路面再次塌陷"]


def test_close_out_refuses_unfinished_item_and_non_office(world: World) -> None:
    response = _client(world.office).post(reverse("ledger:close_out", args=[world.item_a.pk]))
    assert response.status_code == 422
    assert "只有已完成的事项可以销号" in response.content.decode()
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    response = _client(world.editor_a).post(reverse("ledger:close_out", args=[world.item_a.pk]))
    assert response.status_code == 403
    assert _fresh(world.item_a).lifecycle == Lifecycle.DONE


def test_wrong_method_is_refused(world: World) -> None:
    client = _client(world.office)
    assert client.get(reverse("ledger:close_out", args=[world.item_a.pk])).status_code == 405
    assert client.post(reverse("ledger:list")).status_code == 405


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_items_with_columns_and_chips(world: World) -> None:
    response = _client(world.office).get(reverse("ledger:list"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "抢修一曼街塌陷及翻浆路段",
        "新建幼儿园",
        "区城管局",
        "常务副区长",
        "城建城管执法类",
    ):
        assert text in body
    assert "职业技能培训" not in body  # Hulan's
    assert "导入台账" in body and "导出Excel" in body
    assert 'class="chip' in body


def test_list_filters(world: World) -> None:
    client = _client(world.office)
    url = reverse("ledger:list")

    def names(**params: Any) -> set[str]:
        body = client.get(url, params).content.decode()
        return {n for n in ("抢修一曼街塌陷及翻浆路段", "新建幼儿园") if n in body}

    assert names(q="幼儿园") == {"新建幼儿园"}
    assert names(q="1-1") == {"抢修一曼街塌陷及翻浆路段"}
    assert names(unit=world.unit_c.pk) == {"抢修一曼街塌陷及翻浆路段"}  # as partner
    assert names(unit=world.unit_b.pk) == {"新建幼儿园"}
    assert names(leader=world.leader_person.pk) == {"抢修一曼街塌陷及翻浆路段"}
    assert names(lifecycle="done") == set()
    assert names(overdue="1") == {"抢修一曼街塌陷及翻浆路段", "新建幼儿园"}  # 2021 is past


def test_list_htmx_returns_the_results_partial(world: World) -> None:
    response = _client(world.office).get(
        reverse("ledger:list"),
        {"q": "幼儿园"},
        headers={"HX-Request": "true", "HX-Target": "ledger-results"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="ledger-results"')
    assert "<html" not in body
    assert "新建幼儿园" in body and "抢修一曼街" not in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1"},
        {"unit": "xyz"},
        {"category": "999999"},
        {"leader": "-5"},
        {"programme": "abc"},
        {"programme": "99999999999999999999999"},
        {"lifecycle": "bogus"},
        {"overdue": "maybe"},
        {"per_page": "100000"},
        {"per_page": "zero"},
        {"jurisdiction": "../../"},
        {"q": "路" * 500},
        {"category": "1e9", "unit": "0x10", "page": "1.5"},
    ],
)
def test_bad_query_params_never_500(world: World, params: dict[str, str]) -> None:
    response = _client(world.office).get(reverse("ledger:list"), params)
    assert response.status_code in (200, 404)


def test_bad_ids_in_paths_are_404(world: World) -> None:
    client = _client(world.office)
    for url in (
        "/ledger/items/99999999999999999999999/",
        "/ledger/items/0/",
        "/ledger/items/999999/progress/",
        f"/ledger/items/{world.item_a.pk}/attachments/424242/",
        "/ledger/import/999999/",
    ):
        assert client.get(url).status_code == 404, url


def test_per_page_is_capped_at_100(world: World) -> None:
    category = CategoryFactory(programme=world.programme, name="民生服务类")
    for n in range(105):
        ItemFactory(
            programme=world.programme, category=category, lead_unit=world.unit_b, number=f"2-{n}"
        )
    client = _client(world.office)
    body = client.get(reverse("ledger:list"), {"per_page": "500"}).content.decode()
    assert body.count('<td class="col-num"') == 100
    body = client.get(reverse("ledger:list")).content.decode()
    assert body.count('<td class="col-num"') == 25
    assert "?page=2" in body or "page=2" in body


def _many_items(world: World, count: int, category_name: str) -> None:
    """``count`` items with a sponsor and a partner each, in a category of their own."""
    category = CategoryFactory(programme=world.programme, name=category_name)
    for n in range(count):
        item = cast(
            Item,
            ItemFactory(
                programme=world.programme,
                category=category,
                lead_unit=world.unit_a if n % 2 else world.unit_b,
                number=f"{category_name}-{n}",
            ),
        )
        item.sponsor_leaders.add(world.leader_person)
        item.partner_units.add(world.unit_c)


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["ledger:list", "ledger:mine"])
def test_list_pages_use_a_constant_number_of_queries(
    world: World, page: str, django_assert_max_num_queries: Any
) -> None:
    client = _client(world.leader)  # sponsors every item made here, so "mine" lists them
    url = reverse(page) + ("?per_page=100" if page == "ledger:list" else "")
    _many_items(world, 10, "民生服务类")
    few = _count_queries(client, url)
    _many_items(world, 50, "文教卫生类")  # 60 now
    many = _count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(few):
        body = client.get(url).content.decode()
    assert body.count('<td class="col-num"') >= 60


def test_item_page_uses_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = _client(world.office)
    url = reverse("ledger:item", args=[world.item_a.pk])

    def post(n: int) -> None:
        for i in range(n):
            item = _fresh(world.item_a)
            photo = SimpleUploadedFile(f"p{i}.png", tiny_png(), content_type="image/png")
            services.record_progress(
                item,
                actor=world.editor_a,
                text=f"第{i}次进展",
                rate=Decimal(i % 100),
                reported_on=dt.date(2021, 1, 1) + dt.timedelta(days=i),
                attachments=[photo],
            )

    post(5)
    few = _count_queries(client, url)
    post(45)
    many = _count_queries(client, url)
    assert few == many
    with django_assert_max_num_queries(few):
        body = client.get(url).content.decode()
    assert body.count('class="attachments"') == 50


def test_item_history_is_limited_with_a_link_to_all(world: World) -> None:
    item = world.item_a
    for i in range(105):
        item = services.update_item(
            _fresh(item), actor=world.office, expected_version=None, remarks=f"备注{i}"
        )
    client = _client(world.office)
    body = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert "?history=all" in body
    assert body.count('<span class="h-field">备注</span>') == HISTORY_LIMIT
    body = client.get(reverse("ledger:item", args=[item.pk]), {"history": "all"}).content.decode()
    # the 105 edits and the creation (which set 备注 to blank)
    assert body.count('<span class="h-field">备注</span>') == 106


def test_mine_groups_items_with_overdue_first(world: World) -> None:
    body = _client(world.leader).get(reverse("ledger:mine")).content.decode()
    assert "抢修一曼街塌陷及翻浆路段" in body
    assert "新建幼儿园" not in body  # not sponsored by this leader
    assert "已逾期" in body
    body = _client(world.partner_editor).get(reverse("ledger:mine")).content.decode()
    assert "抢修一曼街塌陷及翻浆路段" in body
    body = _client(world.office).get(reverse("ledger:mine")).content.decode()
    assert "没有与您相关的事项" in body


def test_city_office_sees_district_switcher(world: World) -> None:
    client = _client(world.city_office)
    body = client.get(reverse("ledger:list")).content.decode()
    assert 'name="jurisdiction"' in body
    assert "呼兰区" in body and "南岗区" in body
    body = client.get(reverse("ledger:list"), {"jurisdiction": world.hulan.code}).content.decode()
    assert "职业技能培训" in body
    assert "抢修一曼街" not in body
    item_page = reverse("ledger:item", args=[world.item_a.pk])
    assert 'id="switch-jurisdiction"' in client.get(item_page).content.decode()
    # One district: no switcher (and no query for it).
    assert 'id="switch-jurisdiction"' not in _client(world.office).get(item_page).content.decode()


def test_top_bar_shows_name_roles_language_and_logout(world: World) -> None:
    body = _client(world.editor_a).get(reverse("ledger:list")).content.decode()
    assert "editor_a" in body
    assert "区城管局单位填报员" in body
    assert reverse("set_language") in body
    assert f'action="{reverse("logout")}" method="post"' in body


def test_english_catalogue_is_used(world: World) -> None:
    client = _client(world.office)
    client.post(reverse("set_language"), {"language": "en", "next": "/ledger/"})
    body = client.get(reverse("ledger:list")).content.decode()
    assert "<h1>Ledger</h1>" in body
    assert "Export to Excel" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/ledger/"})
    assert "<h1>实事台账</h1>" in client.get(reverse("ledger:list")).content.decode()


# --- export and import ---------------------------------------------------------------------


def test_export_downloads_xlsx_with_chinese_filename(world: World) -> None:
    response = _client(world.office).get(
        reverse("ledger:export"), {"programme": world.programme.pk}
    )
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
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
    client = _client(world.office)
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
    assert _client(world.editor_a).get(preview_url).status_code == 403
    assert _client(world.outsider).get(preview_url).status_code == 404
    response = client.post(reverse("ledger:import_confirm", args=[batch_id]))
    assert response.status_code == 302
    listing = client.get(response["Location"]).content.decode()
    assert "导入完成" in listing
    assert "老旧小区改造" in listing
    assert Item.objects.filter(programme__year=2022, jurisdiction=world.nangang).count() == 2
    assert AuditEvent.objects.filter(action="import_batch.applied").count() == 1


def test_import_with_errors_shows_table_and_no_confirm(world: World) -> None:
    bad = [(*GOOD_ROWS[0][:4], "明年某天", *GOOD_ROWS[0][5:])]
    client = _client(world.office)
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
    client = _client(world.office)
    upload = SimpleUploadedFile("notes.txt", b"hello")
    response = client.post(
        reverse("ledger:import"), {"year": "2022", "jurisdiction": world.nangang.pk, "file": upload}
    )
    assert response.status_code == 422
    assert ".xlsx" in response.content.decode()
    for user in (world.editor_a, world.leader, world.resident):
        assert _client(user).get(reverse("ledger:import")).status_code == 403
        upload = SimpleUploadedFile("a.xlsx", b"PK\x03\x04")
        response = _client(user).post(reverse("ledger:import"), {"year": "2022", "file": upload})
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
