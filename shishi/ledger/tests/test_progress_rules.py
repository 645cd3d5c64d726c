"""The rules of a progress post: a lower rate needs a reason, a big rise (or 100%) from a unit
needs a file as evidence — through the service, the page and the API alike."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shishi.conftest import World, client_for
from shishi.core.errors import ValidationFailed
from shishi.ledger import services
from shishi.ledger.models import Attachment, Item, ProgressUpdate

D1, D2 = dt.date(2021, 4, 1), dt.date(2021, 5, 1)


def fresh(item: Item) -> Item:
    return Item.objects.get(pk=item.pk)


def post(item: Item, actor: Any, rate: int | None, **kwargs: Any) -> ProgressUpdate:
    kwargs.setdefault("text", f"进展{rate}")
    value = None if rate is None else Decimal(rate)
    return services.record_progress(fresh(item), actor=actor, rate=value, **kwargs)


def photo(name: str = "site.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG evidence", content_type="image/png")


def at_rate(world: World, rate: int) -> None:
    """item_a at ``rate``, posted by the office on D1."""
    post(world.item_a, world.office, rate, reported_on=D1)


def evidence_on(world: World, step: int = 50) -> None:
    services.set_programme_review(world.programme, actor=world.office, evidence_step=step)


def updates() -> int:
    return ProgressUpdate.objects.count()


def field_error(body: str, field: str) -> str:
    """The error shown beside ``field`` on a form page ('' if none)."""
    match = re.search(
        rf'<div class="field has-error[^"]*">\s*<label for="id_{field}".*?'
        r'<p class="field-error">(.*?)</p>',
        body,
        re.S,
    )
    return match.group(1) if match else ""


def page_post(world: World, user: Any, data: dict[str, Any]) -> Any:
    data = {"reported_on": D2.isoformat(), "version": fresh(world.item_a).progress_version} | data
    return client_for(user).post(reverse("ledger:progress", args=[world.item_a.pk]), data)


# --- a lower rate needs a reason ------------------------------------------------------------


def test_a_lower_rate_without_a_reason_is_refused_naming_reason(world: World) -> None:
    at_rate(world, 60)
    count = updates()
    with pytest.raises(ValidationFailed) as info:
        post(world.item_a, world.editor_a, 40, reported_on=D2)
    assert info.value.status == 422
    assert set(info.value.errors) == {"reason"}
    assert "60%" in info.value.errors["reason"]
    assert updates() == count
    assert fresh(world.item_a).completion_rate == Decimal(60)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_blank_reason_is_no_reason(world: World, reason: str) -> None:
    at_rate(world, 60)
    with pytest.raises(ValidationFailed) as info:
        post(world.item_a, world.editor_a, 40, reported_on=D2, reason=reason)
    assert "reason" in info.value.errors


def test_the_office_needs_a_reason_too(world: World) -> None:
    at_rate(world, 60)
    with pytest.raises(ValidationFailed) as info:
        post(world.item_a, world.office, 40, reported_on=D2)
    assert "reason" in info.value.errors


def test_a_lower_rate_with_a_reason_saves_and_the_reason_shows_on_the_timeline(
    world: World,
) -> None:
    at_rate(world, 60)
    update = post(world.item_a, world.editor_a, 40, reported_on=D2, reason="复核后扣减返工路段")
    assert update.reason == "复核后扣减返工路段"
    assert fresh(world.item_a).completion_rate == Decimal(40)
    body = client_for(world.viewer_a).get(reverse("ledger:item", args=[world.item_a.pk]))
    text = body.content.decode()
    assert "下调原因：" in text and "复核后扣减返工路段" in text


def test_the_same_or_a_higher_rate_needs_no_reason(world: World) -> None:
    at_rate(world, 60)
    assert post(world.item_a, world.editor_a, 60, reported_on=D2).reason == ""
    assert post(world.item_a, world.editor_a, 70, reported_on=D2).reason == ""


def test_a_backdated_entry_below_the_current_rate_needs_no_reason(world: World) -> None:
    """It does not lower the current rate: it is history, filed late."""
    post(world.item_a, world.office, 60, reported_on=D2)
    post(world.item_a, world.editor_a, 30, reported_on=D1)
    assert fresh(world.item_a).completion_rate == Decimal(60)


def test_the_page_shows_the_reason_error_beside_the_field(world: World) -> None:
    at_rate(world, 60)
    count = updates()
    response = page_post(world, world.editor_a, {"rate": "40", "text": "部分返工"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "请填写下调原因" in field_error(body, "reason")
    assert "部分返工" in body  # the input is kept
    assert updates() == count
    response = page_post(
        world, world.editor_a, {"rate": "40", "text": "部分返工", "reason": "返工三处"}
    )
    assert response.status_code == 302
    assert ProgressUpdate.objects.latest("pk").reason == "返工三处"


def test_the_api_refuses_a_lower_rate_without_a_reason(world: World, as_user: Any) -> None:
    at_rate(world, 60)
    api = as_user(world.editor_a)
    url = f"/items/{world.item_a.pk}/updates"
    response = api.post(url, {"text": "部分返工", "rate": 40, "reported_on": D2.isoformat()})
    assert response.status_code == 422
    assert "请填写下调原因" in response.json()["errors"]["reason"]
    response = api.post(
        url,
        {"text": "部分返工", "rate": 40, "reported_on": D2.isoformat(), "reason": "返工三处"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["update"]["reason"] == "返工三处"
    assert body["update"]["review"] == "pending"
    assert body["item"]["completion_rate"] == 40


# --- a big rise needs evidence --------------------------------------------------------------


@pytest.mark.parametrize(("start", "rate"), [(0, 60), (10, 61), (60, 100), (99, 100)])
def test_a_units_big_rise_or_100_without_a_file_is_refused(
    world: World, start: int, rate: int
) -> None:
    evidence_on(world)
    at_rate(world, start)
    count = updates()
    with pytest.raises(ValidationFailed) as info:
        post(world.item_a, world.editor_a, rate, reported_on=D2)
    assert set(info.value.errors) == {"attachments"}
    assert "佐证" in info.value.errors["attachments"]
    assert updates() == count
    assert fresh(world.item_a).completion_rate == Decimal(start)


@pytest.mark.parametrize(("start", "rate"), [(0, 50), (10, 60), (60, 99)])
def test_a_rise_within_the_step_needs_no_file(world: World, start: int, rate: int) -> None:
    evidence_on(world)
    at_rate(world, start)
    post(world.item_a, world.editor_a, rate, reported_on=D2)
    assert fresh(world.item_a).completion_rate == Decimal(rate)


def test_with_a_file_the_big_rise_saves(world: World) -> None:
    evidence_on(world)
    update = post(world.item_a, world.editor_a, 100, reported_on=D2, attachments=[photo()])
    assert fresh(world.item_a).completion_rate == Decimal(100)
    assert [a.name for a in update.attachments.all()] == ["site.png"]


def test_the_office_is_exempt_from_the_evidence_rule(world: World) -> None:
    evidence_on(world)
    post(world.item_a, world.office, 60, reported_on=D1)
    post(world.item_a, world.office, 100, reported_on=D2)
    assert fresh(world.item_a).completion_rate == Decimal(100)
    assert not Attachment.objects.exists()


def test_evidence_step_none_turns_the_rule_off(world: World) -> None:
    evidence_on(world, 10)
    services.set_programme_review(world.programme, actor=world.office, evidence_step=None)
    world.programme.refresh_from_db()
    assert world.programme.evidence_step is None
    post(world.item_a, world.editor_a, 90, reported_on=D1)
    post(world.item_a, world.editor_a, 100, reported_on=D2)
    assert fresh(world.item_a).completion_rate == Decimal(100)


def test_the_step_follows_the_programmes_setting(world: World) -> None:
    evidence_on(world, 20)
    with pytest.raises(ValidationFailed):
        post(world.item_a, world.editor_a, 21, reported_on=D2)
    post(world.item_a, world.editor_a, 20, reported_on=D2)


@pytest.mark.parametrize("step", [0, 101, -5])
def test_an_evidence_step_outside_1_to_100_is_refused(world: World, step: int) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.set_programme_review(world.programme, actor=world.office, evidence_step=step)
    assert "evidence_step" in info.value.errors


def test_a_partner_note_is_subject_to_neither_rule(world: World) -> None:
    evidence_on(world, 10)
    at_rate(world, 60)
    note = post(world.item_a, world.partner_editor, None, reported_on=D2, as_note=True)
    assert note.is_note and note.reason == ""
    assert fresh(world.item_a).completion_rate == Decimal(60)


def test_the_page_shows_the_evidence_error_beside_the_file_field(world: World) -> None:
    evidence_on(world)
    response = page_post(world, world.editor_a, {"rate": "60", "text": "大部完工"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "请上传佐证材料" in field_error(body, "attachments")
    assert "大部完工" in body
    assert not ProgressUpdate.objects.exists()
    response = page_post(
        world, world.editor_a, {"rate": "60", "text": "大部完工", "attachments": [photo()]}
    )
    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert [a.name for a in update.attachments.all()] == ["site.png"]


def test_the_page_tells_the_unit_about_the_evidence_rule(world: World) -> None:
    evidence_on(world, 30)
    url = reverse("ledger:progress", args=[world.item_a.pk])
    assert "超过30个百分点" in client_for(world.editor_a).get(url).content.decode()
    assert "超过30个百分点" not in client_for(world.office).get(url).content.decode()


def test_the_api_refuses_a_big_rise_without_evidence(world: World, as_user: Any) -> None:
    evidence_on(world)
    url = f"/items/{world.item_a.pk}/updates"
    response = as_user(world.editor_a).post(url, {"text": "大部完工", "rate": 60})
    assert response.status_code == 422
    assert "佐证" in response.json()["errors"]["attachments"]
    assert not ProgressUpdate.objects.exists()
    # The office posts the same through the API.
    response = as_user(world.office).post(url, {"text": "专班核实", "rate": 60})
    assert response.status_code == 201
    assert response.json()["update"]["review"] == "published"
