"""The ledger writes the portal's publication flags of progress updates and their photos:
office only, notes and non-photos refused, all or nothing, audited on the item, signalled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.core.errors import NotFound, PermissionDenied, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.excel.importing import apply_import, plan_import
from shishi.ledger.models import Attachment, Item, ProgressUpdate, PublishedItem
from shishi.ledger.signals import items_changed
from shishi.ledger.tests.sheets import item, write_office


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _update(world: World, actor: Any, *, as_note: bool = False) -> ProgressUpdate:
    return services.record_progress(
        Item.objects.get(pk=world.item_a.pk),
        actor=actor,
        text="进展",
        rate=None if as_note else Decimal(20),
        reported_on=dt.date(2021, 4, 2),
        as_note=as_note,
        attachments=[
            SimpleUploadedFile("photo.png", b"\x89PNG", content_type="image/png"),
            SimpleUploadedFile("report.pdf", b"%PDF-1.4", content_type="application/pdf"),
        ],
    )


def _parts(update: ProgressUpdate) -> tuple[Attachment, Attachment]:
    photo, pdf = sorted(update.attachments.all(), key=lambda a: a.pk)
    return photo, pdf


def _flags(update: ProgressUpdate) -> tuple[bool, list[bool]]:
    fresh = ProgressUpdate.objects.get(pk=update.pk)
    return fresh.is_public, [a.is_public for a in _parts(fresh)]


def test_office_publishes_an_update_with_the_chosen_photo_audited_on_the_item(
    world: World,
) -> None:
    update = _update(world, world.editor_a)
    photo, _pdf = _parts(update)
    signalled: list[Any] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        signalled.append(kwargs["item_ids"])

    items_changed.connect(receiver)
    try:
        changed = services.set_update_publication(
            update, actor=world.office, public=True, attachments=[photo]
        )
    finally:
        items_changed.disconnect(receiver)
    assert changed is True
    assert _flags(update) == (True, [True, False])
    published = AuditEvent.objects.get(action="item.update_publish")
    assert published.target_id == str(world.item_a.pk)
    assert published.changes["update"] == [None, update.pk]
    assert published.changes["is_public"] == [False, True]
    photo_event = AuditEvent.objects.get(action="item.photo_publish")
    assert photo_event.changes["attachment"] == [None, photo.pk]
    assert photo_event.changes["attachment_name"] == [None, "photo.png"]
    assert signalled == [[world.item_a.pk]]
    # Again: nothing changes, nothing is audited.
    assert services.set_update_publication(update, actor=world.office, public=True) is False
    assert AuditEvent.objects.filter(action="item.update_publish").count() == 1


def test_city_office_withdraws_an_update_and_a_photo(world: World) -> None:
    update = _update(world, world.editor_a)
    photo, _pdf = _parts(update)
    services.set_update_publication(update, actor=world.office, public=True, attachments=[photo])
    assert services.set_attachment_publication(photo, actor=world.city_office, public=False)
    assert services.set_update_publication(update, actor=world.city_office, public=False)
    assert _flags(update) == (False, [False, False])
    assert AuditEvent.objects.get(action="item.photo_unpublish").changes["is_public"] == [
        True,
        False,
    ]
    assert AuditEvent.objects.get(action="item.update_unpublish").actor_id == world.city_office.pk


@pytest.mark.parametrize("persona", ["editor_a", "partner_editor", "leader", "outsider"])
def test_only_the_office_may_publish(world: World, persona: str) -> None:
    update = _update(world, world.editor_a)
    photo, _pdf = _parts(update)
    actor = getattr(world, persona)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.set_update_publication(update, actor=actor, public=True, attachments=[photo])
    with pytest.raises(PermissionDenied):
        services.set_attachment_publication(photo, actor=actor, public=True)
    with pytest.raises(PermissionDenied):
        services.set_update_publication(update, actor=actor, public=False)
    assert _flags(update) == (False, [False, False])
    assert AuditEvent.objects.count() == before


def test_a_partner_note_and_its_photos_are_never_published(world: World) -> None:
    note = _update(world, world.partner_editor, as_note=True)
    photo, _pdf = _parts(note)
    with pytest.raises(ValidationFailed, match="备注"):
        services.set_update_publication(note, actor=world.office, public=True)
    with pytest.raises(ValidationFailed, match="备注"):
        services.set_attachment_publication(photo, actor=world.office, public=True)
    assert services.set_update_publication(note, actor=world.office, public=False) is False


def test_what_is_not_a_photo_or_not_the_updates_refuses_the_whole_publication(
    world: World,
) -> None:
    update = _update(world, world.editor_a)
    other = _update(world, world.editor_a)
    photo, pdf = _parts(update)
    other_photo, _other_pdf = _parts(other)
    with pytest.raises(ValidationFailed, match=r"report\.pdf"):
        services.set_update_publication(
            update, actor=world.office, public=True, attachments=[photo, pdf]
        )
    with pytest.raises(ValidationFailed, match="不属于"):
        services.set_update_publication(
            update, actor=world.office, public=True, attachments=[other_photo]
        )
    with pytest.raises(ValidationFailed, match="照片"):
        services.set_attachment_publication(pdf, actor=world.office, public=True)
    assert _flags(update) == (False, [False, False])
    assert not AuditEvent.objects.filter(action__endswith="_publish").exists()


def test_a_deleted_update_or_photo_is_not_found(world: World) -> None:
    update = _update(world, world.editor_a)
    photo, _pdf = _parts(update)
    Attachment.objects.filter(pk=photo.pk).delete()
    with pytest.raises(NotFound):
        services.set_attachment_publication(photo, actor=world.office, public=True)
    ProgressUpdate.objects.filter(pk=update.pk).delete()
    with pytest.raises(NotFound):
        services.set_update_publication(update, actor=world.office, public=True)


def test_an_imported_sheet_refreshes_what_the_portal_shows_of_public_items(
    world: World, tmp_path: Path
) -> None:
    """The office's own sheet is the office's act: a public item shows the imported values
    at once; an item that is not public gets no published row."""

    services.set_item_publication(world.item_a, actor=world.office, public=True)
    assert PublishedItem.objects.get(pk=world.item_a.pk).completion_rate == 0
    rows = [item(1, "抢修一曼街塌陷及翻浆路段", rate="40%", partners="区住建局")]
    path = write_office(tmp_path / "a.xlsx", [("城建城管执法类", rows)])
    plan = plan_import(path, jurisdiction=world.nangang, year=2021, actor=world.office)
    apply_import(plan, actor=world.office)
    published = PublishedItem.objects.get(pk=world.item_a.pk)
    assert published.completion_rate == 40
    assert published.name == "抢修一曼街塌陷及翻浆路段"
    assert not PublishedItem.objects.filter(pk=world.item_b.pk).exists()
