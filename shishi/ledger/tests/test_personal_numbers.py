"""A phone or ID number typed into a progress text: the writer is warned (form and API) and
must confirm or edit; the review queue flags the update (page and API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.ledger import services
from shishi.ledger.models import Item, ProgressUpdate
from shishi.ledger.tests.pages import tiny_png

PHONE = "13812345678"
ID = "11010519491231002X"
TEXT = f"居民王某（身份证{ID}，电话{PHONE}）家门前路面已修复"


def _form(item: Item, **extra: Any) -> dict[str, Any]:
    return {
        "reported_on": "2021-06-01",
        "rate": "45",
        "text": TEXT,
        "version": str(item.progress_version),
        **extra,
    }


def test_the_form_warns_keeps_what_was_typed_and_saves_once_confirmed(world: World) -> None:
    client = client_for(world.editor_a)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    photo = SimpleUploadedFile("现场.png", tiny_png(), content_type="image/png")
    response = client.post(url, _form(world.item_a, attachments=[photo]))
    assert response.status_code == 422
    body = response.content.decode()
    assert "手机号码、身份证号码" in body or "身份证号码、手机号码" in body
    assert "138****5678" in body and "1101**********002X" in body
    assert 'name="confirm_personal_numbers"' in body
    assert TEXT in body  # what was typed is kept in the form
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    held = response.context["form"].held_files
    assert [h.name for h in held] == ["现场.png"]  # the file chosen is kept too
    response = client.post(
        url,
        _form(world.item_a, confirm_personal_numbers="on", held=[h.token for h in held]),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    update = ProgressUpdate.objects.get(item=world.item_a)
    assert update.text == TEXT and update.attachments.count() == 1


def test_a_text_without_numbers_shows_no_confirmation(world: World) -> None:
    client = client_for(world.editor_a)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    body = client.get(url).content.decode()
    assert 'name="confirm_personal_numbers"' not in body
    response = client.post(url, _form(world.item_a, text="完成一曼街东段，投资13812345678.5元"))
    assert response.status_code == 302


def test_the_reason_is_checked_too(world: World) -> None:
    services.record_progress(
        Item.objects.get(pk=world.item_a.pk), actor=world.office, rate=Decimal(60), text="x"
    )
    item = Item.objects.get(pk=world.item_a.pk)
    response = client_for(world.editor_a).post(
        reverse("ledger:progress", args=[item.pk]),
        _form(item, text="返工", rate="40", reason=f"联系{PHONE}"),
    )
    assert response.status_code == 422
    assert "138****5678" in response.content.decode()


def test_the_api_answers_422_with_the_warning_until_confirmed(world: World, as_user: Any) -> None:
    caller = as_user(world.editor_a)
    path = f"/items/{world.item_a.pk}/updates"
    response = caller.post(path, {"text": TEXT, "rate": 40})
    assert response.status_code == 422
    body = response.json()
    assert "138****5678" in body["errors"]["text"] and "confirm_personal_numbers" in body["errors"]
    assert PHONE not in response.content.decode() and ID not in response.content.decode()
    assert not ProgressUpdate.objects.filter(item=world.item_a).exists()
    response = caller.post(path, {"text": TEXT, "rate": 40, "confirm_personal_numbers": True})
    assert response.status_code == 201, response.content
    # Who may not post gets the service's 403, not the warning.
    denied = as_user(world.editor_b).post(path, {"text": TEXT, "rate": 50})
    assert denied.status_code == 403


def test_the_review_queue_flags_updates_with_personal_numbers(world: World, as_user: Any) -> None:
    flagged = services.record_progress(
        Item.objects.get(pk=world.item_a.pk), actor=world.editor_a, rate=Decimal(30), text=TEXT
    )
    clean = services.record_progress(
        Item.objects.get(pk=world.item_b.pk), actor=world.editor_b, rate=Decimal(20), text="乙单位"
    )
    body = client_for(world.office).get("/ledger/review/").content.decode()
    row = body[body.index(f'id="update-{flagged.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "pii-flag" in row and "手机号码、身份证号码" in row
    other = body[body.index(f'id="update-{clean.pk}"') :]
    assert "pii-flag" not in other[: other.index("</tr>")]
    items = as_user(world.office).get("/review-queue").json()["items"]
    kinds = {i["id"]: i["personal_numbers"] for i in items}
    assert kinds == {flagged.pk: ["手机号码", "身份证号码"], clean.pk: []}
