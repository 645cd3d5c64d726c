"""Uploads with progress and change requests: names and types that fit their columns, the
per-request total and the per-item quota, and no stored file without its row
(core/uploads.py). On PostgreSQL an over-long name or type was a DataError (500) that left
the file behind; these run there too (``make test-pg``)."""

from __future__ import annotations

import datetime as dt
import os
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models.signals import pre_save
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core import uploads
from shishi.core.errors import ValidationFailed
from shishi.core.inputs import megabytes
from shishi.ledger import services
from shishi.ledger.models import (
    Attachment,
    ChangeRequest,
    ChangeRequestFile,
    Milestone,
    ProgressUpdate,
)
from shishi.ledger.tests.pages import tiny_png


def stored_files(under: str = "") -> list[str]:
    root = Path(settings.MEDIA_ROOT) / under
    return sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file())


def _post(client: Any, world: World, files: list[Any], **data: Any) -> Any:
    return client.post(
        reverse("ledger:progress", args=[world.item_a.pk]),
        {"reported_on": "2021-06-01", "text": "现场照片", "version": "1", **data}
        | {"attachments": files},
    )


def _png(name: str, size: int = 0, content_type: str = "image/png") -> SimpleUploadedFile:
    body = tiny_png()
    return SimpleUploadedFile(name, body + b"\0" * max(0, size - len(body)), content_type)


# --- names and types ---------------------------------------------------------------------


def test_a_long_chinese_file_name_is_shortened_keeping_its_extension(world: World) -> None:
    name = "南岗区一曼街塌陷路段修复现场照片" * 15 + ".png"  # 240 characters, 720 bytes
    response = _post(client_for(world.editor_a), world, [_png(name)])
    assert response.status_code == 302, response.content.decode()[:500]
    attachment = Attachment.objects.get(update__item=world.item_a)
    assert len(attachment.name) == 200
    assert attachment.name.endswith("….png")
    assert attachment.name.startswith("南岗区一曼街")
    stored = attachment.file.name
    assert stored.startswith(f"progress/{world.item_a.pk}/") and stored.endswith(".png")
    assert len(os.path.basename(stored).encode()) <= uploads.STORED_NAME_BYTES
    assert stored_files("progress") == [stored]
    download = client_for(world.editor_a).get(
        reverse("ledger:attachment", args=[world.item_a.pk, attachment.pk])
    )
    assert download.status_code == 200


def test_a_file_name_with_control_characters_is_stored_clean(world: World) -> None:
    """Django's multipart parser drops unprintable characters from a file's name; the
    name that reaches the column is clean on both databases."""
    response = _post(client_for(world.editor_a), world, [_png("现场\x00照片\x1f.png")])
    assert response.status_code == 302
    assert Attachment.objects.get(update__item=world.item_a).name == "现场照片.png"


def test_names_and_types_are_fitted_by_the_core_helpers() -> None:
    assert uploads.display_name("C:\\Users\\张三\\现场.jpg") == "现场.jpg"
    assert uploads.display_name("") == "附件"
    assert uploads.display_name("a" * 300 + ".docx", 200) == "a" * 194 + "….docx"
    assert uploads.storage_name("../../etc/passwd") == "passwd"
    assert uploads.storage_name("()") == "file"
    assert uploads.storage_name("照片 (1).JPG") == "照片_1.JPG"
    assert len(uploads.storage_name("图" * 300 + ".png").encode()) <= uploads.STORED_NAME_BYTES
    assert uploads.media_type("Image/PNG; charset=binary") == "image/png"
    assert uploads.media_type("") == ""
    assert uploads.media_type("image/" + "x" * 100) is None
    assert uploads.media_type("not a type") is None


def test_a_content_type_over_its_column_is_refused_and_nothing_is_stored(world: World) -> None:
    photo = _png("现场.png", content_type="image/" + "png" * 40)
    response = _post(client_for(world.editor_a), world, [photo])
    assert response.status_code == 422
    assert "类型无法识别" in response.content.decode()
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    assert stored_files() == []  # not even held for the corrected form


def test_a_change_request_file_with_a_long_name_fits(world: World) -> None:
    name = "调整申请说明材料" * 40 + ".pdf"
    pdf = SimpleUploadedFile(name, b"%PDF-1.4", content_type="application/pdf")
    request = services.file_change_request(
        world.item_a,
        actor=world.editor_a,
        changes={"name": "新名称"},
        reason="名称有误",
        files=[pdf],
    )
    stored = ChangeRequestFile.objects.get(request=request)
    assert len(stored.name) == 200 and stored.name.endswith(".pdf")
    assert stored_files("change-requests") == [stored.file.name]


# --- the request's total and the item's quota ------------------------------------------------


def test_files_over_the_request_total_are_refused_before_they_are_stored(
    world: World, settings: Any
) -> None:
    settings.SHISHI_MAX_REQUEST_UPLOAD_BYTES = 1024 * 1024
    files = [_png(f"{i}.png", 300 * 1024) for i in range(4)]  # 1.2 MB, each under 10 MB
    response = _post(client_for(world.editor_a), world, files)
    assert response.status_code == 422
    body = response.content.decode()
    assert "一次提交的文件合计不能超过 1 MB" in body
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    assert stored_files("progress") == []
    # Held for the corrected form: only what one post may carry.
    assert len(stored_files("held")) == 3


def test_the_item_quota_refuses_a_post_that_would_pass_it(world: World, settings: Any) -> None:
    settings.SHISHI_ITEM_QUOTA_BYTES = 500 * 1024
    client = client_for(world.editor_a)
    assert _post(client, world, [_png("a.png", 300 * 1024)]).status_code == 302
    response = _post(client, world, [_png("b.png", 300 * 1024)], version="2")
    assert response.status_code == 422
    body = response.content.decode()
    assert f"该事项的附件合计不能超过 {megabytes(500 * 1024)} MB" in body
    assert Attachment.objects.filter(update__item=world.item_a).count() == 1
    assert len(stored_files("progress")) == 1
    # Change requests count against the same quota.
    pdf = SimpleUploadedFile("x.pdf", b"%PDF" + b"\0" * 300 * 1024, content_type="application/pdf")
    with pytest.raises(ValidationFailed) as caught:
        services.file_change_request(
            world.item_a, actor=world.editor_a, changes={"name": "新"}, reason="r", files=[pdf]
        )
    assert "files" in caught.value.errors
    assert not ChangeRequest.objects.exists()
    assert stored_files("change-requests") == []


# --- no file without its row ------------------------------------------------------------------


class DiskFull(Exception):
    pass


def test_a_write_that_fails_after_storing_leaves_no_file(world: World) -> None:
    def fail(sender: Any, instance: Attachment, **kwargs: Any) -> None:
        if instance.pk is None and sender is Attachment and instance.name == "second.png":
            raise DiskFull

    pre_save.connect(fail, sender=Attachment)
    try:
        with pytest.raises(DiskFull):
            services.record_progress(
                world.item_a,
                actor=world.editor_a,
                text="两张照片",
                attachments=[_png("first.png"), _png("second.png")],
            )
    finally:
        pre_save.disconnect(fail, sender=Attachment)
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    assert stored_files() == []


def test_nested_blocks_hand_their_files_to_the_outer_one(world: World, tmp_path: Path) -> None:
    with pytest.raises(DiskFull), uploads.atomic_with_files():
        with uploads.atomic_with_files():
            name = uploads.store("t/inner.txt", SimpleUploadedFile("i", b"1"), max_length=100)
        assert stored_files("t") == [name]
        raise DiskFull
    assert stored_files("t") == []
    with uploads.atomic_with_files():
        kept = uploads.store("t/kept.txt", SimpleUploadedFile("k", b"1"), max_length=100)
    assert stored_files("t") == [kept]
    with pytest.raises(RuntimeError):
        uploads.store("t/outside.txt", SimpleUploadedFile("o", b"1"), max_length=100)


def test_a_milestone_whose_save_fails_after_its_report_leaves_no_file(world: World) -> None:
    """The report's files are stored by record_progress, nested in complete_milestone's
    transaction: when the milestone's own save fails afterwards, they go too."""
    milestone = services.add_milestone(
        world.item_a, services.MilestoneInput("完成设计", dt.date(2021, 9, 30)), actor=world.office
    )

    def fail(sender: Any, instance: Milestone, **kwargs: Any) -> None:
        if instance.done_date is not None:
            raise DiskFull

    pre_save.connect(fail, sender=Milestone)
    try:
        with pytest.raises(DiskFull):
            services.complete_milestone(
                milestone, actor=world.editor_a, attachments=[_png("design.png")]
            )
    finally:
        pre_save.disconnect(fail, sender=Milestone)
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    assert stored_files() == []


# --- the cleaner --------------------------------------------------------------------------------


def _age(relative: str, hours: float) -> None:
    path = Path(settings.MEDIA_ROOT) / relative
    stamp = time.time() - hours * 3600
    os.utime(path, (stamp, stamp))


def test_clean_orphan_files_lists_then_removes_only_old_files_without_rows(
    world: World,
) -> None:
    services.record_progress(
        world.item_a, actor=world.office, text="照片", attachments=[_png("kept.png")]
    )
    attachment = Attachment.objects.get()
    media = Path(settings.MEDIA_ROOT)
    for name in ("progress/1/crash.png", "held/3/abc/old.png", "progress/1/young.png"):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(b"x" * 10)
    copies = media / "public-photos"
    copies.mkdir()
    (copies / f"{attachment.pk}-abc").write_bytes(b"copy")
    (copies / f"{attachment.pk + 1000}-def").write_bytes(b"copy of a removed photo")
    for name in (
        attachment.file.name,
        "progress/1/crash.png",
        "held/3/abc/old.png",
        f"public-photos/{attachment.pk}-abc",
        f"public-photos/{attachment.pk + 1000}-def",
    ):
        _age(name, 72)
    before = stored_files()

    out = StringIO()
    call_command("clean_orphan_files", stdout=out)
    listed = out.getvalue()
    assert "3 orphaned files" in listed and "dry run" in listed
    for name in ("progress/1/crash.png", "held/3/abc/old.png", f"{attachment.pk + 1000}-def"):
        assert name in listed
    assert attachment.file.name not in listed and "young.png" not in listed
    assert stored_files() == before

    call_command("clean_orphan_files", "--delete", stdout=StringIO())
    assert stored_files() == sorted(
        [attachment.file.name, "progress/1/young.png", f"public-photos/{attachment.pk}-abc"]
    )
    with pytest.raises(CommandError):
        call_command("clean_orphan_files", "--grace-hours", "0", stdout=StringIO())
