"""Conflicts per concern: an item's fields (``version``, the office's edits) and its progress
(``progress_version``, progress posts) are locked apart, so neither makes the other's open
form stale. Two progress posts from the same version: the second is refused (409) with the
typed text and the uploaded files kept, and attaches those files when sent again."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.models import Attachment, Item, ProgressUpdate
from shishi.ledger.tests.api_client import API

D1, D2 = dt.date(2021, 4, 1), dt.date(2021, 5, 1)
PHOTO = b"\x89PNG the site after the works"
REPORT = b"%PDF-1.4 acceptance report"


def fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def uploads() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile("现场.png", PHOTO, content_type="image/png"),
        SimpleUploadedFile("验收报告.pdf", REPORT, content_type="application/pdf"),
    ]


def progress_url(item: Item) -> str:
    return reverse("ledger:progress", args=[item.pk])


def form_version(body: str) -> int:
    match = re.search(r'name="version" value="(\d+)"', body)
    assert match, "the form carries a version"
    return int(match.group(1))


def held_tokens(body: str) -> list[str]:
    return re.findall(r'name="held" value="([^"]+)"', body)


def office_edit(world: World, **changes: Any) -> None:
    item = fresh(world.item_a)
    services.update_item(item, actor=world.office, expected_version=item.version, **changes)


def api_patch(as_user: Any, user: Any, path: str, body: dict[str, Any]) -> Any:
    caller = as_user(user)
    return caller.client.patch(
        API + path, json.dumps(body), content_type="application/json", **caller.headers
    )


# --- an office edit does not make a progress post stale ---------------------------------------


def test_an_office_edit_after_the_progress_form_opened_does_not_make_it_stale(
    world: World,
) -> None:
    client = client_for(world.editor_a)
    version = form_version(client.get(progress_url(world.item_a)).content.decode())
    office_edit(world, name="抢修一曼街全线", deadline_text="2021年9月30日前")
    response = client.post(
        progress_url(world.item_a),
        {"reported_on": D2.isoformat(), "rate": "30", "text": "已修复6处", "version": version},
    )
    assert response.status_code == 302
    item = fresh(world.item_a)
    assert (item.name, item.completion_rate) == ("抢修一曼街全线", Decimal(30))


def test_an_office_edit_does_not_make_an_api_progress_post_stale(
    world: World, as_user: Any
) -> None:
    unit = as_user(world.editor_a)
    read = unit.get(f"/items/{world.item_a.pk}").json()
    patched = api_patch(
        as_user,
        world.office,
        f"/items/{world.item_a.pk}",
        {"name": "抢修一曼街全线", "expected_version": read["version"]},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == read["version"] + 1
    assert patched.json()["progress_version"] == read["progress_version"]
    response = unit.post(
        f"/items/{world.item_a.pk}/updates",
        {"text": "已修复6处", "rate": 30, "expected_version": read["progress_version"]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["item"]["progress_version"] == read["progress_version"] + 1


# --- a progress post does not make the office's edit stale ------------------------------------


def test_a_progress_post_does_not_make_the_offices_open_edit_form_stale(world: World) -> None:
    office = client_for(world.office)
    edit_url = reverse("ledger:edit", args=[world.item_a.pk])
    version = form_version(office.get(edit_url).content.decode())
    services.record_progress(
        fresh(world.item_a), actor=world.editor_a, text="填报", rate=Decimal(40)
    )
    response = office.post(
        edit_url,
        {
            "name": "抢修一曼街全线",
            "lead_unit": world.unit_a.pk,
            "category": world.item_a.category_id,
            "deadline_text": "2021年12月底前",
            "sponsor_leaders": [world.leader_person.pk],
            "partner_units": [world.unit_c.pk],
            "version": version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = fresh(world.item_a)
    assert (item.name, item.completion_rate) == ("抢修一曼街全线", Decimal(40))


def test_a_progress_post_does_not_make_an_api_patch_stale(world: World, as_user: Any) -> None:
    read = as_user(world.office).get(f"/items/{world.item_a.pk}").json()
    posted = as_user(world.editor_a).post(
        f"/items/{world.item_a.pk}/updates", {"text": "填报", "rate": 40}
    )
    assert posted.status_code == 201
    response = api_patch(
        as_user,
        world.office,
        f"/items/{world.item_a.pk}",
        {"name": "抢修一曼街全线", "expected_version": read["version"]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["completion_rate"] == 40


def test_an_office_edit_still_conflicts_with_another_office_edit(
    world: World, as_user: Any
) -> None:
    read = as_user(world.office).get(f"/items/{world.item_a.pk}").json()
    office_edit(world, name="先改的名称")
    response = api_patch(
        as_user,
        world.office,
        f"/items/{world.item_a.pk}",
        {"name": "后改的名称", "expected_version": read["version"]},
    )
    assert response.status_code == 409
    assert fresh(world.item_a).name == "先改的名称"


# --- two progress posts from the same version -------------------------------------------------


def _second_post_refused(world: World) -> tuple[Any, str, int]:
    """editor_a and the office open the form at the same version; the office posts first;
    editor_a's post (with two files) is refused. The client, page and current version."""
    client = client_for(world.editor_a)
    version = form_version(client.get(progress_url(world.item_a)).content.decode())
    services.record_progress(
        fresh(world.item_a),
        actor=world.office,
        text="专班先填",
        rate=Decimal(30),
        reported_on=D1,
        expected_version=version,
    )
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "80",
            "text": "我们后填的进展",
            "version": version,
            "attachments": uploads(),
        },
    )
    assert response.status_code == 409
    return client, response.content.decode(), version


def test_the_second_post_from_the_same_version_is_refused_keeping_text_and_files(
    world: World,
) -> None:
    _client, body, version = _second_post_refused(world)
    assert "已有新的进展填报" in body
    assert "我们后填的进展" in body  # the typed text is back in the form
    assert form_version(body) == version + 1  # sending again now goes through
    assert "已保留的附件" in body
    assert "现场.png" in body and "验收报告.pdf" in body
    assert len(held_tokens(body)) == 2
    # Nothing of the refused post was written.
    assert ProgressUpdate.objects.filter(item=world.item_a).count() == 1
    assert not Attachment.objects.exists()
    assert fresh(world.item_a).completion_rate == Decimal(30)


def test_resubmitting_with_the_held_files_attaches_them(world: World) -> None:
    client, body, _version = _second_post_refused(world)
    tokens = held_tokens(body)
    held_paths = [h.path for h in services.held_files(tokens, actor=world.editor_a)]
    assert len(held_paths) == 2
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "80",
            "text": "我们后填的进展",
            "version": form_version(body),
            "held": tokens,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    update = ProgressUpdate.objects.get(text="我们后填的进展")
    files = {a.name: a for a in update.attachments.all()}
    assert set(files) == {"现场.png", "验收报告.pdf"}
    assert files["现场.png"].content_type == "image/png"
    assert files["现场.png"].size == len(PHOTO)
    with files["现场.png"].file.open("rb") as f:
        assert f.read() == PHOTO
    with files["验收报告.pdf"].file.open("rb") as f:
        assert f.read() == REPORT
    assert fresh(world.item_a).completion_rate == Decimal(80)


def test_held_files_are_dropped_after_they_are_attached(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client, body, _version = _second_post_refused(world)
    tokens = held_tokens(body)
    paths = [h.path for h in services.held_files(tokens, actor=world.editor_a)]
    assert all(default_storage.exists(p) for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            progress_url(world.item_a),
            {
                "reported_on": D2.isoformat(),
                "rate": "80",
                "text": "再次提交",
                "version": form_version(body),
                "held": tokens,
            },
        )
    assert Attachment.objects.count() == 2
    assert not any(default_storage.exists(p) for p in paths)
    assert services.held_files(tokens, actor=world.editor_a) == []


def test_an_unticked_held_file_is_not_attached(world: World) -> None:
    client, body, _version = _second_post_refused(world)
    tokens = held_tokens(body)
    kept = next(
        h for h in services.held_files(tokens, actor=world.editor_a) if h.name == "现场.png"
    )
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "80",
            "text": "只附照片",
            "version": form_version(body),
            "held": [kept.token],
        },
    )
    assert response.status_code == 302
    assert [a.name for a in Attachment.objects.all()] == ["现场.png"]


def test_files_of_a_post_refused_for_a_missing_field_are_held_too(world: World) -> None:
    client = client_for(world.editor_a)
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "80",
            "text": "",
            "version": fresh(world.item_a).progress_version,
            "attachments": uploads(),
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "已保留的附件" in body
    assert len(held_tokens(body)) == 2


def test_held_files_count_as_evidence(world: World) -> None:
    services.set_programme_review(world.programme, actor=world.office, evidence_step=50)
    client, body, _version = _second_post_refused(world)  # 30% → 80% with files, refused
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "100",
            "text": "全部完工",
            "version": form_version(body),
            "held": held_tokens(body),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(world.item_a).completion_rate == Decimal(100)


def test_a_held_token_of_another_user_is_ignored(world: World) -> None:
    _client, body, _version = _second_post_refused(world)
    tokens = held_tokens(body)
    assert services.held_files(tokens, actor=world.editor_b) == []
    # The office posts the unit's tokens: the files are not attached to its update.
    office = client_for(world.office)
    response = office.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "40",
            "text": "专班借用他人附件",
            "version": fresh(world.item_a).progress_version,
            "held": tokens,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProgressUpdate.objects.get(text="专班借用他人附件").attachments.count() == 0
    assert not Attachment.objects.exists()


def test_a_forged_held_token_is_ignored(world: World) -> None:
    client = client_for(world.editor_a)
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "rate": "40",
            "text": "伪造的附件",
            "version": fresh(world.item_a).progress_version,
            "held": ["eyJwIjoiLi4vLi4vc2VjcmV0In0:forged:signature", "not-a-token"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProgressUpdate.objects.get(text="伪造的附件").attachments.count() == 0
    assert services.held_files(["not-a-token"], actor=world.editor_a) == []


def test_a_forged_token_names_no_file_on_a_refused_form(world: World) -> None:
    client = client_for(world.editor_a)
    response = client.post(
        progress_url(world.item_a),
        {
            "reported_on": D2.isoformat(),
            "text": "",
            "version": fresh(world.item_a).progress_version,
            "held": ["forged-token"],
        },
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "forged-token" not in body
    assert "已保留的附件" not in body
