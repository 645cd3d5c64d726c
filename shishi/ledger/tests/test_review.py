"""The office's review of units' progress updates (待审核), at the service level: the state an
update lands in, bulk publication (all or nothing, audited, moving the public progress on),
rejection with a comment (rolling the item back while it is the last applied), and what the
portal shows while a unit's update waits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import (
    Attachment,
    Item,
    Lifecycle,
    ProgressUpdate,
    PublishedItem,
    Review,
)
from shishi.portal import services as portal_services

D1, D2, D3 = dt.date(2021, 4, 1), dt.date(2021, 5, 1), dt.date(2021, 6, 1)


def fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def post(item: Item, actor: Any, rate: int | None = None, **kwargs: Any) -> ProgressUpdate:
    kwargs.setdefault("text", f"进展{rate}")
    kwargs.setdefault("reported_on", D2)
    value = None if rate is None else Decimal(rate)
    return services.record_progress(fresh(item), actor=actor, rate=value, **kwargs)


def review_of(update: ProgressUpdate) -> tuple[str, bool]:
    row = ProgressUpdate.objects.get(pk=update.pk)
    return row.review, row.is_public


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG fake", content_type="image/png")


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 fake", content_type="application/pdf")


def portal_record(world: World, item: Item) -> dict[str, Any] | None:
    url = reverse("portal:items_json", args=[world.nangang.code, world.programme.year])
    records = Client().get(url).json()["items"]
    return next((r for r in records if r["id"] == item.pk), None)


def publish_item(world: World, item: Item) -> None:
    assert services.set_item_publication(fresh(item), actor=world.office, public=True)


# --- the state an update lands in -------------------------------------------------------------


def test_a_unit_editors_update_waits_for_review(world: World) -> None:
    update = post(world.item_a, world.editor_a, 40)
    assert review_of(update) == (Review.PENDING, False)
    assert update.programme_id == world.item_a.programme_id  # the queue's index leads with it
    assert update.reviewed_by is None and update.reviewed_at is None
    # It applies to the ledger at once: the boards count it.
    assert fresh(world.item_a).completion_rate == Decimal(40)
    event = AuditEvent.objects.filter(action="item.progress").latest("seq")
    assert event.changes["review"] == [None, Review.PENDING]


def test_the_offices_own_update_is_published(world: World) -> None:
    update = post(world.item_a, world.office, 40)
    assert review_of(update) == (Review.PUBLISHED, True)
    row = ProgressUpdate.objects.get(pk=update.pk)
    assert row.reviewed_by_id == world.office.pk and row.reviewed_at is not None


def test_a_partner_note_is_internal(world: World) -> None:
    note = post(world.item_a, world.partner_editor, None, as_note=True)
    assert review_of(note) == (Review.INTERNAL, False)
    assert note.previous == {}  # a note replaces no progress


def test_auto_publish_publishes_a_units_update(world: World) -> None:
    services.set_programme_review(world.programme, actor=world.office, auto_publish=True)
    update = post(world.item_a, world.editor_a, 40)
    assert review_of(update) == (Review.PUBLISHED, True)
    # A note stays internal even then.
    note = post(world.item_a, world.partner_editor, None, as_note=True)
    assert review_of(note) == (Review.INTERNAL, False)


def test_an_update_keeps_the_progress_it_replaced(world: World) -> None:
    post(world.item_a, world.office, 30, text="专班核实", reported_on=D1)
    update = post(world.item_a, world.editor_a, 50)
    assert Decimal(update.previous["state"]["completion_rate"]) == Decimal(30)
    assert update.previous["state"]["progress_text"] == "专班核实"
    assert update.previous["state"]["progress_date"] == D1.isoformat()
    assert update.previous["version"] == fresh(world.item_a).progress_version


# --- publish_updates ------------------------------------------------------------------------


def test_bulk_publish_marks_updates_published_with_their_photos_but_not_pdfs(
    world: World,
) -> None:
    first = post(world.item_a, world.editor_a, 30, attachments=[photo(), pdf()])
    second = post(world.item_b, world.editor_b, 20, attachments=[photo("b.png")])
    done = services.publish_updates([first.pk, second.pk], actor=world.office, with_photos=True)
    assert sorted(done) == sorted([first.pk, second.pk])
    for update in (first, second):
        row = ProgressUpdate.objects.get(pk=update.pk)
        assert (row.review, row.is_public) == (Review.PUBLISHED, True)
        assert row.reviewed_by_id == world.office.pk and row.reviewed_at is not None
    flags = {a.name: a.is_public for a in Attachment.objects.all()}
    assert flags == {"photo.png": True, "report.pdf": False, "b.png": True}
    events = AuditEvent.objects.filter(action="item.update_publish").order_by("seq")
    assert [(e.target_id, e.changes["update"]) for e in events] == [
        (str(world.item_a.pk), [None, first.pk]),
        (str(world.item_b.pk), [None, second.pk]),
    ]
    assert events[0].changes["review"] == [Review.PENDING, Review.PUBLISHED]
    assert events[0].changes["is_public"] == [False, True]
    assert events[0].changes["photos"] == [None, "published"]
    assert events[0].actor_id == world.office.pk
    assert events[0].jurisdiction_id == world.nangang.pk


def test_bulk_publish_without_photos_leaves_them_internal(world: World) -> None:
    update = post(world.item_a, world.editor_a, 30, attachments=[photo()])
    services.publish_updates([update.pk], actor=world.office, with_photos=False)
    assert review_of(update) == (Review.PUBLISHED, True)
    assert Attachment.objects.get().is_public is False
    event = AuditEvent.objects.get(action="item.update_publish")
    assert "photos" not in event.changes


def test_publishing_moves_the_public_progress_to_the_newest_published_update(
    world: World,
) -> None:
    post(world.item_a, world.office, 10, text="开工", reported_on=D1)
    publish_item(world, world.item_a)
    older = post(world.item_a, world.editor_a, 40, text="过半", reported_on=D2)
    newer = post(world.item_a, world.editor_a, 100, text="完工", reported_on=D3)
    row = PublishedItem.objects.get(pk=world.item_a.pk)
    assert (row.completion_rate, row.progress_text) == (Decimal(10), "开工")
    # Published newest first in the list: the public row still ends on the newest.
    services.publish_updates([newer.pk, older.pk], actor=world.office)
    row = PublishedItem.objects.get(pk=world.item_a.pk)
    assert row.completion_rate == Decimal(100)
    assert row.lifecycle == Lifecycle.DONE
    assert (row.progress_text, row.progress_date) == ("完工", D3)


def test_publishing_an_older_update_after_a_newer_one_keeps_the_newer_public(
    world: World,
) -> None:
    publish_item(world, world.item_a)
    older = post(world.item_a, world.editor_a, 40, text="过半", reported_on=D2)
    newer = post(world.item_a, world.editor_a, 70, text="七成", reported_on=D3)
    services.publish_updates([newer.pk], actor=world.office)
    services.publish_updates([older.pk], actor=world.office)
    row = PublishedItem.objects.get(pk=world.item_a.pk)
    assert (row.completion_rate, row.progress_text) == (Decimal(70), "七成")


def test_already_published_updates_are_skipped(world: World) -> None:
    own = post(world.item_a, world.office, 30)
    assert services.publish_updates([own.pk], actor=world.office) == []
    assert not AuditEvent.objects.filter(action="item.update_publish").exists()
    unit = post(world.item_a, world.editor_a, 40)
    assert services.publish_updates([own.pk, unit.pk], actor=world.office) == [unit.pk]
    assert AuditEvent.objects.filter(action="item.update_publish").count() == 1


def test_an_update_the_office_withdrew_can_be_published_again(world: World) -> None:
    update = post(world.item_a, world.office, 30)
    services.set_update_publication(update, actor=world.office, public=False)
    assert review_of(update) == (Review.UNPUBLISHED, False)
    assert services.publish_updates([update.pk], actor=world.office) == [update.pk]
    assert review_of(update) == (Review.PUBLISHED, True)


def test_city_office_publishes_a_districts_updates(world: World) -> None:
    update = post(world.item_a, world.editor_a, 30)
    assert services.publish_updates([update.pk], actor=world.city_office) == [update.pk]


def _refused(world: World, ids: list[int], actor: Any, error: type[Exception]) -> Any:
    """The batch is refused as a whole: nothing published, nothing audited."""
    before = list(ProgressUpdate.objects.order_by("pk").values_list("pk", "review", "is_public"))
    with pytest.raises(error) as info:
        services.publish_updates(ids, actor=actor)
    after = list(ProgressUpdate.objects.order_by("pk").values_list("pk", "review", "is_public"))
    assert after == before
    assert not AuditEvent.objects.filter(action="item.update_publish").exists()
    return info.value


def test_a_note_in_the_batch_refuses_it_all(world: World) -> None:
    pending = post(world.item_a, world.editor_a, 30)
    note = post(world.item_a, world.partner_editor, None, as_note=True)
    exc = _refused(world, [pending.pk, note.pk], world.office, ValidationFailed)
    assert exc.status == 422
    assert review_of(pending) == (Review.PENDING, False)


def test_a_rejected_update_in_the_batch_refuses_it_all(world: World) -> None:
    rejected = post(world.item_a, world.editor_a, 30)
    services.reject_update(rejected, actor=world.office, comment="数据有误")
    pending = post(world.item_b, world.editor_b, 20)
    exc = _refused(world, [pending.pk, rejected.pk], world.office, ValidationFailed)
    assert exc.status == 422 and "已退回" in exc.message


def test_an_id_that_does_not_exist_refuses_the_batch(world: World) -> None:
    pending = post(world.item_a, world.editor_a, 30)
    exc = _refused(world, [pending.pk, pending.pk + 1000], world.office, NotFound)
    assert exc.status == 404


def test_an_update_of_another_district_refuses_the_batch(world: World) -> None:
    pending = post(world.item_a, world.editor_a, 30)
    exc = _refused(world, [pending.pk], world.outsider, PermissionDenied)
    assert exc.status == 403
    hulan = post(world.hulan_item, world.outsider, 30)
    services.set_update_publication(hulan, actor=world.outsider, public=False)
    _refused(world, [pending.pk, hulan.pk], world.office, PermissionDenied)


@pytest.mark.parametrize(
    "persona", ["editor_a", "editor_b", "partner_editor", "viewer_a", "leader", "inspector", None]
)
def test_only_the_office_publishes_updates(world: World, persona: str | None) -> None:
    pending = post(world.item_a, world.editor_a, 30)
    actor = getattr(world, persona) if persona else AnonymousUser()
    exc = _refused(world, [pending.pk], actor, PermissionDenied)
    assert exc.status == 403


def test_an_empty_batch_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.publish_updates([], actor=world.office)


# --- reject_update ---------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   "])
def test_rejection_needs_a_comment(world: World, comment: str) -> None:
    update = post(world.item_a, world.editor_a, 30)
    with pytest.raises(ValidationFailed) as info:
        services.reject_update(update, actor=world.office, comment=comment)
    assert info.value.status == 422
    assert "comment" in info.value.errors
    assert review_of(update) == (Review.PENDING, False)
    assert fresh(world.item_a).completion_rate == Decimal(30)


def test_only_a_pending_update_can_be_rejected(world: World) -> None:
    own = post(world.item_a, world.office, 30)
    note = post(world.item_a, world.partner_editor, None, as_note=True)
    pending = post(world.item_a, world.editor_a, 40)
    services.reject_update(pending, actor=world.office, comment="请补充照片")
    for update in (own, note, pending):
        with pytest.raises(ValidationFailed) as info:
            services.reject_update(update, actor=world.office, comment="再退一次")
        assert "只有待审核的进展可以退回" in info.value.message
    assert AuditEvent.objects.filter(action="item.update_reject").count() == 1


@pytest.mark.parametrize("persona", ["editor_a", "partner_editor", "viewer_a", "outsider"])
def test_only_the_districts_office_rejects(world: World, persona: str) -> None:
    update = post(world.item_a, world.editor_a, 30)
    with pytest.raises(PermissionDenied):
        services.reject_update(update, actor=getattr(world, persona), comment="不行")
    assert review_of(update) == (Review.PENDING, False)


def test_rejecting_the_last_applied_update_rolls_the_item_back(world: World) -> None:
    target = world.item_a.targets.get()
    post(
        world.item_a,
        world.office,
        40,
        text="专班核实四成",
        reported_on=D1,
        target_actuals={target.pk: Decimal(5)},
        done_investment=Decimal("100000.00"),
    )
    before = fresh(world.item_a)
    update = post(
        world.item_a,
        world.editor_a,
        90,
        text="基本完工",
        reported_on=D2,
        target_actuals={target.pk: Decimal(18)},
        done_investment=Decimal("900000.00"),
    )
    applied = fresh(world.item_a)
    assert applied.completion_rate == Decimal(90)
    services.reject_update(update, actor=world.office, comment="现场核实只完成一半")
    item = fresh(world.item_a)
    assert item.completion_rate == Decimal(40)
    assert item.progress_text == "专班核实四成"
    assert item.progress_date == D1
    assert item.done_investment == Decimal("100000.00")
    assert item.lifecycle == before.lifecycle
    target.refresh_from_db()
    assert target.actual == Decimal(5)
    assert item.progress_version == applied.progress_version + 1
    assert item.version == applied.version  # the item's own fields are not touched
    row = ProgressUpdate.objects.get(pk=update.pk)
    assert (row.review, row.is_public) == (Review.REJECTED, False)
    assert row.review_comment == "现场核实只完成一半"
    assert row.reviewed_by_id == world.office.pk
    event = AuditEvent.objects.get(action="item.update_reject")
    assert event.target_id == str(world.item_a.pk)
    assert event.changes["comment"] == [None, "现场核实只完成一半"]
    assert event.changes["update"] == [None, update.pk]
    assert event.changes["review"] == [Review.PENDING, Review.REJECTED]
    rolled = [Decimal(str(v)) for v in event.changes["completion_rate"]]
    assert rolled == [Decimal(90), Decimal(40)]
    # The target's actual as the history reads it: by name, from 18 back to 5.
    actual = [Decimal(str(v)) for v in event.changes[f"target:{target.name}"]]
    assert actual == [Decimal(18), Decimal(5)]


def test_rejecting_the_first_update_returns_the_item_to_not_started(world: World) -> None:
    update = post(world.item_a, world.editor_a, 30, reported_on=D1)
    services.reject_update(update, actor=world.office, comment="照片不是本项目")
    item = fresh(world.item_a)
    assert item.completion_rate == Decimal(0)
    assert item.lifecycle == Lifecycle.NOT_STARTED
    assert item.progress_date is None and item.progress_text == ""
    assert world.item_a.targets.get().actual is None


def test_rejecting_an_update_superseded_by_a_later_post_rolls_nothing_back(
    world: World,
) -> None:
    first = post(world.item_a, world.editor_a, 40, text="四成", reported_on=D1)
    post(world.item_a, world.editor_a, 60, text="六成", reported_on=D2)
    version = fresh(world.item_a).progress_version
    services.reject_update(first, actor=world.office, comment="数据不实")
    item = fresh(world.item_a)
    assert (item.completion_rate, item.progress_text) == (Decimal(60), "六成")
    assert item.progress_version == version
    event = AuditEvent.objects.get(action="item.update_reject")
    assert "completion_rate" not in event.changes
    assert review_of(first) == (Review.REJECTED, False)


def test_an_office_edit_after_the_update_does_not_stop_the_rollback(world: World) -> None:
    update = post(world.item_a, world.editor_a, 40)
    item = fresh(world.item_a)
    services.update_item(item, actor=world.office, expected_version=item.version, name="新名称")
    services.reject_update(update, actor=world.office, comment="退回")
    item = fresh(world.item_a)
    assert (item.completion_rate, item.name) == (Decimal(0), "新名称")


def test_the_unit_sees_the_rejection_comment_on_the_item_page(world: World) -> None:
    update = post(world.item_a, world.editor_a, 40, text="我们的填报")
    services.reject_update(update, actor=world.office, comment="<b>请补充现场照片</b>")
    body = client_for(world.editor_a).get(reverse("ledger:item", args=[world.item_a.pk]))
    text = body.content.decode()
    assert "专班退回意见" in text
    assert "&lt;b&gt;请补充现场照片&lt;/b&gt;" in text  # escaped, never markup
    assert "我们的填报" in text


# --- what the portal shows while an update waits --------------------------------------------


def test_publishing_an_item_with_a_pending_update_shows_the_state_before_it(
    world: World,
) -> None:
    post(world.item_a, world.office, 20, text="专班公开的进展", reported_on=D1)
    post(world.item_a, world.editor_a, 60, text="单位待审核", reported_on=D2)
    assert fresh(world.item_a).completion_rate == Decimal(60)  # the ledger counts it
    publish_item(world, world.item_a)
    row = PublishedItem.objects.get(pk=world.item_a.pk)
    assert row.completion_rate == Decimal(20)
    assert (row.progress_text, row.progress_date) == ("专班公开的进展", D1)
    record = portal_record(world, world.item_a)
    assert record is not None
    assert record["completion_rate"] == 20
    assert record["latest_progress"] == "专班公开的进展"


def test_publishing_the_pending_update_then_moves_the_public_rate(world: World) -> None:
    update = post(world.item_a, world.editor_a, 60, text="单位待审核", reported_on=D2)
    # Published through the portal's service, as the publication pages do.
    assert portal_services.set_item_public(fresh(world.item_a), True, actor=world.office)
    record = portal_record(world, world.item_a)
    assert record is not None
    assert (record["completion_rate"], record["status"]) == (0, Lifecycle.NOT_STARTED)
    assert "单位待审核" not in str(record)
    services.publish_updates([update.pk], actor=world.office)
    record = portal_record(world, world.item_a)
    assert record is not None
    assert record["completion_rate"] == 60
    assert record["latest_progress"] == "单位待审核"
    assert record["latest_progress_date"] == D2.isoformat()


def test_publishing_items_in_bulk_shows_each_as_before_its_pending_update(world: World) -> None:
    post(world.item_a, world.office, 20, text="甲已公开", reported_on=D1)
    post(world.item_a, world.editor_a, 60, text="甲待审核", reported_on=D2)
    post(world.item_b, world.editor_b, 50, text="乙待审核", reported_on=D2)
    changed = services.set_items_publication(
        world.programme, [world.item_a.pk, world.item_b.pk], actor=world.office, public=True
    )
    assert sorted(changed) == sorted([world.item_a.pk, world.item_b.pk])
    rows = PublishedItem.objects.in_bulk([world.item_a.pk, world.item_b.pk])
    assert (rows[world.item_a.pk].completion_rate, rows[world.item_a.pk].progress_text) == (
        Decimal(20),
        "甲已公开",
    )
    assert rows[world.item_b.pk].completion_rate == Decimal(0)
    assert rows[world.item_b.pk].lifecycle == Lifecycle.NOT_STARTED
    assert rows[world.item_b.pk].progress_date is None


def test_an_office_update_after_a_pending_one_is_public_when_the_item_is_published(
    world: World,
) -> None:
    post(world.item_a, world.editor_a, 60, text="单位待审核", reported_on=D1)
    post(world.item_a, world.office, 70, text="专班核实", reported_on=D2)
    publish_item(world, world.item_a)
    row = PublishedItem.objects.get(pk=world.item_a.pk)
    assert (row.completion_rate, row.progress_text) == (Decimal(70), "专班核实")


def test_the_offices_edit_of_a_public_item_shows_at_once(world: World) -> None:
    publish_item(world, world.item_a)
    item = fresh(world.item_a)
    services.update_item(
        item,
        actor=world.office,
        expected_version=item.version,
        name="抢修一曼街全线",
        deadline_text="2021年9月30日前",
    )
    record = portal_record(world, world.item_a)
    assert record is not None
    assert record["name"] == "抢修一曼街全线"
    assert (record["deadline"], record["due_date"]) == ("2021年9月30日前", "2021-09-30")


def test_a_units_progress_never_shows_until_published(world: World) -> None:
    publish_item(world, world.item_a)
    before = portal_record(world, world.item_a)
    update = post(world.item_a, world.editor_a, 55, text="单位填报")
    post(world.item_a, world.partner_editor, None, text="配合备注", as_note=True)
    assert portal_record(world, world.item_a) == before
    page = Client().get(
        reverse("portal:item", args=[world.nangang.code, world.programme.year, world.item_a.pk])
    )
    assert "单位填报" not in page.content.decode()
    services.publish_updates([update.pk], actor=world.office)
    record = portal_record(world, world.item_a)
    assert record is not None and record["completion_rate"] == 55


def test_rejecting_an_update_of_a_closed_out_item_does_not_reopen_it(world: World) -> None:
    post(world.item_a, world.office, 50, reported_on=D1)
    update = post(world.item_a, world.editor_a, 100, text="完工", reported_on=D2)
    item = fresh(world.item_a)
    services.close_out_item(item, actor=world.office, expected_version=item.version)
    with pytest.raises(ValidationFailed) as info:
        services.reject_update(update, actor=world.office, comment="验收资料不全")
    assert "请先重新打开" in info.value.message
    item = fresh(world.item_a)
    assert (item.lifecycle, item.completion_rate) == (Lifecycle.CLOSED_OUT, Decimal(100))
    assert review_of(update) == (Review.PENDING, False)
    # Reopened first, the rejection rolls the progress back as usual.
    services.reopen_item(item, actor=world.office, reason="验收资料不全")
    services.reject_update(update, actor=world.office, comment="验收资料不全")
    item = fresh(world.item_a)
    assert (item.lifecycle, item.completion_rate) == (Lifecycle.IN_PROGRESS, Decimal(50))
