"""Publication services: who may publish, what is refused, what is audited and signalled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from shishi.conftest import World
from shishi.core.audit import verify_chain
from shishi.core.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Attachment, Item, ProgressUpdate
from shishi.ledger.signals import items_changed
from shishi.portal import services
from shishi.portal.tests.conftest import MARKERS, Published

DENIED = [
    "editor_a",  # the lead unit's own editor
    "editor_b",
    "partner_editor",
    "viewer_a",
    "leader",
    "inspector",
    "operator",
    "resident",
    "outsider",  # programme office of another district
]


def _actor(world: World, name: str) -> Any:
    return AnonymousUser() if name == "anonymous" else getattr(world, name)


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def _fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


# --- who may publish ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["office", "city_office"])
def test_office_and_city_office_may_publish(world: World, persona: str) -> None:
    actor = _actor(world, persona)
    assert services.set_item_public(world.item_a, True, actor=actor) is True
    assert _fresh(world.item_a).is_public
    assert services.set_items_public(world.programme, [world.item_b.pk], True, actor=actor) == [
        world.item_b.pk
    ]
    assert _fresh(world.item_b).is_public


@pytest.mark.parametrize("persona", [*DENIED, "anonymous"])
def test_others_may_not_publish_anything(published: Published, persona: str) -> None:
    world = published.world
    actor = _actor(world, persona)
    calls: list[Callable[[], Any]] = [
        lambda: services.set_item_public(world.item_b, True, actor=actor),
        lambda: services.set_item_public(published.item, False, actor=actor),
        lambda: services.set_items_public(world.programme, [world.item_b.pk], True, actor=actor),
        lambda: services.set_update_public(published.private_update, True, actor=actor),
        lambda: services.set_update_public(published.public_update, False, actor=actor),
        lambda: services.set_attachment_public(published.private_photo, True, actor=actor),
    ]
    before = AuditEvent.objects.count()
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert AuditEvent.objects.count() == before
    assert not _fresh(world.item_b).is_public
    assert _fresh(published.item).is_public
    assert not ProgressUpdate.objects.get(pk=published.private_update.pk).is_public
    assert not Attachment.objects.get(pk=published.private_photo.pk).is_public


def test_office_of_one_district_cannot_publish_in_another(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.set_item_public(world.hulan_item, True, actor=world.office)
    with pytest.raises(PermissionDenied):
        services.set_items_public(
            world.hulan_programme, [world.hulan_item.pk], True, actor=world.office
        )
    assert not _fresh(world.hulan_item).is_public


# --- audit and signals ------------------------------------------------------------------------


def test_publishing_an_item_is_audited_once(world: World) -> None:
    services.set_item_public(world.item_a, True, actor=world.office)
    assert services.set_item_public(world.item_a, True, actor=world.office) is False  # no-op
    (event,) = _events("item.publish")
    assert event.target_type == "ledger.item"
    assert event.target_id == str(world.item_a.pk)
    assert event.actor_id == world.office.pk
    assert event.changes == {"is_public": [False, True]}
    assert event.jurisdiction_id == world.nangang.pk
    services.set_item_public(world.item_a, False, actor=world.office)
    (withdrawn,) = _events("item.unpublish")
    assert withdrawn.changes == {"is_public": [True, False]}
    assert verify_chain().ok


def test_bulk_publication_writes_one_event_per_changed_item(world: World) -> None:
    services.set_item_public(world.item_a, True, actor=world.office)
    before = len(_events("item.publish"))
    changed = services.set_items_public(
        world.programme, [world.item_a.pk, world.item_b.pk], True, actor=world.office
    )
    assert changed == [world.item_b.pk]  # item_a was public already
    events = _events("item.publish")[before:]
    assert [e.target_id for e in events] == [str(world.item_b.pk)]
    assert events[0].target_repr == str(world.item_b)
    assert events[0].changes == {"is_public": [False, True]}
    withdrawn = services.set_items_public(
        world.programme, [world.item_a.pk, world.item_b.pk], False, actor=world.office
    )
    assert sorted(withdrawn) == sorted([world.item_a.pk, world.item_b.pk])
    assert len(_events("item.unpublish")) == 2
    assert verify_chain().ok


def test_bulk_refuses_items_of_another_programme_and_changes_nothing(world: World) -> None:
    with pytest.raises(NotFound):
        services.set_items_public(
            world.programme, [world.item_a.pk, world.hulan_item.pk], True, actor=world.city_office
        )
    assert not _fresh(world.item_a).is_public
    assert not _fresh(world.hulan_item).is_public
    with pytest.raises(ValidationFailed):
        services.set_items_public(world.programme, [], True, actor=world.office)


def test_publication_tells_the_board(world: World, django_capture_on_commit_callbacks: Any) -> None:
    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    items_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.set_item_public(world.item_a, True, actor=world.office)
        with django_capture_on_commit_callbacks(execute=True):
            services.set_items_public(world.programme, [world.item_b.pk], True, actor=world.office)
        with django_capture_on_commit_callbacks(execute=True):
            services.set_item_public(world.item_a, True, actor=world.office)  # no change
    finally:
        items_changed.disconnect(receiver)
    assert [(r["programme_id"], r["item_ids"]) for r in received] == [
        (world.programme.pk, [world.item_a.pk]),
        (world.programme.pk, [world.item_b.pk]),
    ]


def test_update_and_photo_publication_is_audited_on_the_item(published: Published) -> None:
    p = published
    office = p.world.office
    services.set_update_public(p.private_update, True, actor=office)
    event = _events("item.update_publish")[-1]
    assert event.target_id == str(p.item.pk)
    assert event.changes["update"] == [None, p.private_update.pk]
    assert event.changes["is_public"] == [False, True]
    services.set_attachment_public(p.private_photo, True, actor=office)
    photo_event = _events("item.photo_publish")[-1]
    assert photo_event.target_id == str(p.item.pk)
    assert photo_event.changes["attachment"] == [None, p.private_photo.pk]
    services.set_attachment_public(p.private_photo, False, actor=office)
    assert _events("item.photo_unpublish")[-1].changes["is_public"] == [True, False]
    assert verify_chain().ok


# --- what is refused ------------------------------------------------------------------------


def test_partner_notes_can_never_be_published(published: Published) -> None:
    p = published
    with pytest.raises(ValidationFailed, match="配合单位备注"):
        services.set_update_public(p.note, True, actor=p.world.office)
    with pytest.raises(ValidationFailed, match="配合单位备注"):
        services.set_attachment_public(p.note.attachments.get(), True, actor=p.world.office)
    assert not ProgressUpdate.objects.get(pk=p.note.pk).is_public
    assert not Attachment.objects.filter(update=p.note, is_public=True).exists()
    # Withdrawing a note is harmless and allowed.
    assert services.set_update_public(p.note, False, actor=p.world.office) is False


def test_only_photos_can_be_published(published: Published) -> None:
    p = published
    with pytest.raises(ValidationFailed, match="照片"):
        services.set_attachment_public(p.pdf, True, actor=p.world.office)
    with pytest.raises(ValidationFailed):
        services.set_update_public(
            p.private_update, True, actor=p.world.office, attachments=[p.pdf]
        )
    # All or nothing: the update was not published either.
    assert not ProgressUpdate.objects.get(pk=p.private_update.pk).is_public


def test_publishing_an_update_publishes_only_the_chosen_photos(published: Published) -> None:
    p = published
    office = p.world.office
    services.set_update_public(p.public_update, False, actor=office)
    services.set_attachment_public(p.public_photo, False, actor=office)
    services.set_update_public(p.public_update, True, actor=office, attachments=[p.private_photo])
    assert Attachment.objects.get(pk=p.private_photo.pk).is_public
    assert not Attachment.objects.get(pk=p.public_photo.pk).is_public


def test_photo_of_another_update_is_refused(published: Published) -> None:
    p = published
    with pytest.raises(ValidationFailed):
        services.set_update_public(
            p.private_update, True, actor=p.world.office, attachments=[p.private_photo]
        )


def test_publishing_an_item_edited_since_it_was_read_is_refused(world: World) -> None:
    read_version = world.item_a.version
    ledger_services.update_item(
        world.item_a, actor=world.office, expected_version=read_version, name="改过的名称"
    )
    with pytest.raises(StaleEdit, match="1-1"):
        services.set_item_public(
            world.item_a, True, actor=world.office, expected_version=read_version
        )
    assert not _fresh(world.item_a).is_public
    with pytest.raises(StaleEdit):
        services.set_items_public(
            world.programme,
            [world.item_a.pk],
            True,
            actor=world.office,
            expected_versions={world.item_a.pk: read_version},
        )
    # Withdrawing does not need a fresh read.
    services.set_item_public(world.item_a, True, actor=world.office)
    assert services.set_item_public(
        world.item_a, False, actor=world.office, expected_version=read_version
    )


def test_publication_does_not_bump_the_item_version(world: World) -> None:
    version = world.item_a.version
    services.set_item_public(world.item_a, True, actor=world.office)
    assert _fresh(world.item_a).version == version


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"<html><script>alert(1)</script></html>", "不是可识别"), (None, "不存在")],
    ids=["not-an-image", "missing"],
)
def test_a_photo_the_portal_cannot_serve_is_refused_with_its_name(
    published: Published, content: bytes | None, message: str
) -> None:
    p = published
    if content is None:
        p.private_photo.file.delete(save=False)
    else:
        with p.private_photo.file.open("wb") as handle:
            handle.write(content)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match=f"{MARKERS['private_photo_filename']}.*{message}"):
        services.set_attachment_public(p.private_photo, True, actor=p.world.office)
    with pytest.raises(ValidationFailed, match=message):
        services.set_update_public(
            p.public_update, True, actor=p.world.office, attachments=[p.private_photo]
        )
    assert not Attachment.objects.get(pk=p.private_photo.pk).is_public
    assert AuditEvent.objects.count() == before
    # Withdrawing is never blocked by the file.
    assert services.set_attachment_public(p.public_photo, False, actor=p.world.office)
