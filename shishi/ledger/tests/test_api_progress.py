"""The API's progress posts: who may post what, stale versions, validation, the list of updates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import Item, Lifecycle, ProgressUpdate


def _updates(item: Item) -> int:
    return ProgressUpdate.objects.filter(item=item).count()


# --- progress updates -----------------------------------------------------------------


def test_editor_posts_progress_and_gets_the_new_item_state(world: World, as_user: Any) -> None:
    target = world.item_a.targets.get()
    response = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates",
        {
            "text": "已修复12处",
            "rate": 60,
            "reported_on": "2021-06-30",
            "target_actuals": {str(target.pk): "12"},
            "done_investment": "1250000.50",
            "expected_version": 1,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["item"] == {
        "id": world.item_a.pk,
        "version": 1,  # the item's own fields did not change
        "progress_version": 2,
        "completion_rate": 60,
        "lifecycle": "in_progress",
        "progress_text": "已修复12处",
        "progress_date": "2021-06-30",
    }
    update = body["update"]
    assert update["rate"] == 60
    assert update["unit"] == "区城管局"
    assert update["author"] == "editor_a"
    assert update["is_note"] is False
    assert update["target_actuals"] == {str(target.pk): "12"}
    assert update["done_investment"] == "1250000.50"
    assert update["attachments"] == []
    item = Item.objects.get(pk=world.item_a.pk)
    assert item.completion_rate == Decimal(60)
    assert item.done_investment == Decimal("1250000.50")
    target.refresh_from_db()
    assert target.actual == Decimal(12)
    assert AuditEvent.objects.filter(action="item.progress", actor=world.editor_a).count() == 1


def test_editor_of_another_unit_gets_403(world: World, as_user: Any) -> None:
    response = as_user(world.editor_b).post(
        f"/items/{world.item_a.pk}/updates", {"text": "x", "rate": 10}
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("只有牵头单位或专班")
    assert _updates(world.item_a) == 0


def test_partner_unit_may_post_a_note_but_not_a_rate(world: World, as_user: Any) -> None:
    partner = as_user(world.partner_editor)
    url = f"/items/{world.item_a.pk}/updates"
    note = partner.post(url, {"text": "配合完成管线迁移", "as_note": True})
    assert note.status_code == 201, note.content
    assert note.json()["update"]["is_note"] is True
    assert note.json()["update"]["unit"] == "区住建局"
    assert note.json()["item"]["completion_rate"] == 0
    assert partner.post(url, {"text": "x", "rate": 50}).status_code == 403
    with_rate = partner.post(url, {"text": "x", "rate": 50, "as_note": True})
    assert with_rate.status_code == 422
    assert _updates(world.item_a) == 1


@pytest.mark.parametrize("persona", ["viewer_a", "leader", "inspector", "operator", "outsider"])
def test_readers_cannot_post_progress(world: World, as_user: Any, persona: str) -> None:
    response = as_user(getattr(world, persona)).post(
        f"/items/{world.item_a.pk}/updates", {"text": "x", "rate": 10}
    )
    assert response.status_code == (404 if persona == "outsider" else 403)
    assert _updates(world.item_a) == 0


def test_stale_version_is_refused_and_nothing_written(world: World, as_user: Any) -> None:
    services.record_progress(world.item_a, actor=world.office, text="首次填报", rate=Decimal(10))
    editor = as_user(world.editor_a)
    audit_before = AuditEvent.objects.count()
    response = editor.post(
        f"/items/{world.item_a.pk}/updates",
        {"text": "迟到的填报", "rate": 90, "expected_version": 1},
    )
    assert response.status_code == 409
    assert "已有新的进展填报" in response.json()["detail"]
    item = Item.objects.get(pk=world.item_a.pk)
    assert (item.progress_version, item.completion_rate, item.progress_text) == (
        2,
        Decimal(10),
        "首次填报",
    )
    assert _updates(world.item_a) == 1
    assert AuditEvent.objects.count() == audit_before


def test_rate_over_100_is_a_422_with_field_errors(world: World, as_user: Any) -> None:
    response = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates", {"text": "x", "rate": 150}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"rate": "完成率应在0到100之间"}
    assert _updates(world.item_a) == 0


def test_service_validation_errors_come_back_per_field(world: World, as_user: Any) -> None:
    response = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates",
        {"text": "  ", "reported_on": "2999-01-01", "target_actuals": {"999999": 1}},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"text", "reported_on", "target_999999"}


def test_closed_out_item_takes_no_progress(world: World, as_user: Any) -> None:
    services.record_progress(world.item_a, actor=world.editor_a, text="完工", rate=Decimal(100))
    item = Item.objects.get(pk=world.item_a.pk)
    services.close_out_item(item, actor=world.office)
    response = as_user(world.editor_a).post(f"/items/{item.pk}/updates", {"text": "补充"})
    assert response.status_code == 422
    assert "已销号" in response.json()["detail"]
    assert Item.objects.get(pk=item.pk).lifecycle == Lifecycle.CLOSED_OUT


def test_updates_are_listed_newest_first_with_attachments(
    world: World, as_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    services.record_progress(
        world.item_a,
        actor=world.editor_a,
        text="一",
        rate=Decimal(10),
        reported_on=dt.date(2021, 3, 1),
    )
    services.record_progress(
        world.item_a,
        actor=world.editor_a,
        text="二",
        rate=Decimal(20),
        reported_on=dt.date(2021, 4, 1),
        attachments=[SimpleUploadedFile("现场.jpg", b"\xff\xd8jpeg", content_type="image/jpeg")],
    )
    services.record_progress(
        world.item_a,
        actor=world.partner_editor,
        text="备注",
        as_note=True,
        reported_on=dt.date(2021, 2, 1),
    )
    reader = as_user(world.viewer_a)
    body = reader.get(f"/items/{world.item_a.pk}/updates").json()
    assert body["count"] == 3
    assert [u["text"] for u in body["items"]] == ["二", "一", "备注"]
    second = body["items"][0]
    assert second["author"] == "editor_a"
    assert second["unit"] == "区城管局"
    assert second["attachments"][0]["name"] == "现场.jpg"
    assert second["attachments"][0]["size"] == 6
    assert second["attachments"][0]["url"].startswith("http://testserver/media/progress/")
    assert body["items"][2]["is_note"] is True
    paged = reader.get(f"/items/{world.item_a.pk}/updates", page=2, page_size=2).json()
    assert [u["text"] for u in paged["items"]] == ["备注"]
