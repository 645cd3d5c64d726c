"""A published world: the personas' programme with items, updates and photos carrying
marker strings in every field that must stay inside."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World
from shishi.ledger import services as ledger_services
from shishi.ledger.models import Attachment, Item, ProgressUpdate
from shishi.orgs import services as org_services
from shishi.orgs.models import Role, User
from shishi.portal import services

# Strings that must never reach a public page, the JSON or the CSV.
MARKERS = {
    "content": "MARKCONTENT",
    "measures": "MARKMEASURES",
    "remarks": "MARKREMARKS",
    "leader": "MARKLEADER",
    "partner_unit": "MARKPARTNERUNIT",
    "target": "MARKTARGET",
    "milestone": "MARKMILESTONE",
    "private_update": "MARKPRIVATEUPDATE",
    "private_update_date": "2021-05-17",
    "private_update_date_zh": "2021年5月17日",
    "partner_note": "MARKPARTNERNOTE",
    "author": "MARKAUTHOR",
    "unpublished_item": "MARKUNPUBLISHEDITEM",
    "unpublished_update": "MARKUNPUBLISHEDITEMUPDATE",
    "photo_filename": "MARKFILENAME",
    "private_photo_filename": "MARKPRIVATEPHOTO",
    "exif": "MARKEXIFGPS",
    "investment": "234.5679",
    "investment_raw": "12345678",
    "other_district": "MARKHULAN",
}
PUBLIC_TEXT = "PUBLICUPDATETEXT"
PUBLIC_DATE = dt.date(2021, 4, 2)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(text: str = "") -> bytes:
    """A valid 1×1 PNG, with a tEXt chunk when ``text`` is given."""
    chunk = png_chunk
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    extra = chunk(b"tEXt", b"Comment\x00" + text.encode()) if text else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(b"\x00\xc0\x20\x1a"))
        + chunk(b"IEND", b"")
    )


def png_upload(name: str, text: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(text), content_type="image/png")


@dataclass
class Published:
    world: World
    item: Item  # item_a, published, with everything internal filled in
    public_update: ProgressUpdate
    private_update: ProgressUpdate
    note: ProgressUpdate
    public_photo: Attachment
    private_photo: Attachment  # on the public update, not published
    private_update_photo: Attachment  # published, but its update is not
    pdf: Attachment  # on the public update; not a photo
    unpublished: Item
    unpublished_photo: Attachment  # published photo of a published update of an unpublished item
    author: User

    @property
    def code(self) -> str:
        return self.world.nangang.code

    @property
    def year(self) -> int:
        return self.world.programme.year


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _progress(item: Item, actor: Any, **kwargs: Any) -> ProgressUpdate:
    fresh = Item.objects.get(pk=item.pk)
    return ledger_services.record_progress(fresh, actor=actor, **kwargs)


@pytest.fixture
def published(world: World) -> Published:
    office, nangang = world.office, world.nangang
    author = org_services.ensure_user("author_a", display_name=MARKERS["author"])
    org_services.grant_role(author, Role.UNIT_EDITOR, nangang, unit=world.unit_a)
    marked_leader = org_services.ensure_person(nangang, MARKERS["leader"])
    marked_partner = org_services.ensure_unit(nangang, MARKERS["partner_unit"], kind="bureau")
    item = ledger_services.update_item(
        world.item_a,
        actor=office,
        expected_version=world.item_a.version,
        content=MARKERS["content"],
        measures=MARKERS["measures"],
        remarks=MARKERS["remarks"],
        planned_investment=Decimal("12345678.90"),
        sponsor_leaders=[world.leader_person, marked_leader],
        partner_units=[world.unit_c, marked_partner],
    )
    ledger_services.set_targets(
        item,
        [ledger_services.TargetInput(MARKERS["target"], Decimal(20), "处")],
        actor=office,
    )
    ledger_services.add_milestone(
        item,
        ledger_services.MilestoneInput(MARKERS["milestone"], dt.date(2021, 9, 1)),
        actor=office,
    )
    public_update = _progress(
        item,
        author,
        text=PUBLIC_TEXT,
        rate=Decimal(30),
        reported_on=PUBLIC_DATE,
        attachments=[
            png_upload(f"{MARKERS['photo_filename']}.png", MARKERS["exif"]),
            png_upload(f"{MARKERS['private_photo_filename']}.png"),
            SimpleUploadedFile("report.pdf", b"%PDF-1.4 MARKPDF", content_type="application/pdf"),
        ],
    )
    public_photo, private_photo, pdf = sorted(public_update.attachments.all(), key=lambda a: a.pk)
    private_update = _progress(
        item,
        author,
        text=MARKERS["private_update"],
        rate=Decimal(55),
        reported_on=dt.date.fromisoformat(MARKERS["private_update_date"]),
        attachments=[png_upload("private-update.png")],
    )
    private_update_photo = private_update.attachments.get()
    note = _progress(
        item,
        world.partner_editor,
        text=MARKERS["partner_note"],
        reported_on=dt.date(2021, 5, 20),
        as_note=True,
        attachments=[png_upload("note.png")],
    )
    unpublished = ledger_services.create_item(
        world.programme,
        actor=office,
        number="9-9",
        seq=99,
        name=MARKERS["unpublished_item"],
        lead_unit=world.unit_b,
        deadline_text="年底前",
    )
    unpublished_update = _progress(
        unpublished,
        office,
        text=MARKERS["unpublished_update"],
        rate=Decimal(10),
        reported_on=dt.date(2021, 4, 3),
        attachments=[png_upload("unpublished.png")],
    )
    unpublished_photo = unpublished_update.attachments.get()
    # A Hulan item, published, so that the other district's portal is not empty.
    ledger_services.update_item(
        world.hulan_item,
        actor=world.outsider,
        expected_version=world.hulan_item.version,
        content=MARKERS["other_district"],
    )
    services.set_item_public(world.hulan_item, True, actor=world.outsider)

    item = Item.objects.get(pk=item.pk)
    services.set_item_public(item, True, actor=office)
    services.set_update_public(public_update, True, actor=office, attachments=[public_photo])
    # Published pieces that stay hidden because something above them is not public.
    services.set_attachment_public(private_update_photo, True, actor=office)
    services.set_update_public(unpublished_update, True, actor=office)
    services.set_attachment_public(unpublished_photo, True, actor=office)
    return Published(
        world=world,
        item=Item.objects.get(pk=item.pk),
        public_update=public_update,
        private_update=private_update,
        note=note,
        public_photo=public_photo,
        private_photo=private_photo,
        private_update_photo=private_update_photo,
        pdf=pdf,
        unpublished=unpublished,
        unpublished_photo=unpublished_photo,
        author=author,
    )
