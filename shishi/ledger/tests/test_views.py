"""The ledger's item pages, walked by each persona: access, progress, editing, close-out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import Item, Lifecycle, ProgressUpdate
from shishi.ledger.tests.pages import fresh, tiny_png


def _item_urls(item: Item) -> list[str]:
    return [
        reverse("ledger:item", args=[item.pk]),
        reverse("ledger:progress", args=[item.pk]),
        reverse("ledger:edit", args=[item.pk]),
    ]


# --- who may open what ------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_every_page(world: World) -> None:
    client = client_for()
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
    client = client_for(getattr(world, persona))
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
    client = client_for(getattr(world, persona))
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
    body = client_for(world.outsider).get(reverse("ledger:list")).content.decode()
    assert "职业技能培训" in body


def test_resident_sees_friendly_no_role_page(world: World) -> None:
    response = client_for(world.resident).get(reverse("home"))
    assert response.status_code == 200
    assert "您还没有被分配角色" in response.content.decode()


def test_home_takes_a_member_to_the_ledger(world: World) -> None:
    response = client_for(world.inspector).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("ledger:list"))


def test_unit_editor_cannot_open_or_post_other_units_progress_form(world: World) -> None:
    client = client_for(world.editor_b)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert "403" in response.content.decode()
    response = client.post(url, {"text": "越权填报", "rate": "50", "version": "1"})
    assert response.status_code == 403
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    assert (
        client_for(world.editor_b).get(reverse("ledger:edit", args=[world.item_a.pk])).status_code
        == 403
    )


def test_viewer_and_leader_see_the_item_without_action_buttons(world: World) -> None:
    for user in (world.viewer_a, world.leader, world.inspector):
        response = client_for(user).get(reverse("ledger:item", args=[world.item_a.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "抢修一曼街塌陷及翻浆路段" in body
        assert reverse("ledger:progress", args=[world.item_a.pk]) not in body
        assert reverse("ledger:edit", args=[world.item_a.pk]) not in body


# --- progress -------------------------------------------------------------------------------


def test_lead_unit_editor_posts_progress_with_photo_and_sees_it(world: World) -> None:
    client = client_for(world.editor_a)
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
    item = fresh(world.item_a)
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
    assert client_for(world.outsider).get(image_url).status_code == 404


def test_progress_form_shows_field_errors(world: World) -> None:
    client = client_for(world.editor_a)
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
    client = client_for(world.editor_a)
    script = SimpleUploadedFile("a.html", b"<script>", content_type="text/html")
    response = client.post(
        reverse("ledger:progress", args=[world.item_a.pk]),
        {"reported_on": "2021-06-01", "text": "附件", "attachments": [script], "version": "1"},
    )
    assert response.status_code == 422
    assert "类型不支持" in response.content.decode()
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()


def test_partner_unit_posts_a_note_only(world: World) -> None:
    client = client_for(world.partner_editor)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    form = client.get(url).content.decode()
    assert 'name="rate"' not in form
    assert "配合单位" in form
    response = client.post(
        url,
        {"reported_on": "2021-06-02", "text": "配合完成管线迁移", "rate": "90", "version": "1"},
    )
    assert response.status_code == 302
    item = fresh(world.item_a)
    assert item.completion_rate == Decimal(0)
    note = ProgressUpdate.objects.get(item=item)
    assert note.is_note and note.rate is None and note.unit_id == world.unit_c.pk
    body = client_for(world.partner_editor).get(reverse("ledger:item", args=[item.pk])).content
    assert "配合单位备注" in body.decode()
    assert "配合完成管线迁移" in body.decode()


def test_stale_progress_is_refused_with_409_and_nothing_written(world: World) -> None:
    client = client_for(world.editor_a)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    old_version = world.item_a.progress_version
    services.record_progress(world.item_a, actor=world.office, text="专班代填", rate=Decimal(30))
    response = client.post(
        url,
        {"reported_on": "2021-06-01", "rate": "80", "text": "我的旧表单", "version": old_version},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "已有新的进展填报" in body
    assert "30%" in body  # the current value is shown
    assert "我的旧表单" in body  # and the user's input kept
    item = fresh(world.item_a)
    assert item.completion_rate == Decimal(30)
    assert ProgressUpdate.objects.filter(item=item).count() == 1
    assert f'value="{item.progress_version}"' in body  # resubmitting now goes through


# --- editing, close out, reopen -----------------------------------------------------------


def test_lead_editor_may_not_open_the_edit_form(world: World) -> None:
    response = client_for(world.editor_a).get(reverse("ledger:edit", args=[world.item_a.pk]))
    assert response.status_code == 403
    assert "请提交调整申请" in response.content.decode()


def test_office_edits_item_and_history_shows_it(world: World) -> None:
    client = client_for(world.office)
    url = reverse("ledger:edit", args=[world.item_a.pk])
    form = client.get(url).content.decode()
    assert 'name="lead_unit"' in form
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
            "lead_unit": world.item_a.lead_unit_id,
            "remarks": "",
            "version": world.item_a.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    item = fresh(world.item_a)
    assert item.planned_investment == Decimal("3200000.00")
    assert item.due_date == dt.date(2021, 9, 30)
    assert set(item.partner_units.values_list("pk", flat=True)) == {
        world.unit_b.pk,
        world.unit_c.pk,
    }
    body = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert "完成时限" in body and "9月30日前" in body
    assert "320万元" in body
    history = client.get(reverse("ledger:item_history", args=[item.pk])).content.decode()
    assert "修改事项" in history and "9月30日前" in history


def test_office_may_change_lead_unit(world: World) -> None:
    client = client_for(world.office)
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
    item = fresh(world.item_b)
    assert item.lead_unit_id == world.unit_a.pk
    assert item.name == "新建幼儿园(调整)"


def test_stale_edit_is_refused_with_409_and_nothing_overwritten(world: World) -> None:
    old_version = world.item_a.version
    services.update_item(
        world.item_a, actor=world.office, expected_version=old_version, content="专班修改"
    )
    response = client_for(world.office).post(
        reverse("ledger:edit", args=[world.item_a.pk]),
        {
            "name": "我的改名",
            "content": "我的内容",
            "deadline_text": "",
            "lead_unit": world.item_a.lead_unit_id,
            "version": old_version,
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "该事项已被他人修改" in body
    assert "专班修改" in body
    item = fresh(world.item_a)
    assert item.content == "专班修改"
    assert item.name == "抢修一曼街塌陷及翻浆路段"


def test_bad_deadline_is_shown_next_to_the_field(world: World) -> None:
    response = client_for(world.office).post(
        reverse("ledger:edit", args=[world.item_a.pk]),
        {
            "name": "x",
            "deadline_text": "明年再说",
            "lead_unit": world.item_a.lead_unit_id,
            "version": world.item_a.version,
        },
    )
    assert response.status_code == 422
    assert "无法识别完成时限" in response.content.decode()
    assert fresh(world.item_a).deadline_text == "2021年12月底前"


def test_office_closes_out_done_item_and_reopens_with_reason(world: World) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    item = fresh(world.item_a)
    client = client_for(world.office)
    page = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert reverse("ledger:close_out", args=[item.pk]) in page
    response = client.post(
        reverse("ledger:close_out", args=[item.pk]), {"note": "验收合格", "version": item.version}
    )
    assert response.status_code == 302
    item = fresh(item)
    assert item.lifecycle == Lifecycle.CLOSED_OUT
    page = client.get(reverse("ledger:item", args=[item.pk])).content.decode()
    assert reverse("ledger:reopen", args=[item.pk]) in page
    assert "销号" in page
    response = client.post(reverse("ledger:reopen", args=[item.pk]), {"reason": ""})
    assert response.status_code == 422
    assert "请填写重新打开的原因" in response.content.decode()
    assert fresh(item).lifecycle == Lifecycle.CLOSED_OUT
    response = client.post(
        reverse("ledger:reopen", args=[item.pk]), {"reason": "群众反映路面再次塌陷"}
    )
    assert response.status_code == 302
    assert fresh(item).lifecycle == Lifecycle.IN_PROGRESS
    event = AuditEvent.objects.filter(action="item.reopen", target_id=str(item.pk)).get()
    assert event.changes["reason"] == [None, "群众反映路面再次塌陷"]


def test_close_out_refuses_unfinished_item_and_non_office(world: World) -> None:
    response = client_for(world.office).post(reverse("ledger:close_out", args=[world.item_a.pk]))
    assert response.status_code == 422
    assert "只有已完成的事项可以销号" in response.content.decode()
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    response = client_for(world.editor_a).post(reverse("ledger:close_out", args=[world.item_a.pk]))
    assert response.status_code == 403
    assert fresh(world.item_a).lifecycle == Lifecycle.DONE


def test_wrong_method_is_refused(world: World) -> None:
    client = client_for(world.office)
    assert client.get(reverse("ledger:close_out", args=[world.item_a.pk])).status_code == 405
    assert client.post(reverse("ledger:list")).status_code == 405
