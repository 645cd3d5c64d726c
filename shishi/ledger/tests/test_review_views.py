"""The office's review pages: the queue (待审核) with its filters, bulk publish, reject with a
comment, and the programme's review settings."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from shishi.conftest import World, client_for
from shishi.ledger import review_forms, services
from shishi.ledger.models import Attachment, Item, Programme, ProgressUpdate, Review
from shishi.orgs import services as org_services
from shishi.orgs.models import Role

QUEUE = "/ledger/review/"
PUBLISH = "/ledger/review/publish/"


def fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def post(item: Item, actor: Any, rate: int | None = None, **kwargs: Any) -> ProgressUpdate:
    kwargs.setdefault("text", f"进展{rate}")
    value = None if rate is None else Decimal(rate)
    return services.record_progress(fresh(item), actor=actor, rate=value, **kwargs)


def listed(body: str) -> list[int]:
    """The update ids the queue page lists, in order."""
    return [int(pk) for pk in re.findall(r'<tr id="update-(\d+)"', body)]


def queue(user: Any, **query: Any) -> Any:
    return client_for(user).get(QUEUE, query)


def review_of(update: ProgressUpdate) -> str:
    return ProgressUpdate.objects.get(pk=update.pk).review


def age(update: ProgressUpdate, days: int) -> None:
    """Make the update wait ``days`` days (created that long ago)."""
    then = timezone.now() - dt.timedelta(days=days, hours=1)
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=then)


@pytest.fixture
def pending(world: World) -> list[ProgressUpdate]:
    """item_a's (unit A) and item_b's (unit B) updates, oldest first, and a note."""
    first = post(world.item_a, world.editor_a, 30, text="甲单位填报")
    second = post(world.item_b, world.editor_b, 20, text="乙单位填报")
    post(world.item_a, world.partner_editor, None, text="配合备注", as_note=True)
    post(world.item_a, world.office, 35, text="专班自己的")
    return [first, second]


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_lists_pending_updates_oldest_first(
    world: World, pending: list[ProgressUpdate]
) -> None:
    later = post(world.item_a, world.editor_a, 40, text="甲单位再报")
    response = queue(world.office)
    assert response.status_code == 200
    body = response.content.decode()
    assert listed(body) == [pending[0].pk, pending[1].pk, later.pk]
    assert "配合备注" not in body and "专班自己的" not in body
    assert "甲单位填报" in body and world.item_a.name in body
    assert "3</b> 条待审核" in body


def test_the_queue_shows_the_rate_before_and_the_reason(world: World) -> None:
    post(world.item_a, world.office, 60)
    post(world.item_a, world.editor_a, 40, reason="返工<script>x</script>")
    body = queue(world.office).content.decode()
    assert "60% →" in body
    assert "返工&lt;script&gt;x&lt;/script&gt;" in body
    assert "<script>x</script>" not in body


def test_the_queue_escapes_hostile_names(world: World) -> None:
    item = fresh(world.item_a)
    services.update_item(
        item, actor=world.office, expected_version=item.version, name="<img src=x onerror=1>"
    )
    post(world.item_a, world.editor_a, 30, text="<b>粗体</b>")
    body = queue(world.office).content.decode()
    assert "<img src=x onerror=1>" not in body and "<b>粗体</b>" not in body
    assert "&lt;b&gt;粗体&lt;/b&gt;" in body


def test_the_queue_filters_by_unit(world: World, pending: list[ProgressUpdate]) -> None:
    body = queue(world.office, unit=world.unit_b.pk).content.decode()
    assert listed(body) == [pending[1].pk]


def test_the_queue_filters_by_programme(world: World, pending: list[ProgressUpdate]) -> None:
    hulan_editor = org_services.ensure_user("hulan_editor", display_name="hulan_editor")
    org_services.grant_role(hulan_editor, Role.UNIT_EDITOR, world.hulan, unit=world.hulan_unit)
    hulan_pending = post(world.hulan_item, hulan_editor, 20)
    everything = listed(queue(world.city_office).content.decode())
    assert everything == [pending[0].pk, pending[1].pk, hulan_pending.pk]
    by_programme = queue(world.city_office, programme=world.hulan_programme.pk)
    assert listed(by_programme.content.decode()) == [hulan_pending.pk]
    # The district office never sees another district's updates, whatever the filter.
    assert listed(queue(world.office).content.decode()) == [u.pk for u in pending]
    assert listed(queue(world.office, programme=world.hulan_programme.pk).content.decode()) == []


def test_the_queue_pages_in_order_with_each_pages_rows(
    world: World, pending: list[ProgressUpdate], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review_forms, "PER_PAGE", 2)
    later = post(world.item_a, world.editor_a, 40, text="甲单位再报")
    first = queue(world.office, programme=world.programme.pk).content.decode()
    second = queue(world.office, programme=world.programme.pk, page=2).content.decode()
    assert listed(first) == [pending[0].pk, pending[1].pk]
    assert listed(second) == [later.pk]
    assert "甲单位再报" in second and world.item_a.name in second and "40%" in second
    assert "3</b> 条待审核" in second


def test_the_queue_filters_by_category(world: World, pending: list[ProgressUpdate]) -> None:
    education = services.ensure_category(world.programme, "教育卫生类", actor=world.office, order=2)
    school = services.create_item(
        world.programme,
        actor=world.office,
        number="2-1",
        seq=3,
        name="改造校舍",
        category=education,
        lead_unit=world.unit_b,
        deadline_text="年底前",
    )
    in_education = post(school, world.editor_b, 10)
    body = queue(world.office, programme=world.programme.pk, category=education.pk)
    assert listed(body.content.decode()) == [in_education.pk]
    assert "教育卫生类" in body.content.decode()  # the category's choice is offered
    other = queue(world.office, programme=world.programme.pk, category=world.item_a.category_id)
    assert listed(other.content.decode()) == [u.pk for u in pending]


def test_the_queue_offers_no_category_of_another_district(
    world: World, pending: list[ProgressUpdate]
) -> None:
    body = queue(world.outsider, programme=world.programme.pk).content.decode()
    assert listed(body) == []
    assert "城建城管执法类" not in body


def test_the_queue_filters_by_age(world: World, pending: list[ProgressUpdate]) -> None:
    age(pending[1], 8)
    assert listed(queue(world.office, age=7).content.decode()) == [pending[1].pk]
    assert listed(queue(world.office, age=14).content.decode()) == []
    assert listed(queue(world.office, age=3).content.decode()) == [pending[1].pk]
    body = queue(world.office).content.decode()
    assert "8 天" in body


@pytest.mark.parametrize(
    "query",
    [
        {"programme": "abc"},
        {"programme": "-1"},
        {"programme": "99999999999999999999999"},
        {"unit": "1.5"},
        {"category": "x"},
        {"age": "5"},
        {"age": "abc"},
        {"page": "zz"},
        {"page": "-3"},
        {"page": "99999"},
    ],
)
def test_bad_filter_values_are_ignored(
    world: World, pending: list[ProgressUpdate], query: dict[str, str]
) -> None:
    response = queue(world.office, **query)
    assert response.status_code == 200
    assert listed(response.content.decode()) == [u.pk for u in pending]


def test_a_nul_in_a_filter_is_refused_at_the_root(world: World) -> None:
    """Control characters are refused before any view (core/inputs.py), naming the filter."""
    response = queue(world.office, programme="\x00")
    assert response.status_code == 400
    assert "“programme”含有不允许的控制字符" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["editor_a", "partner_editor", "viewer_a", "leader", "inspector", "resident"]
)
def test_only_an_office_opens_the_queue(world: World, persona: str) -> None:
    response = queue(getattr(world, persona))
    assert response.status_code == 403
    assert "只有专班可以审核单位进展" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(world: World) -> None:
    response = client_for(None).get(QUEUE)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- publishing from the queue --------------------------------------------------------------


def test_publishing_ticked_updates_returns_to_the_filtered_queue(
    world: World, pending: list[ProgressUpdate]
) -> None:
    query = urlencode({"unit": world.unit_a.pk, "age": ""})
    response = client_for(world.office).post(
        PUBLISH, {"updates": [pending[0].pk], "with_photos": "1", "query": query}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?{query}"
    assert review_of(pending[0]) == Review.PUBLISHED
    assert review_of(pending[1]) == Review.PENDING
    follow = client_for(world.office).get(response["Location"])
    assert listed(follow.content.decode()) == []


def test_publishing_with_or_without_photos(world: World) -> None:
    photo = SimpleUploadedFile("p.png", b"\x89PNG", content_type="image/png")
    other = SimpleUploadedFile("q.png", b"\x89PNG", content_type="image/png")
    a = post(world.item_a, world.editor_a, 30, attachments=[photo])
    b = post(world.item_b, world.editor_b, 30, attachments=[other])
    office = client_for(world.office)
    assert office.post(PUBLISH, {"updates": [a.pk], "with_photos": "1"}).status_code == 302
    assert office.post(PUBLISH, {"updates": [b.pk]}).status_code == 302
    flags = {x.name: x.is_public for x in Attachment.objects.all()}
    assert flags == {"p.png": True, "q.png": False}


def test_a_redirect_never_leaves_the_site(world: World, pending: list[ProgressUpdate]) -> None:
    response = client_for(world.office).post(
        PUBLISH, {"updates": [pending[0].pk], "query": "x=1#@evil.example.com"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(QUEUE)
    assert "evil.example.com" not in response["Location"].split("#")[0].split("?")[0]


def test_publishing_nothing_ticked_is_refused_with_a_message(
    world: World, pending: list[ProgressUpdate]
) -> None:
    response = client_for(world.office).post(PUBLISH, {"query": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert "请先勾选要公开的进展" in body
    assert listed(body) == [u.pk for u in pending]  # the queue is shown again


def test_publishing_a_note_is_refused_and_nothing_is_published(
    world: World, pending: list[ProgressUpdate]
) -> None:
    note = ProgressUpdate.objects.get(is_note=True)
    response = client_for(world.office).post(PUBLISH, {"updates": [pending[0].pk, note.pk]})
    assert response.status_code == 422
    assert "配合单位备注仅供内部参考" in response.content.decode()
    assert review_of(pending[0]) == Review.PENDING


@pytest.mark.parametrize("bad", ["abc", "0", "-4", "1e3", "99999999999999999999"])
def test_a_bad_update_id_is_refused_with_a_message(
    world: World, pending: list[ProgressUpdate], bad: str
) -> None:
    response = client_for(world.office).post(PUBLISH, {"updates": [pending[0].pk, bad]})
    assert response.status_code == 422
    assert 'class="msg msg-error"' in response.content.decode()
    assert review_of(pending[0]) == Review.PENDING


def test_publishing_a_removed_update_is_404_with_the_queue(
    world: World, pending: list[ProgressUpdate]
) -> None:
    response = client_for(world.office).post(PUBLISH, {"updates": [pending[0].pk + 1000]})
    assert response.status_code == 404
    assert "已不存在" in response.content.decode()


def test_units_may_not_publish(world: World, pending: list[ProgressUpdate]) -> None:
    response = client_for(world.editor_a).post(PUBLISH, {"updates": [pending[0].pk]})
    assert response.status_code == 403
    assert review_of(pending[0]) == Review.PENDING


def test_another_districts_office_may_not_publish(
    world: World, pending: list[ProgressUpdate]
) -> None:
    response = client_for(world.outsider).post(PUBLISH, {"updates": [pending[0].pk]})
    assert response.status_code == 403
    assert review_of(pending[0]) == Review.PENDING


def test_the_queue_only_takes_posts(world: World) -> None:
    assert client_for(world.office).get(PUBLISH).status_code == 405
    assert client_for(world.office).post(QUEUE).status_code == 405


# --- rejecting from the queue ---------------------------------------------------------------


def reject_url(update: ProgressUpdate) -> str:
    return reverse("ledger:review_reject", args=[update.pk])


def test_rejecting_with_a_comment_returns_to_the_queue(
    world: World, pending: list[ProgressUpdate]
) -> None:
    response = client_for(world.office).post(
        reject_url(pending[0]), {"comment": "请补充现场照片", "query": "unit=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?unit=1"
    row = ProgressUpdate.objects.get(pk=pending[0].pk)
    assert (row.review, row.review_comment) == (Review.REJECTED, "请补充现场照片")
    item_page = client_for(world.editor_a).get(reverse("ledger:item", args=[world.item_a.pk]))
    assert "专班退回意见：请补充现场照片" in item_page.content.decode()


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_rejecting_without_a_comment_is_refused_with_a_message(
    world: World, pending: list[ProgressUpdate], comment: str | None
) -> None:
    data = {} if comment is None else {"comment": comment}
    response = client_for(world.office).post(reject_url(pending[0]), data)
    assert response.status_code == 422
    assert "请填写退回意见" in response.content.decode()
    assert review_of(pending[0]) == Review.PENDING


def test_rejecting_an_update_that_is_not_pending_is_refused(
    world: World, pending: list[ProgressUpdate]
) -> None:
    services.publish_updates([pending[0].pk], actor=world.office)
    response = client_for(world.office).post(reject_url(pending[0]), {"comment": "晚了"})
    assert response.status_code == 422
    assert "只有待审核的进展可以退回" in response.content.decode()
    assert review_of(pending[0]) == Review.PUBLISHED


def test_a_unit_may_not_reject(world: World, pending: list[ProgressUpdate]) -> None:
    response = client_for(world.editor_a).post(reject_url(pending[0]), {"comment": "撤回"})
    assert response.status_code == 403
    assert review_of(pending[0]) == Review.PENDING


def test_another_districts_office_finds_no_such_update(
    world: World, pending: list[ProgressUpdate]
) -> None:
    response = client_for(world.outsider).post(reject_url(pending[0]), {"comment": "退回"})
    assert response.status_code == 404
    assert review_of(pending[0]) == Review.PENDING


# --- review settings ------------------------------------------------------------------------


def settings_url(programme: Programme) -> str:
    return reverse("ledger:review_settings", args=[programme.pk])


def test_the_office_saves_the_review_settings(world: World) -> None:
    office = client_for(world.office)
    page = office.get(settings_url(world.programme))
    assert page.status_code == 200
    assert 'name="evidence_step"' in page.content.decode()
    response = office.post(
        settings_url(world.programme), {"auto_publish": "on", "evidence_step": "30"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?programme={world.programme.pk}"
    world.programme.refresh_from_db()
    assert (world.programme.auto_publish, world.programme.evidence_step) == (True, 30)
    # Unticked and blank: units' updates wait again and no evidence is needed.
    office.post(settings_url(world.programme), {"evidence_step": ""})
    world.programme.refresh_from_db()
    assert (world.programme.auto_publish, world.programme.evidence_step) == (False, None)


@pytest.mark.parametrize("step", ["0", "101", "-1", "abc", "50.5"])
def test_a_bad_evidence_step_is_refused(world: World, step: str) -> None:
    response = client_for(world.office).post(
        settings_url(world.programme), {"auto_publish": "on", "evidence_step": step}
    )
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    world.programme.refresh_from_db()
    assert (world.programme.auto_publish, world.programme.evidence_step) == (False, None)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("editor_a", 403), ("viewer_a", 403), ("leader", 403), ("outsider", 404)],
)
def test_only_the_districts_office_opens_the_review_settings(
    world: World, persona: str, status: int
) -> None:
    client = client_for(getattr(world, persona))
    assert client.get(settings_url(world.programme)).status_code == status
    response = client.post(settings_url(world.programme), {"auto_publish": "on"})
    assert response.status_code == status
    world.programme.refresh_from_db()
    assert world.programme.auto_publish is False


def test_auto_publish_set_on_the_page_publishes_the_next_unit_update(world: World) -> None:
    client_for(world.office).post(settings_url(world.programme), {"auto_publish": "on"})
    update = post(world.item_a, world.editor_a, 30)
    assert review_of(update) == Review.PUBLISHED
    assert listed(queue(world.office).content.decode()) == []
