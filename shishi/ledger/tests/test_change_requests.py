"""Change requests (调整申请): a lead unit asks, the office approves or rejects; the service
and the pages."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shishi.conftest import World, client_for
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.ledger import services
from shishi.ledger.models import ChangeRequest, ChangeRequestFile, Item
from shishi.ledger.tests.pages import tiny_png

Status = ChangeRequest.Status


def _item(pk: int) -> Item:
    return Item.objects.get(pk=pk)


class _Form(HTMLParser):
    """What a browser would send from the page's form: its inputs, textareas, selects."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data.setdefault(name, []).append("")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n")


def form_data(html: str) -> dict[str, Any]:
    parser = _Form()
    parser.feed(html[html.index('<form method="post" enctype') :])
    parser.data.pop("csrfmiddlewaretoken", None)
    return dict(parser.data)


def _file_deadline(world: World, text: str = "2022年6月底前") -> ChangeRequest:
    return services.file_change_request(
        _item(world.item_a.pk),
        actor=world.editor_a,
        changes={"deadline_text": text},
        reason="冬季无法施工",
    )


# --- filing ------------------------------------------------------------------------------


def test_lead_unit_editor_files_request_with_before_values_and_audit(world: World) -> None:
    request = services.file_change_request(
        world.item_a,
        actor=world.editor_a,
        changes={
            "deadline_text": "2022年6月底前",
            "partner_units": [world.unit_b.pk, world.unit_c.pk],
            "name": world.item_a.name,  # unchanged: dropped
        },
        reason="冬季无法施工",
    )
    assert request.status == Status.PENDING
    assert request.unit_id == world.unit_a.pk
    assert request.changes == {
        "deadline_text": "2022年6月底前",
        "partner_units": sorted([world.unit_b.pk, world.unit_c.pk]),
    }
    assert request.before == {"deadline_text": "2021年12月底前", "partner_units": [world.unit_c.pk]}
    # nothing is applied yet
    assert _item(world.item_a.pk).deadline_text == "2021年12月底前"
    event = AuditEvent.objects.get(action="item.change_request")
    assert event.target_id == str(world.item_a.pk)
    assert event.actor_id == world.editor_a.pk
    assert event.changes["change_request"] == [None, request.pk]
    assert event.changes["asked:deadline_text"] == ["2021年12月底前", "2022年6月底前"]


@pytest.mark.parametrize(
    "who", ["partner_editor", "editor_b", "viewer_a", "leader", "outsider", "office", "resident"]
)
def test_only_the_lead_unit_editor_may_file(world: World, who: str) -> None:
    item = world.item_a
    with pytest.raises(PermissionDenied):
        services.file_change_request(
            item, actor=getattr(world, who), changes={"deadline_text": "2022年6月底前"}, reason="x"
        )
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadline_text": "明年某时"}, "deadline_text"),
        ({"deadline_text": ""}, "deadline_text"),
        ({"due_date": "2022-13-01"}, "due_date"),
        ({"remarks": "x"}, "remarks"),
        ({"category_id": 1}, "category_id"),
        ({"lead_unit_id": 999999}, "lead_unit_id"),
        ({"partner_units": "1,2"}, "partner_units"),
        ({"planned_investment": "-5"}, "planned_investment"),
        ({"planned_investment": "abc"}, "planned_investment"),
        ({"name": "  "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": {"x": 1}}, "name"),
        ({"lead_unit_id": 2**70}, "lead_unit_id"),
        ({"sponsor_leaders": [0]}, "sponsor_leaders"),
        ({"planned_investment": "NaN"}, "planned_investment"),
        ({"start_date": "soon"}, "start_date"),
        ({"deadline_text": "2021年12月底前"}, "changes"),  # the same as now
        ({}, "changes"),
        ({"deadline_text": "2022年6月底前", "due_date": "2022-07-31"}, "due_date"),
    ],
)
def test_bad_request_names_the_field(world: World, changes: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.file_change_request(
            world.item_a, actor=world.editor_a, changes=changes, reason="r"
        )
    assert field in exc.value.errors
    assert not ChangeRequest.objects.exists()


def test_units_and_people_of_another_district_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.file_change_request(
            world.item_a,
            actor=world.editor_a,
            changes={"partner_units": [world.hulan_unit.pk]},
            reason="r",
        )
    assert "partner_units" in exc.value.errors


def test_reason_is_required(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.file_change_request(
            world.item_a,
            actor=world.editor_a,
            changes={"deadline_text": "2022年6月底前"},
            reason=" ",
        )
    assert "reason" in exc.value.errors


def test_one_pending_request_per_item(world: World) -> None:
    _file_deadline(world)
    with pytest.raises(ValidationFailed) as exc:
        _file_deadline(world, "2022年9月底前")
    assert "changes" in exc.value.errors
    assert ChangeRequest.objects.count() == 1


def test_files_are_kept_and_bad_files_refused(world: World) -> None:
    photo = SimpleUploadedFile("现场.png", tiny_png(), content_type="image/png")
    request = services.file_change_request(
        world.item_a,
        actor=world.editor_a,
        changes={"deadline_text": "2022年6月底前"},
        reason="r",
        files=[photo],
    )
    stored = ChangeRequestFile.objects.get(request=request)
    assert stored.name == "现场.png" and stored.size == len(tiny_png())
    request.status = Status.WITHDRAWN
    request.save()
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationFailed) as exc:
        services.file_change_request(
            world.item_a,
            actor=world.editor_a,
            changes={"deadline_text": "2022年6月底前"},
            reason="r",
            files=[bad],
        )
    assert "files" in exc.value.errors


# --- deciding ----------------------------------------------------------------------------


def test_approval_applies_through_update_item_as_the_office_on_the_units_request(
    world: World,
) -> None:
    request = services.file_change_request(
        world.item_a,
        actor=world.editor_a,
        changes={"deadline_text": "2022年6月底前", "sponsor_leaders": []},
        reason="冬季无法施工",
    )
    services.approve_change_request(request, actor=world.office, comment="同意")
    item = _item(world.item_a.pk)
    assert item.deadline_text == "2022年6月底前"
    assert item.due_date == dt.date(2022, 6, 30)
    assert item.original_deadline_text == "2021年12月底前"
    assert list(item.sponsor_leaders.all()) == []
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert request.decided_by == world.office and request.comment == "同意"
    update = AuditEvent.objects.get(action="item.update", target_id=str(item.pk))
    assert update.actor_id == world.office.pk
    assert update.changes["change_request"] == [None, request.pk]
    assert update.changes["requested_by_unit"] == [None, world.unit_a.name]
    assert update.changes["deadline_text"] == ["2021年12月底前", "2022年6月底前"]
    assert update.changes["original_deadline_text"] == ["", "2021年12月底前"]
    approve = AuditEvent.objects.get(action="item.change_request_approve")
    assert approve.actor_id == world.office.pk
    assert approve.changes["comment"] == [None, "同意"]


def test_a_second_deadline_change_keeps_the_first_original(world: World) -> None:
    services.approve_change_request(_file_deadline(world), actor=world.office)
    services.approve_change_request(_file_deadline(world, "2022年9月底前"), actor=world.office)
    item = _item(world.item_a.pk)
    assert item.deadline_text == "2022年9月底前"
    assert item.original_deadline_text == "2021年12月底前"


def test_due_date_alone_writes_its_text(world: World) -> None:
    request = services.file_change_request(
        world.item_a, actor=world.editor_a, changes={"due_date": "2027-12-31"}, reason="r"
    )
    services.approve_change_request(request, actor=world.office)
    item = _item(world.item_a.pk)
    assert item.due_date == dt.date(2027, 12, 31)
    assert item.deadline_text == "2027年12月31日前"
    assert item.original_deadline_text == "2021年12月底前"


def test_update_item_takes_a_due_date_alone(world: World) -> None:
    item = services.update_item(
        world.item_b, actor=world.office, expected_version=None, due_date=dt.date(2026, 5, 1)
    )
    assert (item.deadline_text, item.due_date) == ("2026年5月1日前", dt.date(2026, 5, 1))
    assert item.original_deadline_text == ""  # the office's own edit: no mark


@pytest.mark.parametrize("who", ["editor_a", "editor_b", "partner_editor", "leader", "outsider"])
def test_only_the_office_decides(world: World, who: str) -> None:
    request = _file_deadline(world)
    with pytest.raises(PermissionDenied):
        services.approve_change_request(request, actor=getattr(world, who))
    with pytest.raises(PermissionDenied):
        services.reject_change_request(request, actor=getattr(world, who), comment="不同意")
    request.refresh_from_db()
    assert request.status == Status.PENDING


def test_city_office_decides_for_its_districts(world: World) -> None:
    services.approve_change_request(_file_deadline(world), actor=world.city_office)
    assert _item(world.item_a.pk).deadline_text == "2022年6月底前"


def test_reject_needs_a_comment_the_unit_then_reads(world: World) -> None:
    request = _file_deadline(world)
    with pytest.raises(ValidationFailed) as exc:
        services.reject_change_request(request, actor=world.office, comment="")
    assert "comment" in exc.value.errors
    services.reject_change_request(request, actor=world.office, comment="工期不能延后")
    request.refresh_from_db()
    assert request.status == Status.REJECTED and request.comment == "工期不能延后"
    assert _item(world.item_a.pk).deadline_text == "2021年12月底前"
    assert AuditEvent.objects.filter(action="item.change_request_reject").count() == 1
    with pytest.raises(ValidationFailed):  # decided once
        services.approve_change_request(request, actor=world.office)
    page = client_for(world.editor_a).get(f"/ledger/items/{world.item_a.pk}/")
    assert "工期不能延后" in page.content.decode()
    assert "已驳回" in page.content.decode()


def test_stale_request_is_refused(world: World) -> None:
    request = _file_deadline(world)
    services.update_item(
        world.item_a, actor=world.office, expected_version=None, deadline_text="2021年10月底前"
    )
    with pytest.raises(StaleEdit) as exc:
        services.approve_change_request(request, actor=world.office)
    assert "完成时限" in exc.value.message
    assert _item(world.item_a.pk).deadline_text == "2021年10月底前"
    request.refresh_from_db()
    assert request.status == Status.PENDING


def test_edit_of_other_fields_does_not_make_it_stale(world: World) -> None:
    request = _file_deadline(world)
    services.update_item(world.item_a, actor=world.office, expected_version=None, remarks="备注")
    services.approve_change_request(request, actor=world.office)
    assert _item(world.item_a.pk).deadline_text == "2022年6月底前"


def test_unit_withdraws_its_pending_request(world: World) -> None:
    request = _file_deadline(world)
    with pytest.raises(PermissionDenied):
        services.withdraw_change_request(request, actor=world.editor_b)
    services.withdraw_change_request(request, actor=world.editor_a)
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    _file_deadline(world)  # a new one may be filed now


# --- pages -------------------------------------------------------------------------------


def test_item_page_offers_request_to_the_lead_unit_and_shows_it_pending(world: World) -> None:
    url = f"/ledger/items/{world.item_a.pk}/"
    html = client_for(world.editor_a).get(url).content.decode()
    assert "申请调整" in html and f"/ledger/items/{world.item_a.pk}/edit/" not in html
    assert "申请调整" not in client_for(world.partner_editor).get(url).content.decode()
    _file_deadline(world)
    html = client_for(world.office).get(url).content.decode()
    assert "冬季无法施工" in html and "2022年6月底前" in html and "批准" in html


def test_form_files_only_changed_fields(world: World) -> None:
    url = f"/ledger/items/{world.item_a.pk}/change-request/"
    client = client_for(world.editor_a)
    page = client.get(url)
    assert page.status_code == 200
    assert "2021年12月底前" in page.content.decode()  # prefilled
    data = form_data(page.content.decode())
    data.update(deadline_text="2022年6月底前", reason="冬季无法施工")
    response = client.post(url, data)
    assert response.status_code == 302
    request = ChangeRequest.objects.get()
    assert request.changes == {"deadline_text": "2022年6月底前"}


def test_form_does_not_ask_back_an_office_edit_made_meanwhile(world: World) -> None:
    url = f"/ledger/items/{world.item_a.pk}/change-request/"
    client = client_for(world.editor_a)
    data = form_data(client.get(url).content.decode())
    services.update_item(
        _item(world.item_a.pk),
        actor=world.office,
        expected_version=None,
        deadline_text="2021年10月底前",
        partner_units=[],
    )
    data.update(name="抢修一曼街塌陷路段", reason="名称有误")
    assert client.post(url, data).status_code == 302
    assert ChangeRequest.objects.get().changes == {"name": "抢修一曼街塌陷路段"}


def test_form_changes_of_checkboxes_are_filed(world: World) -> None:
    url = f"/ledger/items/{world.item_a.pk}/change-request/"
    client = client_for(world.editor_a)
    data = form_data(client.get(url).content.decode())
    assert data["partner_units"] == [str(world.unit_c.pk)]
    data.update(partner_units=[str(world.unit_b.pk)], sponsor_leaders=[], reason="调整分工")
    assert client.post(url, data).status_code == 302
    assert ChangeRequest.objects.get().changes == {
        "partner_units": [world.unit_b.pk],
        "sponsor_leaders": [],
    }


def test_form_error_is_422_and_keeps_input(world: World) -> None:
    url = f"/ledger/items/{world.item_a.pk}/change-request/"
    client = client_for(world.editor_a)
    response = client.post(
        url, {"name": world.item_a.name, "deadline_text": "明年某时", "reason": "我的理由"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "明年某时" in html and "我的理由" in html
    assert not ChangeRequest.objects.exists()


@pytest.mark.parametrize("who", ["partner_editor", "editor_b", "viewer_a", "office", "outsider"])
def test_form_refused_for_others(world: World, who: str) -> None:
    url = f"/ledger/items/{world.item_a.pk}/change-request/"
    status = client_for(getattr(world, who)).get(url).status_code
    assert status == (404 if who == "outsider" else 403)


def test_office_queue_approves_and_item_shows_deadline_adjusted(world: World) -> None:
    request = _file_deadline(world)
    office = client_for(world.office)
    queue = office.get("/ledger/change-requests/")
    assert queue.status_code == 200
    assert "冬季无法施工" in queue.content.decode()
    response = office.post(
        f"/ledger/change-requests/{request.pk}/approve/", {"comment": "同意", "next": "queue"}
    )
    assert response.status_code == 302
    html = office.get(f"/ledger/items/{world.item_a.pk}/").content.decode()
    assert "时限已调整" in html and "2021年12月底前" in html


def test_office_queue_rejects_with_comment_and_unit_sees_it(world: World) -> None:
    request = _file_deadline(world)
    office = client_for(world.office)
    refused = office.post(f"/ledger/change-requests/{request.pk}/reject/", {"comment": ""})
    assert refused.status_code == 422
    office.post(f"/ledger/change-requests/{request.pk}/reject/", {"comment": "不同意延期"})
    own = client_for(world.editor_a).get("/ledger/change-requests/?status=").content.decode()
    assert "不同意延期" in own
    assert (
        "不同意延期"
        not in client_for(world.editor_b).get("/ledger/change-requests/?status=").content.decode()
    )


def test_stale_approval_in_the_queue_is_409(world: World) -> None:
    request = _file_deadline(world)
    services.update_item(
        world.item_a, actor=world.office, expected_version=None, deadline_text="2021年10月底前"
    )
    response = client_for(world.office).post(f"/ledger/change-requests/{request.pk}/approve/", {})
    assert response.status_code == 409
    assert "已过时" in response.content.decode()


def test_decision_urls_refuse_units_and_hide_from_outsiders(world: World) -> None:
    request = _file_deadline(world)
    url = f"/ledger/change-requests/{request.pk}/approve/"
    assert client_for(world.editor_a).post(url, {}).status_code == 403
    assert client_for(world.outsider).post(url, {}).status_code == 404
    assert client_for(world.editor_b).post(url, {}).status_code == 404
    withdraw = f"/ledger/change-requests/{request.pk}/withdraw/"
    assert client_for(world.editor_a).post(withdraw, {}).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN


def test_form_files_with_attachment_office_downloads_it(world: World) -> None:
    url = f"/ledger/items/{world.item_a.pk}/change-request/"
    client = client_for(world.editor_a)
    data = form_data(client.get(url).content.decode())
    photo = SimpleUploadedFile("现场.png", tiny_png(), content_type="image/png")
    data.update(deadline_text="2022年6月底前", reason="冬季无法施工", attachments=[photo])
    assert client.post(url, data).status_code == 302
    stored = ChangeRequestFile.objects.get()
    file_url = f"/ledger/change-requests/{stored.request_id}/files/{stored.pk}/"
    assert (
        file_url
        in client_for(world.office).get(f"/ledger/items/{world.item_a.pk}/").content.decode()
    )
    response = client_for(world.office).get(file_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_png()  # type: ignore[attr-defined]
    assert client_for(world.editor_b).get(file_url).status_code == 404


def test_hostile_text_is_escaped_in_the_queue(world: World) -> None:
    services.file_change_request(
        _item(world.item_a.pk),
        actor=world.editor_a,
        changes={"name": "<script>alert(1)</script>"},
        reason="<b>理由</b>",
    )
    html = client_for(world.office).get("/ledger/change-requests/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>理由</b>" not in html


def test_office_decides_on_the_item_page_and_returns_there(world: World) -> None:
    request = _file_deadline(world)
    item_url = f"/ledger/items/{world.item_a.pk}/"
    # a leader reads the item (and its history) but gets no request card to act on
    assert 'id="change-request-' not in client_for(world.leader).get(item_url).content.decode()
    office = client_for(world.office)
    services.update_item(
        _item(world.item_a.pk), actor=world.office, expected_version=None, deadline_text="10月底前"
    )
    stale = office.post(f"/ledger/change-requests/{request.pk}/approve/", {"next": "item"})
    assert stale.status_code == 409
    assert "已过时" in stale.content.decode() and "冬季无法施工" in stale.content.decode()
    response = office.post(
        f"/ledger/change-requests/{request.pk}/reject/", {"next": "item", "comment": "已另行调整"}
    )
    assert response.status_code == 302 and response["Location"] == item_url
    request.refresh_from_db()
    assert request.status == Status.REJECTED
