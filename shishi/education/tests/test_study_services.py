"""Entering, correcting and reviewing study activities (part C): who may, what is refused
(naming the field), stale edits, the return notice, audit events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.core.models import AuditEvent
from shishi.education import permissions, study_services
from shishi.education.models import Landmark, StudyActivity, StudyPhoto
from shishi.education.tests.study_fixtures import Party, entered, entry, party, photo
from shishi.notify.models import Message

__all__ = ["party"]
pytestmark = pytest.mark.django_db
Status = StudyActivity.Status


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_committee_editor_enters_for_itself_and_its_branches_only(
    world: World, party: Party
) -> None:
    editor = party.committee_editor
    assert permissions.entering_unit_ids(editor) == {
        party.committee.pk,
        party.branch.pk,
        party.branch2.pk,
    }
    for unit in (party.committee, party.branch, party.branch2):
        assert entered(unit, editor).status == Status.SUBMITTED
    for unit in (party.other, party.other_branch, world.unit_b):
        with pytest.raises(ValidationFailed) as refused:
            entered(unit, editor)
        assert "unit" in refused.value.errors
    assert StudyActivity.objects.count() == 3


def test_branch_editor_cannot_enter_for_its_committee_or_a_sibling(
    world: World, party: Party
) -> None:
    entered(party.branch, party.branch_editor)
    for unit in (party.committee, party.branch2, party.other_branch):
        with pytest.raises(ValidationFailed):
            entered(unit, party.branch_editor)


def test_office_enters_for_any_unit_of_its_district_not_another(world: World, party: Party) -> None:
    for unit in (party.other_branch, world.unit_b):
        assert entered(unit, world.office).jurisdiction_id == world.nangang.pk
    with pytest.raises(ValidationFailed):
        entered(world.hulan_unit, world.office)
    for user in (world.viewer_a, world.leader, world.resident, world.outsider):
        with pytest.raises(ValidationFailed):
            entered(party.branch, user)


def test_only_the_districts_office_reviews(world: World, party: Party) -> None:
    activity = entered(party.branch, party.committee_editor)
    for user in (party.committee_editor, party.branch_editor, world.outsider, world.leader):
        with pytest.raises(PermissionDenied):
            study_services.approve_activity(activity, actor=user)
        with pytest.raises(PermissionDenied):
            study_services.return_activity(activity, "照片不清", actor=user)
    assert study_services.approve_activities([activity.pk], actor=world.outsider) == 0
    activity.refresh_from_db()
    assert activity.status == Status.SUBMITTED
    done = study_services.approve_activity(activity, actor=world.office, version=1)
    assert done.status == Status.APPROVED and done.reviewed_by == world.office
    assert AuditEvent.objects.filter(action="education.study_approved").count() == 1
    with pytest.raises(StaleEdit):  # reviewed already
        study_services.return_activity(activity, "重复", actor=world.city_office)


def test_future_date_names_over_count_and_bad_photo_refused_naming_the_field(
    world: World, party: Party
) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"held_on": tomorrow}, "held_on"),
        ({"participants": 1, "participant_names": "张三\n李四\n\n"}, "participants"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"not a picture")]}, "photos"),
        ({"photos": [photo("a.gif", "GIF")]}, "photos"),
        ({"title": "  "}, "title"),
        ({"kind": "nap"}, "kind"),
        ({"line": "secretary_lecture", "speaker": ""}, "speaker"),
        ({"line": "base_visit", "participants": 0}, "participants"),
        ({"line": "nope"}, "line"),
        ({"landmark_id": 999999, "kind": "visit"}, "landmark"),
        ({"participants": -1}, "participants"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            entered(party.branch, party.committee_editor, **changes)
        assert field in refused.value.errors, (changes, refused.value.errors)
    assert not StudyActivity.objects.exists()
    assert not StudyPhoto.objects.exists()
    fine = entered(
        party.branch,
        party.committee_editor,
        participants=2,
        participant_names="张三\n李四",
        photos=[photo("a.png"), photo("b.jpg", "JPEG"), photo("c.webp", "WEBP")],
    )
    assert fine.photos.count() == 3
    assert fine.participant_names == "张三\n李四"
    event = AuditEvent.objects.get(action="education.study_entered")
    assert "张三" not in str(event.changes)  # names are not audited, only their number


def test_landmark_of_another_district_refused(world: World, party: Party) -> None:
    here = Landmark.objects.create(
        jurisdiction=world.nangang, name="东北抗联博物馆", address="一曼街241号"
    )
    there = Landmark.objects.create(jurisdiction=world.hulan, name="萧红故居", address="呼兰")
    with pytest.raises(ValidationFailed) as refused:
        entered(party.branch, party.committee_editor, kind="visit", landmark_id=there.pk)
    assert "landmark" in refused.value.errors
    with pytest.raises(ValidationFailed):  # a landmark only for a visit
        entered(party.branch, party.committee_editor, kind="group", landmark_id=here.pk)
    ok = entered(party.branch, party.committee_editor, line="base_visit", landmark_id=here.pk)
    assert ok.landmark_id == here.pk


def test_stale_edit_refused_and_approved_one_fixed(world: World, party: Party) -> None:
    activity = entered(party.branch, party.committee_editor)
    first = study_services.update_activity(
        activity, entry(party.branch, title="改过的名称"), version=1, actor=party.branch_editor
    )
    assert first.version == 2 and first.title == "改过的名称"
    with pytest.raises(StaleEdit):
        study_services.update_activity(
            activity, entry(party.branch, title="旧表单"), version=1, actor=party.committee_editor
        )
    activity.refresh_from_db()
    assert activity.title == "改过的名称"
    with pytest.raises(PermissionDenied):
        study_services.update_activity(
            activity, entry(party.branch), version=2, actor=world.editor_b
        )
    study_services.approve_activity(activity, actor=world.office)
    with pytest.raises(StaleEdit):
        study_services.update_activity(
            activity, entry(party.branch), version=3, actor=party.committee_editor
        )


def test_return_needs_a_note_tells_the_editors_and_a_correction_resubmits(
    world: World, party: Party
) -> None:
    activity = entered(party.branch, party.branch_editor)
    with pytest.raises(ValidationFailed) as refused:
        study_services.return_activity(activity, "  ", actor=world.office)
    assert "note" in refused.value.errors
    returned = study_services.return_activity(activity, "缺少活动照片", actor=world.office)
    assert returned.status == Status.RETURNED and returned.review_note == "缺少活动照片"
    told = set(
        Message.objects.filter(kind="study.returned").values_list("recipient__username", flat=True)
    )
    assert told == {"branch_editor", "committee_editor"}
    assert "缺少活动照片" in Message.objects.filter(kind="study.returned").first().text  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="education.study_returned").exists()
    again = study_services.update_activity(
        activity,
        entry(party.branch, photos=[photo()]),
        version=returned.version,
        actor=party.branch_editor,
    )
    assert again.status == Status.SUBMITTED and again.photos.count() == 1


def test_bulk_approve_takes_the_submitted_ones_of_the_offices_district(
    world: World, party: Party
) -> None:
    a = entered(party.branch, party.committee_editor)
    b = entered(party.committee, party.committee_editor)
    c = entered(party.other, world.office)
    study_services.return_activity(c, "退回", actor=world.office)
    hulan = entered(world.hulan_unit, world.outsider)
    done = study_services.approve_activities([a.pk, b.pk, c.pk, hulan.pk], actor=world.office)
    assert done == 2
    statuses = dict(StudyActivity.objects.values_list("pk", "status"))
    assert statuses == {
        a.pk: Status.APPROVED,
        b.pk: Status.APPROVED,
        c.pk: Status.RETURNED,
        hulan.pk: Status.SUBMITTED,
    }
    assert AuditEvent.objects.filter(action="education.study_approved").count() == 2
    with pytest.raises(ValidationFailed):
        study_services.approve_activities([], actor=world.office)


def test_removing_a_photo_on_correction(world: World, party: Party) -> None:
    activity = entered(party.branch, party.committee_editor, photos=[photo(), photo("b.png")])
    gone = activity.photos.first()
    assert gone is not None
    study_services.update_activity(
        activity,
        entry(party.branch, remove_photo_ids=[gone.pk]),
        version=1,
        actor=party.committee_editor,
    )
    assert list(activity.photos.values_list("pk", flat=True)) != [gone.pk]
    assert activity.photos.count() == 1
